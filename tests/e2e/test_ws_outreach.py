"""Outreach in the workspace, in a real browser on a real local stack (issue: outreach): a campaign set up in the
wizard to send as a recruiter, within a send window open now (UTC), with a subject test of two subjects; the email
in the outbox From the recruiter; "Reply as the candidate" in the outbox; the campaign page with 1 reply and its
text; the person's timeline with the reply; their time zone edited; a sender SES does not send from refused on the
review. Driven by the contract's names and the pages' labels, checked against the API. Screenshots of every new or
changed page at 1280 and 390 px (build/workspace-outreach-*.png)."""
from __future__ import annotations

import time
import uuid
from email import message_from_string, policy

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from .support import unique_email
from .test_ws_campaigns import page_says, signed_in
from .workspace import api, button, field, link, on_page, shots, subscriber, text, wait

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def tick_box(page, label: str, on: bool = True) -> None:
    box = field(page, label)
    if box.is_selected() != on:
        box.click()
    assert box.is_selected() == on, label


def type_time(page, label: str, hours: str, minutes: str, half: str) -> None:
    """A time field as a person types it (the en-US browser shows hours, minutes, AM/PM)."""
    control = field(page, label)
    control.click()
    control.send_keys(hours + minutes + half)


def open_details(page, summary_starts: str) -> None:
    summary = wait(page, lambda d: next((s for s in d.find_elements(By.TAG_NAME, "summary")
                                         if s.is_displayed() and s.text.startswith(summary_starts)), None))
    summary.click()


def test_a_recruiters_campaign_with_a_window_and_two_subjects_gets_a_reply(stack, page):
    tag = uuid.uuid4().hex[:8]
    ada = subscriber(stack, first_name="Ada")
    pool = api(stack, "POST", "/pools", {"name": f"Outreach {tag}", "kind": "static"})
    api(stack, "POST", f"/pools/{pool['id']}/members", {"candidate_ids": [ada["id"]]})
    tmpl = api(stack, "POST", "/templates", {
        "name": f"Intro {tag}", "category": "career_advice", "subject": f"Template subject {tag}",
        "html": "<p>Hello {{ candidate.first_name | default('there') }}</p>"
                "<p><a href=\"https://careers.example.com/jobs/1\">See the role</a></p>"})
    rita = api(stack, "POST", "/users", {"email": unique_email("rita"), "name": f"Rita Recruiter {tag}",
                                         "role": "recruiter", "temporary_password": "Temporary-pass-123"})
    subjects = (f"A role for you, Ada {tag}", f"Platform team is hiring {tag}")

    signed_in(page, stack)
    page.get(stack.url + "/dashboard/campaigns/new")
    on_page(page, "New campaign")
    name = f"Recruiter outreach {tag}"
    field(page, "Name").send_keys(name)
    field(page, pool["name"]).click()
    button(page, "Next").click()

    on_page(page, "Steps")
    Select(field(page, "Template")).select_by_visible_text(tmpl["name"])
    open_details(page, "Subject A/B test")
    field(page, "Subject A").send_keys("Only one")
    Select(field(page, "Pick a winner by")).select_by_visible_text("Clicks")
    field(page, "Wait").clear()
    field(page, "Wait").send_keys("5 minutes")
    button(page, "Add step").click()  # one subject and too short a wait: each problem beside its field
    page_says(page, "a list of 2 to 4 different subjects")
    page_says(page, "a wait from 1 hour to 7 days")
    assert api(stack, "GET", f"/campaigns/{page.current_url.split('/')[-2]}")["steps"] == []
    shots(page, "outreach-steps-errors")
    field(page, "Subject A").clear()
    field(page, "Subject A").send_keys(subjects[0])
    field(page, "Subject B").send_keys(subjects[1])
    Select(field(page, "Pick a winner by")).select_by_visible_text("No winner: each subject keeps its share")
    button(page, "Add step").click()
    page_says(page, "Subject test: 2 subjects, each to an equal share")
    campaign_id = page.current_url.split("/")[-2].split("#")[0]
    assert api(stack, "GET", f"/campaigns/{campaign_id}")["steps"][0]["subjects"] == list(subjects)
    shots(page, "outreach-steps")
    button(page, "Next").click()

    on_page(page, "Settings")
    field(page, "A team member").click()
    Select(field(page, "Team member")).select_by_visible_text(f"{rita['name']} <{rita['email']}>")
    tick_box(page, "Only send within a window")
    for day in DAYS:
        tick_box(page, day, False)
    button(page, "Next").click()  # no day ticked: said beside the days
    page_says(page, "tick at least one day")
    shots(page, "outreach-settings-errors")
    for day in DAYS:  # a window open now in UTC: all day, every day
        tick_box(page, day)
    type_time(page, "Start time", "12", "00", "AM")
    type_time(page, "End time", "11", "59", "PM")
    field(page, "A fixed time zone").click()
    Select(field(page, "Time zone")).select_by_visible_text("UTC")
    assert field(page, "Start time").get_attribute("value") == "00:00"
    assert field(page, "End time").get_attribute("value") == "23:59"
    shots(page, "outreach-settings")
    button(page, "Next").click()

    on_page(page, "Review")
    page_says(page, "1 can be emailed")
    page_says(page, f"From: {rita['name']} at")
    assert f"<{rita['email']}>" in text(page)
    assert "00:00 to 23:59, every day, UTC time" in text(page)
    stored = api(stack, "GET", f"/campaigns/{campaign_id}")
    assert stored["sender"] == {"user_id": rita["id"]}
    assert stored["send_window"] == {"start": "00:00", "end": "23:59", "days": ["mon", "tue", "wed", "thu", "fri",
                                                                                 "sat", "sun"],
                                     "timezone": "UTC", "fallback_timezone": None}
    shots(page, "outreach-review")
    button(page, "Schedule").click()
    on_page(page, name)

    email = email_with_one_of(stack, ada["email"], subjects)
    sender = message_from_string(email["raw"], policy=policy.default)["From"]
    assert sender.addresses[0].display_name.startswith(rita["name"] + " at ")
    assert sender.addresses[0].addr_spec == rita["email"]

    page.get(stack.url + f"/dev/outbox?id={email['message_id']}")
    on_page(page, email["subject"])
    reply = "Thanks Rita, I'd like to hear more.\nCould we talk on Monday?"
    field(page, "Reply").clear()
    field(page, "Reply").send_keys(reply)
    button(page, "Send reply").click()
    page_says(page, "Reply received")

    page.get(stack.url + f"/dashboard/campaigns/{campaign_id}")
    on_page(page, name)
    page_says(page, "Latest replies")
    page_says(page, "Could we talk on Monday?", tick=stack.tick)
    figures = api(stack, "GET", f"/analytics/campaigns/{campaign_id}")
    assert figures["replied"] == 1 and figures["rates"]["reply"] == 1.0
    words = text(page)
    assert "Replied\n1\n100.0% reply rate" in words or "100.0% reply rate" in words
    assert "Subject test, step 1" in words and subjects[0] in words and subjects[1] in words
    assert "From: " not in words or rita["name"] in words
    listed = api(stack, "GET", f"/analytics/campaigns/{campaign_id}/replies")["items"]
    assert [r["candidate_id"] for r in listed] == [ada["id"]] and "Could we talk on Monday?" in listed[0]["text"]
    shots(page, "outreach-campaign")
    page.get(stack.url + f"/dashboard/campaigns/{campaign_id}/replies")
    on_page(page, "Replies")
    assert "Could we talk on Monday?" in text(page)
    shots(page, "outreach-replies")

    link(page, "Campaigns").click()
    on_page(page, "Campaigns")
    row = next(tr for tr in page.find_elements(By.CSS_SELECTOR, "tbody tr") if name in tr.text)
    assert "100.0%" in row.text  # the reply rate beside open and click rates
    shots(page, "outreach-campaigns-list")

    page.get(stack.url + f"/dashboard/campaigns/{campaign_id}")
    on_page(page, name)
    link(page, "Ada").click()
    on_page(page, "Ada")
    page_says(page, f"Replied to the campaign “{name}”:")
    assert "Could we talk on Monday?" in text(page)
    shots(page, "outreach-timeline")

    link(page, "Edit profile").click()
    on_page(page, "Edit Ada")
    field(page, "Time zone").send_keys("Mars/Olympus")
    button(page, "Save profile").click()
    page_says(page, "a time zone name such as Europe/Berlin")
    shots(page, "outreach-profile-edit-errors")
    field(page, "Time zone").clear()
    field(page, "Time zone").send_keys("Europe/Berlin")
    shots(page, "outreach-profile-edit")
    button(page, "Save profile").click()
    page_says(page, "Profile saved.")
    assert api(stack, "GET", f"/candidates/{ada['id']}")["timezone"] == "Europe/Berlin"

    page.get(stack.url + "/dashboard")
    on_page(page, "Overview")
    assert "Reply rate" in text(page)
    shots(page, "outreach-overview")


