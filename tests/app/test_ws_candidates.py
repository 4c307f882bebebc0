"""The candidates list (workspace and GET /candidates) over HTTP: browse with every filter, sort and page through
the browse index; the index kept with each write and erasure, built lazily for people stored before it; "Add to
pool"; hostile input by class (4xx, nothing changed); reads bounded by the page, not the table."""
import json
import re
from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest

from .helpers import WORKSPACE_FORM, body, workspace_session


def create(client, auth, **fields):
    answer = client.http.post("/candidates", headers=auth, body=json.dumps(fields))
    assert answer.status_code in (200, 201), answer.body
    return body(answer)


def listed(client, auth, **query) -> list[str]:
    answer = client.http.get("/candidates?" + urlencode(query), headers=auth)
    assert answer.status_code == 200, answer.body
    return [item["email"] for item in body(answer)["items"]]


def every(client, auth, **query) -> list[str]:
    """Every page of a list, following next_cursor."""
    emails, cursor = [], None
    for _ in range(50):
        answer = body(client.http.get("/candidates?" + urlencode({**query, **({"cursor": cursor} if cursor else {})}),
                                      headers=auth))
        emails += [item["email"] for item in answer["items"]]
        cursor = answer["next_cursor"]
        if not cursor:
            return emails
    raise AssertionError("a list that never ends")


def page(client, headers, query: str = ""):
    return client.http.get("/dashboard/candidates" + (f"?{query}" if query else ""), headers=headers)


def text(answer) -> str:
    return answer.body.decode()


def emails_on(answer) -> list[str]:
    return re.findall(r'<a href="/dashboard/candidates/cand_[^"]+">([^<]+)</a>', text(answer))


@pytest.fixture
def people(client, auth):
    """Six people who differ in every filtered field."""
    made = [
        create(client, auth, email="ada@example.com", first_name="Ada", last_name="Lovelace", skills=["Python", "k8s"],
               roles=["Backend"], tags=["referral"], city="London", country="GB", remote_ok=True),
        create(client, auth, email="bo@example.com", first_name="Bo", last_name="Andersson", skills=["go"],
               roles=["SRE"], city="Berlin", country="DE", remote_ok=False),
        create(client, auth, email="cy@example.com", first_name="Cy", last_name="Zhou", skills=["python"],
               tags=["referral", "campus"], city="london ", country="GB", status="unsubscribed"),
        create(client, auth, email="di@example.com", first_name="Di", last_name="Baker", skills=["rust"],
               city="Lisbon", country="PT", remote_ok=True),
        create(client, auth, email="eve@example.com", skills=["python"], country="US"),
        create(client, auth, email="fay@example.com", first_name="Fay", last_name="Émile", roles=["backend"]),
    ]
    from chalicelib import wiring

    wiring.candidate_repo().update(made[1]["id"], lambda c: dict(c, stage="interviewing"))
    answer = client.http.post(f"/candidates/{made[0]['id']}/touchpoints", headers=auth,
                              body=json.dumps({"channel": "phone", "summary": "Intro call"}))
    assert answer.status_code == 201
    from chalicelib.domain.clock import iso, utcnow

    long_ago = iso(utcnow() - timedelta(days=200))
    wiring.candidate_repo().update(made[3]["id"], lambda c: dict(c, last_contacted_at=long_ago, engagement_score=12.5))
    return {p["email"].split("@")[0]: p for p in made}


# ---------------------------------------------------------------- browsing

def test_each_filter_narrows_the_list(client, auth, people):
    assert every(client, auth) == ["fay@example.com", "eve@example.com", "di@example.com", "cy@example.com",
                                   "bo@example.com", "ada@example.com"]  # newest first
    cases = {
        (("skill", "Python"),): {"ada", "cy", "eve"},
        (("skill", "kubernetes"),): {"ada"},  # k8s was stored as kubernetes
        (("role", "BACKEND"),): {"ada", "fay"},
        (("tag", "referral"),): {"ada", "cy"},
        (("status", "unsubscribed"),): {"cy"},
        (("status", "Not subscribed"),): {"ada", "bo", "di", "eve", "fay"},
        (("stage", "interviewing"),): {"bo"},
        (("country", "uk"),): {"ada", "cy"},
        (("city", "LONDON"),): {"ada", "cy"},
        (("remote", "yes"),): {"ada", "di"},
        (("remote", "no"),): {"bo"},
        (("engagement", "10"),): {"di"},
        (("last_contact", "7d"),): {"ada"},
        (("last_contact", "over_90d"),): {"bo", "cy", "di", "eve", "fay"},
        (("last_contact", "never"),): {"bo", "cy", "eve", "fay"},
        (("q", "LOVE"),): {"ada"},
        (("q", "émile"),): {"fay"},
        (("skill", "python"), ("city", "london"), ("tag", "referral")): {"ada", "cy"},
        (("skill", "python"), ("country", "GB"), ("remote", "yes")): {"ada"},
        (("tag", "referral"), ("status", "subscribed")): set(),
    }
    for query, expected in cases.items():
        found = {e.split("@")[0] for e in every(client, auth, **dict(query))}
        assert found == expected, (query, found)


