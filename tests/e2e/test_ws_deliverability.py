"""The deliverability autopilot in a real browser, on a stack of its own whose pause levels need few sends
(CRM_AUTOPAUSE_MIN_SENDS=3, CRM_AUTOPAUSE_ACCOUNT_MIN_SENDS=5): real campaign emails, signed SES bounces through
/webhooks/ses, a campaign paused for its bounce rate, then all marketing paused for the account's; an admin resumes
sending on the Deliverability page and the campaign from its own page. Screenshots at 1280 and 390 px."""
import json

import pytest

from crmlocal.fake_sns import FakeSns

from .support import Stack, unique_email
from .workspace import api, button, heading, link, shots, sign_in, subscriber, text, wait

SES_TOPIC = "arn:aws:sns:us-east-1:000000000000:crm-ses-events"  # the local stack's CRM_SES_TOPIC_ARN


class FewSendsStack(Stack):
    def environment(self) -> dict:
        return {**super().environment(), "CRM_AUTOPAUSE_MIN_SENDS": "3", "CRM_AUTOPAUSE_ACCOUNT_MIN_SENDS": "5"}


@pytest.fixture(scope="module")
def few(tmp_path_factory):
    stack = FewSendsStack("deliverability", tmp_path_factory.mktemp("crm-data-deliverability")).start()
    yield stack
    stack.stop()


def sequence(stack, name, pool_id, template_id):
    """A two-step sequence (the second a day later: it stays `sending`), scheduled, its first step sent."""
    made = api(stack, "POST", "/campaigns", {"name": name, "category": "company_news", "audience": {"pools": [pool_id]},
                                             "steps": [{"template_id": template_id},
                                                       {"template_id": template_id, "delay": "P1D"}]})
    api(stack, "POST", f"/campaigns/{made['id']}/schedule")
    for _ in range(5):
        stack.tick()
    return made


def bounce(stack, campaign_id, person, n):
    sends = api(stack, "GET", f"/candidates/{person['id']}/export")["sends"]
    send = next(s for s in sends if s.get("campaign_id") == campaign_id)
    event = {"eventType": "Bounce", "mail": {"messageId": send["message_id"], "destination": [person["email"]]},
             "bounce": {"bounceType": "Permanent", "bounceSubType": "General", "feedbackId": f"e2e-bounce-{n}",
                        "bouncedRecipients": [{"emailAddress": person["email"], "status": "5.1.1"}]}}
    envelope = FakeSns.kept(stack.data_dir).notification(json.dumps(event), topic_arn=SES_TOPIC,
                                                         message_id=f"e2e-sns-{n}")
    answer = stack.post("/webhooks/ses", headers={"Content-Type": "text/plain"}, data=json.dumps(envelope).encode())
    assert answer.status == 200 and answer.json() == {"status": "suppressed"}, answer.text


def test_paused_for_bounces_then_for_the_account_and_resumed_by_people(few, page):
    tag = unique_email("d").split("@")[0][-6:]
    people = [subscriber(few, first_name=f"P{i}", skills=["deliverability"]) for i in range(4)]
    audience = api(few, "POST", "/pools", {"name": f"Deliverability {tag}", "kind": "dynamic",
                                           "rules": {"field": "skills", "op": "contains_any",
                                                     "value": ["deliverability"]}})
    tmpl = api(few, "POST", "/templates", {"name": f"News {tag}", "category": "company_news", "subject": "News",
                                           "html": "<p>Hello {{ candidate.first_name }}</p>"})
    for _ in range(3):
        few.tick()
    first = sequence(few, f"Autumn news {tag}", audience["id"], tmpl["id"])
    assert api(few, "GET", "/deliverability")["rates"]["24h"]["sent"] == 4
    bounce(few, first["id"], people[0], 1)  # 1 in 4: 25%, over 5% with 4 sends (3 needed)
    paused = api(few, "GET", f"/campaigns/{first['id']}")
    assert paused["status"] == "paused" and paused["paused_reason"] == "bounce_rate"

    sign_in(page, few)
    link(page, "Deliverability").click()
    wait(page, lambda d: heading(d) == "Deliverability")
    wait(page, lambda d: "Paused automatically: bounce rate 25.0% after 4 sends" in text(d))
    assert "Resume sending" not in text(page)  # the account is not paused: one campaign is
    shots(page, "deliverability-campaign-paused")
    link(page, f"Autumn news {tag}").click()
    wait(page, lambda d: "Paused automatically: bounce rate 25.0% after 4 sends" in text(d))
    shots(page, "deliverability-campaign-page")

    second = sequence(few, f"Winter news {tag}", audience["id"], tmpl["id"])  # 3 more: the account has 7 sends, 1 bounce
    report = api(few, "GET", "/deliverability")
    assert report["state"] == "paused" and report["account_paused_reason"] == "bounce_rate"
    assert api(few, "GET", f"/campaigns/{second['id']}")["paused_reason"] == "account"
    page.get(few.url + "/dashboard/deliverability")
    wait(page, lambda d: "All marketing sending is paused" in text(d))
    shots(page, "deliverability-account-paused")
    button(page, "Resume sending").click()
    wait(page, lambda d: "All marketing sending is paused" not in text(d) and heading(d) == "Deliverability")
    assert api(few, "GET", f"/campaigns/{second['id']}")["status"] == "sending"
    assert api(few, "GET", "/deliverability")["state"] != "paused"
    assert api(few, "GET", f"/campaigns/{first['id']}")["paused_reason"] == "bounce_rate"  # its own pause stays
    shots(page, "deliverability-resumed")

    link(page, f"Autumn news {tag}").click()
    wait(page, lambda d: "Paused automatically" in text(d))
    button(page, "Resume").click()
    wait(page, lambda d: "Paused automatically" not in text(d))
    assert api(few, "GET", f"/campaigns/{first['id']}")["status"] == "sending"
    audit = api(few, "GET", "/audit")["items"]
    assert any(e["action"] == "POST /dashboard/deliverability/resume" for e in audit)
