"""A person's profile in the workspace over HTTP: the page in words, its forms (each problem at its field, nothing
stored), tags, touchpoints, static pools, the export, erasure with its confirmation, what a viewer may do, what the
audit log keeps, and hostile input (always a 4xx, never a change)."""
import json
import re
from contextlib import contextmanager
from urllib.parse import urlencode

import pytest

from tests.app.ats_signing import signed
from tests.app.helpers import WORKSPACE_FORM, body, workspace_session

ID = re.compile(r"\b(cand|camp|job|tmpl|pool)_[0-9a-z]{26}\b")


def person(client, auth, **fields) -> dict:
    made = client.http.post("/candidates", headers=auth, body=json.dumps(
        {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace", "city": "London",
         "country": "GB", "skills": "python", "tags": "alpha", **fields}))
    assert made.status_code in (200, 201), made.body
    return body(made)


def stored(client, auth, candidate_id: str) -> dict:
    return body(client.http.get(f"/candidates/{candidate_id}", headers=auth))


def page(client, session, path: str):
    return client.http.get(path, headers=session)


def post(client, session, path: str, fields: dict | str):
    data = fields if isinstance(fields, str) else urlencode(fields, doseq=True)
    return client.http.post(path, headers={**session, **WORKSPACE_FORM}, body=data)


def html(answer) -> str:
    return answer.body.decode()


def main(answer) -> str:
    """The page's main part as text (tags dropped, entities and spaces as a reader sees them)."""
    import html as entities

    part = html(answer).split('<main id="main" tabindex="-1">', 1)[1].split("</main>", 1)[0]
    return " ".join(entities.unescape(re.sub(r"<[^>]+>", " ", part)).split())


def pool(client, auth, name: str, kind: str = "static") -> dict:
    extra = {"rules": {"field": "skills", "op": "contains_any", "value": ["python"]}} if kind == "dynamic" else {}
    return body(client.http.post("/pools", headers=auth, body=json.dumps({"name": name, "kind": kind, **extra})))


def campaign(client, auth, name: str, audience_pool: str) -> dict:
    template = body(client.http.post("/templates", headers=auth, body=json.dumps(
        {"name": f"{name} template", "category": "event_invite", "subject": "Hello",
         "html": "<html><body><p>Hi</p></body></html>"})))
    return body(client.http.post("/campaigns", headers=auth, body=json.dumps(
        {"name": name, "channel": "email", "category": "event_invite", "audience": {"pools": [audience_pool]},
         "steps": [{"template_id": template["id"]}]})))


@pytest.fixture
def session(client):
    return workspace_session(client)


@pytest.fixture
def viewer(client, auth):
    client.http.post("/users", headers=auth, body=json.dumps(
        {"email": "viewer@example.com", "name": "Vi", "role": "viewer", "temporary_password": "Temporary-pass-1"}))
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    first = client.http.post("/dashboard/sign-in", headers=form,
                             body=urlencode({"email": "viewer@example.com", "password": "Temporary-pass-1"}))
    challenge = html(first).split('name="session" value="')[1].split('"')[0]
    done = client.http.post("/dashboard/new-password", headers=form, body=urlencode(
        {"email": "viewer@example.com", "session": challenge, "new_password": "Viewer-own-pass-2"}))
    return {"Cookie": done.headers["Set-Cookie"].split(";")[0], "Sec-Fetch-Site": "same-origin"}


# ---------------------------------------------------------------- reading

