"""SES events through SNS, with the AWS documentation samples and real signature checks."""
import json
import uuid
from datetime import timedelta

import pytest

from tests.app import sns_signing
from tests.app.campaign_helpers import act, campaign, campaign_to_ada, template
from tests.app.helpers import body, outbox, tick

TEXT = {"Content-Type": "text/plain; charset=UTF-8"}


@pytest.fixture(autouse=True)
def trusted_cert(client, monkeypatch):
    from dataclasses import replace

    from chalicelib import wiring
    from chalicelib.aws import sns_verify

    sns_verify.reset_cache()
    service = wiring.ses_webhook()
    monkeypatch.setattr(service, "settings", replace(service.settings, sns_trusted_cert=sns_signing.key_and_cert()[1]))
    yield
    sns_verify.reset_cache()


@pytest.fixture
def sent(client, auth, monkeypatch):
    from chalicelib import wiring
    from chalicelib.services import scheduler

    monkeypatch.setattr(scheduler, "RECHECK", timedelta(0))
    ada, made = campaign_to_ada(client, auth)
    [send] = wiring.send_repo().for_candidate(ada["id"])
    return {"ada": ada, "campaign": made, "send": send, "message_id": send["message_id"]}


def post(client, envelope):
    return client.http.post("/webhooks/ses", headers=TEXT, body=json.dumps(envelope))


def deliver(client, sent, fixture, sns_id=None, version="1", email="ada@example.com"):
    event = sns_signing.ses_event(fixture, message_id=sent["message_id"], email=email)
    return post(client, sns_signing.notification(event, sns_id or str(uuid.uuid4()), version))


def status(client, auth, candidate_id):
    return body(client.http.get(f"/candidates/{candidate_id}", headers=auth))["status"]


def totals(campaign_id):
    from chalicelib import wiring

    return wiring.stats_repo().totals(f"campaign#{campaign_id}")


def test_permanent_bounce_suppresses_at_once_and_replays_change_nothing(client, auth, sent):
    response = deliver(client, sent, "event_bounce_permanent.json", sns_id="sns-1")
    assert response.status_code == 200 and body(response) == {"status": "suppressed"}
    assert status(client, auth, sent["ada"]["id"]) == "bounced"
    assert body(deliver(client, sent, "event_bounce_permanent.json", sns_id="sns-1")) == {"status": "duplicate"}
    deliver(client, sent, "event_bounce_permanent.json")  # the same event in a new SNS message
    assert totals(sent["campaign"]["id"])["bounced"] == 1
    tmpl = template(client, auth, name="again")
    again = campaign(client, auth, sent["campaign"]["audience"]["pools"], [{"template_id": tmpl["id"]}], name="again")
    act(client, auth, again["id"], "schedule")
    tick()
    assert len(outbox()) == 1  # never sent to again


def test_older_notification_format_and_signature_version_2(client, auth, sent):
    response = deliver(client, sent, "notification_complaint_with_feedback.json", version="2")
    assert response.status_code == 200
    person = body(client.http.get(f"/candidates/{sent['ada']['id']}", headers=auth))
    assert person["status"] == "complained" and person["preferences"]["unsubscribed_all"] is True
    assert totals(sent["campaign"]["id"])["complained"] == 1


def test_delivery_and_other_events_update_the_send(client, auth, sent):
    from chalicelib import wiring

    assert body(deliver(client, sent, "event_delivery.json")) == {"status": "delivered"}
    assert body(deliver(client, sent, "notification_delivery.json")) == {"status": "duplicate"}
    assert body(deliver(client, sent, "event_delivery_delay.json")) == {"status": "delayed"}
    for name in ("event_send.json", "event_open.json", "event_click.json", "event_subscription.json"):
        assert deliver(client, sent, name).status_code == 200
    send = wiring.tracking().sends.get(sent["send"]["pk"])
    assert send["delivered_at"] and send["delayed_at"]
    assert totals(sent["campaign"]["id"])["delivered"] == 1
    assert deliver(client, sent, "event_rendering_failure.json").status_code == 200
    assert status(client, auth, sent["ada"]["id"]) == "subscribed"


