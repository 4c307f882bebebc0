"""Permission requests (issue 18 item 1), from outside: a spreadsheet of people without consent, a campaign of kind
permission_request, its email read from the outbox (notice, join button, objection link), joining and objecting
through the links, the second request within CRM_PERMISSION_REQUEST_MONTHS skipped and counted."""
import json
import re
from email import message_from_string, policy

import pytest

from tests.app.campaign_helpers import act, campaign, pool, subscriber, template
from tests.app.helpers import body, outbox, tick

CSV = {"Content-Type": "text/csv"}
PEOPLE = ("email,first_name,skills\n"
          "ada@example.com,Ada,python\n"
          "grace@example.com,Grace,cobol\n"
          "linus@example.com,Linus,c\n")


def parts(raw: str) -> tuple[str, str]:
    message = message_from_string(raw, policy=policy.default)
    return (message.get_body(preferencelist=("plain",)).get_content(),
            message.get_body(preferencelist=("html",)).get_content())


def links(raw: str) -> dict:
    text, _ = parts(raw)
    return {action: re.search(rf"http://127\.0\.0\.1:8000(/community/{action}/[\w.\-]+)", text).group(1)
            for action in ("join", "object")}


def emails_to(address: str) -> list[dict]:
    return [e for e in outbox() if address in e["to"]]


def person(client, auth, email: str) -> dict:
    found = body(client.http.get(f"/candidates?q={email}", headers=auth))["items"]
    return body(client.http.get(f"/candidates/{found[0]['id']}", headers=auth))


def permission_request(client, auth, audience: str, name: str = "Join us") -> dict:
    made = campaign(client, auth, [audience], [{"template_id": template(client, auth)["id"]}],
                    kind="permission_request", name=name)
    assert made["kind"] == "permission_request"
    act(client, auth, made["id"], "schedule")
    tick()
    return made


@pytest.fixture
def imported(client, auth):
    response = client.http.post("/candidates/import", headers={**auth, **CSV}, body=PEOPLE)
    assert response.status_code == 200 and body(response)["created"] == 3, response.body
    audience = pool(client, auth)
    tick()
    return audience


def test_a_permission_request_reaches_people_without_consent_with_the_notice_and_both_links(client, auth, imported):
    subscriber("sub@example.com", skills=["go"])  # has consent: not asked
    made = permission_request(client, auth, imported["id"])
    for address in ("ada@example.com", "grace@example.com", "linus@example.com"):
        [email] = emails_to(address)
        text, html = parts(email["raw"])
        assert "Hello" in text  # the template's content stays
        assert "a spreadsheet of contacts our recruiting team imported" in text
        assert "legitimate interest" in text and "erase your data" in text
        assert "Join the talent community" in html and "Object: do not contact me again" in html
        assert "you joined the" not in text.lower()  # they never did: no marketing footer
        assert set(links(email["raw"])) == {"join", "object"}
    assert emails_to("sub@example.com") == []
    ada = person(client, auth, "ada@example.com")
    assert ada["status"] == "not_subscribed"
    figures = body(client.http.get(f"/analytics/campaigns/{made['id']}", headers=auth))
    assert figures["sent"] == 3 and figures["joined"] == 0 and figures["sources"]["import"]["sent"] == 3


def test_joining_asks_first_then_records_consent_and_subscribes(client, auth, imported):
    made = permission_request(client, auth, imported["id"])
    join = links(emails_to("ada@example.com")[0]["raw"])["join"]
    page = client.http.get(join)  # a link scanner's GET: nothing changes
    assert page.status_code == 200 and b"Join the talent community" in page.body and b"<form" in page.body
    assert person(client, auth, "ada@example.com")["status"] == "not_subscribed"

    joined = client.http.post(join, headers={"Content-Type": "application/x-www-form-urlencoded"}, body=b"")
    assert joined.status_code == 200 and b"Thank you" in joined.body
    ada = person(client, auth, "ada@example.com")
    assert ada["status"] == "subscribed"
    assert ada["consent"]["source"] == "permission_request" and ada["consent"]["campaign_id"] == made["id"]
    items = body(client.http.get(f"/candidates/{ada['id']}/timeline", headers=auth))["items"]
    assert any(i["kind"] == "consent" and i["data"]["source"] == "permission_request" for i in items)
    again = client.http.post(join, headers={"Content-Type": "application/x-www-form-urlencoded"}, body=b"")
    assert again.status_code == 200
    figures = body(client.http.get(f"/analytics/campaigns/{made['id']}", headers=auth))
    assert figures["joined"] == 1 and figures["rates"]["join"] == pytest.approx(1 / 3, abs=0.001)
    assert figures["sources"]["import"]["joined"] == 1


