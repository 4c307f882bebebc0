"""Jobs in the workspace over HTTP: the list, a new job by form, a job's ranked matches in words, the job alert's
confirmation and sending; roles; hostile forms and parameters get a 4xx page and change nothing."""
import json
from urllib.parse import quote, urlencode

import pytest

from tests.app.helpers import WORKSPACE_FORM, body, confirm_link, form, tick, workspace_session
from tests.app.test_pools import create, person


def subscribed(client, email, **fields):
    """A person who signed up and confirmed: the only kind a job alert may email."""
    assert form(client, {"email": email, "consent": "on", **fields}).status_code in (202, 303)
    link = confirm_link(email)
    assert client.http.get(link[link.index("/signups"):]).status_code == 200


def post_form(client, session, path, fields, status=None):
    answer = client.http.post(path, headers={**session, **WORKSPACE_FORM}, body=urlencode(fields, doseq=True))
    if status is not None:
        assert answer.status_code == status, answer.body.decode()[:2000]
    return answer


def jobs_of(client, auth):
    return body(client.http.get("/jobs?limit=500", headers=auth))["items"]


@pytest.fixture
def session(client):
    return workspace_session(client)


def test_a_job_from_the_form_is_the_api_job_and_the_list_shows_it(client, auth, session):
    pool = create(client, auth, "/pools", {"name": "Engineers", "kind": "static"})
    page = client.http.get("/dashboard/jobs/new", headers=session)
    assert page.status_code == 200
    html = page.body.decode()
    for label in ("Title", "Skills", "Department", "Seniority", "City", "Country", "Remote work possible",
                  "Posting link", "Description", "Engineers"):
        assert f">{label}</label>" in html, label
    answer = post_form(client, session, "/dashboard/jobs", {
        "title": "Platform engineer", "skills": "Python, TF", "department": "Engineering", "seniority": "senior",
        "city": "London", "country": "gb", "remote": "yes", "pools": pool["id"], "url": "",
        "description": "Run the platform.\nKeep it up."}, status=303)
    job_id = answer.headers["Location"].rsplit("/", 1)[1]
    job = body(client.http.get(f"/jobs/{job_id}", headers=auth))
    assert job["skills"] == ["python", "terraform"] and job["country"] == "GB" and job["remote"] is True
    assert job["pools"] == [pool["id"]] and job["seniority"] == "senior" and job["url"] is None

    listed = client.http.get("/dashboard/jobs", headers=session)
    html = listed.body.decode()
    assert listed.status_code == 200 and "Platform engineer" in html and "Engineering" in html
    assert "London" in html and "from Engineers" in html and f'href="/dashboard/jobs/{job_id}"' in html
    assert [j["id"] for j in jobs_of(client, auth)] == [job_id]


def test_the_json_list_pages_newest_first(client, auth):
    made = [create(client, auth, "/jobs", {"title": f"Job {i}"})["id"] for i in range(3)]
    first = body(client.http.get("/jobs?limit=2", headers=auth))
    assert [j["id"] for j in first["items"]] == made[::-1][:2] and first["next_cursor"]
    rest = body(client.http.get(f"/jobs?limit=2&cursor={first['next_cursor']}", headers=auth))
    assert [j["id"] for j in rest["items"]] == [made[0]] and rest["next_cursor"] is None
    assert client.http.get("/jobs?cursor=eyJpZCI6ICJqb2Jfbm9wZSJ9", headers=auth).status_code == 400
    paged = client.http.get(f"/dashboard/jobs?limit=2&cursor={quote(first['next_cursor'])}",
                            headers=workspace_session(client))
    assert paged.status_code == 200 and "Job 0" in paged.body.decode() and "Job 2" not in paged.body.decode()


def test_a_form_with_mistakes_comes_back_with_each_problem_and_stores_nothing(client, auth, session):
    answer = post_form(client, session, "/dashboard/jobs", {"title": "", "country": "Atlantis", "url": "ftp://x",
                                                             "city": "London"}, status=400)
    html = answer.body.decode()
    assert 'id="title-error"' in html and 'id="country-error"' in html and 'id="url-error"' in html
    assert 'aria-invalid="true"' in html and "The job was not saved" in html
    assert 'value="London"' in html and 'value="Atlantis"' in html  # what was typed stays
    unknown_pool = post_form(client, session, "/dashboard/jobs", {"title": "Ops", "pools": "pool_nope"}, status=400)
    assert 'id="pools-error"' in unknown_pool.body.decode() and "no such pool" in unknown_pool.body.decode()
    control = post_form(client, session, "/dashboard/jobs", {"title": "Ops", "city": "Lon\x01don"}, status=400)
    assert 'id="city-error"' in control.body.decode()
    assert jobs_of(client, auth) == []


