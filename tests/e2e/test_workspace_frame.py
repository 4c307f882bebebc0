"""The workspace's frame, in a real browser: signing in by the contract's names, the navigation, roles,
signing out; screenshots at 1280 and 390 px."""
import json

from selenium.webdriver.common.by import By

from .support import API_KEY, http, unique_email
from .workspace import button, field, heading, link, shots, sign_in, text, wait

NAMES = ("Overview", "Candidates", "Pools", "Templates", "Campaigns", "Jobs")


def test_sign_in_navigation_and_sign_out(stack, page):
    page.get(stack.url + "/dashboard?from=2026-01-01")
    wait(page, lambda d: heading(d) == "Sign in", "a visitor is sent to the sign-in page")
    assert "next=" in page.current_url
    shots(page, "sign-in")
    field(page, "Email").send_keys("admin@example.com")
    field(page, "Password").send_keys("not-the-password-1A")
    button(page, "Sign in").click()
    wait(page, lambda d: "Wrong email or password" in text(d))
    field(page, "Password").clear()
    field(page, "Password").send_keys("E2e-admin-password-1")
    button(page, "Sign in").click()
    wait(page, lambda d: heading(d) == "Overview")
    assert "from=2026-01-01" in page.current_url  # back where the visitor was going
    for name in NAMES:
        assert link(page, name).get_attribute("href").startswith(stack.url + "/dashboard")
    assert link(page, "Team")  # an admin's
    cookies = {c["name"]: c for c in page.get_cookies()}
    assert cookies["crm_session"]["httpOnly"] and cookies["crm_session"]["sameSite"] == "Strict"
    assert page.execute_script("return document.cookie") == ""  # no script reads the session
    shots(page, "overview")
    button(page, "Sign out").click()
    wait(page, lambda d: heading(d) == "Sign in")
    page.get(stack.url + "/dashboard")
    wait(page, lambda d: heading(d) == "Sign in", "signed out means signed out")


def test_a_viewer_sees_no_team_page_and_a_first_sign_in_chooses_a_password(stack, page):
    email = unique_email("viewer")
    made = http("POST", stack.url + "/users", headers={"Authorization": f"Bearer {API_KEY}",
                                                       "Content-Type": "application/json"},
                data=json.dumps({"email": email, "name": "Vic Viewer", "role": "viewer",
                                 "temporary_password": "Temporary-pass-1"}).encode())
    assert made.status == 201, made.text
    page.get(stack.url + "/dashboard")
    field(page, "Email").send_keys(email)
    field(page, "Password").send_keys("Temporary-pass-1")
    button(page, "Sign in").click()
    field(page, "New password").send_keys("Vic-own-password-2")
    shots(page, "new-password")
    button(page, "Set password").click()
    wait(page, lambda d: heading(d) == "Overview")
    assert "Vic Viewer · viewer" in page.find_element(By.TAG_NAME, "header").text
    assert not [a for a in page.find_elements(By.TAG_NAME, "a") if a.text == "Team"]


def test_keyboard_reaches_the_skip_link_and_the_navigation(stack, page):
    sign_in(page, stack)
    body = page.find_element(By.TAG_NAME, "body")
    body.send_keys("\ue004")  # Tab
    assert page.switch_to.active_element.text == "Skip to content"
    page.switch_to.active_element.send_keys("\ue004")
    assert page.switch_to.active_element.text in NAMES + ("Overview",)


def test_the_real_server_refuses_path_tricks(stack):
    for path in ("/dashboard/assets/..%2Fapp.py", "/dashboard/assets/..%2F..%2F..%2Fapp.py",
                 "/dashboard/assets/%2e%2e%2fapp.py", "/dashboard/assets/nope.js", "/dashboard/assets/VENDORED.json"):
        result = http("GET", stack.url + path)
        assert result.status in (403, 404), (path, result.status)
        assert b"import" not in result.body, path
    assert http("GET", stack.url + "/dashboard/assets/htmx.min.js").status == 200