def test_a_second_request_within_the_months_skips_them_and_says_why(client, auth, imported):
    permission_request(client, auth, imported["id"])
    second = permission_request(client, auth, imported["id"], name="Join us again")
    assert all(len(emails_to(a)) == 1 for a in ("ada@example.com", "grace@example.com", "linus@example.com"))
    figures = body(client.http.get(f"/analytics/campaigns/{second['id']}", headers=auth))
    assert figures["sent"] == 0 and figures["skipped_by_reason"]["asked_recently"] == 3


def test_an_objection_suppresses_for_good(client, auth, imported):
    made = permission_request(client, auth, imported["id"])
    objection = links(emails_to("grace@example.com")[0]["raw"])["object"]
    assert person(client, auth, "grace@example.com")["status"] == "not_subscribed"  # the GET changed nothing
    client.http.get(objection)
    answered = client.http.post(objection, headers={"Content-Type": "application/x-www-form-urlencoded"}, body=b"")
    assert answered.status_code == 200 and b"will not contact you again" in answered.body
    grace = person(client, auth, "grace@example.com")
    assert grace["status"] == "unsubscribed" and grace["preferences"]["objected_at"]
    join = links(emails_to("grace@example.com")[0]["raw"])["join"]
    client.http.post(join, headers={"Content-Type": "application/x-www-form-urlencoded"}, body=b"")
    assert person(client, auth, "grace@example.com")["status"] == "unsubscribed"  # objected: joining is refused
    figures = body(client.http.get(f"/analytics/campaigns/{made['id']}", headers=auth))
    assert figures["objected"] == 1 and figures["sources"]["import"]["objected"] == 1


@pytest.mark.parametrize("path", ["/community/join/nope", "/community/object/" + "x" * 300,
                                  "/community/join/.eJyrVkpUslLKz8vPy8nPz1bSUcpLT0kFAExlBy0.aaaa.bbbb"])
def test_forged_links_are_refused_and_change_nothing(client, path):
    assert client.http.get(path).status_code == 404
    answer = client.http.post(path, headers={"Content-Type": "application/x-www-form-urlencoded"}, body=b"")
    assert answer.status_code == 404


def test_a_join_link_is_not_an_objection_link(client, auth, imported):
    permission_request(client, auth, imported["id"])
    join = links(emails_to("ada@example.com")[0]["raw"])["join"]
    swapped = join.replace("/join/", "/object/")
    assert client.http.post(swapped, headers={"Content-Type": "application/x-www-form-urlencoded"},
                            body=b"").status_code == 404
    assert person(client, auth, "ada@example.com")["status"] == "not_subscribed"


def test_kind_is_checked(client, auth, imported):
    tmpl = template(client, auth)
    for kind, steps in (("outreach", 1), ("newsletter", 1), ("permission_request", 2)):
        response = client.http.post("/campaigns", headers=auth, body=json.dumps({
            "name": "x", "category": "career_advice", "audience": {"pools": [imported["id"]]}, "kind": kind,
            "steps": [{"template_id": tmpl["id"]}] * steps}))
        assert response.status_code == 400, (kind, response.body)


def test_turned_off_nothing_is_made_or_sent(client, auth, imported, monkeypatch):
    import dataclasses

    from chalicelib import wiring

    tmpl = template(client, auth)
    draft = campaign(client, auth, [imported["id"]], [{"template_id": tmpl["id"]}], kind="permission_request")
    service = wiring.campaigns()
    monkeypatch.setattr(service, "settings", dataclasses.replace(service.settings, outreach_without_consent=False))
    refused = client.http.post("/campaigns", headers=auth, body=json.dumps({
        "name": "x", "category": "career_advice", "audience": {"pools": [imported["id"]]},
        "kind": "permission_request", "steps": [{"template_id": tmpl["id"]}]}))
    assert refused.status_code == 409 and body(refused)["error"]["code"] == "outreach_without_consent_off"
    act(client, auth, draft["id"], "schedule", status=409)
    tick()
    assert outbox() == []


def test_a_post_from_another_site_is_refused(client, auth, imported):
    permission_request(client, auth, imported["id"])
    join = links(emails_to("ada@example.com")[0]["raw"])["join"]
    answer = client.http.post(join, headers={"Content-Type": "application/x-www-form-urlencoded",
                                             "Sec-Fetch-Site": "cross-site"}, body=b"")
    assert answer.status_code == 403
    assert person(client, auth, "ada@example.com")["status"] == "not_subscribed"


def test_people_without_the_source_in_words_get_a_plain_notice():
    from chalicelib.domain.permission import data_notice, held_words, source_group

    assert source_group("csv_import") == "import" and source_group("ats") == "ats" and source_group(None) == "other"
    assert held_words({"email": "a@b.c"}) == "your email address"
    notice = data_notice({"email": "a@b.c", "source": "<script>"}, "Acme <b>", object_url="https://x/o?a=1&b=2")
    assert "<script>" not in notice.html and "Acme &lt;b&gt;" in notice.html and "a=1&amp;b=2" in notice.html


def patch(client, auth, campaign_id, change):
    return client.http.patch(f"/campaigns/{campaign_id}", headers=auth, body=json.dumps(change))


