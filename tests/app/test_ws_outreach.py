"""Outreach in the workspace over HTTP (issue: outreach): the campaign wizard's sender, send window and subject
tests (each problem beside its field, 400, nothing stored; hostile values too), the review's From line and window
in words, a schedule refused for its sender shown on the review (409); the campaign page's reply rate, subject
test table, waits in words and latest replies (and GET /analytics/campaigns/{id}/replies); a person's time zone
and their replies on their timeline; an erased person's reply leaves the list."""
import html
import json
import re
from datetime import datetime, timezone
from urllib.parse import urlencode

import pytest

from tests.app import test_ses_webhook
from tests.app.campaign_helpers import act, campaign, subscriber, template
from tests.app.helpers import WORKSPACE_FORM, body, outbox, tick, workspace_session
from tests.app.reply_helpers import post_reply, received, reply_to
from tests.app.test_ws_campaigns import api_campaign, get, post, prompt_scheduler, static_pool, viewer_session
from tests.app.test_ws_campaigns import text as tagless

trusted_cert, sent = test_ses_webhook.trusted_cert, test_ses_webhook.sent  # signed SNS trusted; Ada's campaign email
prompt_scheduler = prompt_scheduler
UNKNOWN = "camp_01hzzzzzzzzzzzzzzzzzzzzzzz"
WINDOW = {"window": "on", "window_start": "09:00", "window_end": "17:00", "window_days": ["mon", "tue", "wed"],
          "window_whose": "candidate", "window_timezone": "", "window_fallback": "Europe/Berlin"}
SETTINGS = {"category": "career_advice", "enrollment": "once", "exit_on": ["unsubscribed", "replied"],
            "sender": "company"}


@pytest.fixture
def browser(client):
    return workspace_session(client)


@pytest.fixture
def draft(client, auth):
    """A draft campaign with one step, its audience a static pool holding one subscriber."""
    ada = subscriber("ada@example.com", first_name="Ada")
    made = campaign(client, auth, [static_pool(client, auth, "Engineers", [ada])["id"]],
                    [{"template_id": template(client, auth, name="Welcome")["id"]}])
    return made


def text(page: str) -> str:
    """What a reader reads: the tags out, the entities (&lt;, &#39;) as their characters."""
    return html.unescape(tagless(page))


def settings_url(made) -> str:
    return f"/dashboard/campaigns/{made['id']}/settings"


def problem(page: str, where: str) -> str:
    found = re.search(f'id="{where}">([^<]*)<', page)
    return found.group(1) if found else ""


# ---------------------------------------------------------------- settings: sender and send window

def test_the_settings_page_offers_the_sender_and_the_send_window(client, auth, browser, draft):
    page = get(client, browser, settings_url(draft))
    for label in ("The company's address", "A team member", "Team member", "Someone else", "Sender name",
                  "Sender email", "Only send within a window", "Start time", "End time", "Mon", "Sun",
                  "The candidate's", "A fixed time zone", "Time zone", "Fallback time zone"):
        assert f">{label}</label>" in page, label
    assert 'id="sender-company" name="sender" value="company" checked' in page
    assert "Talent CRM &lt;talent@example.com&gt;" in page or "&lt;talent@example.com&gt;" in page
    assert 'value="mon" checked' in page and 'value="sat">' in page  # working days, to begin with
    assert re.search(r'id="window" name="window" value="on" aria', page)  # not ticked: any time


