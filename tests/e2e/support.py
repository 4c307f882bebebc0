"""What the e2e tests share: the local stack as a subprocess, plain HTTP calls, browser helpers.

Everything that helps debugging lands in build/: the stack's output (e2e-stack-*.log), chromedriver's
log (e2e-chromedriver.log) and the screenshots the tests take (e2e-*.png).
"""
from __future__ import annotations

import base64
import email
import email.policy
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.bench._emulator import free_port

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
API_KEY = "crm_e2e_test_key_0123456789"
ADMIN_EMAIL = "admin@example.com"  # the stack's first admin (CRM_ADMIN_EMAIL), with this password
ADMIN_PASSWORD = "E2e-admin-password-1"
START_TIMEOUT = 60.0  # seconds for /health to answer after starting the stack
STOP_TIMEOUT = 20.0  # seconds for the stack to save its data and exit after SIGINT

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-extensions", "--no-proxy-server", "--hide-scrollbars",
    "--window-size=1280,900", "--lang=en-US",
)


# ------------------------------------------------------------------ plain HTTP helpers

class HttpResult:
    def __init__(self, status: int, headers, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def http(method: str, url: str, *, headers: dict | None = None, data: bytes | None = None,
         timeout: float = 10.0) -> HttpResult:
    """One request, no proxy, no redirects followed; HTTP errors come back as results, not exceptions."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return HttpResult(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return HttpResult(error.code, error.headers, error.read())


# ------------------------------------------------------------------ the stack

class Stack:
    """`make run` in a subprocess: the API, the emulated AWS, the queue workers and the schedules."""

    def __init__(self, name: str, data_dir: Path, port: int | None = None, aws_port: int | None = None):
        self.name = name
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.aws_port = aws_port or free_port()
        while self.aws_port == self.port:
            self.aws_port = free_port()
        self.api_key = API_KEY
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.log_path = BUILD / f"e2e-stack-{name}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("CRM_", "AWS_", "POWERTOOLS_")) and k not in ("http_proxy", "https_proxy",
                                                                                  "HTTP_PROXY", "HTTPS_PROXY")}
        env.update({
            "CRM_PORT": str(self.port),
            "CRM_AWS_PORT": str(self.aws_port),
            "CRM_DATA_DIR": str(self.data_dir),
            "CRM_API_KEY": self.api_key,
            "CRM_ADMIN_EMAIL": ADMIN_EMAIL,
            "CRM_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "CRM_PUBLIC_URL": self.url,
            "CRM_ALLOWED_ORIGINS": self.url,
            "PYTHONUNBUFFERED": "1",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        })
        return env

    def start(self) -> "Stack":
        assert self.process is None or self.process.poll() is not None, "already running"
        BUILD.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        with open(self.log_path, "wb" if self.starts == 1 else "ab") as log:
            log.write(f"\n===== start #{self.starts}: {self.url} (AWS {self.aws_port}), data {self.data_dir}\n"
                      .encode())
            log.flush()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "crmlocal.stack"], cwd=ROOT, env=self.environment(),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        self._wait_healthy()
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the stack exited with code {self.process.returncode} while starting; "
                                   f"its output:\n{self.output_tail()}")
            try:
                result = http("GET", self.url + "/health", timeout=2)
                if result.status == 200 and result.json().get("status") == "ok" and self.banner():
                    return  # the API answers a moment before the banner is printed: wait for both
                last = f"HTTP {result.status}: {result.text[:200]}"
            except (OSError, ValueError) as exc:
                last = repr(exc)
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"/health did not answer within {START_TIMEOUT:.0f} s (last: {last}); "
                           f"the stack's output:\n{self.output_tail()}")

    def stop(self) -> int | None:
        """Ctrl-C, as a person stops `make run`; SIGTERM and then SIGKILL only if it hangs."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return None if process is None else process.returncode
        for sig, wait in ((signal.SIGINT, STOP_TIMEOUT), (signal.SIGTERM, 10.0)):
            process.send_signal(sig)
            try:
                return process.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                pass
        process.kill()
        process.wait(timeout=10)
        raise RuntimeError(f"the stack ignored SIGINT and SIGTERM and had to be killed; its output:\n"
                           f"{self.output_tail()}")

    def restart(self) -> "Stack":
        """Stop (Ctrl-C) and start again on the same data dir and the same ports, as `make run` again."""
        code = self.stop()
        assert code == 0, f"the stack exited with code {code} on Ctrl-C; its output:\n{self.output_tail()}"
        deadline = time.monotonic() + 10
        while not (_port_free(self.port) and _port_free(self.aws_port)) and time.monotonic() < deadline:
            time.sleep(0.2)
        return self.start()

    def banner(self) -> str:
        """The banner this start printed ("Talent CRM is running ... Press Ctrl-C to stop."), or ""."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        this_start = text.split(f"===== start #{self.starts}:")[-1]
        begin, end = this_start.find("Talent CRM is running"), this_start.find("Press Ctrl-C to stop.")
        return this_start[begin:end] if 0 <= begin < end else ""

    def requests_logged(self, start: str) -> int:
        """How many requests the API logged (`[api] "POST /signups HTTP/1.1" 303 -`) that start so."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return 0
        return sum(1 for line in text.splitlines() if line.startswith(f'[api] "{start}'))

    def output_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no output)"

    # -------------------------------------------------------------- app calls

    def get(self, path: str, **kwargs) -> HttpResult:
        return http("GET", self.url + path, **kwargs)

    def post(self, path: str, **kwargs) -> HttpResult:
        return http("POST", self.url + path, **kwargs)

    def recruiter_get(self, path: str) -> HttpResult:
        return self.get(path, headers={"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"})

    def candidates_with_email(self, email: str) -> list[dict]:
        """Every candidate the recruiter API finds for `email` (following pages), exact address only."""
        from urllib.parse import urlencode

        found, cursor = [], None
        for _ in range(50):
            params = {"q": email, "limit": "100", **({"cursor": cursor} if cursor else {})}
            result = self.recruiter_get("/candidates?" + urlencode(params))
            assert result.status == 200, f"GET /candidates: HTTP {result.status}: {result.text[:500]}"
            body = result.json()
            found += [item for item in body["items"] if item.get("email") == email.lower()]
            cursor = body.get("next_cursor")
            if not cursor:
                break
        return found

    def outbox(self) -> list[dict]:
        result = self.get("/dev/outbox.json")
        assert result.status == 200, f"GET /dev/outbox.json: HTTP {result.status}: {result.text[:500]}"
        return result.json()["items"]

    def tick(self) -> dict:
        result = self.post("/dev/tick", headers={"Content-Type": "application/json"}, data=b"{}", timeout=30)
        assert result.status == 200, f"POST /dev/tick: HTTP {result.status}: {result.text[:500]}"
        return result.json()

    def wait_for_email(self, to: str, timeout: float = 15.0) -> dict:
        """The newest email to `to`, running the queue workers (POST /dev/tick) until it arrives."""
        deadline = time.monotonic() + timeout
        while True:
            for item in self.outbox():
                if to.lower() in [address.lower() for address in item["to"]]:
                    return item
            if time.monotonic() >= deadline:
                subjects = [(item["to"], item["subject"]) for item in self.outbox()[:10]]
                raise AssertionError(f"no email to {to} within {timeout:.0f} s; outbox has {subjects}; "
                                     f"the stack's output:\n{self.output_tail()}")
            self.tick()
            time.sleep(0.3)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


