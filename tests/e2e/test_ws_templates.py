"""Templates in the workspace, in a real browser on a real local stack, driven by the contract's names: a new
template written with a mistake (its part and line said as you type), fixed, previewed as a chosen person (the HTML
styled in its sandboxed frame), a merge field inserted from the keyboard, a test send to yourself (in the outbox),
saved; checked through the API afterwards. Screenshots of the list and the editor at 1280 and 390 px."""
from __future__ import annotations


from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from .support import ADMIN_EMAIL, unique_email
from .workspace import api, button, field, link, on_page, shots, sign_in, text, wait

NAME = "Meetup invitation (e2e)"
BROKEN = '<html><body>\n<p style="color: #b91c1c">Hello {{ candidate.first_name }}</p>\n<p>{{ candidate.city }</p>\n</body></html>'
FIXED = '<html><body>\n<p style="color: #b91c1c">Hello {{ candidate.first_name }}</p>\n<p>See you in {{ candidate.city }}</p>\n</body></html>'


def preview_text(driver) -> str:
    return driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby='preview-title']").text


def typed(driver, label: str, value: str) -> None:
    control = field(driver, label)
    control.clear()
    control.send_keys(value)


def test_write_preview_insert_test_and_save_a_template(stack, page):
    email = unique_email("tmpl")
    person = api(stack, "POST", "/candidates", {"email": email, "first_name": "Eve", "last_name": "Templeton",
                                                "city": "Lisbon"})
    sign_in(page, stack, path="/dashboard/templates")
    on_page(page, "Templates")
    button(page, "New template").click()
    on_page(page, "New template")

    typed(page, "Name", NAME)
    Select(field(page, "Category")).select_by_visible_text("Event invite")
    typed(page, "Subject", "{{ candidate.first_name }}, join our meetup")
    field(page, "HTML").send_keys(BROKEN)
    wait(page, lambda d: "HTML, line 3" in preview_text(d), "the mistake is said with its part and line")
    assert "Line 3:" in field(page, "HTML").find_element(By.XPATH, "..").text  # beside the field too
    shots(page, "template-problems")

    field(page, "HTML").clear()
    field(page, "HTML").send_keys(FIXED)
    wait(page, lambda d: "Ada, join our meetup" in preview_text(d), "the sample person's preview")
    typed(page, "Preview as (email)", email)
    wait(page, lambda d: "Eve, join our meetup" in preview_text(d), "the preview as the person chosen")
    assert "See you in Lisbon" in preview_text(page)  # the text part

    frame = page.find_element(By.CSS_SELECTOR, "iframe[sandbox]")
    page.switch_to.frame(frame)
    try:
        greeting = page.find_element(By.TAG_NAME, "p")
        assert greeting.text == "Hello Eve"
        assert greeting.value_of_css_property("color") == "rgba(185, 28, 28, 1)"  # the email's own style shows
        assert "Unsubscribe" in page.find_element(By.TAG_NAME, "body").text
    finally:
        page.switch_to.default_content()

    # a merge field, from the keyboard: choose it, choose where, Enter on "Insert"
    Select(field(page, "Merge field")).select_by_value("company.name")
    Select(field(page, "Insert into")).select_by_visible_text("Subject")
    button(page, "Insert").send_keys(Keys.ENTER)
    wait(page, lambda d: field(d, "Subject").get_attribute("value").endswith("{{ company.name }}"))
    assert "Added {{ company.name }} at the end of the Subject." in text(page)
    assert field(page, "Preview as (email)").get_attribute("value") == email  # the rest is as it was
    company = api(stack, "POST", "/templates/preview", {"subject": "{{ company.name }}", "html": "x"})["subject"]
    button(page, "Preview").click()
    wait(page, lambda d: f"Eve, join our meetup {company}" in preview_text(d), "the preview after the insert")

    button(page, "Send a test to me").click()
    wait(page, lambda d: f"Sent to {ADMIN_EMAIL}" in text(d), "the test send says where it went")
    sent = stack.wait_for_email(ADMIN_EMAIL)
    assert sent["subject"].startswith("[Test] Eve, join our meetup")
    assert NAME not in [t["name"] for t in api(stack, "GET", "/templates?limit=500")["items"]]  # nothing saved yet
    shots(page, "template-editor")

    button(page, "Save template").click()
    on_page(page, NAME)  # saved, the editor shows the template
    assert "Template saved." in text(page)
    assert "Eve, join our meetup" in preview_text(page)  # still as the person chosen
    shots(page, "template-saved")
    [saved] = [t for t in api(stack, "GET", "/templates?limit=500")["items"] if t["name"] == NAME]
    assert saved["category"] == "event_invite" and saved["html"] == FIXED
    assert saved["subject"].endswith("{{ company.name }}")
    preview = api(stack, "POST", f"/templates/{saved['id']}/preview", {"candidate_id": person["id"]})
    assert preview["subject"].startswith("Eve, join our meetup")

    link(page, "All templates").click()
    on_page(page, "Templates")
    assert NAME in text(page) and "Event invite" in text(page)
    shots(page, "templates")
    link(page, NAME).click()
    on_page(page, NAME)
    wait(page, lambda d: "Ada, join our meetup" in preview_text(d))
    refused = [entry["message"] for entry in page.get_log("browser") if "Content Security Policy" in entry["message"]]
    assert not refused, refused  # the preview's styles are allowed, and nothing else was tried


def test_the_editor_works_from_the_keyboard(stack, page):
    sign_in(page, stack, path="/dashboard/templates/new")
    on_page(page, "New template")
    field(page, "Name").click()
    active = page.switch_to.active_element
    for _ in range(3):  # Name, Category, Subject: Tab goes through them in order
        active.send_keys(Keys.TAB)
        active = page.switch_to.active_element
    assert active.get_attribute("id") == "html"
    active.send_keys("<p>{{ candidate.first_name }}</p>")
    field(page, "Subject").send_keys("Hello")
    wait(page, lambda d: "No problems" in preview_text(d), "the preview follows the keyboard")
    styles = page.execute_script("return getComputedStyle(document.activeElement).outlineStyle")
    assert styles != "none"  # focus is visible