def test_a_team_member_or_someone_else_sends_and_the_window_is_kept(client, auth, browser, draft):
    from chalicelib import wiring

    grace = wiring.users().create({"email": "grace@example.com", "name": "Grace Hopper", "role": "recruiter",
                                   "temporary_password": "Temporary-pass-1"})
    assert "Grace Hopper &lt;grace@example.com&gt;" in get(client, browser, settings_url(draft))
    post(client, browser, settings_url(draft), {**SETTINGS, "sender": "member", "sender_user_id": grace["id"], **WINDOW})
    stored = api_campaign(client, auth, draft["id"])
    assert stored["sender"] == {"user_id": grace["id"]} and stored["exit_on"] == ["unsubscribed", "replied"]
    assert stored["send_window"] == {"start": "09:00", "end": "17:00", "days": ["mon", "tue", "wed"],
                                     "timezone": "candidate", "fallback_timezone": "Europe/Berlin"}
    page = get(client, browser, settings_url(draft))  # shown back as stored
    assert 'id="sender-member" name="sender" value="member" checked' in page
    assert f'<option value="{grace["id"]}" selected>' in page and 'id="window" name="window" value="on" checked' in page
    assert 'value="thu">' in page and '<option value="Europe/Berlin" selected>' in page
    review = text(get(client, browser, f"/dashboard/campaigns/{draft['id']}/review"))
    assert "From: Grace Hopper at Talent CRM <grace@example.com>" in review
    assert ("09:00 to 17:00, Monday to Wednesday, in each candidate's time (their time zone, else their city's, "
            "else Europe/Berlin)") in review

    post(client, browser, settings_url(draft), {**SETTINGS, "sender": "other", "sender_name": "Ada  Lovelace",
                                                "sender_email": "Ada@Example.com", **WINDOW, "window_whose": "fixed",
                                                "window_timezone": "America/New_York", "window_start": "22:00",
                                                "window_end": "02:00", "window_days": ["sat", "sun"]})
    stored = api_campaign(client, auth, draft["id"])
    assert stored["sender"] == {"name": "Ada Lovelace", "email": "ada@example.com"}
    assert stored["send_window"]["timezone"] == "America/New_York"
    review = text(get(client, browser, f"/dashboard/campaigns/{draft['id']}/review"))
    assert "From: Ada Lovelace at Talent CRM <ada@example.com>" in review
    assert "22:00 to 02:00 (past midnight), Saturday, Sunday, America/New York time" in review

    post(client, browser, settings_url(draft), SETTINGS)  # back to the company, any time
    stored = api_campaign(client, auth, draft["id"])
    assert stored["sender"] is None and stored["send_window"] is None
    assert "From: Talent CRM <talent@example.com>" in text(get(client, browser, f"/dashboard/campaigns/{draft['id']}/review"))


@pytest.mark.parametrize("fields, where, words", [
    ({"sender": "member"}, "sender-user-error", "choose a team member"),
    ({"sender": "member", "sender_user_id": "user_01hzzzzzzzzzzzzzzzzzzzzzzz"}, "sender-user-error",
     "choose a team member from the list"),
    ({"sender": "other", "sender_email": "not an address"}, "sender-email-error", "not a valid email address"),
    ({"sender": "other", "sender_email": "a@example.com", "sender_name": 'Ada "<b>"'}, "sender-name-error",
     "without quotes or angle brackets"),
    ({"sender": "boss"}, "sender-error", "the company, a team member or someone else"),
    ({**WINDOW, "window_start": "9am"}, "window-start-error", "a time of day such as 09:00"),
    ({**WINDOW, "window_end": "24:00"}, "window-end-error", "a time of day such as 09:00"),
    ({**WINDOW, "window_end": "09:00"}, "window-error", "start and end must differ"),
    ({**WINDOW, "window_days": []}, "window-days-error", "tick at least one day"),
    ({**WINDOW, "window_days": ["mon", "someday"]}, "window-days-error", "a non-empty list of days"),
    ({**WINDOW, "window_whose": "fixed", "window_timezone": ""}, "window-timezone-error", "choose a time zone"),
    ({**WINDOW, "window_whose": "fixed", "window_timezone": "../../etc/passwd"}, "window-timezone-error",
     "choose a time zone"),
    ({**WINDOW, "window_fallback": "Mars/Olympus"}, "window-fallback-error", "choose a time zone"),
])
def test_each_settings_problem_is_beside_its_field_and_nothing_is_stored(client, auth, browser, draft, fields, where,
                                                                         words):
    before = api_campaign(client, auth, draft["id"])
    page = post(client, browser, settings_url(draft), {**SETTINGS, "category": "gossip", **fields}, 400).body.decode()
    assert words in problem(page, where), (where, text(page)[:1500])
    assert problem(page, "category-error")  # the form's other problems with it
    assert 'aria-invalid="true"' in page and "Nothing was saved" in page
    after = api_campaign(client, auth, draft["id"])
    assert {k: v for k, v in after.items() if k != "updated_at"} == {k: v for k, v in before.items() if k != "updated_at"}


