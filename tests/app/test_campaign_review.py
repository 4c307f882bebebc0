"""A campaign's review (GET /campaigns/{id}/review), drafts written a part at a time (PATCH /campaigns/{id}),
the audience read once per person, a truthful status, skips by reason, and last_contacted_at after a send."""
import json
from datetime import timedelta

import pytest

from tests.app.campaign_helpers import act, campaign, pool, subscriber, template
from tests.app.helpers import body, tick


@pytest.fixture(autouse=True)
def prompt_scheduler(monkeypatch):
    from chalicelib.services import scheduler

    monkeypatch.setattr(scheduler, "RECHECK", timedelta(0))


def static_pool(client, auth, name, people):
    made = body(client.http.post("/pools", headers=auth, body=json.dumps({"name": name, "kind": "static"})))
    if people:
        added = client.http.post(f"/pools/{made['id']}/members", headers=auth,
                                 body=json.dumps({"candidate_ids": [p["id"] for p in people]}))
        assert added.status_code == 200, added.body
    return made


def person(client, auth, email, status=None, **fields):
    """A person with the given status (subscribed ones consented as if they had confirmed)."""
    from chalicelib import wiring

    if status == "subscribed":
        return subscriber(email, **fields)
    made = body(client.http.post("/candidates", headers=auth, body=json.dumps({"email": email, **fields})))
    if status:
        before, after = wiring.candidate_repo().update(made["id"], lambda c: dict(c, status=status))
        wiring.membership_sync().apply([(before, after)])
    return made


def mixed_audience(client, auth):
    """Two static pools sharing one person, and an excluded pool: the review's classes of people."""
    ada = person(client, auth, "ada@example.com", "subscribed", first_name="Ada")
    bob = person(client, auth, "bob@example.com", "subscribed")
    sourced = person(client, auth, "sourced@example.com")
    gone = person(client, auth, "gone@example.com", "unsubscribed")
    bounced = person(client, auth, "bounced@example.com", "bounced")
    skipped = person(client, auth, "skip@example.com", "subscribed")
    first = static_pool(client, auth, "First", [ada, bob, sourced, gone])
    second = static_pool(client, auth, "Second", [bob, bounced, skipped])
    excluded = static_pool(client, auth, "Excluded", [skipped])
    return first, second, excluded


def review(client, auth, campaign_id, status=200):
    answer = client.http.get(f"/campaigns/{campaign_id}/review", headers=auth)
    assert answer.status_code == status, answer.body
    return body(answer)


def test_the_review_counts_each_person_once_by_the_senders_rule(client, auth):
    first, second, excluded = mixed_audience(client, auth)
    tmpl = template(client, auth)
    made = campaign(client, auth, [first["id"], second["id"]], [{"template_id": tmpl["id"]}],
                    audience={"pools": [first["id"], second["id"]], "exclude_pools": [excluded["id"]]})
    figures = review(client, auth, made["id"])
    assert figures["complete"] is True
    assert figures["audience"] == 5 and figures["emailable"] == 2
    assert figures["not_emailable"] == {"bounced": 1, "not_subscribed": 1, "unsubscribed": 1}
    assert figures["as_of"].endswith("Z")
    act(client, auth, made["id"], "schedule")
    tick()
    state = body(client.http.get(f"/campaigns/{made['id']}", headers=auth))
    assert state["status"] == "sent"  # said when the last chunk was recorded, not a scheduler tick later
    assert state["progress"]["enqueued"] == 5  # the fan-out reads the audience as the review counts it
    analytics = body(client.http.get(f"/analytics/campaigns/{made['id']}", headers=auth))
    assert analytics["audience"] == 5 and analytics["sent"] == 2
    assert analytics["skipped_by_reason"] == {"bounced": 1, "not_subscribed": 1, "unsubscribed": 1}
    assert analytics["steps"][0]["skipped_by_reason"] == analytics["skipped_by_reason"]


def test_a_review_is_bounded_and_goes_on_where_it_stopped(client, auth, monkeypatch):
    from chalicelib.services import audience, campaign_review

    monkeypatch.setattr(campaign_review, "BUDGET_SECONDS", 0)  # one page a request
    monkeypatch.setattr(audience, "PAGE", 2)
    people = [person(client, auth, f"p{i}@example.com", "subscribed" if i % 2 else None) for i in range(5)]
    made = campaign(client, auth, [static_pool(client, auth, "Five", people)["id"]],
                    [{"template_id": template(client, auth)["id"]}])
    answers = [review(client, auth, made["id"]) for _ in range(3)]
    assert [a["complete"] for a in answers] == [False, False, True]
    assert [a["audience"] for a in answers] == [2, 4, 5]
    assert answers[-1]["emailable"] == 2 and answers[-1]["not_emailable"] == {"not_subscribed": 3}
    assert review(client, auth, made["id"])["audience"] == 5  # kept: counted again only when stale or changed


def test_a_change_to_the_draft_starts_the_count_over(client, auth):
    ada = person(client, auth, "ada@example.com", "subscribed")
    from chalicelib import wiring

    wiring.candidate_repo().update(ada["id"], lambda c: dict(c, preferences={"unsubscribed_categories": ["job_alert"]}))
    made = campaign(client, auth, [static_pool(client, auth, "Ada", [ada])["id"]],
                    [{"template_id": template(client, auth)["id"]}])
    assert review(client, auth, made["id"])["emailable"] == 1
    patched = client.http.patch(f"/campaigns/{made['id']}", headers=auth, body=json.dumps({"category": "job_alert"}))
    assert patched.status_code == 200 and body(patched)["category"] == "job_alert"
    assert review(client, auth, made["id"])["not_emailable"] == {"category_opt_out": 1}