def test_the_profile_says_everything_in_words_and_names_what_the_timeline_mentions(client, auth, session):
    from chalicelib import wiring

    ada = person(client, auth)
    audience = pool(client, auth, "Newsletter")
    meetup = campaign(client, auth, "Python meetup", audience["id"])
    timeline = wiring.timeline_repo()
    timeline.add(ada["id"], "campaign_email_sent", {"campaign_id": meetup["id"], "step": 0, "subject": "Join us",
                                                    "status": "sent"})
    timeline.add(ada["id"], "email_opened", {"campaign_id": meetup["id"], "step": 0})
    timeline.add(ada["id"], "email_clicked", {"campaign_id": "camp_gone", "step": 1})
    signed(client, {"id": "evt-job", "type": "job.opened", "occurred_at": "2026-01-01T00:00:00Z",
                    "data": {"job_id": "REQ-7", "title": "Data engineer"}})
    signed(client, {"id": "evt-app", "type": "application.created", "occurred_at": "2026-01-02T00:00:00Z",
                    "data": {"email": "ada@example.com", "job_id": "REQ-7"}})
    signed(client, {"id": "evt-stage", "type": "candidate.stage_changed", "occurred_at": "2026-01-03T00:00:00Z",
                    "data": {"email": "ada@example.com", "job_id": "REQ-unknown", "stage": "interviewing"}})
    client.http.post(f"/candidates/{ada['id']}/touchpoints", headers=auth,
                     body=json.dumps({"channel": "linkedin", "summary": "Said hello\non LinkedIn"}))

    answer = page(client, session, f"/dashboard/candidates/{ada['id']}")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    text = main(answer)
    for words in ("Ada Lovelace", "Not subscribed", "Stage: Interviewing", "No consent to marketing email recorded",
                  "Every kind of email (no preferences set)", "Not asked about text messages",
                  "“Join us” sent from the campaign “Python meetup”", "Opened “Join us” from the campaign “Python meetup”",
                  "Clicked an email from a campaign deleted since (step 2)", "Applied for “Data engineer”",
                  "Now interviewing for a job not known to the CRM", "LinkedIn message logged", "Said hello\non LinkedIn",
                  "alpha", "Engagement score"):
        assert words.replace("\n", " ") in text, words
    assert "Said hello\non LinkedIn" in html(answer)  # the note keeps its line break (pre-wrap)
    assert not ID.search(text), ID.search(text)
    assert "/dashboard/assets/profile.css" in html(answer)
    for control in ("Edit profile", ">Add touchpoint<", ">Erase<", "Export data", "Add tags", "Add to pool"):
        assert control in html(answer), control


def test_reading_a_profile_is_in_the_audit_log(client, auth, session):
    ada = person(client, auth)
    page(client, session, f"/dashboard/candidates/{ada['id']}")
    entries = body(client.http.get(f"/audit?target={ada['id']}", headers=auth))["items"]
    assert "GET /dashboard/candidates/{candidate_id}" in [e["action"] for e in entries]


@contextmanager
def counting_reads():
    """DynamoDB reads through every model's client (each PynamoDB model may hold its own)."""
    from chalicelib.store import models
    from chalicelib.store.connection import connection
    from tests.integration.reads import ReadCounter

    counter = ReadCounter()
    tables = [m for m in vars(models).values() if isinstance(m, type) and issubclass(m, models.Model)
              and m is not models.Model and hasattr(m, "Meta") and hasattr(m.Meta, "table_name")]
    clients = {id(c): c for c in [connection().client] + [m._get_connection().connection.client for m in tables]}
    for each in clients.values():
        each.meta.events.register("after-call.dynamodb", counter)
    try:
        yield counter
    finally:
        for each in clients.values():
            each.meta.events.unregister("after-call.dynamodb", counter)


def test_names_are_read_in_batches_not_per_entry(client, auth, session):
    from chalicelib import wiring

    ada = person(client, auth)
    audience = pool(client, auth, "Newsletter")
    campaigns = [campaign(client, auth, f"Campaign {n}", audience["id"]) for n in range(12)]

    def calls() -> int:
        with counting_reads() as reads:
            assert page(client, session, f"/dashboard/candidates/{ada['id']}").status_code == 200
        return reads.calls

    wiring.timeline_repo().add(ada["id"], "campaign_email_sent", {"campaign_id": campaigns[0]["id"], "step": 0})
    calls()  # the first request of a session reads what later ones have cached
    few = calls()
    for c in campaigns[1:]:
        wiring.timeline_repo().add(ada["id"], "campaign_email_sent", {"campaign_id": c["id"], "step": 0})
        wiring.timeline_repo().add(ada["id"], "email_opened", {"campaign_id": c["id"], "step": 0})
    assert few > 0 and calls() == few
    assert all(c["name"] in main(page(client, session, f"/dashboard/candidates/{ada['id']}")) for c in campaigns)