def test_a_job_page_ranks_matches_in_words_and_the_alert_says_who_gets_it(client, auth, session):
    pool = create(client, auth, "/pools", {"name": "Python people", "kind": "dynamic",
                                          "rules": {"field": "skills", "op": "contains_any", "value": ["python"]}})
    subscribed(client, "ada@example.com", first_name="Ada", skills="python, terraform", city="London")
    person(client, auth, "sourced@example.com", first_name="Sam", skills=["python"], city="Leeds")
    tick()
    job = create(client, auth, "/jobs", {"title": "Platform engineer", "skills": ["python", "terraform"],
                                        "city": "London", "pools": [pool["id"]]})
    page = client.http.get(f"/dashboard/jobs/{job['id']}", headers=session)
    assert page.status_code == 200 and f'hx-get="/dashboard/jobs/{job["id"]}/matches?limit=50"' in page.body.decode()
    matches = client.http.get(f"/dashboard/jobs/{job['id']}/matches?limit=50", headers=session)
    html = matches.body.decode()  # the ranking, loaded after the page
    assert matches.status_code == 200
    assert "2 people match" in html and "1 can get a job alert" in html
    assert html.index("Ada") < html.index("Sam")  # ranked
    assert "Has 2 of the job&#39;s 2 skills: python, terraform." in html
    assert "Lives in London, where the job is." in html and "Not in the job&#39;s city." in html
    assert "no marketing consent" in html and "Send job alert" in html

    review = client.http.get(f"/dashboard/jobs/{job['id']}/alert", headers=session)
    text = review.body.decode()
    assert review.status_code == 200 and "1 of 2 matches will get the job alert" in text
    assert "<strong>1</strong> person: no marketing consent (sourced, imported or from the ATS)" in text
    assert "3 marketing" in text  # the frequency cap, in words

    sent = post_form(client, session, f"/dashboard/jobs/{job['id']}/alert", {}, status=303)
    location = sent.headers["Location"]
    assert location.startswith(f"/dashboard/jobs/{job['id']}?alert=camp_")
    campaign_id = location.split("alert=")[1]
    campaign = body(client.http.get(f"/campaigns/{campaign_id}", headers=auth))
    assert campaign["category"] == "job_alert" and campaign["status"] in ("scheduled", "sending", "sent")
    after = client.http.get(location, headers=session).body.decode()
    assert "Job alert scheduled" in after and f"/dashboard/campaigns/{campaign_id}" in after
    forged = client.http.get(f"/dashboard/jobs/{job['id']}?alert=%22%3E%3Cscript%3E", headers=session)
    assert forged.status_code == 200 and "Job alert scheduled" not in forged.body.decode()


def test_no_emailable_match_means_no_send_button_and_a_409_page(client, auth, session):
    person(client, auth, "only@example.com", skills=["go"])
    job = create(client, auth, "/jobs", {"title": "Go developer", "skills": ["go"]})
    review = client.http.get(f"/dashboard/jobs/{job['id']}/alert", headers=session).body.decode()
    assert "no alert can be sent" in review and "<button" not in review.split("</header>")[1]
    refused = post_form(client, session, f"/dashboard/jobs/{job['id']}/alert", {}, status=409)
    assert "no match for this job may be emailed" in refused.body.decode()
    assert body(client.http.get("/campaigns", headers=auth))["items"] == []


def viewer_session(client, auth, email="viewer@example.com") -> dict:
    """A signed-in viewer's browser: invited with a temporary password, then their own."""
    made = client.http.post("/users", headers=auth, body=json.dumps({
        "email": email, "name": "Vi", "role": "viewer", "temporary_password": "Temporary-pass-1"}))
    assert made.status_code == 201, made.body
    plain = {"Content-Type": "application/x-www-form-urlencoded"}
    first = client.http.post("/dashboard/sign-in", headers=plain,
                             body=urlencode({"email": email, "password": "Temporary-pass-1"}))
    session_value = first.body.decode().split('name="session" value="')[1].split('"')[0]
    done = client.http.post("/dashboard/new-password", headers=plain, body=urlencode(
        {"email": email, "session": session_value, "new_password": "Viewer-own-pass-2"}))
    assert done.status_code == 303, done.body
    return {"Cookie": done.headers["Set-Cookie"].split(";")[0], "Sec-Fetch-Site": "same-origin"}