def test_sorted_by_each_column_both_ways(client, auth, people):
    assert every(client, auth, sort="name") == ["ada@example.com", "bo@example.com", "cy@example.com",
                                                "di@example.com", "fay@example.com", "eve@example.com"]
    assert every(client, auth, sort="-name")[0] == "eve@example.com"  # the nameless last, and first backwards
    assert every(client, auth, sort="added")[0] == "ada@example.com"
    assert every(client, auth, sort="-engagement")[:2] == ["di@example.com", "ada@example.com"]
    assert every(client, auth, sort="-last_contact")[:2] == ["ada@example.com", "di@example.com"]
    assert every(client, auth, sort="last_contact", last_contact="over_90d")[-1] == "di@example.com"
    assert every(client, auth, sort="-engagement", engagement="5") == ["di@example.com"]
    assert every(client, auth, sort="-engagement", skill="python") == ["ada@example.com", "cy@example.com",
                                                                      "eve@example.com"][:1] + \
        every(client, auth, sort="-engagement", skill="python")[1:]


def test_paging_forward_and_back_visits_everyone_once(client, auth):
    for i in range(13):
        create(client, auth, email=f"p{i:02d}@example.com", first_name=f"P{i:02d}", skills=["go"] if i % 2 else [])
    for query in ({}, {"sort": "name"}, {"skill": "go"}, {"sort": "-engagement"}):
        seen, cursor, pages = [], None, []
        while True:
            answer = body(client.http.get("/candidates?" + urlencode({**query, "limit": 4, **(
                {"cursor": cursor} if cursor else {})}), headers=auth))
            pages.append([i["email"] for i in answer["items"]])
            seen += pages[-1]
            cursor = answer["next_cursor"]
            if not cursor:
                break
        assert len(seen) == len(set(seen)) == (6 if "skill" in query else 13), query
    headers = workspace_session(client)
    first = page(client, headers, "limit=4&sort=name")
    second = page(client, headers, re.search(r'href="/dashboard/candidates\?([^"]+)" rel="next"', text(first))
                  .group(1).replace("&amp;", "&"))
    third = page(client, headers, re.search(r'href="/dashboard/candidates\?([^"]+)" rel="next"', text(second))
                 .group(1).replace("&amp;", "&"))
    back = page(client, headers, re.search(r'href="/dashboard/candidates\?([^"]+)" rel="prev"', text(third))
                .group(1).replace("&amp;", "&"))
    assert emails_on(back) == emails_on(second) and len(emails_on(second)) == 4
    again = page(client, headers, re.search(r'href="/dashboard/candidates\?([^"]+)" rel="prev"', text(second))
                 .group(1).replace("&amp;", "&"))
    assert emails_on(again) == emails_on(first) and 'rel="prev"' not in text(again)


def test_the_page_shows_filters_sortable_columns_and_links_to_profiles(client, auth, people):
    headers = workspace_session(client)
    answer = page(client, headers, "skill=python&sort=name")
    html = text(answer)
    assert answer.status_code == 200
    assert '<label for="f-skill">Skill</label>' in html and 'value="python"' in html
    assert '<label for="f-sort">Sort by</label>' in html and '<option value="name" selected>' in html
    assert '<a class="button button-link" href="/dashboard/import">Import CSV</a>' in html
    assert emails_on(answer) == ["ada@example.com", "cy@example.com", "eve@example.com"]
    assert f'href="/dashboard/candidates/{people["ada"]["id"]}">ada@example.com</a>' in html
    assert 'aria-sort="ascending"' in html and "sort=-name" in html  # the current column, and its other way
    assert "3 people on this page" in html
    assert page(client, headers, "skill=nobody-has-this").body.decode().count("Nobody matches these filters") == 1
    within = text(page(client, headers, "pool=" + quote(_static_pool(client, auth, "Shortlist", [people["bo"]["id"]]))))
    assert "bo@example.com" in within and "ada@example.com" not in within
    assert "sort=name" not in within  # a pool lists by when people were added


