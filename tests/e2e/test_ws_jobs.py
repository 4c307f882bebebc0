"""Jobs in the workspace, in a real browser on a real local stack: add a job on its form, read its ranked matches
and why, send a job alert after its confirmation, by the visible names; checked against the API and the outbox.
Screenshots of every jobs page at 1280 and 390 px (build/workspace-jobs-*.png)."""
from __future__ import annotations

import json
import time
import uuid

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from .support import API_KEY, confirm_link, http, unique_email
from .workspace import button, field, heading, link, shots, sign_in, text, wait


def api(stack, method: str, path: str, body=None, expect=(200, 201)):
    headers = {"Authorization": f"Bearer {API_KEY}", "Accept": "application/json"}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    result = http(method, stack.url + path, headers=headers, data=data, timeout=30)
    assert result.status in expect, f"{method} {path}: HTTP {result.status}: {result.text[:800]}"
    return result.json()


def subscribed_person(stack, **fields) -> str:
    """Signs up through the API as the careers page does and follows the confirmation link: a subscriber."""
    address = unique_email("sub")
    answer = http("POST", stack.url + "/signups", headers={"Content-Type": "application/json"},
                  data=json.dumps({"email": address, "consent": True, **fields}).encode())
    assert answer.status == 202, answer.text
    link = confirm_link(stack.wait_for_email(address), stack.url)
    assert http("GET", link).status == 200
    return address


def on_page(page, title: str) -> None:
    """Waits for the page headed `title`; an element of the page before may vanish while it is read."""
    def headed(driver) -> bool:
        try:
            return heading(driver) == title
        except StaleElementReferenceException:
            return False
    wait(page, headed, f"no page headed {title!r}")


def email_with_subject(stack, to: str, subject: str, timeout: float = 20.0) -> dict:
    """The email to `to` with `subject`, running the workers (POST /dev/tick) until it is in the outbox."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in stack.outbox() if to in m["to"] and m["subject"] == subject]
        if found:
            return found[0]
        assert time.monotonic() < deadline, f"no email {subject!r} to {to}: {[m['subject'] for m in stack.outbox()]}"
        stack.tick()
        time.sleep(0.3)


def test_a_job_from_its_form_to_a_job_alert(stack, page):
    tag = "e2e" + uuid.uuid4().hex[:8]
    pool = api(stack, "POST", "/pools", {"name": f"Python people {tag}", "kind": "dynamic",
                                          "rules": {"field": "tags", "op": "contains_any", "value": [tag]}})
    fan = subscribed_person(stack, first_name="Ada", skills="python, terraform", city="London", tags=tag)
    sourced = unique_email("sourced")
    api(stack, "POST", "/candidates", {"email": sourced, "first_name": "Sam", "skills": ["python"], "city": "Leeds",
                                       "tags": [tag]})
    stack.tick()

    sign_in(page, stack)
    link(page, "Jobs").click()
    on_page(page, "Jobs")
    link(page, "New job").click()
    on_page(page, "New job")
    shots(page, "jobs-new")

    button(page, "Save job").click()  # nothing typed: the form comes back with the problem beside Title
    wait(page, lambda d: "The job was not saved" in text(d))
    assert field(page, "Title").get_attribute("aria-invalid") == "true"
    shots(page, "jobs-new-errors")

    field(page, "Title").send_keys(f"Platform engineer {tag}")
    field(page, "Skills").send_keys("Python, Terraform")
    field(page, "Department").send_keys("Engineering")
    field(page, "City").send_keys("London")
    field(page, "Country").send_keys("GB")
    field(page, "Remote work possible").click()
    field(page, f"Python people {tag}").click()
    button(page, "Save job").click()
    on_page(page, f"Platform engineer {tag}")
    job_id = page.current_url.rsplit("/", 1)[1]
    job = api(stack, "GET", f"/jobs/{job_id}")
    assert job["skills"] == ["python", "terraform"] and job["pools"] == [pool["id"]] and job["remote"] is True
    assert job["department"] == "Engineering" and job["country"] == "GB"

    shown = text(page)
    assert "2 people match" in shown and "1 can get a job alert" in shown
    assert "Has 2 of the job's 2 skills: python, terraform." in shown
    assert "Lives in London, where the job is." in shown and "no marketing consent" in shown
    names = [a.text for a in page.find_elements(By.CSS_SELECTOR, ".match-who a")]
    assert names == ["Ada", "Sam"], names
    ranked = api(stack, "GET", f"/jobs/{job_id}/matches")["items"]
    assert [m["candidate"]["email"] for m in ranked] == [fan, sourced]  # the page's order is the API's
    shots(page, "jobs-job")

    link(page, "Send job alert").click()
    on_page(page, "Send a job alert")
    assert "1 of 2 matches will get the job alert" in text(page)
    assert "1 person: no marketing consent (sourced, imported or from the ATS)" in text(page)
    shots(page, "jobs-alert")
    send = button(page, "Send job alert")
    send.send_keys(Keys.ENTER)  # from the keyboard
    wait(page, lambda d: "Job alert scheduled" in text(d))
    campaign_id = page.current_url.split("alert=")[1].split("#")[0]
    campaign = api(stack, "GET", f"/campaigns/{campaign_id}")
    assert campaign["category"] == "job_alert" and campaign["status"] in ("scheduled", "sending", "sent")
    assert email_with_subject(stack, fan, f"New role: Platform engineer {tag}")
    assert not [m for m in stack.outbox() if sourced in m["to"]]  # no consent, no alert

    link(page, "Back to jobs").click()
    on_page(page, "Jobs")
    assert f"Platform engineer {tag}" in text(page) and f"from Python people {tag}" in text(page)
    shots(page, "jobs-list")
