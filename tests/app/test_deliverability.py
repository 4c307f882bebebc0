"""The deliverability autopilot from outside: campaign sends, signed SNS bounces and complaints, GET /deliverability,
the pauses, and the people who resume; the SES configuration set chosen by what an email is."""
import json
import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from tests.app import sns_signing
from tests.app.campaign_helpers import act, campaign, pool, scheduled_broadcast, subscriber, template
from tests.app.helpers import body, form, outbox, tick

TEXT = {"Content-Type": "text/plain; charset=UTF-8"}


@pytest.fixture(autouse=True)
def prompt(client, monkeypatch):
    """SNS signatures from the test certificate; the scheduler and the send rate out of the way."""
    from chalicelib import wiring
    from chalicelib.aws import sns_verify
    from chalicelib.services import scheduler
    from chalicelib.services.sending import recorder

    sns_verify.reset_cache()
    service = wiring.ses_webhook()
    monkeypatch.setattr(service, "settings", replace(service.settings, sns_trusted_cert=sns_signing.key_and_cert()[1]))
    monkeypatch.setattr(scheduler, "RECHECK", timedelta(0))
    monkeypatch.setattr(recorder, "RETRY_QUEUE_DELAY", 0)
    monkeypatch.setattr(wiring.campaign_sender().channels["email"].limiter, "acquire", lambda *a, **k: None)
    yield
    sns_verify.reset_cache()


@pytest.fixture
def later(monkeypatch):
    from chalicelib.domain import clock

    real = clock.utcnow
    shift = {"by": timedelta(0)}
    for module in ("chalicelib.domain.clock", "chalicelib.services.scheduler", "chalicelib.domain.rules"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: real() + shift["by"])

    def advance(**kwargs):
        shift["by"] += timedelta(**kwargs)
    return advance


def bounce(client, message_id, email, sns_id=None, kind="Permanent", fixture="event_bounce_permanent.json"):
    event = sns_signing.ses_event(fixture, message_id=message_id, email=email)
    if "bounce" in event:
        event["bounce"]["bounceType"] = kind
        event["bounce"]["feedbackId"] = str(uuid.uuid4())
    envelope = sns_signing.notification(event, sns_id or str(uuid.uuid4()))
    response = client.http.post("/webhooks/ses", headers=TEXT, body=json.dumps(envelope))
    assert response.status_code == 200, response.body
    return body(response), envelope


def report(client, auth):
    response = client.http.get("/deliverability", headers=auth)
    assert response.status_code == 200, response.body
    return body(response)


def get(client, auth, campaign_id):
    return body(client.http.get(f"/campaigns/{campaign_id}", headers=auth))


def sequence_to(client, auth, emails):
    """A two-step sequence (the second a day later) to `emails`, its first step sent: (people, campaign)."""
    first = template(client, auth, name="first", subject="Step one")
    second = template(client, auth, name="second", subject="Step two")
    audience = pool(client, auth)
    tick()
    people = [subscriber(email, skills=["go"]) for email in emails]
    made = campaign(client, auth, [audience["id"]], [{"template_id": first["id"]},
                                                     {"template_id": second["id"], "delay": "P1D"}])
    act(client, auth, made["id"], "schedule")
    tick()
    return people, made


def message_ids(people):
    from chalicelib import wiring

    return {p["email"]: wiring.send_repo().for_candidate(p["id"])[0]["message_id"] for p in people}


