"""Campaigns in the workspace over HTTP: the wizard (audience, steps, settings, review), scheduling now or at a
time, the campaign's page (status, steps numbered 1..n, skips by reason), pause, resume, cancel, roles, and
hostile input on every form and parameter (a 4xx page or a form error, never a 500, nothing changed)."""
import json
import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest

from tests.app.campaign_helpers import campaign, subscriber, template
from tests.app.helpers import WORKSPACE_FORM, body, tick, workspace_session

UNKNOWN = "camp_01hzzzzzzzzzzzzzzzzzzzzzzz"


@pytest.fixture(autouse=True)
def prompt_scheduler(monkeypatch):
    from chalicelib.services import scheduler

    monkeypatch.setattr(scheduler, "RECHECK", timedelta(0))


@pytest.fixture
def browser(client):
    return workspace_session(client)


def get(client, browser, path, status=200):
    answer = client.http.get(path, headers=browser)
    assert answer.status_code == status, (path, answer.status_code, answer.body[:2000])
    return answer.body.decode()


def post(client, browser, path, fields, status=303):
    answer = client.http.post(path, headers={**browser, **WORKSPACE_FORM}, body=urlencode(fields, doseq=True))
    assert answer.status_code == status, (path, answer.status_code, answer.body[:3000])
    return answer


