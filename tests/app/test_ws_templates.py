"""Templates in the workspace over HTTP: the list, the editor (saved only by "Save template"), the live preview as a
chosen person gets it with the problems and their lines, merge fields, the test send to yourself, viewers, and
hostile forms (4xx, nothing stored). POST /templates/preview, the JSON route for an unsaved template."""
import json
import re
from html import unescape
from urllib.parse import urlencode

import pytest

from tests.app.campaign_helpers import subscriber, template
from tests.app.helpers import WORKSPACE_FORM, body, decoded, outbox, workspace_session

GOOD = {"name": "Welcome", "category": "career_advice", "subject": "Hi {{ candidate.first_name | default('there') }}",
        "html": "<html><head><style>p { color: #123456 }</style></head><body>\n<p>Hello {{ candidate.first_name }}</p>\n"
                "</body></html>", "text": ""}
HTMX = {"HX-Request": "true"}


@pytest.fixture
def browser(client):
    return workspace_session(client)


def post(client, browser, path, fields, **headers):
    return client.http.post(path, headers={**browser, **WORKSPACE_FORM, **headers}, body=urlencode(fields, doseq=True))


def page(response) -> str:
    return response.body.decode()


def stored_templates(client, auth) -> list[dict]:
    return body(client.http.get("/templates", headers=auth))["items"]


def srcdoc(html: str) -> str:
    return unescape(re.search(r'srcdoc="([^"]*)"', html).group(1))


# ---------------------------------------------------------------- list and editor

def test_the_list_shows_name_category_builtin_and_updated(client, auth, browser):
    made = template(client, auth, name="Monthly <news>", category="company_news")
    answer = client.http.get("/dashboard/templates", headers=browser)
    assert answer.status_code == 200
    html = page(answer)
    assert "New template" in html and f'href="/dashboard/templates/{made["id"]}"' in html
    assert "Monthly &lt;news&gt;" in html and "Company news" in html and made["updated_at"][:10] in html
    assert 'href="/dashboard/assets/templates.css"' in html


def test_a_new_template_is_saved_only_by_save_template(client, auth, browser):
    editor = client.http.get("/dashboard/templates/new", headers=browser)
    assert editor.status_code == 200
    html = page(editor)
    for label in ("Name", "Category", "Subject", "HTML", "Preview as", "Merge field", "Insert into"):
        assert re.search(rf'<label for="[a-z_]+">{label}</label>', html), label
    for name in ("Save template", "Preview", "Insert", "Send a test to me"):
        assert f">{name}</button>" in html, name
    previewed = post(client, browser, "/dashboard/templates/preview", GOOD, **HTMX)
    assert previewed.status_code == 200 and stored_templates(client, auth) == []
    saved = post(client, browser, "/dashboard/templates", GOOD)
    assert saved.status_code == 303
    [made] = stored_templates(client, auth)
    assert saved.headers["Location"] == f"/dashboard/templates/{made['id']}?saved=1"
    assert made["name"] == "Welcome" and made["text"] is None and made["html"] == GOOD["html"]
    shown = page(client.http.get(saved.headers["Location"], headers=browser))
    assert "Template saved." in shown and "<h1>Welcome</h1>" in shown


def test_saving_changes_through_the_editor_and_line_breaks_as_typed(client, auth, browser):
    made = template(client, auth)
    changed = {**GOOD, "html": GOOD["html"].replace("\n", "\r\n"), "template_id": made["id"]}
    saved = post(client, browser, f"/dashboard/templates/{made['id']}", changed)
    assert saved.status_code == 303
    stored = body(client.http.get(f"/templates/{made['id']}", headers=auth))
    assert stored["name"] == "Welcome" and stored["html"] == GOOD["html"]  # CRLF from the browser is LF


def test_a_template_that_does_not_save_shows_each_problem_beside_its_field(client, auth, browser):
    made = template(client, auth)
    bad = {**GOOD, "name": "", "category": "gossip", "subject": "Hi {{ candidate.nickname }}",
           "html": "<p>\n{% if %}</p>"}
    for path in ("/dashboard/templates", f"/dashboard/templates/{made['id']}"):
        answer = post(client, browser, path, bad)
        assert answer.status_code == 400
        html = page(answer)
        assert re.search(r'id="name-problem" class="field-error">required text<', html)
        assert "one of company_news" in html
        assert 'id="subject" name="subject"' in html and 'aria-invalid="true"' in html
        assert "Line 1: unknown variable candidate.nickname" in html  # the API's text, with its line
        assert "Line 2: Expected an expression" in html
        assert 'value="Hi {{ candidate.nickname }}"' in html  # what was typed, kept
    assert [t["id"] for t in stored_templates(client, auth)] == [made["id"]]
    assert body(client.http.get(f"/templates/{made['id']}", headers=auth))["name"] == made["name"]


