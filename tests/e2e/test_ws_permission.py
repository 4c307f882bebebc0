"""Issue 18 in a real browser: "Write to" on a person's profile (a one-to-one email), the campaign wizard's
"Permission request", and the join and object pages a permission request's email links to; screenshots at 1280
and 390 px."""
import re
from email import message_from_string, policy

from .support import unique_email
from .workspace import api, button, email_with_subject, field, link, on_page, shots, sign_in, text, wait


def link_in(email: dict, action: str) -> str:
    """The path of the email's join or object link, read from its text part (the raw MIME is quoted-printable)."""
    plain = message_from_string(email["raw"], policy=policy.default).get_body(preferencelist=("plain",)).get_content()
    return re.search(rf"(/community/{action}/[\w.\-]+)", plain).group(1)


def sourced(stack, first_name: str) -> dict:
    return api(stack, "POST", "/candidates", {"email": unique_email(first_name.lower()), "first_name": first_name,
                                              "skills": ["python"], "city": "Berlin"})


def test_write_to_a_sourced_person(stack, page):
    ada = sourced(stack, "Ada")
    sign_in(page, stack, path=f"/dashboard/candidates/{ada['id']}")
    on_page(page, "Ada")
    link(page, "Write to").click()
    on_page(page, "Write to Ada")
    field(page, "Subject").send_keys("A data role in Berlin, {{ candidate.first_name }}")
    field(page, "Message").send_keys("Hi {{ candidate.first_name }},\n\nYour Python work caught my eye. A chat?\n\nAda")
    field(page, "Reason").send_keys("Data engineer opening, Berlin")
    shots(page, "write-to")
    button(page, "Send").click()
    wait(page, lambda d: "on its way" in text(d), "the profile says the email is on its way")
    shots(page, "write-to-sent")
    sent = email_with_subject(stack, ada["email"], "A data role in Berlin, Ada")
    assert "a recruiter of ours" in sent["raw"] and "/community/object/" in sent["raw"] and "/t/o/" not in sent["raw"]
    timeline = api(stack, "GET", f"/candidates/{ada['id']}/timeline")["items"]
    assert any(i["kind"] == "outreach" and i["data"]["reason"] == "Data engineer opening, Berlin" for i in timeline)

    page.get(stack.url + f"/dashboard/candidates/{ada['id']}/write")  # again: written to today
    field(page, "Subject").send_keys("Again")
    field(page, "Message").send_keys("Hello again")
    field(page, "Reason").send_keys("A second role")
    button(page, "Send").click()
    wait(page, lambda d: "contacted in the last 7 days" in text(d))
    shots(page, "write-to-refused")


def test_a_permission_request_from_the_wizard_then_join_and_object(stack, page):
    grace, linus = sourced(stack, "Grace"), sourced(stack, "Linus")
    pool = api(stack, "POST", "/pools", {"name": f"Berlin {grace['id'][-6:]}", "kind": "static"})
    api(stack, "POST", f"/pools/{pool['id']}/members", {"candidate_ids": [grace["id"], linus["id"]]})
    template = api(stack, "POST", "/templates", {
        "name": "Join us", "category": "career_advice", "subject": "Would you like to hear from us?",
        "html": "<html><body><p>Hi {{ candidate.first_name }}, we hire engineers in Berlin now and then.</p></body></html>"})
    sign_in(page, stack, path="/dashboard/campaigns/new")
    on_page(page, "New campaign")
    field(page, "Permission request").click()
    field(page, "Name").send_keys("Berlin permission request")
    field(page, pool["name"]).click()
    shots(page, "campaign-kind")
    button(page, "Next").click()
    wait(page, lambda d: "/steps" in d.current_url)
    campaign_id = re.search(r"/dashboard/campaigns/(camp_\w+)/", page.current_url).group(1)
    assert api(stack, "GET", f"/campaigns/{campaign_id}")["kind"] == "permission_request"
    api(stack, "PATCH", f"/campaigns/{campaign_id}", {"steps": [{"template_id": template["id"]}],
                                                      "category": "career_advice"})
    api(stack, "POST", f"/campaigns/{campaign_id}/schedule")

    email = email_with_subject(stack, grace["email"], "Would you like to hear from us?")
    join = link_in(email, "join")
    page.get(stack.url + join)
    on_page(page, "Join the Talent CRM talent community")
    shots(page, "community-join")
    assert api(stack, "GET", f"/candidates/{grace['id']}")["status"] == "not_subscribed"  # the GET changed nothing
    button(page, "Join the talent community").click()
    wait(page, lambda d: d.find_element("tag name", "h1").text.startswith("Thank you"))
    shots(page, "community-joined")
    assert api(stack, "GET", f"/candidates/{grace['id']}")["status"] == "subscribed"

    other = email_with_subject(stack, linus["email"], "Would you like to hear from us?")
    objection = link_in(other, "object")
    page.get(stack.url + objection)
    on_page(page, "Object to being contacted")
    shots(page, "community-object")
    button(page, "Object").click()
    on_page(page, "We will not contact you again")
    shots(page, "community-objected")
    assert api(stack, "GET", f"/candidates/{linus['id']}")["status"] == "unsubscribed"
    figures = api(stack, "GET", f"/analytics/campaigns/{campaign_id}")
    assert (figures["joined"], figures["objected"]) == (1, 1)