# ------------------------------------------------------------------ the browser

def which_browser() -> str | None:
    for name in BROWSER_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def unique_email(label: str = "e2e") -> str:
    return f"{label}-{uuid.uuid4().hex[:12]}@example.com"


def h1_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "h1").text.strip()


def navigation_status(driver) -> int | None:
    """HTTP status of the document the browser shows (Navigation Timing's responseStatus)."""
    return driver.execute_script(
        "const n = performance.getEntriesByType('navigation')[0]; return n ? n.responseStatus : null;")


def type_like_a_person(driver, element_id: str, text: str) -> None:
    field = driver.find_element(By.ID, element_id)
    field.click()
    field.clear()
    field.send_keys(text)


def open_careers_page(driver, stack) -> None:
    driver.get(stack.url + "/careers")
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "talent-community"))
    assert navigation_status(driver) == 200, navigation_status(driver)
    assert "talent community" in h1_text(driver).lower(), h1_text(driver)


def fill_signup_form(driver, *, address: str, first_name: str = "Ada", skills: str = "Python, k8s",
                     consent: bool = True) -> None:
    """Types into the careers form as a person would; the honeypot (`website`) stays empty."""
    type_like_a_person(driver, "first_name", first_name)
    type_like_a_person(driver, "email", address)
    type_like_a_person(driver, "skills", skills)
    box = driver.find_element(By.ID, "consent")
    if box.is_selected() != consent:
        box.click()
    assert box.is_selected() == consent
    assert driver.find_element(By.ID, "website").get_attribute("value") == ""