def test_the_timeline_pages_by_cursor(client, auth, session):
    from chalicelib import wiring

    ada, grace = person(client, auth), person(client, auth, email="grace@example.com")
    wiring.timeline_repo().add_many([(ada["id"], "touchpoint", {"channel": "note", "summary": f"note {n:02d}"},
                                      f"2026-01-01T00:{n:02d}:00.000Z") for n in range(55)])
    first = html(page(client, session, f"/dashboard/candidates/{ada['id']}"))
    # 50 a page, newest first: the entry of the person's creation (today), then notes 54 to 06
    assert "note 54" in first and "note 06" in first and "note 05" not in first and "Newest entries" not in first
    cursor = re.search(r'\?cursor=([^"#]+)#timeline">Older entries', first).group(1)
    second = html(page(client, session, f"/dashboard/candidates/{ada['id']}?cursor={cursor}"))
    assert "note 05" in second and "note 00" in second and "note 06" not in second and "Newest entries" in second
    # another person's cursor, or none this gave out: 400, never a 500
    for bad in (cursor, "not-a-cursor", "eyJ4IjoxfQ"):
        target = grace["id"] if bad == cursor else ada["id"]
        assert page(client, session, f"/dashboard/candidates/{target}?cursor={bad}").status_code == 400


def test_a_visitor_is_sent_to_sign_in_and_an_unknown_person_is_a_404_page(client, auth, session):
    ada = person(client, auth)
    assert client.http.get(f"/dashboard/candidates/{ada['id']}").status_code == 303
    for path in ("/dashboard/candidates/cand_nobody", "/dashboard/candidates/cand_nobody/erase",
                 "/dashboard/candidates/cand_nobody/export", "/dashboard/candidates/cand_nobody?edit=1"):
        answer = page(client, session, path)
        assert answer.status_code == 404 and "Not found" in html(answer), path


# ---------------------------------------------------------------- editing

def test_an_edit_is_saved_and_a_bad_field_is_shown_at_the_field_with_nothing_stored(client, auth, session):
    ada = person(client, auth)
    form = html(page(client, session, f"/dashboard/candidates/{ada['id']}?edit=1"))
    assert 'value="London"' in form and 'name="version" value="1"' in form and "<label for=\"f-phone\">Phone" in form
    fields = {"version": "1", "first_name": "Ada", "last_name": "Lovelace", "phone": "12", "city": "Paris",
              "country": "GB", "remote_ok": "true", "seniority": "", "stage": "offer", "skills": "python, go",
              "roles": "", "tags": "alpha", "linkedin_url": "not a url", "portfolio_url": "", "status": ""}
    bad = post(client, session, f"/dashboard/candidates/{ada['id']}/edit", fields)
    assert bad.status_code == 400
    assert re.search(r'id="f-phone"[^>]*aria-invalid="true"', html(bad))
    assert re.search(r'id="f-phone-error">must be a phone number<', html(bad))
    assert re.search(r'id="f-linkedin_url-error">must be an http\(s\) URL<', html(bad))
    assert 'value="Paris"' in html(bad)  # what was typed stays in the form
    assert stored(client, auth, ada["id"]) == ada  # nothing stored

    good = post(client, session, f"/dashboard/candidates/{ada['id']}/edit",
                dict(fields, phone="+44 20 7946 0958", linkedin_url="linkedin.com/in/ada"))
    assert good.status_code == 303 and good.headers["Location"].endswith("?saved=profile")
    after = stored(client, auth, ada["id"])
    assert (after["city"], after["phone"], after["stage"], after["remote_ok"], after["skills"]) == (
        "Paris", "+442079460958", "offer", True, ["python", "go"])
    assert after["linkedin_url"] == "https://linkedin.com/in/ada" and after["status"] == "not_subscribed"
    assert "Profile saved." in main(page(client, session, good.headers["Location"]))


def test_an_edit_of_a_profile_changed_meanwhile_is_shown_again_not_saved(client, auth, session):
    ada = person(client, auth)
    client.http.patch(f"/candidates/{ada['id']}", headers=auth, body=json.dumps({"city": "Leeds"}))
    stale = post(client, session, f"/dashboard/candidates/{ada['id']}/edit", {"version": "1", "city": "Paris"})
    assert stale.status_code == 409 and "Someone changed this profile" in html(stale)
    assert stored(client, auth, ada["id"])["city"] == "Leeds"
    assert 'name="version" value="2"' in html(stale)


def test_an_edit_with_no_field_says_so_above_the_form(client, auth, session):
    ada = person(client, auth)
    answer = post(client, session, f"/dashboard/candidates/{ada['id']}/edit", {"version": "1"})
    assert answer.status_code == 400 and "the fields to change" in main(answer)
    assert stored(client, auth, ada["id"]) == ada


def test_the_status_a_person_chose_is_kept(client, auth, session):
    ada = person(client, auth, status="unsubscribed")
    answer = post(client, session, f"/dashboard/candidates/{ada['id']}/edit",
                  {"version": "1", "status": "not_subscribed"})
    assert answer.status_code == 409 and 'id="f-status-error">unsubscribed by the person<' in html(answer)
    assert stored(client, auth, ada["id"])["status"] == "unsubscribed"


