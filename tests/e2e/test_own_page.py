"""The person's own page (/u/{token}) in a real browser on a real local stack, reached from a campaign email's
unsubscribe link (no sign-in): what we hold, a pause and resuming early, how often, topics, channels, the
download, and "delete me" through its emailed confirmation to the goodbye page; checked against the API after
each step; screenshots at 1280 and 390 px (build/workspace-own-page-*.png)."""
from __future__ import annotations

import re
import time
import uuid
from email import message_from_string, policy

from .support import http
from .workspace import api, button, email_with_subject, field, link, on_page, shots, subscriber, text, wait


def erase_email(stack, to: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in stack.outbox() if to in m["to"] and m["subject"].startswith("Confirm: delete your data")]
        if found:
            return found[0]
        assert time.monotonic() < deadline, f"no erasure email to {to}"
        stack.tick()
        time.sleep(0.3)


def plain(raw: str) -> str:
    return message_from_string(raw, policy=policy.default).get_body(preferencelist=("plain",)).get_content()


def test_a_person_runs_their_own_page_and_deletes_themselves(stack, page):
    tag = uuid.uuid4().hex[:8]
    person = subscriber(stack, first_name="Grace", skills="python")
    address = person["email"]
    pool = api(stack, "POST", "/pools", {"name": f"Own page {tag}", "kind": "static"})
    api(stack, "POST", f"/pools/{pool['id']}/members", {"candidate_ids": [person["id"]]})
    template = api(stack, "POST", "/templates", {"name": f"Own page {tag}", "category": "company_news",
                                                 "subject": f"News {tag}", "html": "<p>Hello</p>"})
    campaign = api(stack, "POST", "/campaigns", {"name": f"Own page {tag}", "channel": "email",
                                                 "category": "company_news", "audience": {"pools": [pool["id"]]},
                                                 "steps": [{"template_id": template["id"]}]})
    api(stack, "POST", f"/campaigns/{campaign['id']}/schedule")
    sent = email_with_subject(stack, address, f"News {tag}")
    api(stack, "PATCH", f"/candidates/{person['id']}", {"phone": "+442079460958", "sms_consent": True})
    own = re.search(r"List-Unsubscribe: <([^>]+)>", sent["raw"]).group(1)

    page.get(own)
    on_page(page, "Your details and choices")
    shown = text(page)
    for words in ("Hi Grace.", address, "python", "The form on our careers page.", "You agreed to our emails on"):
        assert words in shown, words
    assert re.search(r"Emails in the last 12 months\s+2\b", shown)  # the sign-up's confirmation and the campaign's
    shots(page, "own-page")

    button(page, "Pause for 3 months").click()
    wait(page, lambda d: "Everything is paused until" in text(d), "no pause")
    assert "Paused. We will not contact you" in text(page)
    assert api(stack, "GET", f"/candidates/{person['id']}")["preferences"]["paused_until"]
    shots(page, "own-page-paused")
    button(page, "Resume now").click()
    wait(page, lambda d: "Welcome back" in text(d), "no resume")
    assert api(stack, "GET", f"/candidates/{person['id']}")["preferences"]["paused_until"] is None

    field(page, "At most 4 a month").click()
    button(page, "Save how often").click()
    wait(page, lambda d: "Saved: we will keep to how often you chose." in text(d), "how often not saved")
    assert field(page, "At most 4 a month").is_selected()
    assert api(stack, "GET", f"/candidates/{person['id']}")["preferences"]["max_per_month"] == 4

    field(page, "Company news").click()  # off
    button(page, "Save topics").click()
    wait(page, lambda d: "Your choices are saved." in text(d), "topics not saved")
    assert api(stack, "GET", f"/candidates/{person['id']}")["preferences"]["unsubscribed_categories"] == [
        "company_news"]

    field(page, "Emails").click()  # off
    field(page, "Text messages to +442079460958").click()  # off
    button(page, "Save channels").click()
    wait(page, lambda d: "Saved: we will only use the ways you chose." in text(d), "channels not saved")
    now = api(stack, "GET", f"/candidates/{person['id']}")
    assert sorted(now["preferences"]["channels_off"]) == ["email", "sms"] and now["sms_consent"] is False
    assert "You turned text messages off on" in text(page)
    field(page, "Text messages to +442079460958").click()  # on again: she had agreed before
    button(page, "Save channels").click()
    wait(page, lambda d: field(d, "Text messages to +442079460958").is_selected(), "texts not on again")
    assert api(stack, "GET", f"/candidates/{person['id']}")["sms_consent"] is True

    download = link(page, "Download my data (JSON)").get_attribute("href")
    answer = http("GET", download)
    assert answer.status == 200 and "attachment" in answer.headers["Content-Disposition"]
    assert answer.json()["candidate"]["id"] == person["id"]

    link(page, "Delete me").click()
    on_page(page, "Delete your data")
    assert address in text(page)
    shots(page, "own-page-delete")
    button(page, "Send me the confirmation email").click()
    wait(page, lambda d: "We sent you an email" in text(d), "no confirmation notice")
    confirm = re.search(r"https?://\S+/erase/\S+", plain(erase_email(stack, address)["raw"])).group(0)

    page.get(confirm)
    on_page(page, "Delete your data")
    assert api(stack, "GET", f"/candidates/{person['id']}")["id"] == person["id"]  # opening the link erased nothing
    shots(page, "own-page-erase")
    button(page, "Delete my data").click()
    on_page(page, "Your data is deleted")
    shots(page, "own-page-goodbye")
    api(stack, "GET", f"/candidates/{person['id']}", expect=(404,))
    page.get(own)
    on_page(page, "Link not valid")
