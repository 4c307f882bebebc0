"""The content calendar and the silver medalists' offer, in a real browser on a real local stack: a month of
scheduled campaigns linked with their status, the pools' cadence with Quiet marked, previous and next months,
"Plan a campaign" on a day from the keyboard into the campaign wizard; a job's page offering a permission request to
its silver medalists. Checked against the API; screenshots at 1280 and 390 px (build/workspace-calendar-*.png,
build/workspace-jobs-silver-*.png)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from selenium.webdriver.common.keys import Keys

from .support import unique_email
from .workspace import api, ats, button, field, link, on_page, shots, sign_in, text, wait

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def day_label(day) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day.day} {day:%B}"


def test_a_month_of_campaigns_the_pools_cadence_and_a_campaign_planned_on_a_day(stack, page):
    tag = "e2e" + uuid.uuid4().hex[:8]
    engineers = api(stack, "POST", "/pools", {"name": f"Engineers {tag}", "kind": "static"})
    quiet = api(stack, "POST", "/pools", {"name": f"Quiet folk {tag}", "kind": "static"})
    template = api(stack, "POST", "/templates", {"name": f"Note {tag}", "category": "career_advice", "subject": "Hi",
                                                 "html": "<p>Hello {{ candidate.first_name | default('there') }}</p>"})
    now = datetime.now(timezone.utc)
    send_day = (now + timedelta(days=2)).date()
    campaign = api(stack, "POST", "/campaigns", {
        "name": f"Newsletter {tag}", "channel": "email", "category": "career_advice",
        "audience": {"pools": [engineers["id"]]}, "steps": [{"template_id": template["id"]}],
        "send_at": f"{send_day.isoformat()}T09:00:00Z"})
    api(stack, "POST", f"/campaigns/{campaign['id']}/schedule")

    sign_in(page, stack)
    link(page, "Calendar").click()
    on_page(page, "Calendar")
    assert f"{now:%B %Y}" in text(page)
    if send_day.month != now.month:
        link(page, "Next month").click()
        wait(page, lambda d: f"{send_day:%B %Y}" in text(d))
    shown = text(page)
    assert f"Newsletter {tag}" in shown and "Scheduled" in shown
    cadence = shown[shown.index("Pools' cadence"):]
    quiet_part = cadence[cadence.index(f"Quiet folk {tag}"):]
    assert quiet_part.split("\n")[0].endswith("Quiet") and "Nothing planned" in quiet_part
    engineers_part = cadence[cadence.index(f"Engineers {tag}"):]
    assert engineers_part.split("\n")[0] == f"Engineers {tag}"  # not quiet: a campaign is planned
    assert f"{send_day.isoformat()} 09:00 UTC" in engineers_part
    data = api(stack, "GET", f"/calendar?from={send_day.isoformat()}&to={send_day.isoformat()}")
    assert [c["id"] for c in data["days"][0]["campaigns"]] == [campaign["id"]]
    assert {p["id"]: p["quiet"] for p in data["pools"]}[quiet["id"]] is True
    shots(page, "calendar-month")

    link(page, f"Newsletter {tag}").click()  # each campaign links to its page
    on_page(page, f"Newsletter {tag}")
    page.back()
    on_page(page, "Calendar")

    plan_day = send_day + timedelta(days=1)
    if plan_day.month != send_day.month:
        link(page, "Next month").click()
        wait(page, lambda d: f"{plan_day:%B %Y}" in text(d))
    plan = link(page, f"Plan a campaign on {day_label(plan_day)}")
    plan.send_keys(Keys.ENTER)  # from the keyboard
    on_page(page, "Plan a campaign")
    assert field(page, "Send on").get_attribute("value") == plan_day.isoformat()
    button(page, "Next: write the emails").click()  # nothing typed: the problems beside their fields
    wait(page, lambda d: "The campaign was not planned" in text(d))
    assert field(page, "Name").get_attribute("aria-invalid") == "true"
    shots(page, "calendar-plan-errors")
    field(page, "Name").send_keys(f"Planned {tag}")
    field(page, f"Engineers {tag}").click()
    field(page, "At").send_keys("1030")
    shots(page, "calendar-plan")
    button(page, "Next: write the emails").click()
    wait(page, lambda d: "/steps" in d.current_url)
    campaign_id = page.current_url.split("/")[-2]
    draft = api(stack, "GET", f"/campaigns/{campaign_id}")
    assert draft["status"] == "draft" and draft["name"] == f"Planned {tag}"
    assert draft["send_at"].startswith(f"{plan_day.isoformat()}T10:30")
    assert draft["audience"]["pools"] == [engineers["id"]]

    link(page, "Calendar").click()
    on_page(page, "Calendar")
    if plan_day.month != now.month:
        link(page, "Next month").click()
    wait(page, lambda d: f"Planned {tag}" in text(d))
    link(page, "Previous month").click()
    previous = (now.replace(day=1) - timedelta(days=1)) if plan_day.month == now.month else now
    wait(page, lambda d: f"{previous:%B %Y}" in text(d))


def test_a_job_offers_a_permission_request_to_its_silver_medalists(stack, page):
    tag = "e2e" + uuid.uuid4().hex[:8]
    people = [unique_email("silver") for _ in range(2)]
    for n, email in enumerate(people):
        ats(stack, {"id": f"{tag}-a{n}", "type": "application.created", "occurred_at": "2026-11-01T10:00:00Z",
                    "data": {"email": email, "first_name": f"Silver{n}", "job_id": tag}})
        ats(stack, {"id": f"{tag}-i{n}", "type": "candidate.stage_changed", "occurred_at": "2026-11-02T10:00:00Z",
                    "data": {"email": email, "stage": "interviewing"}})
        ats(stack, {"id": f"{tag}-r{n}", "type": "candidate.stage_changed", "occurred_at": "2026-11-03T10:00:00Z",
                    "data": {"email": email, "stage": "rejected"}})
        [person] = stack.candidates_with_email(email)
        api(stack, "PATCH", f"/candidates/{person['id']}", {"skills": ["elixir"], "tags": [tag]})
    stack.tick()
    job = api(stack, "POST", "/jobs", {"title": f"Elixir engineer {tag}", "skills": ["elixir"]})

    sign_in(page, stack, path=f"/dashboard/jobs/{job['id']}")
    on_page(page, f"Elixir engineer {tag}")
    wait(page, lambda d: "people match" in text(d) or "person matches" in text(d))
    shown = text(page)
    assert "Silver medalists" in shown and "2 of these matches were rejected after an interview or an offer" in shown
    shots(page, "jobs-silver")
    button(page, "Request permission from 2 silver medalists").send_keys(Keys.ENTER)
    wait(page, lambda d: "Permission request drafted" in text(d))
    shots(page, "jobs-silver-requested")
    campaign_id = page.current_url.split("requested=")[1].split("#")[0]
    draft = api(stack, "GET", f"/campaigns/{campaign_id}")
    assert draft["status"] == "draft" and draft["kind"] == "permission_request"
    members = api(stack, "GET", f"/pools/{draft['audience']['pools'][0]}/members")["items"]
    assert sorted(m["email"] for m in members) == sorted(people)
    link(page, "Review the permission request").click()
    wait(page, lambda d: campaign_id in d.current_url)
    assert not [m for m in stack.outbox() if any(p in m["to"] for p in people)]  # a draft: nothing sent