def text(html: str) -> str:
    """The page's words, tags out (what a reader reads)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def static_pool(client, auth, name, people):
    made = body(client.http.post("/pools", headers=auth, body=json.dumps({"name": name, "kind": "static"})))
    if people:
        client.http.post(f"/pools/{made['id']}/members", headers=auth,
                         body=json.dumps({"candidate_ids": [p["id"] for p in people]}))
    return made


def draft_id(answer) -> str:
    return re.match(r"/dashboard/campaigns/(camp_\w+)/steps$", answer.headers["Location"]).group(1)


def api_campaign(client, auth, campaign_id):
    return body(client.http.get(f"/campaigns/{campaign_id}", headers=auth))


@pytest.fixture
def world(client, auth):
    """Two subscribers and a person without consent in a static pool; a template."""
    ada = subscriber("ada@example.com", first_name="Ada")
    bob = subscriber("bob@example.com", first_name="Bob")
    sourced = body(client.http.post("/candidates", headers=auth, body=json.dumps({"email": "sourced@example.com"})))
    pool = static_pool(client, auth, "Engineers", [ada, bob, sourced])
    other = static_pool(client, auth, "Alumni", [bob])
    return {"pool": pool, "other": other, "template": template(client, auth, name="Welcome"),
            "people": (ada, bob, sourced)}


def test_the_wizard_from_audience_to_schedule(client, auth, browser, world):
    listed = get(client, browser, "/dashboard/campaigns")
    assert ">New campaign</button>" in listed and "No campaigns yet" in listed
    new = get(client, browser, "/dashboard/campaigns/new")
    assert 'for="name">Name</label>' in new
    assert f'<label for="pool-{world["pool"]["id"]}">Engineers</label>' in new  # a pool's checkbox: its name
    started = post(client, browser, "/dashboard/campaigns/new", {"name": "Spring hiring", "pools": world["pool"]["id"],
                                                                 "exclude_pools": world["other"]["id"]})
    camp = draft_id(started)
    draft = api_campaign(client, auth, camp)
    assert draft["status"] == "draft" and draft["audience"] == {"pools": [world["pool"]["id"]],
                                                                 "exclude_pools": [world["other"]["id"]]}

    steps = get(client, browser, f"/dashboard/campaigns/{camp}/steps")
    for label in ("Template", "Delay", "Condition"):
        assert f">{label}</label>" in steps
    assert ">Add step</button>" in steps and ">Next</button>" in steps and ">Back</a>" in steps
    post(client, browser, f"/dashboard/campaigns/{camp}/steps",
         {"template_id": world["template"]["id"], "delay": "", "condition": "always", "action": "add"})
    post(client, browser, f"/dashboard/campaigns/{camp}/steps",
         {"template_id": world["template"]["id"], "delay": "3 days", "condition": "not_opened", "action": "next"})
    assert [(s["delay"], s["condition"]) for s in api_campaign(client, auth, camp)["steps"]] == [
        ("P0D", "always"), ("P3D", "not_opened")]
    page = text(get(client, browser, f"/dashboard/campaigns/{camp}/steps"))
    assert "Step 1: Welcome" in page and "Step 2: Welcome" in page and "3 days after step 1" in page

    settings = get(client, browser, f"/dashboard/campaigns/{camp}/settings")
    assert '<option value="career_advice" selected>' in settings  # the first email's category, to begin with
    assert 'value="replied" checked>' in settings and "They reply to one of its emails</label>" in settings
    post(client, browser, f"/dashboard/campaigns/{camp}/settings",
         {"category": "job_alert", "enrollment": "once", "exit_on": ["unsubscribed", "hired"]})
    assert api_campaign(client, auth, camp)["exit_on"] == ["unsubscribed", "hired"]

    review = text(get(client, browser, f"/dashboard/campaigns/{camp}/review"))
    assert "2 in audience" in review and "1 can be emailed" in review  # Bob is left out; the sourced person has no consent
    assert "Not subscribed: no marketing consent yet 1" in review
    figures = body(client.http.get(f"/campaigns/{camp}/review", headers=auth))  # the same numbers, in JSON
    assert (figures["audience"], figures["emailable"], figures["not_emailable"]) == (2, 1, {"not_subscribed": 1})
    assert "Step 1: Welcome" in review and "Step 2: Welcome, 3 days later" in review

    done = post(client, browser, f"/dashboard/campaigns/{camp}/schedule", {"send_at": "", "timezone": "UTC"})
    assert done.headers["Location"] == f"/dashboard/campaigns/{camp}"
    assert api_campaign(client, auth, camp)["status"] == "scheduled"
    get(client, browser, f"/dashboard/campaigns/{camp}/review", 303)  # no longer a draft: to its page
    tick()
    page = text(get(client, browser, f"/dashboard/campaigns/{camp}"))
    assert "Step 1 Welcome At the start" in page and "Step 2 Welcome 3 days after step 1" in page
    assert "Not subscribed: no marketing consent yet 1" in page  # skips by reason
    assert "Sending" in page and "later steps go as they fall due" in page  # step 2 waits: truthfully sending


def test_scheduling_at_a_time_in_the_recruiters_zone_is_kept_in_utc(client, auth, browser, world):
    made = campaign(client, auth, [world["pool"]["id"]], [{"template_id": world["template"]["id"]}])
    page = get(client, browser, f"/dashboard/campaigns/{made['id']}/review")
    assert 'type="datetime-local"' in page and '<option value="Europe/Paris"' in page
    for fields, problem in (({"send_at": "2020-01-01T09:00", "timezone": "UTC"}, "that time has passed"),
                            ({"send_at": "soon", "timezone": "UTC"}, "a date and time"),
                            ({"send_at": "2031-01-01T09:00", "timezone": "Mars/Olympus"}, "choose a time zone")):
        refused = post(client, browser, f"/dashboard/campaigns/{made['id']}/schedule", fields, 400)
        assert problem in refused.body.decode() and 'aria-invalid="true"' in refused.body.decode()
        assert api_campaign(client, auth, made["id"])["status"] == "draft"
    post(client, browser, f"/dashboard/campaigns/{made['id']}/schedule",
         {"send_at": "2031-07-01T09:30", "timezone": "Europe/Paris"})
    state = api_campaign(client, auth, made["id"])
    assert state["status"] == "scheduled" and state["send_at"] == "2031-07-01T07:30:00.000Z"
    assert "Starts at 2031-07-01 07:30 UTC" in text(get(client, browser, f"/dashboard/campaigns/{made['id']}"))


def test_pause_resume_cancel_only_where_the_state_allows(client, auth, browser, world):
    made = campaign(client, auth, [world["pool"]["id"]], [{"template_id": world["template"]["id"]}],
                    send_at="2031-01-01T09:00:00Z")
    camp = made["id"]
    draft = get(client, browser, f"/dashboard/campaigns/{camp}")
    assert ">Pause</button>" not in draft and ">Cancel</button>" in draft and "Continue setting it up" in draft
    post(client, browser, f"/dashboard/campaigns/{camp}/schedule", {"send_at": ""})
    scheduled = get(client, browser, f"/dashboard/campaigns/{camp}")
    assert ">Pause</button>" in scheduled and ">Resume</button>" not in scheduled
    assert 'hx-trigger="every 2s"' in scheduled  # followed while it is live
    post(client, browser, f"/dashboard/campaigns/{camp}/pause", {})
    paused = get(client, browser, f"/dashboard/campaigns/{camp}")
    assert api_campaign(client, auth, camp)["status"] == "paused"
    assert ">Resume</button>" in paused and ">Pause</button>" not in paused
    again = client.http.post(f"/dashboard/campaigns/{camp}/pause", headers={**browser, **WORKSPACE_FORM}, body="")
    assert again.status_code == 409 and "cannot pause" in again.body.decode()
    post(client, browser, f"/dashboard/campaigns/{camp}/resume", {})
    assert api_campaign(client, auth, camp)["status"] == "scheduled"
    post(client, browser, f"/dashboard/campaigns/{camp}/cancel", {})
    cancelled = get(client, browser, f"/dashboard/campaigns/{camp}")
    assert api_campaign(client, auth, camp)["status"] == "cancelled"
    assert not re.search(r">(Pause|Resume|Cancel)</button>", cancelled)


def test_a_finished_broadcast_reads_sent_and_its_status_stops_polling(client, auth, browser, world):
    made = campaign(client, auth, [world["pool"]["id"]], [{"template_id": world["template"]["id"]}])
    post(client, browser, f"/dashboard/campaigns/{made['id']}/schedule", {"send_at": ""})
    tick()
    page = text(get(client, browser, f"/dashboard/campaigns/{made['id']}"))
    assert "Sent Finished" in page and "every step is done" in page
    status = client.http.get(f"/dashboard/campaigns/{made['id']}/status", headers={**browser, "HX-Request": "true"})
    assert status.headers.get("HX-Refresh") == "true"  # no longer live: the page loads its final figures
    listed = text(get(client, browser, "/dashboard/campaigns"))
    assert "Campaign Sent Career advice 1 Engineers (3 people) 2" in listed


def test_nobody_emailable_is_a_warning_before_scheduling(client, auth, browser):
    gone = body(client.http.post("/candidates", headers=auth, body=json.dumps({"email": "nobody@example.com"})))
    pool = static_pool(client, auth, "Cold", [gone])
    made = campaign(client, auth, [pool["id"]], [{"template_id": template(client, auth)["id"]}])
    review = get(client, browser, f"/dashboard/campaigns/{made['id']}/review")
    assert 'role="alert"' in review and "Nobody in this audience can be emailed" in review
    assert "1 in audience" in text(review) and "0 can be emailed" in text(review)


def test_the_wizard_shows_each_problem_beside_its_field_and_stores_nothing(client, auth, browser, world):
    empty = post(client, browser, "/dashboard/campaigns/new", {"name": "", "pools": []}, 400).body.decode()
    assert 'id="name-error">required text' in empty and "choose at least one pool" in empty
    unknown = post(client, browser, "/dashboard/campaigns/new",
                   {"name": "x", "pools": "pool_01hzzzzzzzzzzzzzzzzzzzzzzz"}, 400).body.decode()
    assert "no such pool" in unknown
    assert body(client.http.get("/campaigns", headers=auth))["items"] == []
    camp = draft_id(post(client, browser, "/dashboard/campaigns/new", {"name": "Drafty", "pools": world["pool"]["id"]}))
    url = f"/dashboard/campaigns/{camp}/steps"
    for fields, where, problem in (
            ({"template_id": "", "action": "add"}, "template-error", "choose a template"),
            ({"template_id": "", "action": "next"}, "template-error", "choose a template for the first step"),
            ({"template_id": "tmpl_01hzzzzzzzzzzzzzzzzzzzzzzz", "action": "add"}, "template-error", "no template"),
            ({"template_id": world["template"]["id"], "delay": "soon", "action": "add"}, "delay-error", "a delay such as"),
            ({"template_id": world["template"]["id"], "condition": "not_opened", "action": "add"}, "condition-error",
             "the first step has no previous step"),
            ({"template_id": world["template"]["id"], "condition": "sometimes", "action": "add"}, "condition-error",
             "one of"),
            ({"action": "remove:1"}, "", "a step from 1 to 0"), ({"action": "explode"}, "", "add, next or remove")):
        page = post(client, browser, url, fields, 400).body.decode()
        assert problem in page, (fields, text(page)[:800])
        if where:
            assert re.search(f'id="{where}">[^<]*{re.escape(problem)}', page), fields
    assert api_campaign(client, auth, camp)["steps"] == []
    settings = post(client, browser, f"/dashboard/campaigns/{camp}/settings",
                    {"category": "gossip", "enrollment": "sometimes", "exit_on": "never"}, 400).body.decode()
    for where in ("category-error", "enrollment-error", "exit-error"):
        assert re.search(f'id="{where}">[^<]+<', settings), where
    review = text(get(client, browser, f"/dashboard/campaigns/{camp}/review"))
    assert "Not ready to review" in review and "add at least one step" in review and "choose a category" in review
    refused = post(client, browser, f"/dashboard/campaigns/{camp}/schedule", {"send_at": ""}, 400).body.decode()
    assert "Not ready to review" in refused and api_campaign(client, auth, camp)["status"] == "draft"


def test_removing_a_step_renumbers_and_keeps_the_first_always(client, auth, browser, world):
    tmpl = world["template"]["id"]
    made = campaign(client, auth, [world["pool"]["id"]], [
        {"template_id": tmpl}, {"template_id": tmpl, "delay": "P2D", "condition": "not_opened"},
        {"template_id": tmpl, "delay": "P5D", "condition": "not_clicked"}])
    post(client, browser, f"/dashboard/campaigns/{made['id']}/steps", {"action": "remove:1"})
    steps = api_campaign(client, auth, made["id"])["steps"]
    assert [(s["delay"], s["condition"]) for s in steps] == [("P2D", "always"), ("P5D", "not_clicked")]
    page = text(get(client, browser, f"/dashboard/campaigns/{made['id']}/steps"))
    assert "Step 1: Welcome" in page and "Step 2: Welcome" in page and "Step 3" in page  # the form's next step


def viewer_session(client, auth) -> dict:
    """A viewer (Vic) signed in to the workspace: the browser's headers."""
    from chalicelib import wiring

    wiring.users().create({"email": "vic@example.com", "name": "Vic", "role": "viewer",
                           "temporary_password": "Viewer-temporary-1"})
    answer = client.http.post("/auth/sign-in", headers=auth, body=json.dumps(
        {"email": "vic@example.com", "password": "Viewer-temporary-1"}))
    session = body(answer).get("session")
    if session:
        client.http.post("/auth/new-password", headers=auth, body=json.dumps(
            {"email": "vic@example.com", "session": session, "new_password": "Viewer-own-pass-2"}))
    return workspace_session(client, "vic@example.com", "Viewer-own-pass-2")


