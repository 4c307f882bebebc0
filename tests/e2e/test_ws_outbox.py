"""The local outbox in a real browser on a real local stack: the list (subject, to, when) reached from the
workspace, one campaign email read as its recipient reads it (the HTML part in a sandboxed frame with its styles,
the text part, the headers that matter), at 1280 and 390 px (build/workspace-outbox-*.png)."""
from __future__ import annotations

import uuid

from selenium.webdriver.common.by import By

from .workspace import api, email_with_subject, link, on_page, shots, sign_in, subscriber, text, wait

HTML = ("<html><body style=\"font-family:Arial,sans-serif;color:#1f2933\">"
        "<h1 style=\"color:#0b6e4f\">Hello {{ candidate.first_name | default('there') }}</h1>"
        "<p>Our platform team is growing.</p>"
        "<p><a href=\"https://careers.example.com/jobs/1\" style=\"display:inline-block;padding:10px 18px;"
        "background:#1d4ed8;color:#ffffff;text-decoration:none;border-radius:6px\">See the role</a></p>"
        "</body></html>")


def test_a_campaign_email_read_in_the_outbox_as_the_candidate_sees_it(stack, page):
    tag = uuid.uuid4().hex[:8]
    person = subscriber(stack, first_name="Grace", skills="python")
    address = person["email"]
    pool = api(stack, "POST", "/pools", {"name": f"Outbox {tag}", "kind": "static"})
    api(stack, "POST", f"/pools/{pool['id']}/members", {"candidate_ids": [person["id"]]})
    template = api(stack, "POST", "/templates", {"name": f"Outbox {tag}", "category": "company_news",
                                                 "subject": f"News {tag}", "html": HTML})
    campaign = api(stack, "POST", "/campaigns", {"name": f"Outbox {tag}", "channel": "email",
                                                 "category": "company_news", "audience": {"pools": [pool["id"]]},
                                                 "steps": [{"template_id": template["id"]}]})
    api(stack, "POST", f"/campaigns/{campaign['id']}/schedule")
    sent = email_with_subject(stack, address, f"News {tag}")

    sign_in(page, stack)
    link(page, "Outbox").click()
    on_page(page, "Local outbox")
    row = next(tr for tr in page.find_elements(By.CSS_SELECTOR, "tbody tr") if f"News {tag}" in tr.text)
    assert address in row.text and row.find_element(By.TAG_NAME, "time").get_attribute("datetime")
    shots(page, "outbox-list")

    link(page, f"News {tag}").click()
    on_page(page, f"News {tag}")
    assert page.current_url.endswith("/dev/outbox?id=" + sent["message_id"])
    headers = {dt.text: dd.text for dt, dd in zip(page.find_elements(By.CSS_SELECTOR, ".email-headers dt"),
                                                  page.find_elements(By.CSS_SELECTOR, ".email-headers dd"))}
    assert address in headers["To"] and headers["From"] and headers["List-Unsubscribe"].startswith(f"<{stack.url}/u/")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Hello Grace" in text(page)  # the text part

    frame = page.find_element(By.CSS_SELECTOR, "iframe.email-frame")
    assert "allow-scripts" not in frame.get_attribute("sandbox")
    page.switch_to.frame(frame)
    try:
        heading = wait(page, lambda d: d.find_elements(By.TAG_NAME, "h1"))[0]
        assert heading.text == "Hello Grace"
        # the email's own inline styles apply, as in the candidate's mail client
        assert heading.value_of_css_property("color") in ("rgba(11, 110, 79, 1)", "rgb(11, 110, 79)")
        role = page.find_element(By.LINK_TEXT, "See the role")
        assert role.value_of_css_property("background-color") in ("rgba(29, 78, 216, 1)", "rgb(29, 78, 216)")
        assert "/t/c/" in role.get_attribute("href")  # the tracked link, as sent
        assert not page.find_elements(By.CSS_SELECTOR, "img[src*='/t/o/']")  # no open counted for reading here
    finally:
        page.switch_to.default_content()
    shots(page, "outbox-email")
    analytics = api(stack, "GET", f"/analytics/campaigns/{campaign['id']}")
    assert analytics["opened"] == 0 and analytics["opens"] == 0