def _static_pool(client, auth, name: str, members: list[str] = ()) -> str:
    pool = body(client.http.post("/pools", headers=auth, body=json.dumps({"name": name, "kind": "static"})))
    if members:
        client.http.post(f"/pools/{pool['id']}/members", headers=auth, body=json.dumps({"candidate_ids": members}))
    return pool["id"]


def test_a_pool_filter_reads_its_members_with_the_other_filters(client, auth, people):
    pool = _static_pool(client, auth, "Mixed", [people[k]["id"] for k in ("ada", "bo", "cy")])
    assert set(every(client, auth, pool=pool)) == {"ada@example.com", "bo@example.com", "cy@example.com"}
    assert every(client, auth, pool=pool, skill="python", country="GB") == ["ada@example.com", "cy@example.com"]
    assert every(client, auth, pool=pool, sort="-added")[0] == "cy@example.com"
    refused = client.http.get(f"/candidates?pool={pool}&sort=name", headers=auth)
    assert refused.status_code == 400 and "sort" in body(refused)["error"]["fields"]
    assert client.http.get("/candidates?pool=pool_missing", headers=auth).status_code == 404


# ---------------------------------------------------------------- the index kept

def _index_items(candidate_id: str) -> set[str]:
    from chalicelib.store.models import BrowseModel

    return {item.pk for item in BrowseModel.scan() if item.sk.endswith("#" + candidate_id)}


def test_each_write_keeps_the_index_and_erasure_removes_it(client, auth, people):
    ada = people["ada"]["id"]
    assert _index_items(ada) == {"all", "skill#python", "skill#kubernetes", "role#backend", "tag#referral",
                                 "country#GB", "city#london"}  # not_subscribed: a broad status, no items
    answer = client.http.patch(f"/candidates/{ada}", headers=auth, body=json.dumps({"skills": ["Go"], "city": None}))
    assert answer.status_code == 200
    assert _index_items(ada) == {"all", "skill#go", "role#backend", "tag#referral", "country#GB"}
    from chalicelib import wiring

    wiring.candidate_repo().update(ada, lambda c: dict(c, status="bounced"))
    assert "status#bounced" in _index_items(ada)
    assert every(client, auth, status="bounced") == ["ada@example.com"]
    assert "ada@example.com" not in every(client, auth, skill="python")
    assert "ada@example.com" in every(client, auth, skill="go")
    assert client.http.delete(f"/candidates/{ada}", headers=auth).status_code == 200
    assert _index_items(ada) == set()
    assert "ada@example.com" not in every(client, auth)


def test_an_import_indexes_its_people(client, auth):
    csv = "Email,First Name,Skills,City\r\nimp1@example.com,Imp,python;go,Leeds\r\nimp2@example.com,Ort,go,Leeds\r\n"
    answer = client.http.post("/candidates/import", headers={**auth, "Content-Type": "text/csv"}, body=csv)
    assert body(answer)["created"] == 2
    assert set(every(client, auth, city="leeds", skill="go")) == {"imp1@example.com", "imp2@example.com"}


def test_people_stored_before_the_index_are_listed_meanwhile_and_added_lazily(client, auth, people):
    from chalicelib import wiring
    from chalicelib.store.models import BrowseModel, KeyModel

    for item in list(BrowseModel.scan()):
        item.delete()
    KeyModel("browse#backfill").delete()
    wiring.candidate_repo()._index = None  # a new container, which has not seen the index ready
    service = wiring.candidates()
    with _patched_page(2):  # two people per backfill step: it takes a few lists to finish
        first = service.browse({"skill": "python"}, limit=50)
        assert not first.indexed and {p["email"] for p in first.items} == {"ada@example.com", "cy@example.com",
                                                                            "eve@example.com"}
        assert service.build_browse_index() is True
    found = service.browse({"skill": "python", "sort": "name"}, limit=50)
    assert found.indexed and [p["email"] for p in found.items] == ["ada@example.com", "cy@example.com",
                                                                   "eve@example.com"]


class _patched_page:
    def __init__(self, size: int):
        self.size = size

    def __enter__(self):
        from chalicelib.store import browse

        self.was = browse.BACKFILL_PAGE
        browse.BrowseIndex.backfill_step.__defaults__ = (self.size,)

    def __exit__(self, *exc):
        from chalicelib.store import browse

        browse.BrowseIndex.backfill_step.__defaults__ = (self.was,)