def test_a_viewer_reads_but_changes_nothing(client, auth, world):
    viewer = viewer_session(client, auth)
    made = campaign(client, auth, [world["pool"]["id"]], [{"template_id": world["template"]["id"]}])
    listed = get(client, viewer, "/dashboard/campaigns")
    assert "New campaign" not in listed
    assert ">Cancel</button>" not in get(client, viewer, f"/dashboard/campaigns/{made['id']}")
    assert post(client, viewer, f"/dashboard/campaigns/{made['id']}/cancel", {}, 403)
    assert post(client, viewer, "/dashboard/campaigns/new", {"name": "x", "pools": world["pool"]["id"]}, 403)
    assert api_campaign(client, auth, made["id"])["status"] == "draft"
    assert len(body(client.http.get("/campaigns", headers=auth))["items"]) == 1


@pytest.mark.parametrize("path", ["/dashboard/campaigns/{id}", "/dashboard/campaigns/{id}/steps",
                                  "/dashboard/campaigns/{id}/audience", "/dashboard/campaigns/{id}/settings",
                                  "/dashboard/campaigns/{id}/review", "/dashboard/campaigns/{id}/review/figures",
                                  "/dashboard/campaigns/{id}/status"])
def test_unknown_and_malformed_ids_are_404_or_400_pages(client, browser, path):
    for campaign_id, status in ((UNKNOWN, 404), ("x" * 600, 400), ("camp_%0d%0aSet-Cookie", 400), ("%ff", 404), ("camp_x", 404)):
        answer = client.http.get(path.format(id=campaign_id), headers=browser)
        assert answer.status_code == status, (path, campaign_id, answer.status_code)  # a bad parameter: the
        assert status == 400 or "<html" in answer.body.decode()  # gate's JSON answer, before any page