def test_three_transient_bounces_in_30_days_suppress(client, auth, sent):
    event = sns_signing.ses_event("event_bounce_permanent.json", message_id=sent["message_id"], email="ada@example.com")
    event["bounce"]["bounceType"] = "Transient"
    for n in range(3):
        event["bounce"]["feedbackId"] = f"feedback-{n}"
        response = post(client, sns_signing.notification(event, str(uuid.uuid4())))
        assert body(response) == {"status": "transient"}
        assert status(client, auth, sent["ada"]["id"]) == ("bounced" if n == 2 else "subscribed")


def test_unverified_messages_are_refused_and_change_nothing(client, auth, sent):
    event = sns_signing.ses_event("event_bounce_permanent.json", message_id=sent["message_id"], email="ada@example.com")
    good = sns_signing.notification(event, "sns-x")
    cases = [
        dict(good, Message=good["Message"].replace("Permanent", "Transient")),   # altered after signing
        sns_signing.sign(dict(good, TopicArn="arn:aws:sns:us-east-1:000000000000:someone-else")),
        sns_signing.sign(dict(good, SigningCertURL="https://evil.example.com/cert.pem")),
        sns_signing.sign(dict(good, SigningCertURL="http://sns.us-east-1.amazonaws.com/cert.pem")),
        sns_signing.sign(dict(good, SigningCertURL="https://sns.us-east-1.amazonaws.com.evil.com/cert.pem")),
        sns_signing.sign(dict(good, SigningCertURL="https://sns.us-east-1.amazonaws.com/cert.txt")),
        dict(good, SignatureVersion="3"),
        dict(good, Signature="not base64!"),
        sns_signing.fixture("sns_envelope_notification.json"),  # the AWS sample: EXAMPLE signature
    ]
    for envelope in cases:
        response = post(client, envelope)
        assert response.status_code == 403, envelope
        assert body(response)["error"]["code"] == "not_verified"
    assert status(client, auth, sent["ada"]["id"]) == "subscribed"
    assert post(client, good).status_code == 200  # the untouched message still works (no guard was taken)
    assert client.http.post("/webhooks/ses", headers=TEXT, body="not json").status_code == 400


def test_subscription_confirmation_fetches_only_sns_urls(client, monkeypatch):
    from chalicelib import wiring

    fetched = []
    service = wiring.ses_webhook()
    real_confirm = service.inbox.confirm

    def confirm(url):
        from chalicelib.domain.sns import trusted_sns_url

        if not trusted_sns_url(url, pem=False):
            return real_confirm(url)  # raises NotVerified
        fetched.append(url)

    monkeypatch.setattr(service.inbox, "confirm", confirm)
    envelope = sns_signing.fixture("sns_envelope_subscription_confirmation.json")
    envelope.update(TopicArn=sns_signing.TOPIC, SigningCertURL=sns_signing.CERT_URL,
                    SubscribeURL="https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=abc")
    response = post(client, sns_signing.sign(envelope))
    assert response.status_code == 200 and body(response) == {"status": "subscription_confirmed"}
    assert fetched == [envelope["SubscribeURL"]]
    evil = dict(envelope, MessageId="other", SubscribeURL="https://evil.example.com/?Action=ConfirmSubscription")
    assert post(client, sns_signing.sign(evil)).status_code == 403
    other_topic = dict(envelope, MessageId="other2", TopicArn="arn:aws:sns:us-east-1:000000000000:not-ours")
    assert post(client, sns_signing.sign(other_topic)).status_code == 403


# ---------------------------------------------------------------- hostile payloads (issue #11, class 6)

def notify(client, message, sns_id=None):
    """A signed SNS notification whose Message is `message` (a dict as JSON, or raw text as it is)."""
    envelope = sns_signing.notification({}, sns_id or str(uuid.uuid4()))
    envelope = sns_signing.sign(dict(envelope, Message=message if isinstance(message, str) else json.dumps(message)))
    return post(client, envelope)