def test_tags_are_added_and_removed(client, auth, session):
    ada = person(client, auth)
    added = post(client, session, f"/dashboard/candidates/{ada['id']}/tags", {"add": "Shortlist, Frontend"})
    assert added.status_code == 303 and added.headers["Location"].endswith("?saved=tags#tags")
    assert stored(client, auth, ada["id"])["tags"] == ["alpha", "shortlist", "frontend"]
    assert post(client, session, f"/dashboard/candidates/{ada['id']}/tags", {"remove": "alpha"}).status_code == 303
    assert stored(client, auth, ada["id"])["tags"] == ["shortlist", "frontend"]
    for fields in ({"add": ""}, {"add": "x" * 101}, {}):
        answer = post(client, session, f"/dashboard/candidates/{ada['id']}/tags", fields)
        assert answer.status_code == 400 and 'aria-invalid="true"' in html(answer), fields
    assert stored(client, auth, ada["id"])["tags"] == ["shortlist", "frontend"]


def test_a_touchpoint_is_logged_and_a_bad_one_comes_back_with_its_problems(client, auth, session):
    ada = person(client, auth)
    opened = html(page(client, session, f"/dashboard/candidates/{ada['id']}?add=touchpoint"))
    assert '<label for="tp-channel">Channel</label>' in opened and "autofocus" in opened
    assert '<option value="phone">Call</option>' in opened and '<option value="linkedin">LinkedIn message</option>' in opened
    bad = post(client, session, f"/dashboard/candidates/{ada['id']}/touchpoints",
               {"channel": "fax", "summary": "Kept\r\nas typed", "at": "yesterday"})
    assert bad.status_code == 400
    assert 'id="tp-channel-error">choose one of Call, LinkedIn message, Meeting, Note, Email, Event<' in html(bad)
    assert re.search(r'id="tp-at-error">must be an ISO 8601', html(bad)) and "Kept\r\nas typed</textarea>" in html(bad)
    assert body(client.http.get(f"/candidates/{ada['id']}/timeline", headers=auth))["items"][0]["kind"] == "created"

    good = post(client, session, f"/dashboard/candidates/{ada['id']}/touchpoints",
                {"channel": "phone", "summary": "Intro call\r\nCall back in May", "at": "2026-01-05T14:30"})
    assert good.status_code == 303 and good.headers["Location"].endswith("?saved=touchpoint#timeline")
    entry = [e for e in body(client.http.get(f"/candidates/{ada['id']}/timeline", headers=auth))["items"]
             if e["kind"] == "touchpoint"][0]
    assert entry["at"] == "2026-01-05T14:30:00.000Z"  # what the form's "When (UTC)" said
    assert entry["data"] == {"channel": "phone", "summary": "Intro call\nCall back in May"}
    assert stored(client, auth, ada["id"])["last_contacted_at"] == "2026-01-05T14:30:00.000Z"
    assert post(client, session, "/dashboard/candidates/cand_nobody/touchpoints", {"channel": "x"}).status_code == 404


def test_static_pools_are_joined_and_left_from_the_profile(client, auth, session):
    ada = person(client, auth)
    shortlist, rules = pool(client, auth, "Shortlist"), pool(client, auth, "Pythonistas", "dynamic")
    profile = html(page(client, session, f"/dashboard/candidates/{ada['id']}"))
    assert f'<option value="{shortlist["id"]}">Shortlist</option>' in profile and rules["id"] not in profile
    joined = post(client, session, f"/dashboard/candidates/{ada['id']}/pools", {"pool": shortlist["id"], "action": "add"})
    assert joined.status_code == 303 and joined.headers["Location"].endswith("?saved=pool_added#pools")
    assert [m["id"] for m in body(client.http.get(f"/pools/{shortlist['id']}/members", headers=auth))["items"]] == [ada["id"]]
    assert "Remove from Shortlist" in html(page(client, session, f"/dashboard/candidates/{ada['id']}"))
    left = post(client, session, f"/dashboard/candidates/{ada['id']}/pools", {"pool": shortlist["id"], "action": "remove"})
    assert left.status_code == 303
    assert body(client.http.get(f"/pools/{shortlist['id']}/members", headers=auth))["items"] == []
    for fields, status in (({"pool": rules["id"], "action": "add"}, 409), ({"pool": "pool_nope", "action": "add"}, 404),
                           ({"pool": shortlist["id"], "action": "remove"}, 404), ({"action": "add"}, 400),
                           ({"pool": shortlist["id"], "action": "explode"}, 400)):
        assert post(client, session, f"/dashboard/candidates/{ada['id']}/pools", fields).status_code == status, fields


