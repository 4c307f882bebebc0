"""Retention in a real browser, on a stack of its own (its clock moves two years: the shared stack's people must not
age with it): the month's report on the Retention page, a sourced person kept with a reason there, the local clock
moved past retention, the daily job run (POST /dev/tick): the re-permission emails in the outbox, one answered by its
"Keep me in the talent community" link, one "Remove me", one unanswered and erased; the person not kept is erased.
Screenshots at 1280 and 390 px."""
import json
import re
from datetime import datetime

import pytest
from selenium.webdriver.common.by import By

from .support import http, unique_email
from .workspace import api, button, field, heading, link, on_page, shots, sign_in, subscriber, text, wait

SUBJECT = "Do you still want to hear from Talent CRM?"


@pytest.fixture(scope="module")
def own_stack(stack_factory):
    return stack_factory("retention")


def clock(stack, payload) -> datetime:
    answer = http("POST", stack.url + "/dev/clock", headers={"Content-Type": "application/json"},
                  data=json.dumps(payload).encode())
    assert answer.status == 200, answer.text
    return datetime.fromisoformat(answer.json()["now"].replace("Z", "+00:00"))


def links_of(message: dict) -> dict:
    from tests.app.helpers import text_part

    words = text_part(message["raw"]).split()
    return {answer: next(w for w in words if f"/retention/{answer}?token=" in w) for answer in ("keep", "remove")}


def exists(stack, candidate_id) -> bool:
    return api(stack, "GET", f"/candidates/{candidate_id}", expect=(200, 404)).get("id") == candidate_id


def test_retention_report_keep_repermission_and_erasure(own_stack, page):
    stack = own_stack
    ada, bob, lea = subscriber(stack, first_name="Ada"), subscriber(stack), subscriber(stack)
    kim = api(stack, "POST", "/candidates", {"email": unique_email("kim"), "first_name": "Kim"})
    sam = api(stack, "POST", "/candidates", {"email": unique_email("sam"), "first_name": "Sam"})
    try:
        now = clock(stack, {"advance": "P23M"})
        next_month = f"{now.year + (now.month == 12)}-{now.month % 12 + 1:02d}"

        sign_in(page, stack)
        link(page, "Retention").click()
        on_page(page, "Retention")
        field(page, "Month").clear()
        field(page, "Month").send_keys(next_month)
        button(page, "Show").click()
        wait(page, lambda d: kim["email"] in text(d) and f"month={next_month}" in d.current_url)
        assert "Erasures due in " + next_month in text(page) and sam["email"] in text(page)
        assert ada["email"] in text(page)  # her re-permission email is due
        shots(page, "retention")

        button(page, "Keep").click()  # without a reason: the problem beside the field, nothing kept
        wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, ".field-error"))
        assert api(stack, "GET", f"/candidates/{kim['id']}/retention")["kept"] is None
        shots(page, "retention-problem")
        field(page, f"Reason to keep {kim['email']}").send_keys("Finalist for the platform team in spring")
        form = field(page, f"Reason to keep {kim['email']}").find_element(By.XPATH, "./ancestor::form")
        form.find_element(By.TAG_NAME, "button").click()
        wait(page, lambda d: "Finalist for the platform team in spring" in text(d))
        assert f"Stop keeping {kim['email']}" in text(page) and "Kept by admin@example.com" in text(page)
        shots(page, "retention-kept")
        kept = api(stack, "GET", f"/candidates/{kim['id']}/retention")["kept"]
        assert kept["reason"] == "Finalist for the platform team in spring" and kept["kept_by"] == "admin@example.com"

        clock(stack, {"advance": "P2M"})  # 25 months without engagement or contact
        stack.tick()
        assert not exists(stack, sam["id"]) and exists(stack, kim["id"])
        emails = {who["email"]: [m for m in stack.outbox() if who["email"] in m["to"] and m["subject"] == SUBJECT]
                  for who in (ada, bob, lea)}
        assert all(len(found) == 1 for found in emails.values()), emails
        stack.tick()  # a second run sends nothing more
        assert len([m for m in stack.outbox() if m["subject"] == SUBJECT]) == 3

        page.get(links_of(emails[ada["email"]][0])["keep"])
        wait(page, lambda d: heading(d) == "Stay in touch?")
        shots(page, "retention-keep-link")
        assert api(stack, "GET", f"/candidates/{ada['id']}")["consent"]["source"] != "repermission"  # only opened
        button(page, "Keep me in the talent community").click()
        wait(page, lambda d: heading(d) == "You're staying")
        consent = api(stack, "GET", f"/candidates/{ada['id']}")["consent"]
        assert consent["source"] == "repermission"

        page.get(links_of(emails[lea["email"]][0])["remove"])
        wait(page, lambda d: heading(d) == "Remove me")
        shots(page, "retention-remove")
        assert exists(stack, lea["id"])  # opening the link erases nothing
        button(page, "Remove me").click()
        wait(page, lambda d: heading(d) == "You have been removed")
        assert not exists(stack, lea["id"])

        clock(stack, {"advance": "P31D"})
        stack.tick()
        assert not exists(stack, bob["id"])  # did not answer
        assert exists(stack, ada["id"]) and exists(stack, kim["id"])
        timeline = api(stack, "GET", f"/candidates/{ada['id']}/timeline")["items"]
        assert any(e["kind"] == "consent" and e["data"].get("source") == "repermission" for e in timeline)
        assert re.search(r"\d{4}-\d{2}", next_month)
    finally:
        clock(stack, {"reset": True})