def test_wrong_types_in_ses_events_are_logged_200s_and_suppress_nobody(client, auth, sent):
    """SNS retries anything but a 2xx: a malformed event is answered 200 (logged) and kept as seen."""
    ada, message_id = sent["ada"], sent["message_id"]
    messages = [
        {"eventType": ["Bounce"]}, {"eventType": {"a": 1}}, {"notificationType": 7}, {"eventType": None},
        {"eventType": "Bounce", "mail": []}, {"eventType": "Bounce", "mail": "x"},
        {"eventType": "Bounce", "mail": {"messageId": {"a": 1}}, "bounce": {"bounceType": "Permanent"}},
        {"eventType": "Bounce", "mail": {"messageId": message_id}, "bounce": "Permanent"},
        {"eventType": "Bounce", "mail": {},
         "bounce": {"bounceType": "Permanent", "bouncedRecipients": "ada@example.com"}},
        {"eventType": "Bounce", "mail": {}, "bounce": {"bounceType": "Permanent", "bouncedRecipients": [1, None, []]}},
        {"eventType": "Bounce", "mail": {}, "bounce": {"bounceType": "Permanent",
                                                       "bouncedRecipients": [{"emailAddress": ["ada@example.com"]}]}},
        {"eventType": "Complaint", "mail": {"destination": [1, {"a": 1}]}, "complaint": []},
        {"eventType": "Delivery", "mail": {"messageId": ["x"], "destination": "ada@example.com"}, "delivery": 5},
        {"eventType": "DeliveryDelay", "mail": {"tags": ["x"]}, "deliveryDelay": {"delayedRecipients": {}}},
        {"eventType": "Reject", "reject": ["x"]}, {"eventType": "Rendering Failure", "failure": "x"},
        {"eventType": "Open", "open": {"timestamp": {"a": 1}}}, {"eventType": "Click", "click": None},
        {"eventType": "Bounce", "mail": {"messageId": "m" * 400}, "bounce": {"feedbackId": "f" * 400}},
    ]
    for message in messages:
        sns_id = str(uuid.uuid4())
        response = notify(client, message, sns_id)
        assert response.status_code == 200, (message, response.body)
        assert body(notify(client, message, sns_id)) == {"status": "duplicate"}  # the guard stays: no retry loop
    assert status(client, auth, ada["id"]) == "subscribed"
    assert "bounced" not in totals(sent["campaign"]["id"])


def test_a_bounce_with_garbled_side_fields_still_suppresses(client, auth, sent):
    """Only what cannot be read is dropped: a bad timestamp or tag never loses a bounce."""
    event = sns_signing.ses_event("event_bounce_permanent.json", message_id=sent["message_id"], email="ada@example.com")
    event["bounce"]["timestamp"] = "0001-01-01T00:00:00+01:00"
    event["mail"]["timestamp"] = ["2017-08-05T00:40:02.012Z"]
    event["mail"]["tags"] = {"ses:configuration-set": [{"a": 1}], "campaign": 5}
    event["bounce"]["bounceSubType"] = {"x": 1}
    response = post(client, sns_signing.notification(event, "sns-garbled"))
    assert response.status_code == 200 and body(response) == {"status": "suppressed"}
    assert status(client, auth, sent["ada"]["id"]) == "bounced"


def test_messages_that_are_not_strict_json_are_ignored_once(client, auth, sent):
    for raw in ('{"eventType": "Bounce", "bounce": {"timestamp": NaN}}', "[" * 5000 + "]" * 5000,
                '{"eventType": "Bounce\\ud800"}', '{"eventType": 1e999}', "not json", "", "[]", '"Bounce"'):
        response = notify(client, raw, "sns-raw")
        assert response.status_code == 200 and body(response) == {"status": "ignored"}, (raw[:40], response.body)
        assert body(notify(client, raw, "sns-raw")) == {"status": "duplicate"}
        from chalicelib import wiring

        wiring.key_repo().delete("sns#sns-raw")  # the next case under the same id
    assert status(client, auth, sent["ada"]["id"]) == "subscribed"


def test_envelope_fields_of_the_wrong_type_are_400(client, auth, sent):
    event = sns_signing.ses_event("event_bounce_permanent.json", message_id=sent["message_id"], email="ada@example.com")
    good = sns_signing.notification(event, "sns-typed")
    for name in ("Type", "MessageId", "TopicArn", "Message", "Timestamp", "SignatureVersion", "Signature",
                 "SigningCertURL", "Subject"):
        for value in (["x"], {"a": 1}, 1, True):
            response = post(client, dict(good, **{name: value}))
            assert response.status_code == 400, (name, value, response.body)
            assert body(response)["error"]["code"] == "validation_error"
    for raw in ("[]", '"Notification"', "42", "null"):
        assert client.http.post("/webhooks/ses", headers=TEXT, body=raw).status_code == 400
    assert status(client, auth, sent["ada"]["id"]) == "subscribed"
    assert post(client, good).status_code == 200  # no replay guard was taken by the refused ones
