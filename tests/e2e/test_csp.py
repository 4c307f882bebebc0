"""The pages' Content-Security-Policy in a real Chromium: nothing a page needs is blocked.

Chromium reports every blocked script, style or image as a `securitypolicyviolation` event; a script
installed through the DevTools protocol (not subject to the page's policy) records them before the
page's own code runs.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from .support import API_KEY, http, save_screenshot, unique_email

WAIT = 15
RECORDER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push([e.effectiveDirective, e.blockedURI, e.sample, e.sourceFile + ':' + e.lineNumber].join(' | '));
}, true);
"""


@pytest.fixture
def watched(page):
    """The shared browser, recording CSP violations on every page it opens."""
    script = page.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORDER})
    try:
        yield page
    finally:
        page.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script["identifier"]})


def violations(driver) -> list[str]:
    return driver.execute_script("return window.__csp || ['recorder missing'];")


def test_public_pages_render_styled_with_no_violation(stack, watched):
    for path in ("/careers", "/careers/thanks", "/signups/confirm?token=not-a-token"):
        response = http("GET", stack.url + path)
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path
        watched.get(stack.url + path)
        main = WebDriverWait(watched, WAIT).until(lambda d: d.find_element(By.TAG_NAME, "main"))
        # the inline <style> applied (allowed by its hash): main's background is white, the page's grey
        assert watched.execute_script("return getComputedStyle(document.body).backgroundColor") == "rgb(245, 247, 250)"
        assert main.value_of_css_property("max-width") != "none", path
        assert violations(watched) == [], path

    watched.get(stack.url + "/careers")
    watched.find_element(By.ID, "email").send_keys(unique_email("csp"))
    watched.find_element(By.CSS_SELECTOR, 'input[name="consent"]').click()
    watched.find_element(By.CSS_SELECTOR, 'form button[type="submit"]').click()
    WebDriverWait(watched, WAIT).until(lambda d: d.current_url.endswith("/careers/thanks"))
    assert violations(watched) == []


def test_dashboard_works_under_the_policy(stack, watched):
    """Goal progress bars size themselves through CSSOM (style.cssText): a style attribute would be blocked."""
    now = datetime.now(timezone.utc)
    goal = {"name": "CSP goal", "metric": "hires_from_pools", "target": 4,
            "period": {"from": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                       "to": (now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")}}
    created = http("POST", stack.url + "/goals", data=json.dumps(goal).encode(), headers={
        "Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"})
    assert created.status == 201, created.text

    watched.get(stack.url + "/dashboard/classic#/overview")
    WebDriverWait(watched, WAIT).until(lambda d: d.find_element(By.CSS_SELECTOR, "#api-key-option summary")).click()
    watched.find_element(By.ID, "api-key").send_keys(API_KEY + "\n")
    WebDriverWait(watched, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="goal"]'))
    for route in ("#/campaigns", "#/pools", "#/candidates?" + urlencode({"skill": "python"}), "#/overview"):
        watched.get(stack.url + "/dashboard/classic" + route)
        WebDriverWait(watched, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#view .view h1"))
    WebDriverWait(watched, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="goal"]'))
    save_screenshot(watched, "csp-dashboard-overview")
    widths = watched.execute_script(
        "return Array.from(document.querySelectorAll('.progress-fill'), e => e.style.width)")
    assert widths and all(width.endswith("%") for width in widths), widths  # the inline size was applied
    found = violations(watched)
    assert found == [], "\n".join(found)
