"""The workspace's overview in a real browser on a real local stack: a period chosen on the form, every hiring
figure checked against GET /analytics/overview, goals with their progress, the charts as images with their
numbers a keyboard opens, a wrong period said at the form. Screenshots at 1280 and 390 px
(build/workspace-overview-*.png)."""
from __future__ import annotations

import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from .workspace import api, ats, button, field, link, on_page, shots, sign_in, text, wait

PERIOD = ("2024-03-01", "2024-03-31")  # a month no other test writes to: its figures are this test's


def hiring_story(stack, tag: str) -> None:
    """March 2024: a job from a pool's person and one from elsewhere, two offers, costs in EUR; a goal."""
    pool = api(stack, "POST", "/pools", {"name": f"Alumni {tag}", "kind": "static"})
    person = api(stack, "POST", "/candidates", {"email": f"alum-{tag}@example.com", "first_name": "Alum"})
    api(stack, "POST", f"/pools/{pool['id']}/members", {"candidate_ids": [person["id"]]})
    events = [("job.opened", {"job_id": f"pool-{tag}", "title": "Platform engineer"}, "2024-03-01"),
              ("job.opened", {"job_id": f"other-{tag}", "title": "Sales lead"}, "2024-03-01"),
              ("application.created", {"email": f"alum-{tag}@example.com", "job_id": f"pool-{tag}"}, "2024-03-04"),
              ("application.created", {"email": f"walkin-{tag}@example.com", "job_id": f"other-{tag}"}, "2024-03-05"),
              ("offer.accepted", {"email": f"alum-{tag}@example.com", "job_id": f"pool-{tag}"}, "2024-03-10"),
              ("offer.declined", {"email": f"walkin-{tag}@example.com", "job_id": f"other-{tag}"}, "2024-03-11"),
              ("candidate.hired", {"email": f"alum-{tag}@example.com", "job_id": f"pool-{tag}"}, "2024-03-12"),
              ("candidate.hired", {"email": f"late-{tag}@example.com", "job_id": f"other-{tag}"}, "2024-03-20"),
              ("job.filled", {"job_id": f"pool-{tag}"}, "2024-03-13"),
              ("job.filled", {"job_id": f"other-{tag}"}, "2024-03-21")]
    for n, (kind, data, day) in enumerate(events):
        ats(stack, {"id": f"e2e-overview-{tag}-{n}", "type": kind, "occurred_at": f"{day}T09:00:00Z", "data": data})
    for source, amount in ((f"agency_{tag}", 4000), (f"job_board_{tag}", 1000)):
        api(stack, "POST", "/costs", {"source": source, "amount": amount, "currency": "EUR",
                                      "from": "2024-03-01", "to": "2024-03-31"})
    api(stack, "POST", "/goals", {"name": f"Pool hires {tag}", "metric": "hires_from_pools", "target": 4,
                                  "period": {"from": "2024-01-01T00:00:00Z", "to": "2099-12-31T00:00:00Z"}})


def figure(page, testid: str) -> str:
    return page.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]').text.strip()


def test_the_overview_of_a_chosen_period_matches_the_api(stack, page):
    tag = uuid.uuid4().hex[:8]
    hiring_story(stack, tag)
    sign_in(page, stack)
    link(page, "Overview").click()
    on_page(page, "Overview")
    field(page, "From (UTC)").send_keys("03012024")  # a date field, typed month, day, year (en-US)
    field(page, "To (UTC)").send_keys("03312024")
    button(page, "Show").click()
    wait(page, lambda d: "from=2024-03-01" in d.current_url and "to=2024-03-31" in d.current_url)
    wait(page, lambda d: "From 1 Mar 2024 to 31 Mar 2024 (UTC)" in text(d))

    data = api(stack, "GET", "/analytics/overview?from=2024-03-01T00:00:00Z&to=2024-03-31T23:59:59.999Z")
    assert (data["hires"], data["applications"], data["hires_from_pools"]) == (2, 2, 1)
    assert figure(page, "overview-hires") == "2" and figure(page, "overview-applications") == "2"
    assert figure(page, "overview-hires-from-pools") == "1" and figure(page, "overview-pool-share") == "50.0%"
    assert figure(page, "overview-time-to-fill") == f"{data['time_to_fill_days']['all']:g} days"
    assert figure(page, "overview-offer-acceptance-pool") == "100.0%"
    assert figure(page, "overview-offer-acceptance-other") == "0.0%"
    assert data["currency"] == "EUR" and figure(page, "overview-cost-per-hire") == "2,500.00 EUR"
    cost_table = page.find_element(By.CSS_SELECTOR, '[data-testid="cost-per-hire"]').text
    assert f"Agency {tag}" in cost_table and "4,000.00 EUR" in cost_table and "5,000.00 EUR" in cost_table

    goal = next(g for g in page.find_elements(By.CSS_SELECTOR, '[data-testid="goal"]') if f"Pool hires {tag}" in g.text)
    [listed] = [g for g in api(stack, "GET", "/goals")["items"] if g["name"] == f"Pool hires {tag}"]
    bar = goal.find_element(By.TAG_NAME, "progress")
    assert round(float(bar.get_attribute("value"))) == round(listed["progress"]["progress"] * 100)
    assert goal.get_attribute("data-status") == listed["progress"]["status"]

    for testid in ("chart-hiring-funnel", "chart-source-of-hire", "chart-time-to-fill", "chart-offer-acceptance"):
        svg = page.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"] svg')
        assert svg.get_attribute("role") == "img" and svg.find_element(By.TAG_NAME, "title").get_attribute(
            "textContent"), testid
        assert svg.size["width"] > 200, testid  # drawn to its box
    funnel = page.find_element(By.CSS_SELECTOR, '[data-testid="chart-hiring-funnel"]')
    assert funnel.find_element(By.TAG_NAME, "desc").get_attribute("textContent") == (
        "Applications 2, Offers decided 2, Offers accepted 1, Hires 2")
    numbers = funnel.find_element(By.TAG_NAME, "summary")
    assert not funnel.find_element(By.TAG_NAME, "table").is_displayed()
    page.execute_script("arguments[0].focus()", numbers)
    numbers.send_keys(Keys.ENTER)  # the keyboard opens the numbers
    wait(page, lambda d: funnel.find_element(By.TAG_NAME, "table").is_displayed())
    assert "Offers accepted" in funnel.find_element(By.TAG_NAME, "table").text
    shots(page, "overview-period")


def test_a_wrong_period_is_said_at_the_form(stack, page):
    sign_in(page, stack, path="/dashboard")
    on_page(page, "Overview")
    field(page, "From (UTC)").send_keys("06012024")
    field(page, "To (UTC)").send_keys("05012024")
    button(page, "Show").click()
    wait(page, lambda d: "on or before the end date" in text(d))
    assert field(page, "From (UTC)").get_attribute("aria-invalid") == "true"
    assert "That period cannot be shown" in text(page)
    shots(page, "overview-wrong-period")