# ---------------------------------------------------------------- the live preview

def test_the_live_preview_renders_as_the_chosen_person_gets_it(client, auth, browser):
    ada = subscriber("ada@example.com", first_name="Ada", last_name="King")
    answer = post(client, browser, "/dashboard/templates/preview", {**GOOD, "candidate": ada["id"]}, **HTMX)
    assert answer.status_code == 200
    fragment = page(answer)
    assert "<html" not in fragment.split("srcdoc")[0]  # a fragment, not a page
    assert '<p class="preview-subject">Hi Ada</p>' in fragment
    email = srcdoc(fragment)
    assert "Hello Ada" in email and 'style="color: #123456;"' in email and "Unsubscribe" in email
    assert "<iframe" in fragment and " sandbox " in fragment
    assert "Hello Ada" in fragment.split('class="preview-text">')[1]
    assert 'id="preview-status" hx-swap-oob="innerHTML"' in fragment and "No problems" in fragment
    sample = page(post(client, browser, "/dashboard/templates/preview", GOOD, **HTMX))
    assert "Hi Ada" in sample  # the sample person is an Ada too
    assert "/u/" in srcdoc(sample)


def test_anyone_can_be_chosen_by_their_email(client, auth, browser):
    zoe = subscriber("zoe@example.com", first_name="Zoe")
    typed = {**GOOD, "candidate_email": " ZOE@example.com "}
    assert "Hi Zoe" in page(post(client, browser, "/dashboard/templates/preview", typed, **HTMX))
    nobody = page(post(client, browser, "/dashboard/templates/preview", {**GOOD, "candidate_email": "x@example.com"},
                       **HTMX))
    assert "<strong>Preview as (email)</strong>: no such person" in nobody
    assert 'id="candidate_email-problem" class="field-error" hx-swap-oob="true">no such person<' in nobody
    half = page(post(client, browser, "/dashboard/templates/preview", {**GOOD, "candidate_email": "zoe@"}, **HTMX))
    assert "not a valid email address" in half
    saved = post(client, browser, "/dashboard/templates", typed)
    assert f"candidate={zoe['id']}" in saved.headers["Location"] and "zoe" not in saved.headers["Location"]
    assert "Hello Zoe" in srcdoc(page(client.http.get(saved.headers["Location"], headers=browser)))
    api = client.http.post("/templates/preview", headers=auth, body=json.dumps({**GOOD, "candidate_email": "zoe@example.com"}))
    assert body(api)["subject"] == "Hi Zoe"
    both = client.http.post("/templates/preview", headers=auth, body=json.dumps(
        {**GOOD, "candidate_email": "zoe@example.com", "candidate_id": "cand_x"}))
    assert both.status_code == 400 and "not both" in body(both)["error"]["fields"]["body"]


def test_the_preview_links_are_no_ones(client, auth, browser):
    ada = subscriber("ada@example.com", first_name="Ada")
    fragment = page(post(client, browser, "/dashboard/templates/preview", {**GOOD, "candidate": ada["id"]}, **HTMX))
    link = re.search(r'href="http://127\.0\.0\.1:8000(/u/[^"]+)"', srcdoc(fragment)).group(1)
    client.http.post(link, headers={"Content-Type": "application/x-www-form-urlencoded"}, body="")
    assert body(client.http.get(f"/candidates/{ada['id']}", headers=auth))["status"] == "subscribed"


