"""Goals and costs in the workspace, in a real browser on a real local stack: a cost and a goal set on their forms
by the visible names, the progress bar and the figures with their currency; checked against the API.
Screenshots of every goals page at 1280 and 390 px (build/workspace-goals-*.png)."""
from __future__ import annotations

import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from .workspace import api, button, field, link, on_page, shots, sign_in, text, wait


def test_a_cost_and_a_goal_from_their_forms_with_progress_and_currency(stack, page):
    tag = uuid.uuid4().hex[:8]
    sign_in(page, stack)
    link(page, "Goals").click()
    on_page(page, "Goals and costs")
    link(page, "Add cost").click()
    on_page(page, "Add a cost")
    shots(page, "goals-cost-new")
    field(page, "Source").send_keys(f"agency_{tag}")
    field(page, "Amount").send_keys("1500")
    Select(field(page, "Currency")).select_by_visible_text("EUR")
    button(page, "Save cost").click()
    on_page(page, "Goals and costs")
    [cost] = [c for c in api(stack, "GET", "/costs")["items"] if c["source"] == f"agency_{tag}"]
    assert cost["amount"] == 1500 and cost["currency"] == "EUR"
    assert "1,500.00 EUR" in text(page)

    link(page, "New goal").click()
    on_page(page, "New goal")
    button(page, "Save goal").click()  # nothing typed: each problem beside its field
    wait(page, lambda d: "The goal was not saved" in text(d))
    assert field(page, "Target").get_attribute("aria-invalid") == "true"
    assert field(page, "Deadline").get_attribute("aria-invalid") == "true"
    shots(page, "goals-new-errors")

    field(page, "Name").send_keys(f"Cheaper hires {tag}")
    Select(field(page, "Metric")).select_by_visible_text("Cost per hire")
    field(page, "Target").send_keys("2000")
    Select(field(page, "Currency")).select_by_visible_text("EUR")
    field(page, "Deadline").send_keys("12312099")  # a date field, typed month, day, year (en-US)
    shots(page, "goals-new")
    button(page, "Save goal").click()
    on_page(page, "Goals and costs")
    [goal] = [g for g in api(stack, "GET", "/goals")["items"] if g["name"] == f"Cheaper hires {tag}"]
    assert goal["metric"] == "cost_per_hire" and goal["target"] == 2000 and goal["currency"] == "EUR"
    assert goal["period"]["to"] == "2099-12-31T23:59:59.000Z"

    card = next(li for li in page.find_elements(By.CSS_SELECTOR, ".goal")
                if f"Cheaper hires {tag}" in li.text)
    bar = card.find_element(By.TAG_NAME, "progress")
    assert bar.get_attribute("max") == "100"
    assert round(float(bar.get_attribute("value"))) == round(goal["progress"]["progress"] * 100)
    assert "target 2,000.00 EUR or less" in card.text
    overview = api(stack, "GET", "/analytics/overview")
    assert overview["cost_per_hire"]["all"]["currency"] == overview["currency"]
    shown = text(page)
    assert "Cost per hire" in shown and f"{overview['cost_per_hire']['all']['cost']:,.2f} {overview['currency']}" in shown
    shots(page, "goals-list")