def test_a_campaign_pauses_at_the_bounce_level_the_pipeline_holds_it_and_a_person_resumes(client, auth, later):
    emails = [f"p{i}@{('gmail.com', 'yahoo.com', 'hotmail.com', 'example.com')[i % 4]}" for i in range(200)]
    people, made = sequence_to(client, auth, emails)
    assert len(outbox()) == 200
    ids = message_ids(people)
    seen = report(client, auth)
    assert seen["rates"]["24h"]["sent"] == 200 and seen["rates"]["7d"]["sent"] == 200
    assert {p: seen["providers"][p]["sent"] for p in seen["providers"]} == \
        {"gmail": 50, "yahoo": 50, "outlook": 50, "other": 50}

    answer, envelope = bounce(client, ids[emails[0]], emails[0])
    assert answer == {"status": "suppressed"}
    replay = client.http.post("/webhooks/ses", headers=TEXT, body=json.dumps(envelope))
    assert body(replay) == {"status": "duplicate"}  # the same SNS message again
    assert bounce(client, ids[emails[0]], emails[0])[0] == {"status": "duplicate"}  # the same event, a new message
    assert bounce(client, ids[emails[1]], emails[1], kind="Transient")[0] == {"status": "transient"}
    seen = report(client, auth)
    assert seen["rates"]["24h"]["bounced"] == 1 and seen["providers"]["gmail"]["bounced"] == 1
    for email in emails[2:10]:  # 9 permanent bounces in 200 sends: 4.5%, below 5%
        bounce(client, ids[email], email)
    assert get(client, auth, made["id"])["status"] == "sending"
    bounce(client, ids[emails[10]], emails[10])  # the 10th: 5.0%
    paused = get(client, auth, made["id"])
    assert paused["status"] == "paused" and paused["paused_reason"] == "bounce_rate"
    [listed] = report(client, auth)["paused_campaigns"]
    assert listed["id"] == made["id"] and listed["paused_reason"] == "bounce_rate"
    assert listed["measured"] == {"sent": 200, "bounced": 10, "complained": 0, "bounce": 0.05, "complaint": 0.0}
    assert listed["why"] == "Paused automatically: bounce rate 5.0% after 200 sends"
    assert report(client, auth)["state"] == "ok"  # one campaign's bounces, the account below its 1000 sends
    audit = body(client.http.get("/audit?action=autopause%20bounce_rate", headers=auth))["items"]
    assert [(e["action"], e["target"], e["actor"]["email"]) for e in audit] == \
        [("autopause bounce_rate", made["id"], None)]

    later(days=1, minutes=5)  # the second step falls due: held while paused
    tick()
    assert len(outbox()) == 200
    assert get(client, auth, made["id"])["status"] == "paused"  # never lifts itself

    act(client, auth, made["id"], "resume")
    assert report(client, auth)["paused_campaigns"] == []
    tick()
    tick()
    assert len(outbox()) == 200 + 200 - 10  # step two, to everyone but the 10 bounced (a transient bounce stays)
    assert get(client, auth, made["id"])["status"] in ("sending", "sent")


def test_a_complaint_pauses_at_its_level(client, auth, monkeypatch):
    from chalicelib import wiring

    service = wiring.deliverability()
    monkeypatch.setattr(service, "settings", replace(service.settings, autopause_min_sends=2,
                                                     autopause_complaint=0.3))
    people, made = sequence_to(client, auth, ["a@example.com", "b@example.com"])
    ids = message_ids(people)
    assert bounce(client, ids["a@example.com"], "a@example.com", fixture="event_complaint.json")[0] == \
        {"status": "suppressed"}
    paused = get(client, auth, made["id"])
    assert paused["status"] == "paused" and paused["paused_reason"] == "complaint_rate"
    assert report(client, auth)["paused_campaigns"][0]["why"] == \
        "Paused automatically: complaint rate 50.0% after 2 sends"


