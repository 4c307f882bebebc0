"""Goals and costs in the workspace over HTTP: the two forms (their text becomes POST /goals's and POST /costs's
bodies), the list with progress bars and figures, costs always with their currency (also in the overview API);
roles; hostile forms and parameters get a 4xx page and change nothing."""
import json
import re

import pytest

from tests.app.ats_signing import signed
from tests.app.helpers import WORKSPACE_FORM, body, workspace_session
from tests.app.test_ws_jobs import post_form, viewer_session


@pytest.fixture
def session(client):
    return workspace_session(client)


def goals(client, auth):
    return body(client.http.get("/goals", headers=auth))["items"]


def costs(client, auth):
    return body(client.http.get("/costs?from=2000-01-01&to=2100-01-01", headers=auth))["items"]


def hire(client, n, email, at="2026-10-15T00:00:00Z"):
    answer = signed(client, {"id": f"hire-{n}", "type": "candidate.hired", "occurred_at": at,
                             "data": {"email": email, "job_id": f"job-{n}"}})
    assert answer.status_code in (200, 202), answer.body


def test_a_goal_set_on_the_form_is_the_api_goal_and_shows_its_progress(client, auth, session):
    page = client.http.get("/dashboard/goals/new", headers=session).body.decode()
    for label in ("Metric", "Target", "Currency", "From", "Deadline", "Name", "Department"):
        assert f">{label}</label>" in page, label
    assert ">Hires from talent pools</option>" in page and "median days from job opened to filled" in page
    post_form(client, session, "/dashboard/goals", {
        "metric": "hires_from_pools", "target": "10", "from": "2026-01-01", "to": "2099-12-31",
        "name": "Ten pool hires", "department": "", "currency": "USD"}, status=303)
    [goal] = goals(client, auth)
    assert goal["name"] == "Ten pool hires" and goal["target"] == 10 and isinstance(goal["target"], int)
    assert goal["period"] == {"from": "2026-01-01T00:00:00.000Z", "to": "2099-12-31T23:59:59.000Z"}
    assert goal["filters"] == {} and "currency" not in goal  # a count has no currency

    listed = client.http.get("/dashboard/goals", headers=session)
    html = listed.body.decode()
    assert listed.status_code == 200 and "Ten pool hires" in html and "Hires from talent pools" in html
    assert re.search(r'<progress class="goal-bar goal-bar-\w+" max="100" value="0"', html)
    assert "target 10" in html and "2026-01-01 to 2099-12-31" in html and "% of the time gone" in html
    assert 'style="' not in html  # the CSP forbids inline styles: the bar is sized by its value


def test_a_cost_per_hire_goal_counts_the_costs_of_its_currency_only(client, auth, session):
    hire(client, 1, "one@example.com")
    hire(client, 2, "two@example.com")
    for amount, currency in (("3000", "EUR"), ("999", "USD")):
        post_form(client, session, "/dashboard/goals/costs", {"source": "agency", "amount": amount, "currency": currency,
                                                              "from": "2026-10-01", "to": "2026-10-31"}, status=303)
    post_form(client, session, "/dashboard/goals", {"metric": "cost_per_hire", "target": "2000", "currency": "eur",
                                                    "from": "2026-09-01", "to": "2026-10-31"}, status=303)
    [goal] = goals(client, auth)
    assert goal["currency"] == "EUR" and goal["progress"]["value"] == 1500.0 and goal["progress"]["status"] == "achieved"
    html = client.http.get("/dashboard/goals?from=2026-09-01&to=2026-10-31", headers=session).body.decode()
    assert "Now <strong>1,500.00 EUR</strong>" in html and "target 2,000.00 EUR or less" in html
    # the costs table and cost per hire: every amount with its currency; the rest of the overview's currency apart
    assert "3,000.00 EUR" in html and "999.00 USD" in html
    assert "Not counted above" in html


