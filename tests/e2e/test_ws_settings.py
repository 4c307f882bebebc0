"""The workspace's Settings page in a real browser (admins): the stage's sending setup, then the deliverability
doctor's checks run by the button; on the local stack DNS and the SES account are skipped, and the page says why.
Checked against GET /doctor afterwards. Screenshots at 1280 and 390 px."""
from .workspace import api, button, heading, link, shots, sign_in, text, wait


def test_an_admin_runs_the_doctor_on_the_settings_page(stack, page):
    sign_in(page, stack)
    link(page, "Settings").click()
    wait(page, lambda d: heading(d) == "Settings")
    shown = text(page)
    for words in ("Sending setup", "From address", "talent@example.com", "MAIL FROM domain", "Reply domain",
                  "AWS region", "CRM_SES_MAX_RATE", "Configuration set, marketing"):
        assert words in shown, words
    shots(page, "settings")
    button(page, "Run checks").click()
    wait(page, lambda d: "Not checked here" in text(d), "the checks come back", timeout=30)
    shown = text(page)
    assert "DNS: the local stack: its domains are example.com placeholders, with no DNS to ask" in shown
    assert "SES account: the local stack: the emulator has no SES account" in shown
    assert "Nothing to fix." in shown and "Skipped" in shown
    assert heading(page) == "Settings" and page.current_url.endswith("/dashboard/settings")  # swapped in place
    shots(page, "settings-checks")
    report = api(stack, "GET", "/doctor")
    assert report["needs_fixing"] is False and set(report["skipped"]) == {"dns", "account"}
    assert all(c["state"] == "skipped" for c in report["checks"] if c["name"].startswith("dns:"))