# ---------------------------------------------------------------- steps: subject tests

def steps_url(made) -> str:
    return f"/dashboard/campaigns/{made['id']}/steps"


def test_a_step_with_two_subjects_and_a_winner_rule(client, auth, browser, draft):
    tmpl = draft["steps"][0]["template_id"]
    page = get(client, browser, steps_url(draft))
    for label in ("Subject A", "Subject B", "Subject C", "Subject D", "Pick a winner by", "Test share (%)", "Wait"):
        assert f">{label}</label>" in page, label
    assert '<option value="opens"' not in page and ">Clicks</option>" in page and ">Replies</option>" in page
    post(client, browser, steps_url(draft), {"template_id": tmpl, "delay": "2 days", "action": "add",
                                             "subject_a": "  Hello {{ candidate.first_name }} ", "subject_b": "",
                                             "subject_c": "A role for you", "winner_metric": "replies",
                                             "winner_share": "25 %", "winner_after": "1 day"})
    step = api_campaign(client, auth, draft["id"])["steps"][1]
    assert step["subjects"] == ["Hello {{ candidate.first_name }}", "A role for you"]
    assert step["winner"] == {"metric": "replies", "test_share": 0.25, "after": "P1D"}
    page = text(get(client, browser, steps_url(draft)))
    assert "Subject test: 2 subjects; 25% get them first, the rest get the winner by replies after 1 day" in page
    assert "A Hello {{ candidate.first_name }} B A role for you" in page
    review = text(get(client, browser, f"/dashboard/campaigns/{draft['id']}/review"))
    assert "Subject test: 2 subjects; 25% get them first" in review

    # step 2's own form changes its test: no winner, three subjects; then none (the template's subject)
    post(client, browser, steps_url(draft), {"action": "test:2", "subject_a": "One", "subject_b": "Two",
                                             "subject_c": "Three", "winner_metric": "", "winner_share": "20",
                                             "winner_after": "4 hours"})
    step = api_campaign(client, auth, draft["id"])["steps"][1]
    assert step["subjects"] == ["One", "Two", "Three"] and "winner" not in step
    assert (step["template_id"], step["delay"]) == (tmpl, "P2D")
    post(client, browser, steps_url(draft), {"action": "test:2"})
    assert "subjects" not in api_campaign(client, auth, draft["id"])["steps"][1]


