"""Reviewer findings on the send path (round 3), from outside."""
from tests.app.campaign_helpers import act, campaign, template
from tests.app.helpers import body, tick
from tests.app.test_permission_requests import CSV, PEOPLE, emails_to, person  # noqa: F401
from tests.app.campaign_helpers import pool


def test_a_second_request_read_before_the_first_ones_record_is_still_skipped(client, auth, monkeypatch):
    """Finding 3: B reads the people after A's claim but before A's recorder wrote that they were asked (here the
    recorder's write never comes): the claim itself says they were asked, so B skips them."""
    from chalicelib.services.sending.recorder import Recorder

    monkeypatch.setattr(Recorder, "_contacted", lambda *args: None)
    assert client.http.post("/candidates/import", headers={**auth, **CSV}, body=PEOPLE).status_code == 200
    audience = pool(client, auth)
    tick()
    made = []
    for name in ("Join us", "Join us again"):
        made.append(campaign(client, auth, [audience["id"]], [{"template_id": template(client, auth)["id"]}],
                             kind="permission_request", name=name))
        act(client, auth, made[-1]["id"], "schedule")
        tick()
    assert all(len(emails_to(a)) == 1 for a in ("ada@example.com", "grace@example.com", "linus@example.com"))
    ada = person(client, auth, "ada@example.com")
    assert ada["consent"]["request_campaign_id"] == made[0]["id"] and ada["consent"]["requested_at"]
    figures = body(client.http.get(f"/analytics/campaigns/{made[1]['id']}", headers=auth))
    assert figures["sent"] == 0 and figures["skipped_by_reason"]["asked_recently"] == 3
