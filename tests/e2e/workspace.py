"""Driving the workspace (/dashboard) as a person does: by the accessible names the contract lists (visible
labels, button and link text), never by ids or classes; and screenshots of every page at 1280 and 390 px.

    from tests.e2e.workspace import sign_in, field, button, link, shots

And what the workspace's tests share beside the browser: the JSON API as the admin's key, a confirmed subscriber,
a signed ATS event, an email waited for in the outbox.
"""
from __future__ import annotations

import json
import time

from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException, TimeoutException,
                                        WebDriverException)
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from .support import ADMIN_EMAIL, ADMIN_PASSWORD, API_KEY, confirm_link, http, save_screenshot, unique_email

WAIT = 15
WIDTHS = (1280, 390)


def sign_in(driver, stack, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD, path: str = "/dashboard") -> None:
    """Opens `path`; signs in on the sign-in page it leads to; waits for the page's heading."""
    driver.get(stack.url + path)
    wait(driver, lambda d: d.find_elements(By.TAG_NAME, "h1"))
    if heading(driver) == "Sign in":
        field(driver, "Email").clear()
        field(driver, "Email").send_keys(email)
        field(driver, "Password").send_keys(password)
        button(driver, "Sign in").click()
        wait(driver, lambda d: heading(d) != "Sign in", f"signing in as {email} failed")


def _replaced(error: WebDriverException) -> bool:
    """Chromedriver's other word for a stale element: the node went with the page being replaced."""
    return "does not belong to the document" in str(error)


def wait(driver, condition, message: str = "", timeout: float = WAIT):
    def looked(d):
        try:
            return condition(d)
        except WebDriverException as error:
            if _replaced(error):
                return False  # look again
            raise

    try:
        # a page being replaced (a navigation, an htmx swap) makes elements stale: look again
        return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,
                                                                  NoSuchElementException)).until(looked)
    except TimeoutException:
        body = driver.find_element(By.TAG_NAME, "body").text[:1500]
        raise AssertionError(f"{message or 'timed out'}; the page says:\n{body}") from None


def heading(driver) -> str:
    try:
        found = driver.find_elements(By.TAG_NAME, "h1")
        return found[0].text.strip() if found else ""
    except StaleElementReferenceException:  # the page is being replaced
        return ""


def on_page(driver, title: str) -> None:
    """Waits for the page headed `title` (a page being replaced reads as not yet)."""
    wait(driver, lambda d: heading(d) == title, f"no page headed {title!r}")


def field(driver, name: str):
    """The visible form control labelled `name` (a <label for> or a wrapping <label>)."""
    def find(d):
        for label in d.find_elements(By.TAG_NAME, "label"):
            if label.is_displayed() and " ".join(label.text.split()) == name:
                target = label.get_attribute("for")
                if target:
                    return d.find_element(By.ID, target)
                inner = label.find_elements(By.CSS_SELECTOR, "input, select, textarea")
                if inner:
                    return inner[0]
        return None
    return wait(driver, find, f"no field labelled {name!r}")


def button(driver, name: str):
    return wait(driver, lambda d: next((b for b in d.find_elements(By.CSS_SELECTOR, "button, input[type=submit]")
                                        if b.is_displayed() and " ".join((b.text or b.get_attribute("value") or "")
                                                                         .split()) == name), None),
                f"no button {name!r}")


def link(driver, name: str):
    return wait(driver, lambda d: next((a for a in d.find_elements(By.TAG_NAME, "a")
                                        if a.is_displayed() and " ".join(a.text.split()) == name), None),
                f"no link {name!r}")


def text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "main").text


def shots(driver, name: str) -> None:
    """build/workspace-<name>-1280.png and -390.png: the page as a desktop and a phone show it, whole."""
    size = driver.get_window_size()
    for width in WIDTHS:
        driver.set_window_size(width, 900)
        height = driver.execute_script("return Math.min(document.documentElement.scrollHeight, 4000)")
        driver.set_window_size(width, max(900, height))
        scroll = driver.execute_script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert scroll[0] <= scroll[1] + 1, f"{name} at {width}px scrolls sideways: {scroll}"
        save_screenshot(driver, f"workspace-{name}-{width}")
    driver.set_window_size(size["width"], size["height"])


# ---------------------------------------------------------------- the stack beside the browser

def api(stack, method: str, path: str, body=None, expect=(200, 201)):
    """The JSON API as the stack's admin key: the answer's body, once its status is one of `expect`."""
    headers = {"Authorization": f"Bearer {API_KEY}", "Accept": "application/json"}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    result = http(method, stack.url + path, headers=headers, data=data, timeout=30)
    assert result.status in expect, f"{method} {path}: HTTP {result.status}: {result.text[:800]}"
    return result.json()


def subscriber(stack, **fields) -> dict:
    """A person who signed up as the careers page does and followed the confirmation link: marketing email may go
    to them."""
    address = unique_email("sub")
    answer = http("POST", stack.url + "/signups", headers={"Content-Type": "application/json"},
                  data=json.dumps({"email": address, "consent": True, **fields}).encode())
    assert answer.status == 202, answer.text
    assert http("GET", confirm_link(stack.wait_for_email(address), stack.url)).status == 200
    [person] = stack.candidates_with_email(address)
    return person


def ats(stack, event: dict) -> None:
    """An ATS event, signed with the stack's secret as the ATS signs it."""
    from chalicelib.domain.ats import signature

    secret = json.loads((stack.data_dir / "secrets.json").read_text())["CRM_ATS_SECRET"]
    raw = json.dumps(event).encode()
    stamp = int(time.time())
    answer = http("POST", stack.url + "/webhooks/ats", data=raw, headers={
        "Content-Type": "application/json", "X-CRM-Signature": f"t={stamp},v1={signature(secret, stamp, raw)}"})
    assert answer.status == 200, answer.text


def email_with_subject(stack, to: str, subject: str, timeout: float = 30.0) -> dict:
    """The email to `to` with `subject`, running the workers (POST /dev/tick) until it is in the outbox."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in stack.outbox() if to in m["to"] and m["subject"] == subject]
        if found:
            return found[0]
        assert time.monotonic() < deadline, f"no email {subject!r} to {to}: {[m['subject'] for m in stack.outbox()]}"
        stack.tick()
        time.sleep(0.3)