def test_costs_always_carry_a_currency_in_the_overview_and_the_pages(client, auth, session):
    html = client.http.get("/dashboard/goals", headers=session).body.decode()
    assert "No costs entered for this period" in html and "0.00 USD" in html
    amounts = re.findall(r"\d[\d,]*\.\d\d(?: [A-Z]{3})?", html)
    assert amounts and all(amount.endswith(" USD") for amount in amounts), amounts  # never a bare "0.00"
    overview = body(client.http.get("/analytics/overview", headers=auth))
    assert overview["currency"] == "USD" and overview["cost_per_hire"]["all"]["currency"] == "USD"
    assert overview["costs_in_other_currencies"] == {}

    for source, amount, currency in (("agency", 100, "EUR"), ("agency", 50, "EUR"), ("board", 70, "GBP")):
        made = client.http.post("/costs", headers=auth, body=json.dumps({"source": source, "amount": amount,
                                                                        "currency": currency}))
        assert made.status_code == 201 and body(made)["currency"] == currency
    overview = body(client.http.get("/analytics/overview", headers=auth))
    assert overview["currency"] == "EUR"  # most costs are in euros: reported in euros, nothing converted
    assert overview["cost_per_hire"]["agency"] == {"cost": 150.0, "hires": 0, "cost_per_hire": None, "currency": "EUR"}
    assert overview["cost_per_hire"]["all"]["cost"] == 150.0 and overview["costs_in_other_currencies"] == {"GBP": 70.0}
    assert body(client.http.post("/costs", headers=auth, body=json.dumps({"source": "x", "amount": 1})))["currency"] == "USD"


@pytest.mark.parametrize("currency", ["XYZ", "EURO", "€", "us", "XAU", " "])
def test_a_currency_iso_4217_does_not_list_is_refused(client, auth, currency):
    answer = client.http.post("/costs", headers=auth, body=json.dumps({"source": "x", "amount": 1,
                                                                       "currency": currency}))
    assert answer.status_code == 400 and set(body(answer)["error"]["fields"]) == {"currency"}
    assert body(answer)["error"]["fields"]["currency"] == "a three-letter ISO 4217 code such as EUR"
    goal = client.http.post("/goals", headers=auth, body=json.dumps({
        "metric": "cost_per_hire", "target": 1, "period": {"to": "2099-01-01"}, "currency": currency}))
    assert goal.status_code == 400 and set(body(goal)["error"]["fields"]) == {"currency"}
    assert costs(client, auth) == [] and goals(client, auth) == []


def test_form_mistakes_come_back_beside_their_fields_and_store_nothing(client, auth, session):
    answer = post_form(client, session, "/dashboard/goals", {"metric": "happiness", "target": "lots", "to": "",
                                                             "name": "", "currency": "USD"}, status=400)
    html = answer.body.decode()
    for name in ("metric", "target", "to"):
        assert f'id="{name}-error"' in html, name
    assert "The goal was not saved" in html and "required: the goal&#39;s deadline" in html
    wrong_order = post_form(client, session, "/dashboard/goals", {"metric": "hires_from_pools", "target": "3",
                                                                  "from": "2027-01-01", "to": "2026-01-01"}, status=400)
    assert 'id="from-error"' in wrong_order.body.decode() and "must be before to" in wrong_order.body.decode()
    cost = post_form(client, session, "/dashboard/goals/costs", {"source": "", "amount": "-5", "currency": "XYZ"},
                     status=400)
    html = cost.body.decode()
    for name in ("source", "amount", "currency"):
        assert f'id="{name}-error"' in html, name
    assert goals(client, auth) == [] and costs(client, auth) == []


def test_a_viewer_reads_goals_but_may_not_set_one(client, auth):
    viewer = viewer_session(client, auth, "goal-viewer@example.com")
    page = client.http.get("/dashboard/goals", headers=viewer)
    assert page.status_code == 200 and "New goal" not in page.body.decode()
    assert post_form(client, viewer, "/dashboard/goals", {"metric": "hires_from_pools", "target": "1",
                                                          "to": "2099-01-01"}).status_code == 403
    assert post_form(client, viewer, "/dashboard/goals/costs", {"source": "x", "amount": "1"}).status_code == 403
    assert goals(client, auth) == [] and costs(client, auth) == []