# ---------------------------------------------------------------- export and erasure

def test_the_export_is_the_apis_json_as_a_download(client, auth, session):
    ada = person(client, auth)
    answer = page(client, session, f"/dashboard/candidates/{ada['id']}/export")
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json"
    assert answer.headers["Content-Disposition"] == f'attachment; filename="{ada["id"]}.json"'
    mine, api = body(answer), body(client.http.get(f"/candidates/{ada['id']}/export", headers=auth))
    assert {k: v for k, v in mine.items() if k != "exported_at"} == {k: v for k, v in api.items() if k != "exported_at"}
    entries = body(client.http.get(f"/audit?target={ada['id']}", headers=auth))["items"]
    assert "GET /dashboard/candidates/{candidate_id}/export" in [e["action"] for e in entries]


def test_erasure_says_what_goes_and_what_stays_then_erases(client, auth, session):
    from chalicelib import wiring

    ada = person(client, auth)
    shortlist = pool(client, auth, "Shortlist")
    client.http.post(f"/pools/{shortlist['id']}/members", headers=auth, body=json.dumps({"candidate_ids": [ada["id"]]}))
    client.http.post(f"/candidates/{ada['id']}/touchpoints", headers=auth, body=json.dumps({"channel": "note"}))
    page(client, session, f"/dashboard/candidates/{ada['id']}")
    confirm = page(client, session, f"/dashboard/candidates/{ada['id']}/erase")
    text = main(confirm)
    assert confirm.status_code == 200 and "Erase Ada Lovelace?" in text
    for words in ("2 timeline entries", "0 records of emails sent", "1 pool membership", "0 places in campaign sequences",
                  "keyed hash", "pseudonym", "This cannot be undone."):
        assert words in text, words
    assert re.search(r'<input type="hidden" name="confirm" value="erase">\s*<button type="submit" '
                     r'class="button button-danger">Erase</button>', html(confirm))

    assert post(client, session, f"/dashboard/candidates/{ada['id']}/erase", {}).status_code == 400
    assert stored(client, auth, ada["id"])["id"] == ada["id"]
    erased = post(client, session, f"/dashboard/candidates/{ada['id']}/erase", {"confirm": "erase"})
    assert erased.status_code == 303 and erased.headers["Location"] == "/dashboard/candidates?notice=erased"
    assert client.http.get(f"/candidates/{ada['id']}", headers=auth).status_code == 404
    assert wiring.tombstones().erased("ada@example.com")
    entries = body(client.http.get("/audit?action=POST%20/dashboard/candidates/{candidate_id}/erase", headers=auth))["items"]
    assert len(entries) == 1 and entries[0]["target"].startswith("erased:")
    assert ada["id"] not in json.dumps(body(client.http.get("/audit?limit=500", headers=auth)))


# ---------------------------------------------------------------- roles

def test_a_viewer_reads_without_controls_and_is_refused_every_change(client, auth, viewer):
    ada = person(client, auth)
    profile = page(client, viewer, f"/dashboard/candidates/{ada['id']}")
    assert profile.status_code == 200 and "Ada Lovelace" in main(profile)
    for control in ("<form", "Edit profile", "Add touchpoint", ">Erase<", "Export data", "Add to pool", "Remove tag"):
        assert control not in html(profile).split('<main id="main"', 1)[1], control
    tried = html(page(client, viewer, f"/dashboard/candidates/{ada['id']}?edit=1&add=touchpoint"))
    assert "<form" not in tried.split('<main id="main"', 1)[1]
    for path in (f"/dashboard/candidates/{ada['id']}/export", f"/dashboard/candidates/{ada['id']}/erase"):
        assert page(client, viewer, path).status_code == 403, path
    for suffix, fields in (("edit", {"version": "1", "city": "Paris"}), ("tags", {"add": "x"}),
                           ("touchpoints", {"channel": "note"}), ("pools", {"pool": "p", "action": "add"}),
                           ("erase", {"confirm": "erase"})):
        answer = post(client, viewer, f"/dashboard/candidates/{ada['id']}/{suffix}", fields)
        assert answer.status_code == 403 and "Not allowed" in html(answer), suffix
    assert stored(client, auth, ada["id"]) == ada