@pytest.mark.parametrize("path", ["/dashboard/campaigns/{id}/pause", "/dashboard/campaigns/{id}/resume",
                                  "/dashboard/campaigns/{id}/cancel", "/dashboard/campaigns/{id}/schedule",
                                  "/dashboard/campaigns/{id}/steps", "/dashboard/campaigns/{id}/settings",
                                  "/dashboard/campaigns/{id}/audience"])
def test_changes_to_unknown_campaigns_are_404_pages(client, browser, path):
    answer = client.http.post(path.format(id=UNKNOWN), headers={**browser, **WORKSPACE_FORM}, body="action=add")
    assert answer.status_code == 404 and "<html" in answer.body.decode()


# Each class of hostile input, on the field a form reads (F).
HOSTILE = [
    ("huge", lambda f: f"{f}=" + "x" * 40000, 413),
    ("control characters", lambda f: f"{f}=a%00b", 400),
    ("lone surrogate", lambda f: f"{f}=%ed%a0%80", 400),
    ("not UTF-8", lambda f: f"{f}=%ff%fe", 400),
    ("repeated field", lambda f: f"{f}=a&{f}=b&action=add", 400),
    ("too many fields", lambda f: "&".join(f"f{i}=1" for i in range(150)), 400),
    ("JSON of wrong types", lambda f: json.dumps({f: 5, "pools": {"a": 1}, "action": ["add"]}), 400),
    ("JSON not an object", lambda f: json.dumps([1, 2]), 400),
    ("huge id list", lambda f: urlencode({"name": "x", f: ["pool_" + "a" * 26] * 90}, doseq=True), 400),
    ("long text", lambda f: urlencode({f: "y" * 5000, "name": "z" * 500, "action": "add"}), 400),
]
FORMS = {"new": "name", "audience": "name", "steps": "template_id", "settings": "category", "schedule": "send_at"}


