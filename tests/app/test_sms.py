"""SMS as a second channel: consent, local night, a stricter cap."""
from datetime import datetime, timezone

import pytest

from tests.app.campaign_helpers import act, campaign, pool, subscriber, template
from tests.app.helpers import tick

NOON_UTC = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)  # London 12:00, Sydney 23:00


@pytest.fixture
def noon(monkeypatch):
    for module in ("chalicelib.domain.clock", "chalicelib.services.scheduler"):  # the send path reads domain.clock
        monkeypatch.setattr(f"{module}.utcnow", lambda: NOON_UTC)


def texts():
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    messages = sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sms_messages.values()
    return [(number, message) for number, message, *_ in messages]


def test_sms_only_with_consent_never_at_night_and_capped(client, auth, noon):
    from chalicelib import wiring

    tmpl = template(client, auth, text="Hi {{ candidate.first_name | default('there') }}, new roles are open.")
    audience = pool(client, auth)
    tick()
    subscriber("london@example.com", first_name="Lou", skills=["go"], phone="020 7946 0958", country="GB",
               sms_consent=True)
    sydney = subscriber("sydney@example.com", skills=["go"], phone="+61 2 9374 4000", country="AU", city="Sydney",
                        sms_consent=True)
    no_consent = subscriber("nosms@example.com", skills=["go"], phone="+44 7700 900123", country="GB")
    made = campaign(client, auth, [audience["id"]], [{"template_id": tmpl["id"]}], channel="sms")
    act(client, auth, made["id"], "schedule")
    tick()
    sent = texts()
    assert [number for number, _ in sent] == ["+442079460958"]
    assert sent[0][1].startswith("Hi Lou, new roles are open.") and "/u/" in sent[0][1]
    skips = {s["candidate_id"]: s.get("reason") for s in wiring.send_repo().for_candidate(no_consent["id"])}
    assert skips == {no_consent["id"]: "no_sms_consent"}
    assert wiring.send_repo().for_candidate(sydney["id"]) == []  # waits for the Sydney morning, not skipped

    again = campaign(client, auth, [audience["id"]], [{"template_id": tmpl["id"]}], channel="sms", name="again")
    act(client, auth, again["id"], "schedule")
    tick()
    assert len(texts()) == 1  # CRM_SMS_FREQUENCY_CAP: one text a week


def test_sms_campaign_needs_a_text_template(client, auth):
    import json

    html_only = template(client, auth)
    audience = pool(client, auth)
    response = client.http.post("/campaigns", headers=auth, body=json.dumps({
        "name": "x", "channel": "sms", "category": "career_advice", "audience": {"pools": [audience["id"]]},
        "steps": [{"template_id": html_only["id"]}]}))
    assert response.status_code == 400 and "steps[0].template_id" in json.loads(response.body)["error"]["fields"]
