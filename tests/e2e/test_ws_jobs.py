"""Jobs in the workspace, in a real browser on a real local stack: add a job on its form, read its ranked matches
and why, send a job alert after its confirmation, by the visible names; checked against the API and the outbox.
Screenshots of every jobs page at 1280 and 390 px (build/workspace-jobs-*.png)."""
from __future__ import annotations

import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from .support import unique_email
from .workspace import api, button, email_with_subject, field, link, on_page, shots, sign_in, subscriber, text, wait


def test_a_job_from_its_form_to_a_job_alert(stack, page):
    tag = "e2e" + uuid.uuid4().hex[:8]
    pool = api(stack, "POST", "/pools", {"name": f"Python people {tag}", "kind": "dynamic",
                                          "rules": {"field": "tags", "op": "contains_any", "value": [tag]}})
    fan = subscriber(stack, first_name="Ada", skills="python, terraform", city="London", tags=tag)["email"]
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

    wait(page, lambda d: "people match" in text(d))  # the ranking loads after the page
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