def submit_signup_form(driver) -> None:
    driver.find_element(By.CSS_SELECTOR, "#talent-community button[type=submit]").click()


def sign_up_in_browser(driver, stack, address: str, *, screenshot: str | None = None,
                       thanks_screenshot: str | None = None) -> None:
    """Careers page -> form -> submit -> the thanks page."""
    open_careers_page(driver, stack)
    fill_signup_form(driver, address=address)
    if screenshot:
        save_screenshot(driver, screenshot)
    submit_signup_form(driver)
    thanks = stack.url + "/careers/thanks"
    try:
        WebDriverWait(driver, 15).until(lambda d: d.current_url.split("?")[0] == thanks)
    except TimeoutException:
        raise AssertionError(f"after submitting, the browser is at {driver.current_url}, not {thanks}; page:\n"
                             f"{driver.find_element(By.TAG_NAME, 'body').text[:1000]}") from None
    if thanks_screenshot:
        save_screenshot(driver, thanks_screenshot)
    assert navigation_status(driver) == 200
    assert h1_text(driver) == "Check your inbox"


def confirm_link(message: dict, public_url: str) -> str:
    """The confirmation link of an email, read from its text/plain part (MIME decoded, not regexed raw)."""
    parsed = email.message_from_string(message["raw"], policy=email.policy.default)
    part = parsed.get_body(preferencelist=("plain",))
    assert part is not None, f"the email has no text/plain part:\n{message['raw'][:2000]}"
    text = part.get_content()
    links = [word.strip("<>()[].,;\"'") for word in text.split() if "/signups/confirm?" in word]
    assert len(set(links)) == 1, f"expected one confirm link in the text part, found {links}:\n{text}"
    link = links[0]
    assert link.startswith(public_url + "/signups/confirm?token="), (link, public_url)
    return link


def confirm_in_browser(driver, link: str, *, screenshot: str | None = None) -> None:
    driver.get(link)
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.TAG_NAME, "h1"))
    if screenshot:
        save_screenshot(driver, screenshot)
    page = driver.find_element(By.TAG_NAME, "body").text
    assert navigation_status(driver) == 200, page[:1000]
    assert h1_text(driver) == "You're in", page[:1000]


def save_screenshot(driver, name: str) -> Path:
    """The whole page (not only the window) as build/<name>.png, through the DevTools protocol."""
    BUILD.mkdir(parents=True, exist_ok=True)
    path = BUILD / f"{name}.png"
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    width = max(size["width"], driver.execute_script("return window.innerWidth"))  # no scrollbar gap
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": size["height"], "scale": 1},
    })
    path.write_bytes(base64.b64decode(shot["data"]))
    return path