@pytest.mark.parametrize("kind,raw,status", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_input_on_the_forms_is_refused_and_changes_nothing(client, auth, browser, world, kind, raw, status):
    made = campaign(client, auth, [world["pool"]["id"]], [{"template_id": world["template"]["id"]}])
    before = api_campaign(client, auth, made["id"])
    for form, field in FORMS.items():
        path = "/dashboard/campaigns/new" if form == "new" else f"/dashboard/campaigns/{made['id']}/{form}"
        sent = raw(field)
        kind_header = {"Content-Type": "application/json"} if sent.startswith(("{", "[")) else {}
        answer = client.http.post(path, headers={**browser, **WORKSPACE_FORM, **kind_header}, body=sent)
        assert 400 <= answer.status_code < 500, (kind, path, answer.status_code, answer.body[:500])
    after = api_campaign(client, auth, made["id"])
    assert {k: v for k, v in after.items() if k != "updated_at"} == {k: v for k, v in before.items() if k != "updated_at"}
    assert len(body(client.http.get("/campaigns", headers=auth))["items"]) == 1


@pytest.mark.parametrize("query", ["cursor=not-a-cursor", "cursor=" + "A" * 3000, "cursor=%00", "cursor=a&cursor=b"])
def test_hostile_list_parameters_are_4xx_pages(client, browser, query):
    answer = client.http.get("/dashboard/campaigns?" + query, headers=browser)
    assert 400 <= answer.status_code < 500  # a page, or the gate's JSON answer for a malformed parameter


def test_a_change_from_another_site_is_refused(client, browser, world):
    answer = client.http.post("/dashboard/campaigns/new", headers={**browser, **WORKSPACE_FORM,
                                                                   "Sec-Fetch-Site": "cross-site"},
                              body=urlencode({"name": "x", "pools": world["pool"]["id"]}))
    assert answer.status_code == 403


def test_the_stylesheet_is_served(client):
    answer = client.http.get("/dashboard/assets/campaigns.css")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/css")