@pytest.mark.parametrize("fields, where, words", [
    ({"subject_a": "Only one"}, "subjects-error", "a list of 2 to 4 different subjects"),
    ({"subject_a": "Same", "subject_b": "Same"}, "subjects-error", "a list of 2 to 4 different subjects"),
    ({"subject_a": "Hi {{ candidate.first_name", "subject_b": "B"}, "subjects-error", "subject 1:"),
    ({"subject_a": "x" * 201, "subject_b": "B"}, "subjects-error", "at most 200 characters"),
    ({"winner_metric": "clicks"}, "subjects-error", "a winner picks among subjects"),
    ({"subject_a": "A", "subject_b": "B", "winner_metric": "opens"}, "winner-metric-error", "clicks or replies"),
    ({"subject_a": "A", "subject_b": "B", "winner_metric": "clicks", "winner_share": "90"}, "winner-share-error",
     "a share from 5% to 50%"),
    ({"subject_a": "A", "subject_b": "B", "winner_metric": "clicks", "winner_share": "a lot"}, "winner-share-error",
     "a share from 5% to 50%"),
    ({"subject_a": "A", "subject_b": "B", "winner_metric": "clicks", "winner_share": "nan"}, "winner-share-error",
     "a share from 5% to 50%"),
    ({"subject_a": "A", "subject_b": "B", "winner_metric": "clicks", "winner_after": "10 minutes"},
     "winner-after-error", "a wait from 1 hour to 7 days"),
    ({"subject_a": "A", "subject_b": "B", "winner_metric": "clicks", "winner_after": "soon"}, "winner-after-error",
     "a wait from 1 hour to 7 days"),
])
@pytest.mark.parametrize("form", ["new", "step1"])
def test_each_subject_test_problem_is_beside_its_field_and_nothing_is_stored(client, auth, browser, draft, fields,
                                                                             where, words, form):
    before = api_campaign(client, auth, draft["id"])["steps"]
    base = {"winner_share": "20", "winner_after": "4 hours"}
    if form == "new":
        sent_fields = {**base, "template_id": draft["steps"][0]["template_id"], "action": "add", **fields}
    else:
        sent_fields = {**base, "action": "test:1", **fields}
    page = post(client, browser, steps_url(draft), sent_fields, 400).body.decode()
    assert words in problem(page, f"{form}-{where}"), (form, where, text(page)[:1500])
    if form == "step1":
        assert re.search(r'<details class="subject-test" open>\s*<summary>', page)  # the failed form shown unfolded
    assert api_campaign(client, auth, draft["id"])["steps"] == before


def test_a_subject_test_for_a_step_that_is_not_there_is_a_form_error(client, auth, browser, draft):
    for action in ("test:2", "test:0", "test:x", "test:" + "9" * 50):
        page = post(client, browser, steps_url(draft), {"action": action, "subject_a": "A", "subject_b": "B"},
                    400).body.decode()
        assert "a step from 1 to 1" in page, action
    assert "subjects" not in api_campaign(client, auth, draft["id"])["steps"][0]


# ---------------------------------------------------------------- review and scheduling

def test_an_unverified_sender_is_shown_on_the_review_and_nothing_is_scheduled(client, auth, browser, draft):
    post(client, browser, settings_url(draft), {**SETTINGS, "sender": "other", "sender_name": "Ada Lovelace",
                                                "sender_email": "ada@unverified.example"})
    refused = post(client, browser, f"/dashboard/campaigns/{draft['id']}/schedule", {"send_at": ""}, 409)
    page = refused.body.decode()
    assert "<h1>Review</h1>" in page and 'role="alert"' in page
    words = text(page)
    assert "Not scheduled: SES does not send from this sender's address yet." in words
    assert "Verify ada@unverified.example or its domain unverified.example in SES" in words
    assert f'href="/dashboard/campaigns/{draft["id"]}/settings">choose another sender</a>' in page
    assert "From: Ada Lovelace at Talent CRM <ada@unverified.example>" in words
    assert api_campaign(client, auth, draft["id"])["status"] == "draft"


def test_a_team_member_removed_since_is_said_on_the_review(client, auth, browser, draft):
    from chalicelib import wiring

    client.http.patch(f"/campaigns/{draft['id']}", headers=auth,
                      body=json.dumps({"sender": {"user_id": "user_01hzzzzzzzzzzzzzzzzzzzzzzz"}}))
    review = text(get(client, browser, f"/dashboard/campaigns/{draft['id']}/review"))
    assert "not an active team member" in review
    refused = text(post(client, browser, f"/dashboard/campaigns/{draft['id']}/schedule", {"send_at": ""},
                        409).body.decode())
    assert "Not scheduled: its sender is not an active team member." in refused
    assert wiring.campaigns().get(draft["id"])["status"] == "draft"


# ---------------------------------------------------------------- the campaign page and its replies

def campaign_email(to: str = "ada@example.com") -> str:
    return next(e["raw"] for e in outbox() if e["to"] == [to])


