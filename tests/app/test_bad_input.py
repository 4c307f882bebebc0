"""Whatever a caller sends, the answer is a clear 4xx in the contract's format, never a 500."""
import json

from hypothesis import HealthCheck, given, settings, strategies as st

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=12,
)
fields = st.sampled_from(["email", "consent", "first_name", "skills", "country", "remote_ok", "phone",
                          "linkedin_url", "redirect_to", "status", "stage", "tags", "website", "seniority"])
bodies = st.dictionaries(fields, json_values, max_size=8) | json_values


def assert_clean(response):
    assert response.status_code < 500, response.body
    if response.status_code >= 400:
        error = json.loads(response.body)["error"]
        assert error["code"] and error["message"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies)
def test_signup_json(client, body):
    assert_clean(client.http.post("/signups", headers={"Content-Type": "application/json"}, body=json.dumps(body)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies)
def test_candidate_upsert_and_patch(client, auth, body):
    assert_clean(client.http.post("/candidates", headers=auth, body=json.dumps(body)))
    assert_clean(client.http.patch("/candidates/cand_nobody", headers=auth, body=json.dumps(body)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200), kind=st.sampled_from(["application/json", "application/x-www-form-urlencoded",
                                                          "text/csv", "", "multipart/form-data"]))
def test_raw_bytes_everywhere(client, auth, raw, kind):
    headers = {"Content-Type": kind} if kind else {}
    assert_clean(client.http.post("/signups", headers=headers, body=raw))
    assert_clean(client.http.post("/candidates/import", headers={**auth, **headers}, body=raw))
    assert_clean(client.http.post("/candidates/cand_x/touchpoints", headers={**auth, **headers}, body=raw))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.dictionaries(st.sampled_from(["limit", "cursor", "q", "skill", "pool", "token"]),
                             st.text(alphabet=st.characters(codec="ascii", blacklist_categories=("Cc",)), max_size=20),
                             max_size=3))
def test_query_strings(client, auth, query):
    from urllib.parse import urlencode

    assert_clean(client.http.get("/candidates?" + urlencode(query), headers=auth))
    assert_clean(client.http.get("/candidates/cand_x/timeline?" + urlencode(query), headers=auth))
    confirm = client.http.get("/signups/confirm?" + urlencode(query))
    assert confirm.status_code in (200, 400)
