"""The workspace's overview over HTTP: every figure and chart of the first dashboard's overview, from the same
service as GET /analytics/overview and GET /goals, with the period picker; money with its currency; charts as
accessible SVG with their numbers as tables; bad periods said at the form (a 4xx page), never a 500."""
import json
import re
from html import unescape

import pytest

from tests.app.ats_signing import signed
from tests.app.campaign_helpers import act, campaign, pool, subscriber, template
from tests.app.helpers import body, tick, workspace_session

PERIOD = "from=2026-09-01&to=2026-11-01"


@pytest.fixture
def session(client):
    return workspace_session(client)


def page(client, session, query="", status=200) -> str:
    answer = client.http.get("/dashboard" + (f"?{query}" if query else ""), headers=session)
    assert answer.status_code == status, answer.body.decode()[:2000]
    return answer.body.decode()


def shown(html: str, testid: str) -> str:
    return unescape(re.search(rf'data-testid="{testid}">([^<]*)<', html).group(1))


def figure(html: str, testid: str) -> str:
    """A chart's figure (its SVG, caption and numbers)."""
    start = html.index(f'data-testid="{testid}">', html.index('<figure class="chart'))
    start = html.rindex("<figure", 0, start)
    return html[start:html.index("</figure>", start)]


def rows(html: str, testid: str) -> list[list[str]]:
    start = html.index(f'data-testid="{testid}"')
    table = html[start:html.index("</table>", start)]
    return [[unescape(cell) for cell in re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)]


@pytest.fixture
def hiring(client, auth):
    """The ATS story of tests/app/test_analytics.py: three hires (two from a pool), three jobs filled, four offers;
    costs in USD and one in EUR; two goals."""
    pool(client, auth, rules={"field": "tags", "op": "contains_any", "value": ["community"]})
    tick()
    for name in ("p1", "p2"):
        subscriber(f"{name}@example.com", tags=["community"])
    for n, job in enumerate(("j-pool", "j-pool2", "j-other")):
        signed(client, {"id": f"jo-{n}", "type": "job.opened", "occurred_at": "2026-09-01T00:00:00Z",
                        "data": {"job_id": job, "title": job}})
    for n, (email, job) in enumerate([("p1@example.com", "j-pool"), ("p2@example.com", "j-pool2"),
                                      ("walkin@example.com", "j-other")]):
        signed(client, {"id": f"h-{n}", "type": "candidate.hired", "occurred_at": "2026-10-15T00:00:00Z",
                        "data": {"email": email, "job_id": job}})
    for n, (job, filled) in enumerate([("j-pool", "2026-09-21"), ("j-pool2", "2026-10-11"), ("j-other", "2026-10-31")]):
        signed(client, {"id": f"jf-{n}", "type": "job.filled", "occurred_at": f"{filled}T00:00:00Z",
                        "data": {"job_id": job}})
    for n, (kind, email) in enumerate([("offer.accepted", "p1@example.com"), ("offer.declined", "p2@example.com"),
                                       ("offer.accepted", "walkin@example.com")]):
        signed(client, {"id": f"o-{n}", "type": kind, "occurred_at": "2026-10-10T00:00:00Z", "data": {"email": email}})
    signed(client, {"id": "a-1", "type": "application.created", "occurred_at": "2026-10-01T00:00:00Z",
                    "data": {"email": "walkin@example.com", "job_id": "j-other"}})
    for source, amount, currency in (("sourced", 3000, "USD"), ("ats", 1500, "USD"), ("agency", 800, "EUR")):
        made = client.http.post("/costs", headers=auth, body=json.dumps(
            {"source": source, "amount": amount, "currency": currency, "from": "2026-10-01", "to": "2026-10-31"}))
        assert made.status_code == 201, made.body
    for goal in ({"name": "Pool hires", "metric": "pool_hire_share", "target": 0.25,
                  "period": {"from": "2026-09-01T00:00:00Z", "to": "2026-12-31T00:00:00Z"}},
                 {"name": "Cheaper hires", "metric": "cost_per_hire", "target": 1000, "currency": "USD",
                  "period": {"from": "2026-09-01T00:00:00Z", "to": "2027-03-01T00:00:00Z"}}):
        assert client.http.post("/goals", headers=auth, body=json.dumps(goal)).status_code == 201
    return body(client.http.get("/analytics/overview?from=2026-09-01T00:00:00Z&to=2026-11-01T23:59:59.999Z",
                                headers=auth))