def test_a_reply_is_on_the_campaign_page_the_list_and_the_persons_timeline(client, auth, browser, sent):
    camp, ada = sent["campaign"]["id"], sent["ada"]
    page = text(get(client, browser, f"/dashboard/campaigns/{camp}"))
    assert "Replied 0 n/a reply rate" in page or "Replied 0 0.0% reply rate" in page
    assert "No replies." in page
    answer = post_reply(client, received(reply_to(campaign_email(), "Yes, I'd love to hear more.\nCall me Monday.")))
    assert body(answer) == {"status": "replied"}

    page = get(client, browser, f"/dashboard/campaigns/{camp}")
    words = text(page)
    assert "Replied 1 100.0% reply rate" in words
    assert "Latest replies Ada" in words and "Yes, I'd love to hear more. Call me Monday." in words
    assert f'href="/dashboard/candidates/{ada["id"]}">Ada</a>' in page
    listed = text(get(client, browser, "/dashboard/campaigns"))
    assert "Reply rate" in listed and "100.0%" in listed
    everything = text(get(client, browser, f"/dashboard/campaigns/{camp}/replies"))
    assert "All replies" in everything and "Call me Monday." in everything

    api = body(client.http.get(f"/analytics/campaigns/{camp}/replies", headers=auth))
    [reply] = api["items"]
    assert api["next_cursor"] is None
    assert (reply["candidate_id"], reply["name"], reply["email"], reply["step"]) == (ada["id"], "Ada", ada["email"], 0)
    assert reply["text"] == "Yes, I'd love to hear more.\nCall me Monday." and reply["subject"].startswith("Re: ")

    profile = get(client, browser, f"/dashboard/candidates/{ada['id']}")
    assert "Replied to the campaign “Campaign”:" in text(profile)
    assert "Yes, I'd love to hear more.\nCall me Monday." in html.unescape(profile)  # the note keeps its lines

    post_reply(client, received(reply_to(campaign_email(), "I am away until Monday.", subject="Automatic reply: away",
                                         headers=("Auto-Submitted: auto-replied",))))
    profile = text(get(client, browser, f"/dashboard/candidates/{ada['id']}"))
    assert "Automatic reply (out of office)" in profile and "not a reply, the campaign goes on" in profile
    assert len(body(client.http.get(f"/analytics/campaigns/{camp}/replies", headers=auth))["items"]) == 1
    assert "1 automatic reply not counted" in text(get(client, browser, f"/dashboard/campaigns/{camp}"))


def test_the_replies_list_pages_and_an_erased_persons_reply_leaves_it(client, auth, browser):
    from chalicelib import wiring

    people = [subscriber(f"p{i}@example.com", first_name=f"P{i}") for i in range(3)]
    made = campaign(client, auth, [static_pool(client, auth, "Three", people)["id"]],
                    [{"template_id": template(client, auth)["id"]}])
    act(client, auth, made["id"], "schedule")
    tick()
    for person in people:
        post_reply(client, received(reply_to(campaign_email(person["email"]), f"Reply from {person['first_name']}",
                                             sender=person["email"])))
    first = body(client.http.get(f"/analytics/campaigns/{made['id']}/replies?limit=2", headers=auth))
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = body(client.http.get(f"/analytics/campaigns/{made['id']}/replies?limit=2&cursor={first['next_cursor']}",
                                headers=auth))
    assert {r["text"] for r in first["items"] + rest["items"]} == {"Reply from P0", "Reply from P1", "Reply from P2"}

    entry = next(e for e in wiring.timeline_repo().all(people[0]["id"]) if e["kind"] == "email_replied")
    filed = entry["data"]["listed_as"]
    assert client.http.delete(f"/candidates/{people[0]['id']}", headers=auth).status_code == 200
    left = body(client.http.get(f"/analytics/campaigns/{made['id']}/replies", headers=auth))["items"]
    assert {r["text"] for r in left} == {"Reply from P1", "Reply from P2"}
    assert wiring.timeline_repo().get(f"replies#{made['id']}", filed)["data"] == {"erased": True}  # not even their id
    assert "Reply from P0" not in text(get(client, browser, f"/dashboard/campaigns/{made['id']}/replies"))


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=x", "cursor=not-a-cursor", "cursor=" + "A" * 3000,
                                   "cursor=%00", "cursor=a&cursor=b"])
