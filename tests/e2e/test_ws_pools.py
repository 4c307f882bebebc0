"""Pools in the workspace, in a real browser on a real local stack, by the contract's names: a rule-based pool built
with the rule builder (a nested group, the live count and sample as the rules change, keyboard only for a row),
saved, read back in words, edited; a static pool's members removed; a pool deleted. Checked against the API.
Screenshots of every pools page at 1280 and 390 px (build/workspace-pool*-*.png)."""
from __future__ import annotations

import re
import time
import uuid

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from .workspace import api, button, field, link, on_page, shots, sign_in, text, wait


def controls(page, name: str) -> list:
    """Every visible control labelled `name`, in page order (the builder has a "Field" per row); while htmx swaps
    the builder in, read again."""
    for _ in range(20):
        try:
            return [page.find_element(By.ID, label.get_attribute("for"))
                    for label in page.find_elements(By.TAG_NAME, "label")
                    if label.is_displayed() and " ".join(label.text.split()) == name and label.get_attribute("for")]
        except StaleElementReferenceException:
            time.sleep(0.1)
    raise AssertionError(f"the controls labelled {name!r} kept changing")


def nth(page, name: str, index: int):
    """The `index`th control labelled `name`, waited for (the builder is drawn again after each change)."""
    def find(driver):
        try:
            found = controls(driver, name)
            return found[index] if len(found) > index else None
        except StaleElementReferenceException:
            return None
    return wait(page, find, f"no {index + 1}th field labelled {name!r}")


def buttons(page, name: str) -> list:
    return [b for b in page.find_elements(By.TAG_NAME, "button") if b.is_displayed() and b.text.strip() == name]


def choose(page, name: str, index: int, visible_text: str) -> None:
    """Picks an option, then waits for the builder drawn again with it (htmx swaps the rules area)."""
    Select(nth(page, name, index)).select_by_visible_text(visible_text)

    def redrawn(driver):
        try:
            return Select(nth(driver, name, index)).first_selected_option.text == visible_text
        except StaleElementReferenceException:
            return False
    wait(page, redrawn, f"{name} {index + 1} did not become {visible_text!r}")
    time.sleep(0.3)  # the swap settles (htmx keeps the old nodes for a moment)


def matching(page, expected: str) -> None:
    wait(page, lambda d: expected in text(d), f"the live count never said {expected!r}")


@pytest.fixture(scope="module")
def own_stack(stack_factory):
    """A stack of its own: the live count is exact only on a table of at most 250 people (a bigger one is counted
    from a sample, and the shared stack holds every other test's people)."""
    return stack_factory("pools")