def test_the_hiring_figures_are_the_apis_with_their_units_and_currency(client, session, hiring):
    html = page(client, session, PERIOD)
    assert "From 1 Sep 2026 to 1 Nov 2026 (UTC)" in html
    assert 'value="2026-09-01"' in html and 'value="2026-11-01"' in html
    assert shown(html, "overview-applications") == str(hiring["applications"]) == "1"
    assert shown(html, "overview-hires") == "3" and shown(html, "overview-hires-from-pools") == "2"
    assert shown(html, "overview-pool-share") == "66.7%"
    assert shown(html, "overview-time-to-fill") == "40 days" and "3 jobs filled" in html
    assert shown(html, "overview-offer-acceptance-pool") == "50.0%"
    assert shown(html, "overview-offer-acceptance-other") == "100.0%"
    assert hiring["currency"] == "USD" and shown(html, "overview-cost-per-hire") == "1,500.00 USD"
    assert "4,500.00 USD spent" in html
    assert shown(html, "overview-pool-hired-ever") == str(hiring["pool_candidates_hired_ever"])
    assert rows(html, "cost-per-hire")[-1] == ["All sources", "4,500.00 USD", "3", "1,500.00 USD"]
    assert ["Sourced", "3,000.00 USD", "2", "1,500.00 USD"] in rows(html, "cost-per-hire")
    assert "never converted between currencies: 800.00 EUR." in html
    assert not re.search(r">\s*\d[\d,]*\.\d\d\s*<", html)  # no amount without its currency


def test_the_goals_show_their_progress(client, auth, session, hiring):
    html = page(client, session, PERIOD)
    goals = body(client.http.get("/goals", headers=auth))["items"]
    cards = re.findall(r'<li class="overview-goal" data-testid="goal" data-status="(\w+)">(.*?)</li>', html, re.S)
    assert [status for status, _ in cards] == [g["progress"]["status"] for g in goals]
    pool_goal, cost_goal = (card for _, card in cards)
    assert "Pool hires" in pool_goal and "66.7%" in pool_goal and "target 25.0%" in pool_goal
    assert f'value="{round(goals[0]["progress"]["progress"] * 100)}"' in pool_goal and "<progress" in pool_goal
    assert "target 1,000.00 USD or less" in cost_goal
    assert 'href="/dashboard/goals"' in html


def test_the_charts_are_accessible_svg_with_their_numbers(client, session, hiring):
    html = page(client, session, PERIOD)
    for testid in ("chart-hiring-funnel", "chart-source-of-hire", "chart-time-to-fill", "chart-offer-acceptance"):
        part = figure(html, testid)
        assert '<svg class="chart-drawing"' in part and 'role="img"' in part, testid
        title_id = re.search(r'aria-labelledby="([\w-]+) ([\w-]+)"', part)
        assert f'<title id="{title_id.group(1)}">' in part and f'<desc id="{title_id.group(2)}">' in part
        assert "<rect" in part and "<figcaption>" in part and "Show the numbers" in part, testid
        assert "style=" not in part  # the CSP allows no inline style
    funnel = figure(html, "chart-hiring-funnel")
    assert "<desc id=\"chart-hiring-funnel-svg-desc\">Applications 1, Offers decided 3, Offers accepted 2, Hires 3</desc>" \
        in funnel
    assert rows(funnel, "chart-hiring-funnel-numbers") == [
        ["Applications", "1", "n/a"], ["Offers decided", "3", "300.0% of applications"],
        ["Offers accepted", "2", "66.7% of offers decided"], ["Hires", "3", "150.0% of offers accepted"]]
    assert rows(html, "chart-time-to-fill-numbers") == [["Pool hires", "30 days"], ["Other hires", "60 days"],
                                                        ["All", "40 days"]]
    assert rows(html, "chart-offer-acceptance-numbers") == [["Talent pool candidates", "50.0%"],
                                                            ["Other candidates", "100.0%"]]
    assert rows(html, "chart-source-of-hire-numbers") == [["Talent pools", "2"], ["Other", "1"]]
    by_source = rows(html, "hires-by-source")
    assert sum(int(count) for _, count in by_source) == 3
    # the offer bars are drawn to the scale of 100%: half and all of the track
    offers = figure(html, "chart-offer-acceptance")
    assert 'width="50.00%"' in offers and 'width="100.00%"' in offers


