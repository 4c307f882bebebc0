"""A person joins the talent community from the careers page, in a real browser, end to end:
careers page -> form -> thanks page -> confirmation email (queue worker, emulated SES) -> confirm link
-> "You're in" -> a recruiter finds them, subscribed, with normalized skills.
"""
from __future__ import annotations

import json
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from .support import (
    confirm_in_browser,
    confirm_link,
    fill_signup_form,
    navigation_status,
    open_careers_page,
    save_screenshot,
    sign_up_in_browser,
    submit_signup_form,
    unique_email,
)


def test_sign_up_confirm_and_recruiter_finds_the_candidate(stack, page):
    address = unique_email("careers")

    sign_up_in_browser(page, stack, address, screenshot="e2e-careers", thanks_screenshot="e2e-thanks")

    message = stack.wait_for_email(address, timeout=15)
    link = confirm_link(message, stack.url)
    confirm_in_browser(page, link, screenshot="e2e-confirmed")

    found = stack.candidates_with_email(address)
    assert len(found) == 1, found
    candidate = found[0]
    assert candidate["status"] == "subscribed", candidate
    assert candidate["skills"] == ["python", "kubernetes"], candidate
    assert candidate["first_name"] == "Ada", candidate
    assert candidate["source"] == "careers_page", candidate
    assert candidate["confirmed_at"], candidate


def test_the_browser_will_not_send_the_form_without_consent(stack, page):
    address = unique_email("no-consent")
    open_careers_page(page, stack)
    fill_signup_form(page, address=address, consent=False)
    page.execute_script("window.__stillHere = true;")  # gone if the browser navigates (submits)
    posts_before = stack.requests_logged("POST /signups")

    submit_signup_form(page)
    time.sleep(1.5)  # a submission would have navigated away and reached the server by now

    assert page.execute_script("return window.__stillHere === true;"), \
        f"the form was submitted without consent; the browser is at {page.current_url}"
    assert stack.requests_logged("POST /signups") == posts_before, "a sign-up reached the server"
    assert page.current_url == stack.url + "/careers"
    consent = page.find_element(By.ID, "consent")
    assert page.execute_script("return arguments[0].validity.valueMissing;", consent)
    assert page.execute_script("return document.activeElement === arguments[0];", consent), \
        "the browser should point the person at the consent box"
    stack.tick()
    assert stack.candidates_with_email(address) == []
    assert not [m for m in stack.outbox() if address in m["to"]]


def test_the_server_refuses_a_sign_up_without_consent(stack, page):
    """The `required` attribute removed (an old browser, a hand-made form): the server says no."""
    address = unique_email("forced")
    open_careers_page(page, stack)
    fill_signup_form(page, address=address, consent=False)
    page.execute_script("document.getElementById('consent').required = false;")

    submit_signup_form(page)

    WebDriverWait(page, 15).until(lambda d: d.current_url.split("?")[0] == stack.url + "/signups"
                                  and d.execute_script("return document.readyState") == "complete")
    assert navigation_status(page) == 400
    save_screenshot(page, "e2e-no-consent-error")
    kind = page.execute_script("return document.contentType;")
    if kind == "application/json":  # the API's error format, naming the field
        body = page.execute_script("return (document.querySelector('pre') || document.body).textContent;")
        error = json.loads(body)["error"]
        assert "consent" in error.get("fields", {}), error
    else:  # a page for people (what a plain HTML form deserves) must still say what was wrong
        assert kind == "text/html", kind
        assert "consent" in page.find_element(By.TAG_NAME, "body").text.lower()
    stack.tick()
    assert stack.candidates_with_email(address) == []
    assert not [m for m in stack.outbox() if address in m["to"]]