# ---------------------------------------------------------------- hostile input

HOSTILE_FORMS = [
    pytest.param("city=" + "x" * 40000, 413, id="huge"),
    pytest.param("city=a%00b&version=1", 400, id="control character"),
    pytest.param("city=%ED%A0%80&version=1", 400, id="lone surrogate"),
    pytest.param("city=%FF%FE&version=1", 400, id="not utf-8"),
    pytest.param("first_name=A&first_name=B&version=1", 400, id="repeated field"),
    pytest.param("&".join(f"f{i}=1" for i in range(150)), 400, id="too many fields"),
]


@pytest.mark.parametrize("suffix", ["edit", "tags", "touchpoints", "pools", "erase"])
@pytest.mark.parametrize("data,status", HOSTILE_FORMS)
def test_hostile_forms_are_4xx_and_change_nothing(client, auth, session, suffix, data, status):
    ada = person(client, auth)
    answer = post(client, session, f"/dashboard/candidates/{ada['id']}/{suffix}", data.replace("city=", "add=")
                  if suffix == "tags" else data)
    assert answer.status_code == status, (answer.status_code, html(answer)[-600:])
    assert stored(client, auth, ada["id"]) == ada
    assert len(body(client.http.get(f"/candidates/{ada['id']}/timeline", headers=auth))["items"]) == 1


def test_wrong_types_in_a_json_body_are_problems_at_their_fields(client, auth, session):
    ada = person(client, auth)
    headers = {**session, "Content-Type": "application/json"}
    answer = client.http.post(f"/dashboard/candidates/{ada['id']}/edit", headers=headers, body=json.dumps(
        {"version": "1", "first_name": ["A"], "remote_ok": {"x": 1}, "skills": [{"a": 1}]}))
    assert answer.status_code == 400
    for name in ("first_name", "remote_ok", "skills"):
        assert re.search(rf'id="f-{name}-error">[^<]+<', html(answer)), name
    for suffix, data in (("touchpoints", {"channel": ["phone"], "summary": 5}), ("tags", {"add": 7}),
                         ("pools", {"pool": ["a"], "action": "add"}), ("erase", {"confirm": ["erase"]})):
        got = client.http.post(f"/dashboard/candidates/{ada['id']}/{suffix}", headers=headers, body=json.dumps(data))
        assert got.status_code == 400, (suffix, got.status_code)
    assert client.http.get(f"/candidates/{ada['id']}", headers=auth).status_code == 200
    assert stored(client, auth, ada["id"]) == ada


@pytest.mark.parametrize("query", ["cursor=" + "x" * 3000, "cursor=%00", "saved=<script>", "edit=%ED%A0%80",
                                   "add=touchpoint&add=touchpoint", "limit=0", "limit=abc", "cursor=a&cursor=b"])
def test_hostile_query_parameters_are_4xx_or_ignored_never_500(client, auth, session, query):
    ada = person(client, auth)
    answer = page(client, session, f"/dashboard/candidates/{ada['id']}?{query}")
    assert answer.status_code in (200, 400), (query, answer.status_code)
    assert "<script>" not in html(answer)


@pytest.mark.parametrize("candidate_id", ["cand_" + "x" * 600, "cand%0d%0aSet-Cookie:x", "..%2F..%2Fapp.py", "%ED%A0%80"])
def test_hostile_ids_are_4xx(client, session, candidate_id):
    for path in (f"/dashboard/candidates/{candidate_id}", f"/dashboard/candidates/{candidate_id}/export"):
        assert 400 <= page(client, session, path).status_code < 500, path
    answer = post(client, session, f"/dashboard/candidates/{candidate_id}/touchpoints", {"channel": "note"})
    assert 400 <= answer.status_code < 500


def test_tag_edits_apply_to_the_person_as_stored_so_two_recruiters_keep_both(client):
    from chalicelib import wiring

    person, _ = wiring.candidates().upsert({"email": "tags@example.com", "tags": ["campus"]})
    service = wiring.candidates()
    service.edit_tags(person["id"], add=["Referral"], remove=[])  # one recruiter's form...
    service.edit_tags(person["id"], add=["go-to-market", "campus"], remove=[])  # ...another's, read before it
    assert service.get(person["id"])["tags"] == ["campus", "referral", "go-to-market"]
    service.edit_tags(person["id"], add=[], remove=["campus", "nothing"])
    assert service.get(person["id"])["tags"] == ["referral", "go-to-market"]