def test_hostile_parameters_of_the_replies_list(client, auth, browser, draft, query):
    answer = client.http.get(f"/analytics/campaigns/{draft['id']}/replies?{query}", headers=auth)
    assert answer.status_code == 400 and body(answer)["error"]["code"] == "validation_error"
    if query.startswith("cursor"):  # the page reads no limit
        page = client.http.get(f"/dashboard/campaigns/{draft['id']}/replies?{query}", headers=browser)
        assert 400 <= page.status_code < 500


def test_a_cursor_of_another_campaigns_replies_is_refused(client, auth, sent):
    from chalicelib.store.candidates import encode_cursor

    other = encode_cursor({"candidate_id": {"S": "replies#camp_other"}, "sk": {"S": "2026-01-01T00:00:00.000Z#x"}})
    answer = client.http.get(f"/analytics/campaigns/{sent['campaign']['id']}/replies?cursor={other}", headers=auth)
    assert answer.status_code == 400


def test_replies_of_an_unknown_campaign_are_404_and_need_a_key(client, auth, browser):
    assert client.http.get(f"/analytics/campaigns/{UNKNOWN}/replies", headers=auth).status_code == 404
    assert client.http.get(f"/analytics/campaigns/{UNKNOWN}/replies").status_code == 401
    page = client.http.get(f"/dashboard/campaigns/{UNKNOWN}/replies", headers=browser)
    assert page.status_code == 404 and "<html" in page.body.decode()


