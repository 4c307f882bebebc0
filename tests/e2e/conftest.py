"""Fixtures for the browser tests: the real local stack (`make run`) and a real headless Chromium.

- `stack_factory(name)`: starts `python -m crmlocal.stack` as `make run` does, on free ports,
  with a fresh temporary CRM_DATA_DIR and a known recruiter key (support.API_KEY). `Stack.restart()`
  stops it with Ctrl-C (SIGINT) and starts it again on the same data. Every stack it started is
  stopped when the session ends (SIGINT, then SIGTERM, then SIGKILL if it hangs).
- `stack`: one stack shared by the tests that do not restart it.
- `browser`: one headless Chromium through Selenium and the system chromedriver; nothing is downloaded.

Run with `make e2e`, which installs Chromium (tests/e2e/install-browser.sh) and Selenium first.
"""
from __future__ import annotations

import os
import shutil

import pytest

try:
    import selenium  # noqa: F401
except ImportError as exc:  # pragma: no cover - a set-up problem, said plainly
    raise ImportError("tests/e2e needs Selenium: pip install -r tests/e2e/requirements.txt "
                      "(or run `make e2e`)") from exc

from .support import BROWSER_FLAGS, BUILD, Stack, which_browser


@pytest.fixture(scope="session")
def stack_factory(tmp_path_factory):
    started: list[Stack] = []

    def make(name: str) -> Stack:
        stack = Stack(name, tmp_path_factory.mktemp(f"crm-data-{name}"))
        started.append(stack)
        return stack.start()

    yield make
    problems = []
    for stack in started:
        try:
            stack.stop()
        except Exception as exc:  # keep stopping the others
            problems.append(repr(exc))
    assert not problems, problems


@pytest.fixture(scope="session")
def stack(stack_factory) -> Stack:
    return stack_factory("shared")


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    browser_path, driver_path = which_browser(), shutil.which("chromedriver")
    if not browser_path or not driver_path:
        pytest.fail("headless Chromium and chromedriver are needed: run `bash tests/e2e/install-browser.sh` "
                    f"(found browser: {browser_path}, chromedriver: {driver_path})", pytrace=False)
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never try to download a browser or a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser_path
    for flag in BROWSER_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    BUILD.mkdir(parents=True, exist_ok=True)
    service = Service(executable_path=driver_path, log_output=str(BUILD / "e2e-chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def page(browser):
    """The shared browser, on a blank page with no cookies left from an earlier test."""
    browser.get("about:blank")
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})  # every site's (the workspace's session too)
    return browser


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test shows the errors the stacks logged (the full logs are build/e2e-stack-*.log)."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        lines = []
        for log in sorted(BUILD.glob("e2e-stack-*.log")):
            for line in log.read_text(errors="replace").splitlines():
                if '"level":"ERROR"' in line or "Traceback" in line or "[runtime]" in line or "[data]" in line:
                    lines.append(f"{log.name}: {line[:4000]}")
        if lines:
            report.sections.append(("errors the local stack logged", "\n".join(lines[-20:])))