def test_problems_as_you_type_name_the_part_and_the_line(client, browser):
    html = "<html><body>\n<p>Hi</p>\n<p>{{ candidate.first_name }</p>\n</body></html>"
    fragment = page(post(client, browser, "/dashboard/templates/preview", {**GOOD, "html": html}, **HTMX))
    assert "1 problem to fix" in fragment
    assert "<strong>HTML, line 3</strong>" in fragment and "<code class=\"problem-code\">&lt;p&gt;{{ candidate" in fragment
    assert 'id="html-problem" class="field-error" hx-swap-oob="true">Line 3:' in fragment
    assert "srcdoc" not in fragment
    unknown = {**GOOD, "subject": "Hi", "text": "Dear\n\n{{ candidate.nick }} and {{ jobs }}"}
    fragment = page(post(client, browser, "/dashboard/templates/preview", unknown, **HTMX))
    assert "<strong>Text, line 3</strong>: unknown variable candidate.nick" in fragment
    assert "<strong>Text, line 3</strong>: unknown variable jobs" in fragment
    limit = {**GOOD, "html": "<p>\n{{ 1 // 0 }}</p>"}
    assert "<strong>HTML, line 2</strong>" in page(post(client, browser, "/dashboard/templates/preview", limit, **HTMX))


def test_a_blank_subject_or_html_waits_but_what_is_written_is_checked(client, browser):
    empty = dict.fromkeys(GOOD, "")
    assert "the preview shows here as you type" in page(post(client, browser, "/dashboard/templates/preview",
                                                             empty, **HTMX))
    half = page(post(client, browser, "/dashboard/templates/preview", {**empty, "subject": "Hi {{ x }}"}, **HTMX))
    assert "unknown variable x" in half and "required" not in half


def test_without_htmx_preview_is_the_whole_editor_and_keeps_the_id(client, auth, browser):
    made = template(client, auth)
    answer = post(client, browser, "/dashboard/templates/preview", {**GOOD, "template_id": made["id"]})
    assert answer.status_code == 200
    html = page(answer)
    assert f'action="/dashboard/templates/{made["id"]}"' in html and "<h1>Hello</h1>" in html and "Hi Ada" in html
    policy = answer.headers["Content-Security-Policy"]
    assert "style-src-attr 'unsafe-inline'" in policy and "img-src 'self' data: https:" in policy
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    bad = post(client, browser, "/dashboard/templates/preview", {**GOOD, "html": "{% if %}"})
    assert bad.status_code == 400 and "HTML, line 1" in page(bad)


def test_a_saved_template_opens_with_its_preview_for_the_person_in_the_link(client, auth, browser):
    made = template(client, auth)
    ada = subscriber("grace@example.com", first_name="Grace")
    html = page(client.http.get(f"/dashboard/templates/{made['id']}?candidate={ada['id']}", headers=browser))
    assert "Hello Grace" in srcdoc(html) and f'<option value="{ada["id"]}" selected>Grace &lt;grace@example.com&gt;' in html
    unknown = client.http.get(f"/dashboard/templates/{made['id']}?candidate=cand_nobody", headers=browser)
    assert unknown.status_code == 404 and "<strong>Preview as</strong>: no such person" in page(unknown)


def test_the_json_route_previews_an_unsaved_template(client, auth):
    ada = subscriber("ada@example.com", first_name="Ada")
    answer = client.http.post("/templates/preview", headers=auth, body=json.dumps({**GOOD, "candidate_id": ada["id"]}))
    assert answer.status_code == 200, answer.body
    preview = body(answer)
    assert preview["subject"] == "Hi Ada" and "Hello Ada" in preview["html"] and "Hello Ada" in preview["text"]
    alert = body(client.http.post("/templates/preview", headers=auth, body=json.dumps(
        {"subject": "New role: {{ job.title }}", "html": "<p>{{ job.title }}</p>", "category": "job_alert"})))
    assert alert["subject"] == "New role: Data engineer"  # a job alert without a job: a sample job
    bad = client.http.post("/templates/preview", headers=auth, body=json.dumps({"subject": "{{ x }}", "html": "x",
                                                                                 "colour": "red"}))
    assert bad.status_code == 400 and set(body(bad)["error"]["fields"]) == {"subject", "colour"}
    assert client.http.post("/templates/preview", headers=auth, body=json.dumps(
        {**GOOD, "candidate_id": "cand_missing"})).status_code == 404
    assert stored_templates(client, auth) == []


# ---------------------------------------------------------------- merge fields