def test_the_account_pause_holds_marketing_not_a_sign_up_confirmation(client, auth, monkeypatch):
    import time

    from chalicelib import wiring
    from chalicelib.services.sending import pipeline

    monkeypatch.setattr(pipeline, "PAUSED_DELAY", 2)  # a held message comes back soon (the queue's delay is real)

    service = wiring.deliverability()
    monkeypatch.setattr(service, "settings", replace(service.settings, autopause_account_min_sends=1))
    [ada], first = scheduled_broadcast(client, auth, ["ada@example.com"], first_name="Ada")
    tick()
    assert len(outbox()) == 1
    tmpl = template(client, auth, name="news")
    waiting = campaign(client, auth, first["audience"]["pools"], [{"template_id": tmpl["id"]}], name="news")
    subscriber("bob@example.com", skills=["go"])
    bounce(client, message_ids([ada])["ada@example.com"], "ada@example.com")  # 1 in 1: the account's 2.5%
    seen = report(client, auth)
    assert seen["state"] == "paused" and seen["account_paused_reason"] == "bounce_rate"
    assert seen["account_paused"]["sent"] == 1 and seen["thresholds"]["account"]["bounce"] == 0.025

    act(client, auth, waiting["id"], "schedule")  # scheduled while paused: the pipeline holds it
    assert form(client, {"email": "new@example.com", "consent": "true"}).status_code == 202
    tick()
    tick()
    assert sorted(i["to"][0] for i in outbox()) == ["ada@example.com", "new@example.com"]  # the confirmation went
    held = get(client, auth, waiting["id"])
    assert held["status"] == "paused" and held["paused_reason"] == "account"
    refused = client.http.post(f"/campaigns/{waiting['id']}/resume", headers=auth, body=b"")
    assert refused.status_code == 409 and body(refused)["error"]["code"] == "account_paused"

    resumed = client.http.post("/deliverability/resume", headers=auth, body=b"")
    assert resumed.status_code == 200, resumed.body
    assert body(resumed)["campaigns"] == [waiting["id"]]
    assert report(client, auth)["state"] != "paused"
    time.sleep(2.2)
    tick()
    tick()
    assert "bob@example.com" in {i["to"][0] for i in outbox()}
    again = client.http.post("/deliverability/resume", headers=auth, body=b"")
    assert again.status_code == 409 and body(again)["error"]["code"] == "not_paused"
    audit = body(client.http.get("/audit?action=POST%20/deliverability/resume", headers=auth))["items"]
    assert any(entry["action"] == "POST /deliverability/resume" for entry in audit)


def test_a_viewer_reads_but_only_an_admin_resumes(client, auth):
    from tests.app.test_ws_team import signed_in_as

    for role in ("viewer", "recruiter"):
        session = signed_in_as(client, f"{role}@example.com", role)
        assert client.http.get("/deliverability", headers=session).status_code == 200
        assert client.http.get("/dashboard/deliverability", headers=session).status_code == 200
        refused = client.http.post("/deliverability/resume", headers={**session, "Content-Type": "application/json"},
                                   body=b"")
        assert refused.status_code == 403


def test_configuration_set_by_kind(client, auth, monkeypatch):
    from chalicelib import wiring
    from chalicelib.aws.mailer import SesMailer

    used = []
    real = SesMailer.send_raw

    def spy(self, **kwargs):
        used.append((self._configuration_set, kwargs.get("tags", {}).get("kind") or "campaign"))
        return real(self, **kwargs)

    monkeypatch.setattr(SesMailer, "send_raw", spy)
    settings = wiring.get_settings()
    scheduled_broadcast(client, auth, ["ada@example.com"])
    form(client, {"email": "new@example.com", "consent": "true"})
    tick()
    assert (settings.ses_configuration_set, "campaign") in used
    assert (settings.ses_transactional_configuration_set, "confirmation") in used
    channel = wiring.campaign_sender().channels["email"]
    assert channel.mailer_of({"kind": "outreach"})._configuration_set == settings.ses_outreach_configuration_set
    assert channel.mailer_of({"kind": "permission_request"})._configuration_set == settings.ses_configuration_set
    assert wiring.mailer()._configuration_set == settings.ses_transactional_configuration_set


def test_deliverability_routes_refuse_odd_requests(client, auth):
    assert client.http.get("/deliverability").status_code == 401
    assert client.http.post("/deliverability/resume", body=b"").status_code == 401
    huge = client.http.post("/deliverability/resume", headers=auth, body=b"x" * 100_000)
    assert huge.status_code in (409, 413) and "error" in body(huge)
    odd = client.http.get("/deliverability?state=%00%ud800", headers=auth)
    assert odd.status_code == 400 and body(odd)["error"]["code"]