def test_a_rule_based_pool_built_counted_saved_read_back_and_edited(own_stack, page):
    stack = own_stack
    tag = uuid.uuid4().hex[:8]
    skill = f"e2e-{tag}"
    ada = api(stack, "POST", "/candidates", {"email": f"ada-{tag}@example.com", "first_name": "Ada",
                                             "skills": [skill], "city": "Berlin"})
    bob = api(stack, "POST", "/candidates", {"email": f"bob-{tag}@example.com", "skills": [skill, "go"],
                                             "city": "London", "remote_ok": True})
    api(stack, "POST", "/candidates", {"email": f"cy-{tag}@example.com", "skills": [skill], "city": "Paris",
                                       "remote_ok": False})

    sign_in(page, stack, path="/dashboard/pools")
    on_page(page, "Pools")
    shots(page, "pools")
    button(page, "New pool").click()
    on_page(page, "New pool")
    field(page, "Name").send_keys(f"Berlin or remote {tag}")
    assert Select(field(page, "Field")).first_selected_option.text == "Skills"
    field(page, "Value").send_keys(skill)
    matching(page, "3 people match")

    button(page, "Add group").click()
    nth(page, "Field", 1)
    choose(page, "Field", 1, "City")
    assert Select(nth(page, "Operator", 1)).first_selected_option.text == "is"
    nth(page, "Value", 1).send_keys("Berlin")
    matching(page, "1 person matches")
    assert f"/dashboard/candidates/{ada['id']}" in page.find_element(By.ID, "pool-count").get_attribute("innerHTML")

    # the group's own "Add condition", by keyboard: focus it, press Enter; the new row's Field takes the focus
    buttons(page, "Add condition")[0].send_keys(Keys.ENTER)
    wait(page, lambda d: len(controls(d, "Field")) == 3)
    wait(page, lambda d: d.switch_to.active_element.get_attribute("id") == nth(d, "Field", 2).get_attribute("id"),
         "the new row's Field has the focus")
    choose(page, "Field", 2, "Remote")  # is yes: the first answer
    matching(page, "2 people match")
    sample = page.find_element(By.ID, "pool-count").text
    assert "Ada" in sample and f"bob-{tag}@example.com" in sample and f"cy-{tag}" not in sample

    # a row added and removed again changes nothing
    buttons(page, "Add condition")[-1].click()
    wait(page, lambda d: len(controls(d, "Field")) == 4)
    buttons(page, "Remove")[-1].click()
    wait(page, lambda d: len(controls(d, "Field")) == 3)
    matching(page, "2 people match")
    shots(page, "pool-new")

    button(page, "Save pool").click()
    on_page(page, f"Berlin or remote {tag}")
    words = f"skills include {skill} AND (city is Berlin OR remote is yes)"
    assert words in text(page)
    wait(page, lambda d: "ready" in d.find_element(By.ID, "pool-status").text and "2 people" in text(d),
         "the pool is counted and the page loads again", timeout=30)
    assert f"ada-{tag}@example.com" in text(page) and f"bob-{tag}@example.com" in text(page)
    wait(page, lambda d: "Radio silence" in text(d), "the pool's figures load")
    pool_id = page.current_url.rstrip("/").rsplit("/", 1)[1]
    saved = api(stack, "GET", f"/pools/{pool_id}")
    assert saved["rules"] == {"all": [{"field": "skills", "op": "contains_any", "value": [skill]},
                                      {"any": [{"field": "city", "op": "eq", "value": "Berlin"},
                                               {"field": "remote_ok", "op": "eq", "value": True}]}]}
    assert saved["size"] == 2 and saved["status"] == "ready"
    shots(page, "pool")

    link(page, "Edit pool").click()
    on_page(page, f"Edit Berlin or remote {tag}")
    assert nth(page, "Value", 0).get_attribute("value") == skill
    assert nth(page, "Value", 1).get_attribute("value") == "Berlin"
    matching(page, "2 people match")
    value = nth(page, "Value", 1)
    value.clear()
    value.send_keys("London")
    matching(page, "1 person matches")  # bob: in London and open to remote
    shots(page, "pool-edit")
    button(page, "Save pool").click()
    on_page(page, f"Berlin or remote {tag}")
    assert f"skills include {skill} AND (city is London OR remote is yes)" in text(page)
    edited = api(stack, "GET", f"/pools/{pool_id}")
    assert edited["rules"]["all"][1]["any"][0]["value"] == "London" and edited["generation"] == 2
    assert bob["id"]


def test_a_static_pool_its_members_and_deleting_it(stack, page):
    tag = uuid.uuid4().hex[:8]
    person = api(stack, "POST", "/candidates", {"email": f"sam-{tag}@example.com", "first_name": "Sam"})
    sign_in(page, stack, path="/dashboard/pools/new")
    on_page(page, "New pool")
    button(page, "Save pool").click()  # no name: the form again, the problem beside the field
    wait(page, lambda d: "The pool was not saved" in text(d))
    assert field(page, "Name").get_attribute("aria-invalid") == "true"
    shots(page, "pool-new-errors")
    field(page, "Name").send_keys(f"Shortlist {tag}")
    field(page, "Static").click()
    wait(page, lambda d: not controls(d, "Field"), "a static pool has no rules")
    button(page, "Save pool").click()
    on_page(page, f"Shortlist {tag}")
    pool_id = page.current_url.rstrip("/").rsplit("/", 1)[1]
    assert api(stack, "GET", f"/pools/{pool_id}")["kind"] == "static"
    assert link(page, "Add people from the candidates page").get_attribute("href").endswith("/dashboard/candidates")

    api(stack, "POST", f"/pools/{pool_id}/members", {"candidate_ids": [person["id"]]})
    page.refresh()
    wait(page, lambda d: f"sam-{tag}@example.com" in text(d))
    shots(page, "pool-static")
    button(page, "Remove").click()
    on_page(page, f"Shortlist {tag}")
    wait(page, lambda d: "Nobody is in this pool yet" in text(d))
    assert api(stack, "GET", f"/pools/{pool_id}/members")["items"] == []

    link(page, "Delete pool").click()
    on_page(page, f"Delete Shortlist {tag}?")
    shots(page, "pool-delete")
    button(page, "Delete pool").click()
    on_page(page, "Pools")
    api(stack, "GET", f"/pools/{pool_id}", expect=(404,))
    assert re.search(r"\bShortlist " + tag, text(page)) is None
    assert api(stack, "GET", f"/candidates/{person['id']}")["email"] == f"sam-{tag}@example.com"