def test_the_subject_test_table_marks_the_winner_and_waits_are_in_words(client, auth, browser):
    from chalicelib import wiring

    people = [subscriber(f"s{i}@example.com") for i in range(4)]
    made = campaign(client, auth, [static_pool(client, auth, "Four", people)["id"]],
                    [{"template_id": template(client, auth)["id"], "subjects": ["First subject", "Second subject"]}],
                    send_window={"start": "00:00", "end": "23:59", "days": ["mon", "tue", "wed", "thu", "fri", "sat",
                                                                                "sun"], "timezone": "UTC"})
    act(client, auth, made["id"], "schedule")
    tick()
    wiring.key_repo().put(f"subjectwinner#{made['id']}#0", data={"variant": 1})
    page = get(client, browser, f"/dashboard/campaigns/{made['id']}")
    words = text(page)
    assert "Subject test, step 1" in words and "A First subject" in words
    assert re.search(r"B</span> Second subject <span class=\"badge badge-winner\">Winner</span>", page)
    assert "The winner is subject B" in words
    assert "00:00 to 23:59, every day, UTC time" in words
    figures = body(client.http.get(f"/analytics/campaigns/{made['id']}", headers=auth))["steps"][0]["subjects"]
    assert sum(s["sent"] for s in figures) == 4

    today = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[datetime.now(timezone.utc).weekday()]
    closed = campaign(client, auth, [static_pool(client, auth, "Closed", people[:1])["id"]],
                      [{"template_id": template(client, auth)["id"]}],
                      send_window={"start": "00:00", "end": "23:59", "timezone": "UTC",  # every day but today
                                   "days": [d for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun") if d != today]})
    act(client, auth, closed["id"], "schedule")
    tick()
    deferred = body(client.http.get(f"/analytics/campaigns/{closed['id']}", headers=auth))["deferred_by_reason"]
    words = text(get(client, browser, f"/dashboard/campaigns/{closed['id']}"))
    assert deferred["outside_send_window"] >= 1
    assert f"Waiting for the send window: {deferred['outside_send_window']}" in words
    assert "Waiting, sent later" in words


# ---------------------------------------------------------------- a person's time zone

def test_a_persons_time_zone_is_edited_with_suggestions_and_checked(client, auth, browser):
    ada = body(client.http.post("/candidates", headers=auth, body=json.dumps({"email": "tz@example.com"})))
    url = f"/dashboard/candidates/{ada['id']}"
    form = get(client, browser, f"{url}?edit=1")
    assert '<label for="f-timezone">Time zone</label>' in form and 'list="zones"' in form
    assert '<datalist id="zones">' in form and '<option value="Europe/Berlin"></option>' in form

    def save(zone, status=303):
        version = re.search(r'name="version" value="(\d+)"', get(client, browser, f"{url}?edit=1")).group(1)
        return client.http.post(f"{url}/edit", headers={**browser, **WORKSPACE_FORM},
                                body=urlencode({"version": version, "timezone": zone}))

    assert save("Asia/Tokyo").status_code == 303
    assert body(client.http.get(f"/candidates/{ada['id']}", headers=auth))["timezone"] == "Asia/Tokyo"
    assert 'value="Asia/Tokyo"' in get(client, browser, f"{url}?edit=1")
    for bad, words in (("Mars/Olympus", "a time zone name such as Europe/Berlin"),
                       ("../../etc/passwd", "a time zone name such as Europe/Berlin"), ("x" * 300, "at most 200")):
        refused = save(bad)
        assert refused.status_code == 400, bad
        assert words in problem(refused.body.decode(), "f-timezone-error"), bad
    assert body(client.http.get(f"/candidates/{ada['id']}", headers=auth))["timezone"] == "Asia/Tokyo"
    assert save("").status_code == 303  # empty: none (their city's zone, else the window's fallback)
    assert body(client.http.get(f"/candidates/{ada['id']}", headers=auth))["timezone"] is None


# ---------------------------------------------------------------- hostile input on the new fields

HOSTILE = [
    ("huge", lambda f: f"{f}=" + "x" * 40000, 413),
    ("control characters", lambda f: f"{f}=a%00b&action=add", 400),
    ("lone surrogate", lambda f: f"{f}=%ed%a0%80&action=add", 400),
    ("repeated field", lambda f: f"{f}=a&{f}=b&action=add&sender=other&window=on", 400),
    ("JSON of wrong types", lambda f: json.dumps({f: {"a": [1]}, "action": "add", "sender": "other",
                                                  "window": "on", "window_days": "mon"}), 400),
]
FIELDS = {"settings": ("sender", "sender_user_id", "sender_name", "sender_email", "window", "window_start",
                       "window_end", "window_whose", "window_timezone", "window_fallback", "window_days"),
          "steps": ("subject_a", "subject_d", "winner_metric", "winner_share", "winner_after")}


@pytest.mark.parametrize("kind,raw,status", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_input_on_the_new_fields_is_refused_and_changes_nothing(client, auth, browser, draft, kind, raw, status):
    before = api_campaign(client, auth, draft["id"])
    for form, names in FIELDS.items():
        for name in names:
            sent_body = raw(name)
            headers = {**browser, **WORKSPACE_FORM,
                       **({"Content-Type": "application/json"} if sent_body.startswith("{") else {})}
            answer = client.http.post(f"/dashboard/campaigns/{draft['id']}/{form}", headers=headers, body=sent_body)
            assert 400 <= answer.status_code < 500, (kind, form, name, answer.status_code, answer.body[:300])
            assert answer.status_code != 500
    after = api_campaign(client, auth, draft["id"])
    assert {k: v for k, v in after.items() if k != "updated_at"} == {k: v for k, v in before.items() if k != "updated_at"}


def test_a_viewer_sees_the_replies_but_changes_no_setting(client, auth, draft):
    viewer = viewer_session(client, auth)
    assert "No replies" in get(client, viewer, f"/dashboard/campaigns/{draft['id']}/replies")
    post(client, viewer, settings_url(draft), {**SETTINGS, "sender": "other", "sender_email": "v@example.com"}, 403)
    post(client, viewer, steps_url(draft), {"action": "test:1", "subject_a": "A", "subject_b": "B"}, 403)
    assert api_campaign(client, auth, draft["id"])["sender"] is None