def test_campaigns_by_category_show_rates_and_counts(client, auth, session):
    tmpl = template(client, auth, category="event_invite")
    audience = pool(client, auth)
    tick()
    subscriber("eve@example.com", skills=["go"])
    made = campaign(client, auth, [audience["id"]], [{"template_id": tmpl["id"]}], category="event_invite")
    act(client, auth, made["id"], "schedule")
    tick()
    tick()
    data = body(client.http.get("/analytics/overview", headers=auth))["campaigns_by_category"]
    html = page(client, session)
    [row] = rows(html, "categories")
    assert row[:3] == ["Event invite", "1", str(data["event_invite"]["sent"])]
    part = figure(html, "chart-categories")
    assert 'role="img"' in part and "Open rate" in part and "Application rate" in part


def test_an_empty_period_says_so(client, session):
    html = page(client, session, "from=2020-01-01&to=2020-03-31")
    assert "From 1 Jan 2020 to 31 Mar 2020 (UTC)" in html
    assert shown(html, "overview-hires") == "0" and shown(html, "overview-cost-per-hire") == "n/a"
    assert "No goals yet." in html and "No campaign started in this period." in html
    assert "No hires in this period." in html and "No costs or hires in this period." in html


@pytest.mark.parametrize("query, field, words", [
    ("from=2026-02-30", "from", "a date such as 2026-03-31"),
    ("to=31/12/2026", "to", "a date such as 2026-03-31"),
    ("from=2026-05-01&to=2026-04-01", "from", "on or before the end date"),
    ("from=2026-01-01&from=2026-02-01", "from", "one date only"),
    ("from=0001-01-01", "from", "a date such as 2026-03-31"),
    ("from=2100-01-01", "from", "on or before the end date (today when none is chosen)"),
])
def test_a_bad_period_is_said_at_the_form_with_the_default_figures(client, session, query, field, words):
    html = page(client, session, query, status=400)
    assert f'<p class="field-error" id="{field}-error">{words}</p>' in unescape(html).replace("&#39;", "'")
    assert 'aria-invalid="true"' in html and "That period cannot be shown" in html
    assert 'data-testid="overview-hires"' in html  # the last 90 days' figures all the same


@pytest.mark.parametrize("query", ["from=" + "9" * 5000, "from=2026-01-01%00", "to=%ED%A0%80", "from=a%0d%0ab"])
def test_hostile_period_parameters_are_4xx_never_500(client, session, query):
    answer = client.http.get(f"/dashboard?{query}", headers=session)
    assert 400 <= answer.status_code < 500, answer.body.decode()[:300]


@pytest.mark.parametrize("path", ["/dashboard/candidates?skill=a%0d%0ab", "/dashboard/pools?x=" + "9" * 5000,
                                  "/dashboard/jobs/job%00x"])
def test_a_bad_parameter_on_a_page_is_a_page_not_json(client, session, path):
    answer = client.http.get(path, headers=session)
    assert answer.status_code == 400 and answer.headers["Content-Type"].startswith("text/html"), answer.body[:200]
    assert "<html" in answer.body.decode() and '{"error"' not in answer.body.decode()


def test_a_viewer_reads_the_overview_without_the_links_to_set_things(client, auth):
    from chalicelib import wiring

    wiring.users().create({"email": "vi@example.com", "name": "Vi", "role": "viewer",
                           "temporary_password": "Temporary-pass-1"})
    first = client.http.post("/auth/sign-in", headers=auth, body=json.dumps(
        {"email": "vi@example.com", "password": "Temporary-pass-1"}))
    client.http.post("/auth/new-password", headers=auth, body=json.dumps(
        {"email": "vi@example.com", "session": body(first)["session"], "new_password": "Viewer-own-pass-2"}))
    html = page(client, workspace_session(client, "vi@example.com", "Viewer-own-pass-2"))
    assert "Hiring funnel" in html and "/dashboard/goals/new" not in html and "/dashboard/goals/costs/new" not in html


def test_a_sign_in_whose_fields_are_not_text_answers_with_the_sign_in_page(client):
    """Sign-in reads a repeated field or a JSON non-string as no text: its own page says what is missing, never an
    error body (the other workspace forms refuse such a field with a 400 naming it)."""
    answer = client.http.post("/dashboard/sign-in", headers={"Content-Type": "application/json"},
                              body=json.dumps({"email": ["admin@example.com"], "password": 5, "next": ["/dashboard"]}))
    html = answer.body.decode()
    assert answer.status_code == 400 and answer.headers["Content-Type"].startswith("text/html")
    assert ">Sign in</h1>" in html and 'role="alert">email:' in html and "Set-Cookie" not in answer.headers