GOAL = "metric=hires_from_pools&target=3&to=2099-01-01"
HOSTILE = [
    ("huge", "/dashboard/goals", GOAL + "&name=" + "x" * 20_000, 413),
    ("name too long", "/dashboard/goals", GOAL + "&name=" + "x" * 300, 400),
    ("control characters", "/dashboard/goals", GOAL + "&name=a%00b", 400),
    ("a line break in a name", "/dashboard/goals", GOAL + "&name=a%0Ab", 400),
    ("lone surrogate", "/dashboard/goals", GOAL + "&name=%ED%A0%80", 400),
    ("repeated", "/dashboard/goals", GOAL + "&target=4", 400),
    ("target not finite", "/dashboard/goals", "metric=hires_from_pools&target=inf&to=2099-01-01", 400),
    ("target too big", "/dashboard/goals", "metric=hires_from_pools&target=1e13&to=2099-01-01", 400),
    ("date out of range", "/dashboard/goals", "metric=hires_from_pools&target=3&to=3000-01-01", 400),
    ("cost huge", "/dashboard/goals/costs", "source=x&amount=1&currency=" + "E" * 20_000, 413),
    ("cost repeated", "/dashboard/goals/costs", "source=x&source=y&amount=1", 400),
    ("cost amount text", "/dashboard/goals/costs", "source=x&amount=ten", 400),
    ("cost currency repeated", "/dashboard/goals/costs", "source=x&amount=1&currency=EUR&currency=USD", 400),
]


@pytest.mark.parametrize("name,path,payload,status", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_forms_are_4xx_pages_and_store_nothing(client, auth, session, name, path, payload, status):
    answer = client.http.post(path, headers={**session, **WORKSPACE_FORM}, body=payload)
    assert answer.status_code == status, answer.body.decode()[:1000]
    assert answer.headers["Content-Type"].startswith("text/html")
    assert goals(client, auth) == [] and costs(client, auth) == []


@pytest.mark.parametrize("payload", [{"metric": 5, "target": "3", "to": "2099-01-01"},
                                     {"metric": "hires_from_pools", "target": [3], "to": "2099-01-01"},
                                     {"metric": "hires_from_pools", "target": True, "to": {"x": 1}},
                                     {"metric": "hires_from_pools", "target": 3, "to": "2099-01-01", "name": 7}])
def test_wrong_types_in_json_are_refused_on_the_form(client, auth, session, payload):
    answer = client.http.post("/dashboard/goals", headers={**session, "Content-Type": "application/json"},
                              body=json.dumps(payload))
    assert answer.status_code == 400 and answer.headers["Content-Type"].startswith("text/html")
    assert goals(client, auth) == []


@pytest.mark.parametrize("query", ["from=yesterday", "to=2026-13-45", "from=2027-01-01&to=2026-01-01",
                                   "from=%00", "to=" + "9" * 600, "from=3000-01-01"])
def test_hostile_periods_are_4xx(client, session, query):
    answer = client.http.get("/dashboard/goals?" + query, headers=session)
    assert 400 <= answer.status_code < 500, (query, answer.status_code)


def test_a_json_form_body_works_like_the_api(client, auth, session):
    answer = client.http.post("/dashboard/goals/costs", headers={**session, "Content-Type": "application/json"},
                              body=json.dumps({"source": "events", "amount": 250.5, "currency": "CHF"}))
    assert answer.status_code == 303 and answer.headers["Location"] == "/dashboard/goals#costs"
    [cost] = costs(client, auth)
    assert cost["amount"] == 250.5 and cost["currency"] == "CHF" and cost["source"] == "events"
    assert "250.50 CHF" in client.http.get("/dashboard/goals", headers=session).body.decode()


def test_the_goal_form_keeps_what_was_typed(client, session):
    html = post_form(client, session, "/dashboard/goals", {"metric": "cost_per_hire", "target": "abc",
                                                           "to": "2099-01-01", "name": "Cheaper hires",
                                                           "currency": "GBP"}, status=400).body.decode()
    assert 'value="Cheaper hires"' in html and '<option value="GBP" selected>' in html
    assert '<option value="cost_per_hire" selected>' in html and 'value="2099-01-01"' in html