def test_insert_adds_the_merge_field_at_the_end_of_the_part_chosen(client, auth, browser):
    answer = post(client, browser, "/dashboard/templates/insert",
                  {**GOOD, "variable": "candidate.city", "part": "html"})
    assert answer.status_code == 200
    html = page(answer)
    assert "{{ candidate.city }}&lt;/body&gt;" in html  # before </body>
    assert "Added {{ candidate.city }} at the end of the HTML." in html
    assert '<option value="candidate.city" selected>' in html
    subject = page(post(client, browser, "/dashboard/templates/insert", {**GOOD, "variable": "company.name",
                                                                          "part": "subject"}))
    assert "value=\"Hi {{ candidate.first_name | default(&#39;there&#39;) }} {{ company.name }}\"" in subject
    assert stored_templates(client, auth) == []
    for fields in ({"variable": "candidate.password", "part": "html"}, {"variable": "candidate.city", "part": "name"}):
        assert post(client, browser, "/dashboard/templates/insert", {**GOOD, **fields}).status_code == 400


def test_every_variable_is_offered_once_with_what_it_gives():
    from chalicelib.domain.templates import MERGE_FIELDS, VARIABLES, validate_template

    names = [f.name for f in MERGE_FIELDS]
    expected = [f"{v}.{a}" if a else v for v, attributes in VARIABLES.items() for a in attributes or ("",)]
    assert sorted(names) == sorted(expected) and len(set(names)) == len(names)
    for field in MERGE_FIELDS:
        validate_template({"name": "n", "category": "job_alert", "subject": field.code, "html": field.code})


# ---------------------------------------------------------------- test send

def test_a_test_send_goes_to_you_as_the_preview_shows_it(client, auth, browser):
    ada = subscriber("ada@example.com", first_name="Ada")
    answer = post(client, browser, "/dashboard/templates/test", {**GOOD, "candidate": ada["id"]}, **HTMX)
    assert answer.status_code == 200, answer.body
    assert "Sent to admin@example.com" in page(answer) and "[Test] Hi Ada" in page(answer)
    [sent] = outbox()
    assert sent["to"] == ["admin@example.com"] or "admin@example.com" in str(sent["to"])
    message = decoded(sent["raw"])
    assert "Subject: [Test] Hi Ada" in message and "Hello Ada" in message and "/t/c/" not in message
    assert ada["id"] not in message  # the person's links are not in a test
    assert stored_templates(client, auth) == []
    whole = post(client, browser, "/dashboard/templates/test", GOOD)
    assert whole.status_code == 200 and "Sent to admin@example.com" in page(whole)


def test_a_test_send_that_cannot_go_says_why(client, browser):
    bad = post(client, browser, "/dashboard/templates/test", {**GOOD, "html": "{{ nope }}"}, **HTMX)
    assert bad.status_code == 200 and "Not sent" in page(bad) and "unknown variable nope" in page(bad)
    assert post(client, browser, "/dashboard/templates/test", {**GOOD, "html": "{{ nope }}"}).status_code == 400
    from chalicelib import wiring

    person = subscriber("admin@example.com")
    wiring.candidate_repo().update(person["id"], lambda c: dict(c, status="bounced"))
    refused = post(client, browser, "/dashboard/templates/test", GOOD)
    assert refused.status_code == 409 and "bounced: suppressed" in page(refused)
    assert outbox() == []


def test_test_sends_are_limited_per_hour(client, browser):
    for _ in range(20):
        assert "Sent to" in page(post(client, browser, "/dashboard/templates/test", GOOD, **HTMX))
    over = post(client, browser, "/dashboard/templates/test", GOOD)
    assert over.status_code == 429 and "at most 20 test sends an hour" in page(over)


# ---------------------------------------------------------------- roles and hostile input

def viewer_session(client, auth) -> dict:
    """A viewer signed in to the workspace (their first sign-in chooses their password)."""
    answer = client.http.post("/users", headers=auth, body=json.dumps({
        "email": "vic@example.com", "name": "Vic", "role": "viewer", "temporary_password": "Viewer-password-1"}))
    assert answer.status_code == 201, answer.body
    first = client.http.post("/dashboard/sign-in", headers=WORKSPACE_FORM, body=urlencode(
        {"email": "vic@example.com", "password": "Viewer-password-1"}))
    session = re.search(r'name="session" value="([^"]+)"', page(first)).group(1)
    done = client.http.post("/dashboard/new-password", headers=WORKSPACE_FORM, body=urlencode(
        {"email": "vic@example.com", "session": session, "new_password": "Viewer-own-pass-2"}))
    assert done.status_code == 303, done.body
    return {"Cookie": done.headers["Set-Cookie"].split(";")[0], "Sec-Fetch-Site": "same-origin"}


