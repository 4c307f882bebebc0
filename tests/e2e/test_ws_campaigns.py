"""Campaigns in the workspace, in a real browser on a real local stack: the wizard (audience by pool name, two
steps, settings, a review that says who can be emailed and why the others cannot), scheduling, the email in the
outbox, the campaign's page following its status, pause, resume, cancel; a broadcast that reads "Sent" once done;
the warning for an audience nobody can be emailed. Driven by the contract's names, checked against the API.
Screenshots of every campaigns page at 1280 and 390 px (build/workspace-campaigns-*.png)."""
from __future__ import annotations

import json
import time
import uuid

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from .support import unique_email
from .workspace import (api, button, email_with_subject, field, heading, link, on_page, shots, sign_in, subscriber,
                        text, wait)


def signed_in(page, stack) -> None:
    """sign_in, whose wait may read the sign-in page's heading as the next page replaces it (stale): then the
    wait goes on here."""
    try:
        sign_in(page, stack)
    except StaleElementReferenceException:
        def away(driver) -> bool:
            try:
                return heading(driver) not in ("", "Sign in")
            except StaleElementReferenceException:
                return False
        wait(page, away, "signing in failed")


def page_says(page, words: str, timeout: float = 30.0, tick=None) -> None:
    """Waits until the page's main text holds `words` (the page updates itself; `tick` runs the workers)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if words in text(page):
                return
        except StaleElementReferenceException:
            pass
        assert time.monotonic() < deadline, f"the page never said {words!r}; it says:\n{text(page)[:1500]}"
        if tick is not None:
            tick()
        time.sleep(0.5)


def test_a_sequence_from_the_wizard_to_the_outbox_then_paused_resumed_cancelled(stack, page):
    tag = uuid.uuid4().hex[:8]
    ada, bea = subscriber(stack, first_name="Ada"), subscriber(stack, first_name="Bea")
    sourced = api(stack, "POST", "/candidates", {"email": unique_email("sourced"), "first_name": "Sam"})
    pool = api(stack, "POST", "/pools", {"name": f"Spring people {tag}", "kind": "static"})
    api(stack, "POST", f"/pools/{pool['id']}/members", {"candidate_ids": [ada["id"], bea["id"], sourced["id"]]})
    subject = f"Hello from the spring campaign {tag}"
    tmpl = api(stack, "POST", "/templates", {
        "name": f"Spring hello {tag}", "category": "career_advice", "subject": subject,
        "html": "<p>Hello {{ candidate.first_name | default('there') }}</p>"
                "<p><a href=\"https://blog.example.com/spring\">Read the post</a></p>"})

    signed_in(page, stack)
    link(page, "Campaigns").click()
    on_page(page, "Campaigns")
    shots(page, "campaigns-list")
    button(page, "New campaign").click()
    on_page(page, "New campaign")
    button(page, "Next").click()  # nothing chosen: each problem beside its field, nothing made
    page_says(page, "choose at least one pool")
    shots(page, "campaigns-audience-errors")

    name = f"Spring sequence {tag}"
    field(page, "Name").send_keys(name)
    choice = field(page, pool["name"])  # the pool's checkbox, labelled with its name
    choice.send_keys(Keys.SPACE)  # keyboard only: a focused checkbox toggles with Space
    assert choice.is_selected()
    shots(page, "campaigns-audience")
    field(page, "Name").send_keys(Keys.ENTER)  # Enter in a field submits: Next
    on_page(page, "Steps")
    shots(page, "campaigns-steps")

    Select(field(page, "Template")).select_by_visible_text(tmpl["name"])
    button(page, "Add step").click()
    page_says(page, f"Step 1: {tmpl['name']}")
    Select(field(page, "Template")).select_by_visible_text(tmpl["name"])
    field(page, "Delay").send_keys("2 days")
    Select(field(page, "Condition")).select_by_visible_text("Only if the previous email was not opened")
    button(page, "Add step").click()
    page_says(page, f"Step 2: {tmpl['name']}")
    page_says(page, "2 days after step 1")
    shots(page, "campaigns-steps-two")
    button(page, "Next").click()
    on_page(page, "Settings")
    assert Select(field(page, "Category")).first_selected_option.text == "Career advice"  # the template's
    shots(page, "campaigns-settings")
    button(page, "Next").click()

    on_page(page, "Review")
    page_says(page, "3 in audience")
    page_says(page, "2 can be emailed")
    assert "Not subscribed: no marketing consent yet" in text(page)
    shots(page, "campaigns-review")
    campaign_id = page.current_url.rstrip("/").split("/")[-2]
    review = api(stack, "GET", f"/campaigns/{campaign_id}/review")  # the same numbers, from the API
    assert (review["audience"], review["emailable"], review["not_emailable"]) == (3, 2, {"not_subscribed": 1})
    button(page, "Schedule").click()

    on_page(page, name)
    assert api(stack, "GET", f"/campaigns/{campaign_id}")["status"] in ("scheduled", "sending")
    email = email_with_subject(stack, ada["email"], subject)
    assert "Hello Ada" in json.dumps(email) or email["subject"] == subject
    email_with_subject(stack, bea["email"], subject)
    page_says(page, "later steps go as they fall due", tick=stack.tick)  # step 2 waits 2 days: still sending
    assert api(stack, "GET", f"/campaigns/{campaign_id}")["status"] == "sending"
    contacted = api(stack, "GET", f"/candidates/{ada['id']}")
    assert contacted["last_contacted_at"], "a campaign email is a contact"
    page.refresh()
    on_page(page, name)
    for words in ("Step 1", "Step 2", "Not subscribed: no marketing consent yet"):
        assert words in text(page), words
    shots(page, "campaigns-campaign")

    button(page, "Pause").click()
    page_says(page, "Nothing goes until it is resumed")
    assert api(stack, "GET", f"/campaigns/{campaign_id}")["status"] == "paused"
    shots(page, "campaigns-paused")
    button(page, "Resume").click()
    wait(page, lambda d: api(stack, "GET", f"/campaigns/{campaign_id}")["status"] == "sending")
    button(page, "Cancel").click()
    page_says(page, "Cancelled")
    assert api(stack, "GET", f"/campaigns/{campaign_id}")["status"] == "cancelled"
    assert not [b for b in page.find_elements(By.TAG_NAME, "button") if b.text in ("Pause", "Resume", "Cancel")]


def test_a_broadcast_reads_sent_when_done_and_an_unreachable_audience_is_warned_of(stack, page):
    tag = uuid.uuid4().hex[:8]
    cleo = subscriber(stack, first_name="Cleo")
    cold = api(stack, "POST", "/candidates", {"email": unique_email("cold"), "first_name": "Cole"})
    warm_pool = api(stack, "POST", "/pools", {"name": f"Warm {tag}", "kind": "static"})
    cold_pool = api(stack, "POST", "/pools", {"name": f"Cold {tag}", "kind": "static"})
    api(stack, "POST", f"/pools/{warm_pool['id']}/members", {"candidate_ids": [cleo["id"]]})
    api(stack, "POST", f"/pools/{cold_pool['id']}/members", {"candidate_ids": [cold["id"]]})
    subject = f"News {tag}"
    tmpl = api(stack, "POST", "/templates", {"name": f"News {tag}", "category": "company_news", "subject": subject,
                                             "html": "<p>News for {{ candidate.first_name }}</p>"})
    step = [{"template_id": tmpl["id"]}]
    unreachable = api(stack, "POST", "/campaigns", {"name": f"Cold {tag}", "category": "company_news",
                                                    "audience": {"pools": [cold_pool["id"]]}, "steps": step})
    broadcast = api(stack, "POST", "/campaigns", {"name": f"Warm {tag}", "category": "company_news",
                                                  "audience": {"pools": [warm_pool["id"]]}, "steps": step})

    signed_in(page, stack)
    page.get(stack.url + f"/dashboard/campaigns/{unreachable['id']}/review")
    on_page(page, "Review")
    page_says(page, "Nobody in this audience can be emailed")
    assert "1 in audience" in text(page) and "0 can be emailed" in text(page)
    shots(page, "campaigns-review-nobody")

    page.get(stack.url + f"/dashboard/campaigns/{broadcast['id']}/review")
    on_page(page, "Review")
    page_says(page, "1 can be emailed")
    button(page, "Schedule").click()
    on_page(page, broadcast["name"])
    email_with_subject(stack, cleo["email"], subject)
    page_says(page, "every step is done", tick=stack.tick)  # the page follows it to "Sent", truthfully
    assert api(stack, "GET", f"/campaigns/{broadcast['id']}")["status"] == "sent"
    badge = page.find_element(By.CSS_SELECTOR, "#campaign-status .badge")
    assert badge.text == "Sent"
    shots(page, "campaigns-sent")
    link(page, "All campaigns").click()
    on_page(page, "Campaigns")
    assert broadcast["name"] in text(page)
    shots(page, "campaigns-list-filled")