def test_a_page_reads_in_proportion_to_the_page_not_the_table(client, auth):
    from chalicelib import wiring

    for i in range(40):
        create(client, auth, email=f"r{i:02d}@example.com", skills=["go"] + (["rust"] if i == 5 else []))
    service = wiring.candidates()
    plain = service.browse({}, limit=5)
    assert len(plain.items) == 5 and plain.read <= 6 + 5  # limit + 1 index items, the 5 people
    rare = service.browse({"skill": "go", "tag": "none-has-it"}, limit=3)
    assert rare.items == [] and rare.read <= 10 * 3  # a tag nobody has: its partition is empty
    sparse = service.browse({"skill": "go", "q": "r05"}, limit=2)
    assert sparse.read <= 2 * 10 * 2  # the allowance of index items and the people they name, then a cursor on
    assert [p["email"] for p in sparse.items] or sparse.next_cursor


# ---------------------------------------------------------------- adding to a pool

def test_people_ticked_on_the_list_are_added_to_a_static_pool(client, auth, people):
    pool = _static_pool(client, auth, "Shortlist")
    headers = {**workspace_session(client), **WORKSPACE_FORM}
    listing = page(client, workspace_session(client), "skill=python")
    assert '<label for="add-pool">Static pool</label>' in text(listing) and ">Add to pool</button>" in text(listing)
    back = "skill=python"
    chosen = [people["ada"]["id"], people["cy"]["id"]]
    answer = client.http.post("/dashboard/candidates/add-to-pool", headers=headers,
                              body=urlencode({"pool_id": pool, "candidate_ids": chosen, "back": back}, doseq=True))
    assert answer.status_code == 303
    location = answer.headers["Location"]
    assert location.startswith("/dashboard/candidates?skill=python&") and "added=2" in location
    shown = text(page(client, workspace_session(client), location.split("?", 1)[1]))
    assert "Added 2 people to" in shown and ">Shortlist</a>" in shown
    members = body(client.http.get(f"/pools/{pool}/members", headers=auth))["items"]
    assert {m["email"] for m in members} == {"ada@example.com", "cy@example.com"}
    again = client.http.post("/dashboard/candidates/add-to-pool", headers=headers,
                             body=urlencode({"pool_id": pool, "candidate_ids": chosen[0], "back": back}))
    assert "already=1" in again.headers["Location"]


def test_add_to_pool_problems_show_the_list_again_and_change_nothing(client, auth, people):
    pool = _static_pool(client, auth, "Shortlist")
    dynamic = body(client.http.post("/pools", headers=auth, body=json.dumps(
        {"name": "Pythonistas", "kind": "dynamic", "rules": {"field": "skills", "op": "contains_any", "value": ["python"]}})))
    headers = {**workspace_session(client), **WORKSPACE_FORM}
    ada = people["ada"]["id"]

    def post(fields, status):
        answer = client.http.post("/dashboard/candidates/add-to-pool", headers=headers,
                                  body=fields if isinstance(fields, str) else urlencode(fields, doseq=True))
        assert answer.status_code == status, (fields, answer.status_code, text(answer)[:300])
        return text(answer)

    assert "choose a static pool" in post({"candidate_ids": ada, "back": "skill=python"}, 400)
    assert "tick at least one person" in post({"pool_id": pool, "back": "skill=python"}, 400)
    assert "ada@example.com" in post({"pool_id": pool, "back": "skill=python"}, 400)  # the same list again
    assert "change the rules instead" in post({"pool_id": dynamic["id"], "candidate_ids": ada}, 409)
    post({"pool_id": "pool_nope", "candidate_ids": ada}, 404)
    post({"pool_id": pool, "candidate_ids": ["x" * 101]}, 400)
    post({"pool_id": pool, "candidate_ids": [f"cand_{i}" for i in range(1001)]}, 400)
    post({"pool_id": [pool, pool], "candidate_ids": ada}, 400)
    post(f"pool_id={pool}&candidate_ids=cand_%00x", 400)
    post(f"pool_id={pool}&candidate_ids=%ed%a0%80", 400)
    post("pool_id=" + "p" * 70000, 413)
    assert body(client.http.get(f"/pools/{pool}/members", headers=auth))["items"] == []
    odd = client.http.post("/dashboard/candidates/add-to-pool", headers=headers, body=urlencode(
        {"pool_id": pool, "candidate_ids": [ada, "cand_unknown"], "back": "q=%00&cursor=zz&skill=" + "s" * 5000}, doseq=True))
    assert odd.status_code == 303 and "missing=1" in odd.headers["Location"] and "%00" not in odd.headers["Location"]


