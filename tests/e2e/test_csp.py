"""The pages' Content-Security-Policy in a real Chromium: nothing a page needs is blocked.

Chromium reports every blocked script, style or image as a `securitypolicyviolation` event; a script
installed through the DevTools protocol (not subject to the page's policy) records them before the
page's own code runs.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from .support import API_KEY, http, save_screenshot, unique_email
from .workspace import sign_in

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


WORKSPACE_PAGES = ("/dashboard", "/dashboard/candidates", "/dashboard/import", "/dashboard/pools",
                   "/dashboard/pools/new", "/dashboard/templates", "/dashboard/templates/new", "/dashboard/campaigns",
                   "/dashboard/campaigns/new", "/dashboard/jobs", "/dashboard/goals", "/dashboard/team", "/dev/outbox")


def test_every_workspace_page_works_under_the_policy(stack, watched):
    """The pages, htmx and the charts run under `script-src 'self'` with no inline style attribute: every page
    loads styled, htmx starts, and Chromium reports no violation."""
    now = datetime.now(timezone.utc)
    goal = {"name": "CSP goal", "metric": "hires_from_pools", "target": 4,
            "period": {"from": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                       "to": (now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")}}
    created = http("POST", stack.url + "/goals", data=json.dumps(goal).encode(), headers={
        "Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"})
    assert created.status == 201, created.text
    sign_in(watched, stack)
    for path in WORKSPACE_PAGES:
        watched.get(stack.url + path)
        WebDriverWait(watched, WAIT).until(lambda d: d.find_elements(By.TAG_NAME, "h1"))
        assert "Content-Security-Policy" in http("GET", stack.url + path, headers={
            "Authorization": f"Bearer {API_KEY}"}).headers, path
        if path.startswith("/dashboard"):
            WebDriverWait(watched, WAIT).until(lambda d: d.execute_script("return !!window.htmx"), path)
            assert watched.execute_script("return getComputedStyle(document.querySelector('.topbar')).backgroundColor") \
                == "rgb(16, 42, 67)", path  # the stylesheet applied
        found = violations(watched)
        assert found == [], f"{path}:\n" + "\n".join(found)
    save_screenshot(watched, "csp-workspace-last-page")