def test_a_viewer_reads_jobs_but_may_not_add_one_or_send_an_alert(client, auth):
    viewer = viewer_session(client, auth)
    job = create(client, auth, "/jobs", {"title": "Analyst"})
    listed = client.http.get("/dashboard/jobs", headers=viewer).body.decode()
    assert "Analyst" in listed and "New job" not in listed
    assert "Send job alert" not in client.http.get(f"/dashboard/jobs/{job['id']}/matches", headers=viewer).body.decode()
    assert post_form(client, viewer, "/dashboard/jobs", {"title": "Sneaky"}).status_code == 403
    assert post_form(client, viewer, f"/dashboard/jobs/{job['id']}/alert", {}).status_code == 403
    assert [j["title"] for j in jobs_of(client, auth)] == ["Analyst"]


HOSTILE_FORMS = [
    ("huge", "title=" + "x" * 40_000, 413),
    ("too long for the field", "title=" + "x" * 300, 400),
    ("control characters", "title=Ops%00engineer", 400),
    ("lone surrogate", "title=%ED%A0%80", 400),
    ("not UTF-8", "title=%FF%FE", 400),
    ("repeated", "title=a&title=b", 400),
    ("wrong type (skills as an object, JSON)", None, 400),
    ("unknown pool", "title=Ops&pools=pool_nope", 400),
    ("pool that is no id", "title=Ops&pools=%27%3B+DROP", 400),
    ("too many fields", "&".join(f"f{i}=1" for i in range(300)), 400),
]


@pytest.mark.parametrize("name,payload,status", HOSTILE_FORMS, ids=[h[0] for h in HOSTILE_FORMS])
def test_hostile_job_forms_are_4xx_pages_and_store_nothing(client, auth, session, name, payload, status):
    if payload is None:
        answer = client.http.post("/dashboard/jobs", headers={**session, "Content-Type": "application/json"},
                                  body=json.dumps({"title": "Ops", "skills": {"a": 1}}))
    else:
        answer = client.http.post("/dashboard/jobs", headers={**session, **WORKSPACE_FORM}, body=payload)
    assert answer.status_code == status, answer.body.decode()[:1000]
    assert answer.headers["Content-Type"].startswith("text/html")
    assert jobs_of(client, auth) == []


@pytest.mark.parametrize("path", [
    "/dashboard/jobs/job_nope", "/dashboard/jobs/job_nope/alert", "/dashboard/jobs/%00", "/dashboard/jobs/" + "j" * 600,
    "/dashboard/jobs?limit=0", "/dashboard/jobs?limit=abc", "/dashboard/jobs?cursor=%ED%A0%80",
    "/dashboard/jobs?cursor=bm9wZQ",
])
def test_hostile_job_paths_and_parameters_are_4xx(client, session, path):
    answer = client.http.get(path, headers=session)
    assert 400 <= answer.status_code < 500, (path, answer.status_code)
    assert answer.headers["Content-Type"].startswith("text/html")  # a page, whatever is wrong


def test_a_repeated_parameter_is_read_as_one(client, session):
    assert client.http.get("/dashboard/jobs?limit=1&limit=2", headers=session).status_code == 200


def test_a_job_page_refuses_a_wrong_limit_and_an_alert_for_no_job_changes_nothing(client, auth, session):
    job = create(client, auth, "/jobs", {"title": "Designer"})
    for limit in ("0", "501", "x", "1e3"):
        assert client.http.get(f"/dashboard/jobs/{job['id']}?limit={limit}", headers=session).status_code == 400
        assert client.http.get(f"/dashboard/jobs/{job['id']}/matches?limit={limit}", headers=session).status_code == 400
    assert client.http.get("/dashboard/jobs/job_nope/matches", headers=session).status_code == 404
    assert post_form(client, session, "/dashboard/jobs/job_nope/alert", {}).status_code == 404
    assert body(client.http.get("/campaigns", headers=auth))["items"] == []