def test_a_sender_ses_does_not_send_from_is_refused_on_the_review(stack, page):
    tag = uuid.uuid4().hex[:8]
    bea = subscriber(stack, first_name="Bea")
    pool = api(stack, "POST", "/pools", {"name": f"Unverified {tag}", "kind": "static"})
    api(stack, "POST", f"/pools/{pool['id']}/members", {"candidate_ids": [bea["id"]]})
    tmpl = api(stack, "POST", "/templates", {"name": f"Hi {tag}", "category": "company_news", "subject": f"Hi {tag}",
                                             "html": "<p>Hi</p>"})
    made = api(stack, "POST", "/campaigns", {"name": f"Unverified {tag}", "category": "company_news",
                                             "audience": {"pools": [pool["id"]]},
                                             "steps": [{"template_id": tmpl["id"]}]})

    signed_in(page, stack)
    page.get(stack.url + f"/dashboard/campaigns/{made['id']}/settings")
    on_page(page, "Settings")
    field(page, "Someone else").click()
    field(page, "Sender name").send_keys("Sam Sourcer")
    field(page, "Sender email").send_keys(f"sam@unverified-{tag}.example")
    button(page, "Next").click()
    on_page(page, "Review")
    page_says(page, "From: Sam Sourcer at")
    button(page, "Schedule").click()
    page_says(page, "Not scheduled: SES does not send from this sender's address yet.")
    assert f"verify sam@unverified-{tag}.example or its domain unverified-{tag}.example in ses" in text(page).lower()
    assert heading_is(page, "Review")
    assert api(stack, "GET", f"/campaigns/{made['id']}")["status"] == "draft"
    shots(page, "outreach-review-unverified")
    link(page, "choose another sender").click()
    on_page(page, "Settings")


def email_with_one_of(stack, to: str, subjects: tuple[str, ...], timeout: float = 60.0) -> dict:
    """The campaign email to `to`, whichever subject of the test it got, running the workers until it is out."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in stack.outbox() if to in m["to"] and m["subject"] in subjects]
        if found:
            return found[0]
        assert time.monotonic() < deadline, f"no email to {to}: {[m['subject'] for m in stack.outbox()][:10]}"
        stack.tick()
        time.sleep(0.3)


def heading_is(page, title: str) -> bool:
    return page.find_element(By.TAG_NAME, "h1").text.strip() == title
