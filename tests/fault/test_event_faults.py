"""SES events through SNS under faults: SNS's retries (the same event 2-3 times, under one SNS id or several), a
delivery refused half-way and retried, and events out of order (a click before the delivery, a bounce or a
delivery that arrives before the worker wrote the send's record)."""
import json
import uuid

import pytest

from tests.app import sns_signing, test_ses_webhook
from tests.fault.conftest import record
from tests.fault.harness import ledger
from tests.fault.injector import dynamodb_error

TEXT = {"Content-Type": "text/plain; charset=UTF-8"}


trusted_cert = test_ses_webhook.trusted_cert  # the one fixture trusting the test signer (autouse)


def post(client, fixture: str, message_id: str, email: str, sns_id: str | None = None, tags: dict | None = None):
    event = sns_signing.ses_event(fixture, message_id=message_id, email=email)
    if tags:  # as SES publishes the message tags the worker sent with (services/sending/channels.py)
        event["mail"]["tags"] = {name: [value] for name, value in tags.items()}
    return client.http.post("/webhooks/ses", headers=TEXT,
                            body=json.dumps(sns_signing.notification(event, sns_id or str(uuid.uuid4()))))


def ses_id(email: str) -> str:
    """The message id SES gave the email to `email` (the emulated outbox)."""
    from tests.app.helpers import outbox

    [item] = [i for i in outbox() if email in i["to"]]
    return item["message_id"]


def person(candidate_id: str) -> dict:
    from chalicelib import wiring

    return wiring.candidate_repo.__wrapped__().get(candidate_id)


def send_of(campaign_id: str, candidate_id: str) -> dict:
    from chalicelib import wiring
    from chalicelib.domain.tracking import send_key

    key = send_key(campaign_id, 0, candidate_id)
    return wiring.campaign_sends.__wrapped__().get_many([key]).get(key) or {}


def figures(name: str, audience, queue, **extra) -> dict:
    row = ledger(name, audience["campaign"]["id"], 0, audience["eligible"], audience["ineligible"], queue)
    from chalicelib import wiring

    stats = wiring.analytics().campaign(audience["campaign"]["id"])
    row.detail.update({k: stats[k] for k in ("delivered", "bounced", "clicked")}, **extra)
    record(row)
    assert row.duplicated == 0 and row.sent_to_ineligible == 0 and row.unreported == 0 and row.unknown == 0
    return stats


@pytest.mark.parametrize("same_sns_id", [True, False])
@pytest.mark.parametrize("fixture,counted", [("event_delivery.json", "delivered"),
                                             ("event_bounce_permanent.json", "bounced")])
def test_sns_retries_an_event(client, audience, faults, queue, fixture, counted, same_sns_id):
    """SNS delivers the same SES event three times (its retries keep the SNS id; SES may publish an event twice)."""
    queue.drain()
    first = audience["eligible"][0]
    answers = [post(client, fixture, ses_id("p00@example.com"), "p00@example.com",
                    sns_id="sns-1" if same_sns_id else None).status_code for _ in range(3)]
    name = f"sns:{counted}_x3:{'same_id' if same_sns_id else 'new_ids'}"
    stats = figures(name, audience, queue)
    assert answers == [200, 200, 200]
    assert stats[counted] == 1
    if counted == "bounced":
        assert person(first)["status"] == "bounced"


@pytest.mark.parametrize("code,status", [("ProvisionedThroughputExceededException", 400),
                                         ("InternalServerError", 500)])
def test_sns_retries_a_bounce_we_failed_half_way(client, audience, faults, queue, code, status):
    """The first delivery of a permanent bounce marks the send, then DynamoDB refuses the person's suppression:
    we answer 5xx and SNS delivers it again. The retry must suppress the address, or the next campaign mails a
    hard-bounced address (sent to someone ineligible). ses_events.py suppresses before it marks the send."""
    queue.drain()
    first = audience["eligible"][0]
    faults.add("candidates.update", nth=1, error=dynamodb_error("PutItem", code, status))
    failed = post(client, "event_bounce_permanent.json", ses_id("p00@example.com"), "p00@example.com", sns_id="sns-b")
    assert failed.status_code >= 500  # SNS retries it
    retried = post(client, "event_bounce_permanent.json", ses_id("p00@example.com"), "p00@example.com",
                   sns_id="sns-b")
    assert retried.status_code == 200
    figures(f"sns:bounce_retried_after_{code}", audience, queue, status=person(first)["status"])
    assert person(first)["status"] == "bounced", "the retried bounce did not suppress the address"


def test_a_click_before_the_delivery(client, audience, faults, queue, monkeypatch):
    from datetime import timedelta

    from chalicelib.domain.clock import utcnow
    from tests.app.campaign_helpers import email_links
    from tests.app.helpers import fixed_clock, outbox

    queue.drain()
    fixed_clock(monkeypatch, utcnow() + timedelta(minutes=10))  # a person's click, not a link scanner's
    first = audience["eligible"][0]
    [email] = [i for i in outbox() if "p00@example.com" in i["to"]]
    browser = {"User-Agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605.1.15"}
    assert client.http.get(email_links(email)["click"], headers=browser).status_code in (302, 303)
    assert post(client, "event_delivery.json", ses_id("p00@example.com"), "p00@example.com").status_code == 200
    stats = figures("order:click_before_delivery", audience, queue)
    send = send_of(audience["campaign"]["id"], first)
    assert send.get("clicked_at") and send.get("delivered_at")
    assert stats["clicked"] == 1 and stats["delivered"] == 1


@pytest.mark.parametrize("fixture", ["event_bounce_permanent.json", "event_delivery.json"])
def test_an_event_before_the_send_record(client, audience, faults, queue, fixture):
    """SES reports on the first email while the worker has not yet written its record (its message id unknown):
    ses_events.py finds the send by its message tags, and the record (store/sends.py) keeps what was marked."""
    first = audience["eligible"][0]
    posted = []
    tags = {"campaign_id": audience["campaign"]["id"], "step": "0", "candidate_id": first}

    def report():
        posted.append(post(client, fixture, ses_id("p00@example.com"), "p00@example.com", tags=tags).status_code)

    faults.add("sends.record", nth=1, meddle=report)
    queue.drain()
    kind = fixture.split("_")[1].split(".")[0]
    send = send_of(audience["campaign"]["id"], first)
    stats = figures(f"order:{kind}_before_send_record", audience, queue, status=person(first)["status"],
                    send_marked=bool(send.get("bounced_at") or send.get("delivered_at")))
    assert posted == [200]
    if kind == "bounce":  # the address is suppressed all the same (found by its address): never mailed again
        assert person(first)["status"] == "bounced"
    assert stats["sent"] == 12
    assert stats["bounced" if kind == "bounce" else "delivered"] == 1, "the event was not counted"
    assert send.get("bounced_at" if kind == "bounce" else "delivered_at"), "the send was not marked"