def test_nobody_emailable_reads_zero_and_the_review_of_an_unknown_campaign_is_404(client, auth):
    gone = person(client, auth, "gone@example.com", "unsubscribed")
    made = campaign(client, auth, [static_pool(client, auth, "Gone", [gone])["id"]],
                    [{"template_id": template(client, auth)["id"]}])
    figures = review(client, auth, made["id"])
    assert figures["audience"] == 1 and figures["emailable"] == 0
    assert review(client, auth, "camp_01hzzzzzzzzzzzzzzzzzzzzzzz", 404)["error"]["code"] == "not_found"


def test_only_a_draft_is_patched_and_each_field_is_checked(client, auth):
    tmpl = template(client, auth)
    audience = pool(client, auth)
    made = campaign(client, auth, [audience["id"]], [{"template_id": tmpl["id"]}])
    url = f"/campaigns/{made['id']}"
    for bad, field in (({"steps": [{"template_id": "tmpl_01hzzzzzzzzzzzzzzzzzzzzzzz"}]}, "steps[0].template_id"),
                       ({"name": None}, "name"), ({"name": "x" * 201}, "name"), ({"status": "sent"}, "status"),
                       ({"audience": {"pools": []}}, "audience.pools"), ({"steps": "P3D"}, "steps"),
                       ({"send_at": "tomorrow"}, "send_at"), ({"exit_on": ["never"]}, "exit_on")):
        answer = client.http.patch(url, headers=auth, body=json.dumps(bad))
        assert answer.status_code == 400 and field in body(answer)["error"]["fields"], (bad, answer.body)
    assert client.http.patch(url, headers=auth, body=b"[1]").status_code == 400
    assert body(client.http.get(url, headers=auth))["name"] == "Campaign"  # nothing stored
    two = [{"template_id": tmpl["id"]}, {"template_id": tmpl["id"], "delay": "P3D", "condition": "not_opened"}]
    patched = body(client.http.patch(url, headers=auth, body=json.dumps({"name": "Renamed", "steps": two})))
    assert patched["name"] == "Renamed" and [s["delay"] for s in patched["steps"]] == ["P0D", "P3D"]
    assert patched["audience"]["pools"] == [audience["id"]]  # what was not sent stays
    act(client, auth, made["id"], "schedule")
    late = client.http.patch(url, headers=auth, body=json.dumps({"name": "Too late"}))
    assert late.status_code == 409 and body(late)["error"]["code"] == "invalid_state"
    missing = client.http.patch("/campaigns/camp_01hzzzzzzzzzzzzzzzzzzzzzzz", headers=auth, body=json.dumps({}))
    assert missing.status_code == 404


def test_a_draft_started_without_steps_is_not_scheduled_until_complete(client, auth):
    from chalicelib import wiring

    audience = pool(client, auth)
    service = wiring.campaigns()
    draft = service.start({"name": "Spring", "audience": {"pools": [audience["id"]]}})
    assert draft["status"] == "draft" and draft["steps"] == [] and draft["category"] is None
    listed = body(client.http.get("/campaigns", headers=auth))["items"]
    assert [c["category"] for c in listed] == [None]
    refused = client.http.post(f"/campaigns/{draft['id']}/schedule", headers=auth, body=b"")
    assert refused.status_code == 400
    assert set(body(refused)["error"]["fields"]) == {"steps", "category"}
    assert review(client, auth, draft["id"], 409)["error"]["code"] == "incomplete"
    tmpl = template(client, auth)
    service.patch(draft["id"], {"steps": [{"template_id": tmpl["id"]}], "category": "career_advice"})
    assert act(client, auth, draft["id"], "schedule")["status"] == "scheduled"


def test_a_campaign_email_updates_last_contacted_at_and_the_pools_copies(client, auth, monkeypatch):
    from chalicelib import wiring
    from chalicelib.services.sending import pipeline

    built = wiring.campaign_sender

    def with_memberships():  # as chalicelib/wiring.py is asked to build it (see docs: the send path)
        sender = built()
        sender.recorder.memberships = wiring.membership_sync()
        return sender

    monkeypatch.setattr(wiring, "campaign_sender", with_memberships)
    assert pipeline  # imported for the patch's sake
    ada = person(client, auth, "ada@example.com", "subscribed", skills=["go"])
    audience = static_pool(client, auth, "Ada", [ada])
    before = wiring.candidate_repo().get(ada["id"])
    made = campaign(client, auth, [audience["id"]], [{"template_id": template(client, auth)["id"]}])
    act(client, auth, made["id"], "schedule")
    tick()
    after = wiring.candidate_repo().get(ada["id"])
    assert after["last_contacted_at"] and after["version"] == before["version"] + 2  # the claim, then the contact
    assert len(after["marketing_sends"]) == 1
    [member] = body(client.http.get(f"/pools/{audience['id']}/members", headers=auth))["items"]
    assert member["last_contacted_at"] == after["last_contacted_at"]
    pool_figures = body(client.http.get(f"/analytics/pools/{audience['id']}", headers=auth))
    assert pool_figures["radio_silence"] == 0
