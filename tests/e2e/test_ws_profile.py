"""A person's profile in the workspace, in a real browser on a real local stack, driven by the contract's names:
the timeline in words (a campaign's name and subject, a job's title), an edit with a problem at its field, tags,
a touchpoint, a static pool joined and left, the export, a viewer's read-only page, and an erasure confirmed.
Each change is checked through the API afterwards; screenshots at 1280 and 390 px."""
from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from .support import ADMIN_EMAIL, ADMIN_PASSWORD, confirm_link, http, unique_email
from .workspace import api, ats, button, field, heading, link, shots, text, wait

SUBJECT = "A Rust meetup for you"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Api:
    def __init__(self, stack):
        self.stack = stack

    def call(self, method: str, path: str, body=None, expect=(200, 201)):
        return api(self.stack, method, path, body, expect)

    def get(self, path: str):
        return self.call("GET", path)

    def post(self, path: str, body=None):
        return self.call("POST", path, body if body is not None else {})


def until(what: str, check, tick, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        tick()
        time.sleep(0.3)
    return value


@pytest.fixture(scope="module")
def person(stack):
    """A person who signed up and confirmed, got a campaign email, and applied for a job the ATS opened."""
    api = Api(stack)
    address = unique_email("profile")
    signed = http("POST", stack.url + "/signups", data=urlencode({
        "email": address, "first_name": "Rosalind", "last_name": "Franklin", "skills": "Rust, Python",
        "city": "London", "country": "GB", "consent": "on"}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
    assert signed.status == 202, signed.text
    assert http("GET", confirm_link(stack.wait_for_email(address), stack.url)).status == 200
    candidate_id = api.post("/candidates", {"email": address})["id"]  # an upsert of nothing new: the person's id
    tag = address.split("@")[0][-6:]
    newsletter = api.post("/pools", {"name": f"Rust newsletter {tag}", "kind": "static"})
    api.post(f"/pools/{newsletter['id']}/members", {"candidate_ids": [candidate_id]})
    shortlist = api.post("/pools", {"name": f"Shortlist {tag}", "kind": "static"})
    template = api.post("/templates", {"name": f"Rust meetup {tag}", "category": "event_invite", "subject": SUBJECT,
                                       "html": "<html><body><p>Hello {{ candidate.first_name }}</p></body></html>"})
    campaign = api.post("/campaigns", {"name": f"Rust meetup invitation {tag}", "channel": "email",
                                       "category": "event_invite", "audience": {"pools": [newsletter["id"]]},
                                       "steps": [{"template_id": template["id"]}]})
    api.post(f"/campaigns/{campaign['id']}/schedule")
    until("the campaign email on the timeline", lambda: any(
        e["kind"] == "campaign_email_sent" for e in api.get(f"/candidates/{candidate_id}/timeline")["items"]),
        stack.tick)
    job = f"ats-{tag}"
    ats(stack, {"id": f"e2e-profile-{tag}-1", "type": "job.opened", "occurred_at": now(),
                "data": {"job_id": job, "title": f"Rust engineer {tag}", "skills": ["rust"]}})
    ats(stack, {"id": f"e2e-profile-{tag}-2", "type": "application.created", "occurred_at": now(),
                "data": {"email": address, "job_id": job}})
    return SimpleNamespace(id=candidate_id, email=address, api=api, campaign=campaign, shortlist=shortlist,
                           newsletter=newsletter, job_title=f"Rust engineer {tag}", path=f"/dashboard/candidates/{candidate_id}")


def steady(condition):
    """A wait condition that reads a page being replaced as "not yet" rather than failing."""
    def check(driver):
        try:
            return condition(driver)
        except (StaleElementReferenceException, NoSuchElementException):
            return False
    return check


def says(words: str):
    return steady(lambda d: words in text(d))


def titled(name: str):
    return steady(lambda d: heading(d) == name)


def enter(page, stack, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> None:
    """Signs in from /dashboard (workspace.sign_in's wait trips over the page it leaves: reported)."""
    page.get(stack.url + "/dashboard")
    wait(page, titled("Sign in"))
    field(page, "Email").send_keys(email)
    field(page, "Password").send_keys(password)
    button(page, "Sign in").click()
    wait(page, steady(lambda d: heading(d) not in ("", "Sign in") or "New password" in text(d)),
         f"signing in as {email}")


def open_profile(page, stack, person) -> None:
    enter(page, stack)  # then the profile: sign-in's way back names the route, not the person (reported)
    page.get(stack.url + person.path)
    wait(page, titled("Rosalind Franklin"))


def test_the_profile_reads_in_words_and_every_change_lands_in_the_api(stack, page, person):
    api = person.api
    open_profile(page, stack, person)
    shown = text(page)
    assert f"“{SUBJECT}” sent from the campaign “{person.campaign['name']}”" in shown
    assert f"Applied for “{person.job_title}”" in shown
    assert "Subscribed" in shown and "Agreed to marketing email on the careers page" in shown
    assert not re.search(r"\b(cand|camp|job|tmpl|pool)_[0-9a-z]{26}\b", shown), "ids on the page"
    shots(page, "profile")

    # an edit with a bad phone: the problem at the field, nothing stored; then a good one
    link(page, "Edit profile").click()
    wait(page, titled("Edit Rosalind Franklin"))
    field(page, "City").clear()
    field(page, "City").send_keys("Paris")
    field(page, "Phone").clear()
    field(page, "Phone").send_keys("12")
    button(page, "Save profile").click()
    wait(page, says("Nothing was saved"))
    assert field(page, "Phone").get_attribute("aria-invalid") == "true"
    assert page.find_element(By.ID, "f-phone-error").text
    shots(page, "profile-edit-problem")
    assert api.get(f"/candidates/{person.id}")["city"] == "London"
    field(page, "Phone").clear()
    field(page, "Phone").send_keys("+44 20 7946 0958")
    Select(field(page, "Stage")).select_by_visible_text("Interviewing")
    button(page, "Save profile").click()
    wait(page, says("Profile saved."))
    stored = api.get(f"/candidates/{person.id}")
    assert (stored["city"], stored["phone"], stored["stage"]) == ("Paris", "+442079460958", "interviewing")
    assert "Stage: Interviewing" in text(page)

    # tags
    field(page, "Add tags").send_keys("Shortlist, Frontend" + Keys.ENTER)
    wait(page, says("Tags saved."))
    assert {"shortlist", "frontend"} <= set(api.get(f"/candidates/{person.id}")["tags"])
    page.find_element(By.CSS_SELECTOR, "button[aria-label='Remove tag frontend']").click()
    wait(page, lambda d: says("Tags saved.")(d) and "frontend" not in api.get(f"/candidates/{person.id}")["tags"])

    # a touchpoint, by keyboard: the form opens with Channel focused
    button(page, "Add touchpoint").click()
    wait(page, lambda d: d.switch_to.active_element.get_attribute("id") == "tp-channel", "Channel has the focus")
    shots(page, "profile-touchpoint")
    Select(field(page, "Channel")).select_by_visible_text("Call")
    field(page, "Summary").send_keys("Phoned about the platform role.\nCall back in May.")
    button(page, "Save touchpoint").click()
    wait(page, says("Touchpoint saved."))
    assert "Phoned about the platform role." in text(page)
    entry = api.get(f"/candidates/{person.id}/timeline")["items"][0]
    assert entry["kind"] == "touchpoint" and entry["data"] == {
        "channel": "phone", "summary": "Phoned about the platform role.\nCall back in May."}
    assert api.get(f"/candidates/{person.id}")["last_contacted_at"]

    # a static pool: joined, then left
    Select(field(page, "Static pool")).select_by_visible_text(person.shortlist["name"])
    button(page, "Add to pool").click()
    wait(page, says("Added to the pool."))
    members = api.get(f"/pools/{person.shortlist['id']}/members")["items"]
    assert [m["id"] for m in members] == [person.id]
    page.find_element(By.CSS_SELECTOR, f"button[aria-label='Remove from {person.shortlist['name']}']").click()
    wait(page, says("Removed from the pool."))
    assert api.get(f"/pools/{person.shortlist['id']}/members")["items"] == []

    # the export: the API's JSON, as a download, for the signed-in browser
    href = link(page, "Export data").get_attribute("href")
    cookie = {c["name"]: c["value"] for c in page.get_cookies()}["crm_session"]
    export = http("GET", href, headers={"Cookie": f"crm_session={cookie}"})
    assert export.status == 200 and "attachment" in export.headers["Content-Disposition"]
    assert export.json()["candidate"]["email"] == person.email


def test_a_viewer_reads_the_profile_without_its_controls(stack, page, person):
    address = unique_email("profile-viewer")
    person.api.post("/users", {"email": address, "name": "Val Viewer", "role": "viewer",
                               "temporary_password": "Temporary-pass-1"})
    enter(page, stack, address, "Temporary-pass-1")
    field(page, "New password").send_keys("Val-own-password-2")
    button(page, "Set password").click()
    wait(page, titled("Overview"))
    page.get(stack.url + person.path)
    wait(page, titled("Rosalind Franklin"))
    labels = {b.text for b in page.find_elements(By.CSS_SELECTOR, "main button")} | {
        a.text for a in page.find_elements(By.CSS_SELECTOR, "main a")}
    assert not labels & {"Erase", "Add touchpoint", "Edit profile", "Export data", "Add tags", "Add to pool"}
    shots(page, "profile-viewer")


def test_erasure_says_what_goes_then_the_person_is_gone(stack, page, person):
    open_profile(page, stack, person)
    button(page, "Erase").click()
    wait(page, titled("Erase Rosalind Franklin?"))
    said = text(page)
    api = person.api
    entries = len(api.get(f"/candidates/{person.id}/timeline?limit=500")["items"])
    pools = [p for p in api.get("/pools?limit=500")["items"] if person.id in
             [m["id"] for m in api.get(f"/pools/{p['id']}/members?" + urlencode({"q": person.email}))["items"]]]
    assert f"{entries} timeline entries" in said
    assert f"{len(pools)} pool membership{'' if len(pools) == 1 else 's'}" in said and len(pools) >= 1
    assert "keyed hash" in said and "pseudonym" in said
    shots(page, "profile-erase")
    button(page, "Erase").click()
    wait(page, lambda d: d.current_url.startswith(stack.url + "/dashboard/candidates?"))
    assert "erased" in text(page).lower(), "the candidates page says nothing of ?notice=erased (ws_candidates.py)"
    assert api.call("GET", f"/candidates/{person.id}", expect=(404,))["error"]["code"] == "not_found"