def test_a_viewer_reads_and_previews_but_changes_nothing(client, auth):
    made = template(client, auth)
    viewer = viewer_session(client, auth)
    html = page(client.http.get(f"/dashboard/templates/{made['id']}", headers=viewer))
    assert "Save template" not in html and "Send a test" not in html and 'method="get"' in html
    assert 'name="html"' not in html and "readonly" in html and "Hi Ada" in html
    assert "New template" not in page(client.http.get("/dashboard/templates", headers=viewer))
    for path in ("/dashboard/templates", f"/dashboard/templates/{made['id']}", "/dashboard/templates/preview",
                 "/dashboard/templates/test", "/dashboard/templates/insert"):
        assert post(client, viewer, path, GOOD).status_code == 403, path
    assert [t["name"] for t in stored_templates(client, auth)] == [made["name"]] and outbox() == []


HOSTILE = [
    ("huge", {**GOOD, "html": "x" * 200_001}),
    ("control", {**GOOD, "name": "A\x00B"}),
    ("surrogate", "name=%ED%A0%80&subject=x&html=y"),
    ("repeated", {**GOOD, "subject": ["a", "b"]}),
    ("repeated id", {**GOOD, "template_id": ["x", "y"]}),
    ("unknown template", {**GOOD, "template_id": "tmpl_nope"}),
    ("long id", {**GOOD, "template_id": "t" * 3000}),
    ("unknown person", {**GOOD, "candidate": "cand_nope"}),
    ("long person", {**GOOD, "candidate": "c" * 500}),
    ("bad email", {**GOOD, "candidate_email": "@" * 300}),
    ("unknown category", {**GOOD, "category": "x" * 1000}),
    ("not utf-8", "name=%FF%FE&subject=x&html=y"),
    ("too many fields", "&".join(f"f{i}=1" for i in range(200))),
]
# Saving reads no template_id from the form (the path names the template) and takes the person in no way.
IGNORED_BY_SAVING = ("unknown template", "long id", "unknown person", "long person", "bad email")
# What is typed, wrong: as you type (htmx) the preview and the test say the problem (htmx swaps only a 2xx).
SAID_AS_YOU_TYPE = ("huge", "unknown person", "long person", "bad email", "unknown category")


@pytest.mark.parametrize("path", ["/dashboard/templates", "/dashboard/templates/preview",
                                  "/dashboard/templates/insert", "/dashboard/templates/test", "EXISTING"])
@pytest.mark.parametrize("case, fields", HOSTILE, ids=[c for c, _ in HOSTILE])
def test_hostile_forms_are_4xx_and_change_nothing(client, auth, browser, path, case, fields):
    made = template(client, auth)
    saving = path in ("/dashboard/templates", "EXISTING")
    if saving and case in IGNORED_BY_SAVING:
        return
    path = f"/dashboard/templates/{made['id']}" if path == "EXISTING" else path
    data = fields if isinstance(fields, str) else urlencode({"variable": "job.title", "part": "html", **fields},
                                                           doseq=True)
    for headers in ({}, HTMX):
        answer = client.http.post(path, headers={**browser, **WORKSPACE_FORM, **headers}, body=data)
        if headers and case in SAID_AS_YOU_TYPE and path.endswith(("/preview", "/test")):
            assert answer.status_code == 200 and ("problem" in page(answer) or "Not sent" in page(answer)), case
            continue
        assert 400 <= answer.status_code < 500, (case, answer.status_code, answer.body[:500])
    assert [t["id"] for t in stored_templates(client, auth)] == [made["id"]]
    assert body(client.http.get(f"/templates/{made['id']}", headers=auth))["updated_at"] == made["updated_at"]
    assert outbox() == []


@pytest.mark.parametrize("query", ["candidate=" + "c" * 3000, "candidate=%00", "cursor=nope", "limit=0",
                                   "candidate=a&candidate=b"])
def test_hostile_queries_are_4xx(client, auth, browser, query):
    made = template(client, auth)
    for path in ("/dashboard/templates", "/dashboard/templates/new", f"/dashboard/templates/{made['id']}"):
        answer = client.http.get(f"{path}?{query}", headers=browser)
        assert answer.status_code < 500, (path, query, answer.status_code)
    assert client.http.get("/dashboard/templates/tmpl_nope", headers=browser).status_code == 404
    assert client.http.get("/dashboard/templates/" + "t" * 600, headers=browser).status_code in (400, 404)