def test_a_viewer_browses_but_cannot_add(client, auth, people):
    made = client.http.post("/users", headers=auth, body=json.dumps(
        {"email": "vic@example.com", "name": "Vic", "role": "viewer", "temporary_password": "Temporary-pass-1"}))
    assert made.status_code == 201
    from chalicelib import wiring

    key = "crm_viewer_key_0123456789abcdef"
    wiring.api_keys().ensure(key, "viewer", user_id=body(made)["id"])
    viewer = {"Authorization": f"Bearer {key}"}
    pool = _static_pool(client, auth, "Shortlist")
    listing = text(page(client, viewer))
    assert "ada@example.com" in listing and 'type="checkbox"' not in listing and "Add to pool" not in listing
    refused = client.http.post("/dashboard/candidates/add-to-pool", headers={**viewer, **WORKSPACE_FORM},
                               body=urlencode({"pool_id": pool, "candidate_ids": people["ada"]["id"]}))
    assert refused.status_code == 403
    assert body(client.http.get(f"/pools/{pool}/members", headers=auth))["items"] == []


# ---------------------------------------------------------------- hostile input

@pytest.mark.parametrize("query, field", [
    ("skill=" + "s" * 201, "skill"), ("city=" + "c" * 201, "city"), ("skill=a%00b", "skill"),
    ("q=a%0d%0ab", "q"), ("q=x", "q"), ("skill=%ed%a0%80", None), ("skill=a&skill=b", "skill"),
    ("status=gone", "status"), ("stage=maybe", "stage"), ("country=ZZ", "country"), ("remote=perhaps", "remote"),
    ("engagement=lots", "engagement"), ("engagement=-1", "engagement"), ("engagement=nan", "engagement"),
    ("engagement=1e12", "engagement"), ("last_contact=yesterday", "last_contact"), ("last_contact=0d", "last_contact"),
    ("last_contact=99999d", "last_contact"), ("sort=salary", "sort"), ("sort=--name", "sort"), ("limit=0", "limit"),
    ("limit=x", "limit"), ("cursor=not-a-cursor", "cursor"), ("cursor=eyJpZCI6MX0", "cursor"),
    ("before=bm9wZQ", "cursor"), ("cursor=eyJwayI6eyJTIjoiYWxsIn19&before=eyJwayI6eyJTIjoiYWxsIn19", "cursor"),
])
def test_bad_list_parameters_are_refused_by_name(client, auth, people, query, field):
    answer = client.http.get("/candidates?" + query, headers=auth)
    shown = page(client, workspace_session(client), query)
    if field is None:  # a lone surrogate arrives as U+FFFD: text nobody has, never a 500
        assert answer.status_code in (200, 400) and shown.status_code in (200, 400)
        return
    if "before" not in query:
        assert answer.status_code == 400, (query, answer.body)
        error = body(answer)["error"]
        assert error["code"] == "validation_error" and field in (error.get("fields") or {}), error
    assert shown.status_code == 400, (query, shown.status_code, text(shown)[:500])
    assert "Traceback" not in text(shown)
    if "<h1>" in text(shown):  # the list again, the problem next to its field (control characters stop earlier)
        assert 'class="field-error"' in text(shown) or 'class="notice notice-error"' in text(shown)


def test_a_cursor_of_another_list_is_refused(client, auth, people):
    cursor = body(client.http.get("/candidates?limit=1&skill=python", headers=auth))["next_cursor"]
    assert cursor
    for query in (f"cursor={cursor}", f"cursor={cursor}&sort=name", f"cursor={cursor}&skill=go"):
        answer = client.http.get("/candidates?" + query, headers=auth)
        assert answer.status_code == 400 and "cursor" in body(answer)["error"]["fields"], query
    import base64

    forged = base64.urlsafe_b64encode(json.dumps({"pk": {"S": "all"}, "sk": {"S": "x" * 1100}}).encode()).decode()
    answer = client.http.get("/candidates?cursor=" + forged.rstrip("="), headers=auth)
    assert answer.status_code == 400 and "cursor" in body(answer)["error"]["fields"]  # beyond DynamoDB's key size
    assert page(client, workspace_session(client), "pool=pool_nope").status_code == 404
    assert client.http.get("/candidates?pool=" + "p" * 300, headers=auth).status_code in (400, 404)
