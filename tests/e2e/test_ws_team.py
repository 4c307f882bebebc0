"""The team in the workspace, in a real browser on a real local stack (an admin's pages): a member invited by form
(the invitation in the outbox), their role changed by keyboard, disabled and enabled, an API key made for them
(shown once) and revoked, the audit log filtered, the member deleted after the confirmation page; each step checked
through the API. Screenshots of every team page at 1280 and 390 px (build/workspace-team-*.png)."""
from __future__ import annotations

import email as email_parser
import email.policy
import re
import time
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from .support import http
from .workspace import api, button, field, link, on_page, shots, sign_in, text, wait


def member_by_email(stack, email: str) -> dict | None:
    return next((u for u in api(stack, "GET", "/users")["items"] if u["email"] == email), None)


def text_part_of(message: dict) -> str:
    parsed = email_parser.message_from_string(message["raw"], policy=email.policy.default)
    return parsed.get_body(preferencelist=("plain",)).get_content()


def works(stack, key: str) -> int:
    return http("GET", stack.url + "/me", headers={"Authorization": f"Bearer {key}"}).status


def test_an_admin_invites_changes_keys_audits_and_deletes_a_member(stack, page):
    tag = uuid.uuid4().hex[:8]
    email = f"rita-{tag}@example.com"
    sign_in(page, stack)
    link(page, "Team").click()
    on_page(page, "Team")
    shots(page, "team-members")

    link(page, "Invite member").click()
    on_page(page, "Invite member")
    button(page, "Send invitation").click()  # nothing typed: each problem beside its field
    wait(page, lambda d: "Nobody was invited" in text(d))
    assert field(page, "Email").get_attribute("aria-invalid") == "true"
    shots(page, "team-invite-errors")
    field(page, "Email").send_keys(email)
    field(page, "Name").send_keys(f"Rita {tag}")
    Select(field(page, "Role")).select_by_visible_text("Viewer")
    shots(page, "team-invite")
    button(page, "Send invitation").click()
    on_page(page, f"Rita {tag}")  # the new member's page
    wait(page, lambda d: f"Invitation sent to {email}" in text(d))
    made = member_by_email(stack, email)
    assert made["role"] == "viewer" and made["status"] == "invited" and made["name"] == f"Rita {tag}"
    invitation = stack.wait_for_email(email)
    assert re.search(r"Temporary password: \S+", text_part_of(invitation))
    role = field(page, "Role")  # by keyboard: choose, then Tab to the button and Enter
    role.send_keys("r")  # "Recruiter"
    assert Select(role).first_selected_option.text == "Recruiter"
    role.send_keys(Keys.TAB)
    assert page.switch_to.active_element.text == "Change role"
    page.switch_to.active_element.send_keys(Keys.ENTER)
    wait(page, lambda d: "Role changed." in text(d))
    assert member_by_email(stack, email)["role"] == "recruiter"
    shots(page, "team-member")
    button(page, "Disable member").click()
    wait(page, lambda d: "Member disabled" in text(d))
    assert member_by_email(stack, email)["status"] == "disabled"
    button(page, "Enable member").click()
    wait(page, lambda d: "Member enabled" in text(d))
    assert member_by_email(stack, email)["status"] != "disabled"

    link(page, f"Create an API key for Rita {tag}").click()
    on_page(page, "API keys")
    field(page, "Name").send_keys(f"Rita's script {tag}")
    assert Select(field(page, "Member")).first_selected_option.text.startswith(f"Rita {tag}")
    shots(page, "team-keys")
    button(page, "Create API key").click()
    on_page(page, "API key created")
    assert "shown only this once" in text(page)
    key = field(page, "New API key").get_attribute("value")
    assert key.startswith("crm_") and works(stack, key) == 200
    assert api(stack, "GET", "/me")["id"] != made["id"]
    shots(page, "team-key-made")
    link(page, "Done").click()
    on_page(page, "API keys")
    assert key not in page.page_source and f"Rita's script {tag}" in text(page)
    button(page, f"Revoke the key Rita's script {tag}").click()
    wait(page, lambda d: "API key revoked." in text(d))
    deadline = time.monotonic() + 35  # a revoked key stops within 30 s on every container
    while works(stack, key) != 401:
        assert time.monotonic() < deadline, "the revoked key still works"
        time.sleep(1)

    link(page, "Audit log").click()
    on_page(page, "Audit log")
    field(page, "Record").send_keys(made["id"])
    button(page, "Filter").click()
    wait(page, lambda d: f"record={made['id']}" in d.current_url)
    rows = page.find_elements(By.CSS_SELECTOR, "table.audit tbody tr")
    actions = [row.find_elements(By.TAG_NAME, "td")[1].text for row in rows]
    assert actions[:4] == ["POST /dashboard/team/members/{user_id}/enable",
                           "POST /dashboard/team/members/{user_id}/disable",
                           "POST /dashboard/team/members/{user_id}/role", "POST /dashboard/team/invite"], actions
    entries = api(stack, "GET", f"/audit?target={made['id']}")["items"]
    assert [e["action"] for e in entries][:4] == actions[:4]
    shots(page, "team-audit")

    link(page, "Members").click()
    on_page(page, "Team")
    link(page, f"Rita {tag}").click()
    on_page(page, f"Rita {tag}")
    link(page, "Delete member").click()
    on_page(page, f"Delete Rita {tag}?")
    assert "cannot be undone" in text(page)
    shots(page, "team-delete")
    button(page, "Delete member").click()
    on_page(page, "Team")
    wait(page, lambda d: "Member deleted" in text(d))
    assert member_by_email(stack, email) is None
    assert email not in text(page)


def test_an_admin_cannot_demote_themselves_and_the_page_says_why(stack, page):
    sign_in(page, stack, path="/dashboard/team")
    on_page(page, "Team")
    mine = page.find_element(By.XPATH, "//span[@class='you']/preceding-sibling::a")
    mine.click()
    wait(page, lambda d: "This is your own account" in text(d))
    assert not [b for b in page.find_elements(By.TAG_NAME, "button") if b.text == "Disable member"]