def test_a_permission_request_never_becomes_a_text_by_a_change_to_its_draft(client, auth, imported):
    """Review finding 1: the kind and channel are checked on the draft as it would be, not on the change alone."""
    texted = template(client, auth, text="Hello {{ candidate.first_name | default('there') }}")
    request = campaign(client, auth, [imported["id"]], [{"template_id": texted["id"]}], kind="permission_request")
    refused = patch(client, auth, request["id"], {"channel": "sms"})
    assert refused.status_code == 400 and "channel" in body(refused)["error"]["fields"], refused.body
    sms = campaign(client, auth, [imported["id"]], [{"template_id": texted["id"]}], channel="sms")
    refused = patch(client, auth, sms["id"], {"kind": "permission_request"})
    assert refused.status_code == 400 and "kind" in body(refused)["error"]["fields"], refused.body
    two = patch(client, auth, request["id"], {"steps": [{"template_id": texted["id"]}] * 2})
    assert two.status_code == 400 and "steps" in body(two)["error"]["fields"], two.body
    for made in (request, sms):  # nothing stored
        stored = body(client.http.get(f"/campaigns/{made['id']}", headers=auth))
        assert (stored["kind"], stored["channel"], len(stored["steps"])) == (made["kind"], made["channel"], 1)


def test_a_draft_changed_into_a_permission_request_keeps_the_months(client, auth, imported):
    import dataclasses

    from chalicelib import wiring

    draft = campaign(client, auth, [imported["id"]], [{"template_id": template(client, auth)["id"]}])
    service = wiring.campaigns()
    service.settings = dataclasses.replace(service.settings, permission_request_months=3)
    try:
        changed = patch(client, auth, draft["id"], {"kind": "permission_request"})
    finally:
        service.settings = wiring.get_settings()
    assert changed.status_code == 200, changed.body
    assert body(changed)["kind"] == "permission_request" and body(changed)["permission_months"] == 3


def test_a_text_permission_request_stored_somehow_is_never_sent(client, auth, imported):
    """Whatever a stored draft holds, a permission request that is a text is incomplete, and never texted."""
    from chalicelib import wiring
    from chalicelib.domain.campaigns import DecisionAction, decide, incomplete

    texted = template(client, auth, text="Hello")
    made = campaign(client, auth, [imported["id"]], [{"template_id": texted["id"]}], kind="permission_request")
    stored = dict(wiring.campaigns().get(made["id"]), channel="sms")
    assert "channel" in incomplete(stored)
    ada = person(client, auth, "ada@example.com")
    ada = dict(ada, phone="+442079460958", country="GB", sms_consent=True)
    from chalicelib.domain.clock import utcnow

    decision = decide(candidate=ada, campaign=stored, step_index=0, now=utcnow(), cap=3)
    assert decision.action == DecisionAction.SKIP


def test_their_own_pause_and_email_off_keep_a_permission_request_from_them(client, auth, imported):
    """Review finding 2: the person's own choices on their page hold for permission requests too."""
    from chalicelib import wiring

    ada, grace = person(client, auth, "ada@example.com"), person(client, auth, "grace@example.com")
    wiring.candidate_repo().update(ada["id"], lambda c: dict(c, preferences={"paused_until": "2099-01-01T00:00:00Z"}))
    wiring.candidate_repo().update(grace["id"], lambda c: dict(c, preferences={"channels_off": ["email"]}))
    made = permission_request(client, auth, imported["id"])
    assert emails_to("ada@example.com") == [] and emails_to("grace@example.com") == []
    assert len(emails_to("linus@example.com")) == 1
    figures = body(client.http.get(f"/analytics/campaigns/{made['id']}", headers=auth))
    assert figures["skipped_by_reason"]["paused_by_person"] == 1
    assert figures["skipped_by_reason"]["channel_opt_out"] == 1


def test_a_join_link_expires_after_the_months_and_says_so(client, auth, imported):
    """Review finding 7: an old invitation is no consent now; its objection link is still heard."""
    from datetime import timedelta

    from chalicelib.domain import clock

    permission_request(client, auth, imported["id"])
    found = links(emails_to("ada@example.com")[0]["raw"])
    assert client.http.get(found["join"]).status_code == 200
    clock.set_now(clock.utcnow() + timedelta(days=366))
    try:
        page = client.http.get(found["join"])
        assert page.status_code == 400 and b"expired" in page.body
        answer = client.http.post(found["join"], headers={"Content-Type": "application/x-www-form-urlencoded"},
                                  body=b"")
        assert answer.status_code == 400
        assert person(client, auth, "ada@example.com")["status"] == "not_subscribed"
        objection = client.http.post(found["object"], headers={"Content-Type": "application/x-www-form-urlencoded"},
                                     body=b"")
        assert objection.status_code == 200
        assert person(client, auth, "ada@example.com")["preferences"]["objected_at"]
    finally:
        clock.reset()
