"""The candidates list in a real browser on a real local stack, by the contract's names: "Skill" applied with Enter,
the other filters, a column sorted both ways, paging forward and back, a person's email opening their profile,
people ticked and added to a static pool (checked against the API), keyboard only for the filters. Screenshots of
the list at 1280 and 390 px (build/workspace-candidates*-*.png)."""
from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlparse

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from .workspace import api, button, field, heading, link, shots, sign_in, text, wait


def listed(page) -> list[str]:
    """The addresses on the list, in order (each links to the person's profile)."""
    for _ in range(20):
        try:
            return [a.text for a in page.find_elements(By.CSS_SELECTOR, "table.people tbody td a")]
        except StaleElementReferenceException:
            continue
    raise AssertionError("the list kept changing")


def query(page) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(page.current_url).query).items()}


def test_browse_filter_sort_page_and_add_to_a_pool(stack, page):
    token = uuid.uuid4().hex[:8]
    skill = f"skill{token}"
    names = [("Ada", "Lovelace", "GB", True), ("Grace", "Hopper", "US", False), ("Alan", "Turing", "GB", True),
             ("Edsger", "Dijkstra", "NL", False), ("Barbara", "Liskov", "US", True)]
    people = [api(stack, "POST", "/candidates", {
        "email": f"{first.lower()}.{token}@example.com", "first_name": first, "last_name": last, "country": country,
        "remote_ok": remote, "skills": [skill, "python"] if remote else [skill], "tags": [f"tag{token}"]})
        for first, last, country, remote in names]
    by_first = {p["first_name"]: p for p in people}
    pool = api(stack, "POST", "/pools", {"name": f"Shortlist {token}", "kind": "static"})

    sign_in(page, stack, path="/dashboard/candidates")
    wait(page, lambda d: heading(d) == "Candidates")
    assert link(page, "Import CSV").get_attribute("class").split()[0] == "button"
    shots(page, "candidates")

    # "Skill", Enter applies it (keyboard only: focus the field, type, Enter)
    skill_field = field(page, "Skill")
    skill_field.click()
    skill_field.send_keys(skill.upper() + Keys.ENTER)
    wait(page, lambda d: query(d).get("skill") == skill.upper() and len(listed(d)) == 5, "Enter applied the skill")
    assert "5 people on this page" in text(page)
    assert listed(page)[0] == f"barbara.{token}@example.com"  # newest first

    # sorted by name, then the other way round
    link(page, "Name").click()
    wait(page, lambda d: query(d).get("sort") == "name")
    assert listed(page) == [f"{first.lower()}.{token}@example.com" for first in
                            ("Ada", "Alan", "Barbara", "Edsger", "Grace")]
    link(page, "Name").click()
    wait(page, lambda d: query(d).get("sort") == "-name")
    assert listed(page)[0] == f"grace.{token}@example.com"

    # more filters at once: country and remote (selects), applied with the button
    field(page, "Country").send_keys("gb")
    Select(field(page, "Remote")).select_by_visible_text("Yes")
    button(page, "Apply filters").click()
    wait(page, lambda d: query(d).get("country") == "gb" and len(listed(d)) == 2)
    assert set(listed(page)) == {f"ada.{token}@example.com", f"alan.{token}@example.com"}
    assert query(page)["sort"] == "-name"  # the order is kept while filtering
    shots(page, "candidates-filtered")
    Select(field(page, "Sort by")).select_by_visible_text("Name, A to Z")  # the order on a phone (no headers)
    button(page, "Apply filters").click()
    wait(page, lambda d: query(d).get("sort") == "name" and listed(d)[0] == f"ada.{token}@example.com")

    # paging: two a page, forward to the end and back again
    page.get(stack.url + f"/dashboard/candidates?skill={skill}&sort=name&limit=2")
    wait(page, lambda d: len(listed(d)) == 2)
    first_page = listed(page)
    link(page, "Next page").click()
    wait(page, lambda d: listed(d) and listed(d) != first_page)
    second_page = listed(page)
    link(page, "Next page").click()
    wait(page, lambda d: listed(d) == [f"grace.{token}@example.com"])
    link(page, "Previous page").click()
    wait(page, lambda d: listed(d) == second_page)
    link(page, "Previous page").click()
    wait(page, lambda d: listed(d) == first_page)
    assert first_page + second_page == [f"{n.lower()}.{token}@example.com" for n in ("Ada", "Alan", "Barbara",
                                                                                       "Edsger")]

    # tick two people by their names, choose the static pool, "Add to pool"
    page.get(stack.url + f"/dashboard/candidates?tag=tag{token}&sort=name")
    wait(page, lambda d: len(listed(d)) == 5)
    for name in ("Ada Lovelace", "Edsger Dijkstra"):
        label = next(lab for lab in page.find_elements(By.TAG_NAME, "label") if lab.text.strip() == name)
        label.click()
        assert page.find_element(By.ID, label.get_attribute("for")).is_selected()
    Select(field(page, "Static pool")).select_by_visible_text(f"Shortlist {token}")
    button(page, "Add to pool").click()
    wait(page, lambda d: "Added 2 people to" in text(d), "the list says what was added")
    assert query(page).get("tag") == f"tag{token}" and query(page).get("sort") == "name"  # back on the same list
    shots(page, "candidates-added")
    members = api(stack, "GET", f"/pools/{pool['id']}/members")["items"]
    assert {m["id"] for m in members} == {by_first["Ada"]["id"], by_first["Edsger"]["id"]}

    # the pool as a filter; nobody matching says so
    Select(field(page, "Pool")).select_by_visible_text(f"Shortlist {token}")
    button(page, "Apply filters").click()
    wait(page, lambda d: query(d).get("pool") == pool["id"] and len(listed(d)) == 2)
    page.get(stack.url + f"/dashboard/candidates?skill={skill}&last_contact=7d")
    wait(page, lambda d: "Nobody matches these filters" in text(d))

    # each email opens the person's profile
    page.get(stack.url + f"/dashboard/candidates?skill={skill}")
    link(page, f"ada.{token}@example.com").click()
    wait(page, lambda d: d.current_url.endswith(f"/dashboard/candidates/{by_first['Ada']['id']}"))
