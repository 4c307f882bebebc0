"""Inbound texts through SNS (POST /webhooks/sms): STOP turns texts off, START back on after an earlier consent;
verified like every SNS delivery (real signatures), only from CRM_SMS_INBOUND_TOPIC_ARN; replays change nothing."""
import copy
import json
import uuid
from pathlib import Path

import pytest

from tests.app import sns_signing
from tests.app.campaign_helpers import subscriber
from tests.app.helpers import body

SMS_TOPIC = "arn:aws:sns:us-east-1:000000000000:crm-sms-inbound"
SAMPLE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "sms" / "inbound_sms.json").read_text())
PHONE = "+442079460958"
TEXT = {"Content-Type": "text/plain; charset=UTF-8"}


@pytest.fixture(autouse=True)
def trusted_cert(client, monkeypatch):
    from dataclasses import replace

    from chalicelib import wiring
    from chalicelib.aws import sns_verify

    sns_verify.reset_cache()
    service = wiring.sms_inbound()
    monkeypatch.setattr(service, "settings", replace(service.settings, sns_trusted_cert=sns_signing.key_and_cert()[1]))
    yield
    sns_verify.reset_cache()


@pytest.fixture
def grace(client):
    """Grace agreed to texts; her number is PHONE."""
    from chalicelib import wiring

    made = subscriber("grace@example.com", first_name="Grace")
    wiring.candidate_repo().update(made["id"], lambda c: dict(c, phone=PHONE, sms_consent=True))
    return made["id"]


def envelope(message: dict | str, sns_id=None, topic=SMS_TOPIC, version="1") -> dict:
    raw = copy.deepcopy(sns_signing.fixture("sns_envelope_notification.json"))
    raw.update(MessageId=sns_id or str(uuid.uuid4()), TopicArn=topic, SigningCertURL=sns_signing.CERT_URL,
               Message=message if isinstance(message, str) else json.dumps(message))
    raw.pop("Subject", None)
    return sns_signing.sign(raw, version)


def text(body_text: str, number: str = PHONE, **fields) -> dict:
    return dict(SAMPLE, originationNumber=number, messageBody=body_text, inboundMessageId=str(uuid.uuid4()), **fields)


def deliver(client, message, **kwargs):
    return client.http.post("/webhooks/sms", headers=TEXT, body=json.dumps(envelope(message, **kwargs)))


def person(candidate_id):
    from chalicelib import wiring

    return wiring.candidate_repo().get(candidate_id)


def sms_entries(candidate_id):
    from chalicelib import wiring

    return [e for e in wiring.timeline_repo().all(candidate_id) if e["kind"].startswith("sms_")]


def test_stop_turns_texts_off_on_the_timeline_and_replays_change_nothing(client, grace):
    answer = deliver(client, text("Stop!"), sns_id="sns-stop-1", version="2")
    assert answer.status_code == 200 and body(answer) == {"status": "opted_out"}
    after = person(grace)
    assert after["sms_consent"] is False and after["preferences"]["sms_opt_out"]["source"] == "sms_reply"
    assert after["preferences"]["sms_opt_out"]["had_consent"] is True and "sms" in after["preferences"]["channels_off"]
    [entry] = sms_entries(grace)
    assert entry["kind"] == "sms_opt_out" and entry["data"]["keyword"] == "stop" and entry["data"]["message"] == "Stop!"
    assert body(deliver(client, text("Stop!"), sns_id="sns-stop-1")) == {"status": "duplicate"}  # SNS redelivered
    assert body(deliver(client, text("STOP"))) == {"status": "unchanged"}  # they sent it twice
    assert len(sms_entries(grace)) == 1 and person(grace)["version"] == after["version"]


@pytest.mark.parametrize("words", ["STOP", "stop", " Stop. ", "STOPALL", "Unsubscribe", "cancel", "END", "quit",
                                   "OPT OUT", "opt-out", "OptOut", "revoke", "STOP texting me please", "stop!!!"])
def test_every_stop_word(client, grace, words):
    assert body(deliver(client, text(words))) == {"status": "opted_out"}
    assert person(grace)["sms_consent"] is False


@pytest.mark.parametrize("words", ["HELP", "info", "Yes please", "When is the interview?", "Don't stop", ""])
def test_help_and_other_messages_are_ignored(client, grace, words):
    assert body(deliver(client, text(words))) == {"status": "ignored"}
    assert person(grace)["sms_consent"] is True and sms_entries(grace) == []


def test_start_turns_texts_back_on_only_after_an_earlier_consent(client, grace):
    from chalicelib import wiring

    deliver(client, text("STOP"))
    assert body(deliver(client, text("unstop"))) == {"status": "opted_in"}
    assert person(grace)["sms_consent"] is True and [e["kind"] for e in sms_entries(grace)] == [
        "sms_opt_in", "sms_opt_out"]
    never = subscriber("noor@example.com")
    wiring.candidate_repo().update(never["id"], lambda c: dict(c, phone="+447700900123", sms_consent=None))
    assert body(deliver(client, text("STOP", "+447700900123"))) == {"status": "opted_out"}
    assert body(deliver(client, text("START", "+447700900123"))) == {"status": "no_consent_before"}
    assert person(never["id"])["sms_consent"] is False


def test_everyone_with_the_number_is_opted_out_and_a_number_as_aws_sends_it_matches(client, grace):
    from chalicelib import wiring

    other = subscriber("flat-share@example.com")
    wiring.candidate_repo().update(other["id"], lambda c: dict(c, phone=SAMPLE["originationNumber"], sms_consent=True))
    assert body(deliver(client, dict(SAMPLE, messageBody="STOP"))) == {"status": "opted_out"}
    assert person(other["id"])["sms_consent"] is False and person(grace)["sms_consent"] is True


@pytest.mark.parametrize("number", ["+15555550000", "4255550182", "+", None, 14255550182, "+44 20 7946 0958" * 50])
def test_unknown_or_odd_numbers_are_200_and_ignored(client, grace, number):
    answer = deliver(client, dict(SAMPLE, originationNumber=number, messageBody="STOP"))
    assert answer.status_code == 200 and body(answer)["status"] in ("unknown_number",)
    assert person(grace)["sms_consent"] is True


@pytest.mark.parametrize("message", ["not json", "[1, 2]", json.dumps({"messageBody": 5}),
                                     json.dumps({"messageBody": ["STOP"], "originationNumber": PHONE}),
                                     json.dumps({"messageBody": "STOP" * 1000, "originationNumber": PHONE})])
def test_odd_messages_are_ignored(client, grace, message):
    answer = deliver(client, message)
    assert answer.status_code == 200
    assert person(grace)["sms_consent"] is True  # "STOPSTOP...": one word that is not STOP


def test_a_long_message_that_starts_with_stop_is_read_and_kept_short(client, grace):
    assert body(deliver(client, text("STOP " + "x" * 5000))) == {"status": "opted_out"}
    assert len(sms_entries(grace)[0]["data"]["message"]) == 160


def test_only_our_topic_and_only_signed(client, grace):
    other = deliver(client, text("STOP"), topic="arn:aws:sns:us-east-1:000000000000:crm-ses-events")
    assert other.status_code == 403 and body(other)["error"]["code"] == "not_verified"
    tampered = envelope(text("STOP"))
    tampered["Message"] = json.dumps(text("STOP", "+447700900999"))
    assert client.http.post("/webhooks/sms", headers=TEXT, body=json.dumps(tampered)).status_code == 403
    for bad in (b"not json", b"[]", json.dumps({"Type": "Notification", "Message": 5}).encode()):
        assert client.http.post("/webhooks/sms", headers=TEXT, body=bad).status_code == 400
    huge = client.http.post("/webhooks/sms", headers=TEXT, body=b"x" * (65 * 1024))
    assert huge.status_code == 413
    assert person(grace)["sms_consent"] is True


def test_the_topic_subscription_is_confirmed(client, monkeypatch):
    from chalicelib import wiring

    confirmed = []
    monkeypatch.setattr(wiring.sms_inbound().inbox, "confirm", confirmed.append)
    subscription = dict(sns_signing.fixture("sns_envelope_subscription_confirmation.json"), TopicArn=SMS_TOPIC,
                        SigningCertURL=sns_signing.CERT_URL)
    answer = client.http.post("/webhooks/sms", headers=TEXT, body=json.dumps(sns_signing.sign(subscription)))
    assert answer.status_code == 200 and body(answer) == {"status": "subscription_confirmed"}
    assert confirmed == [subscription["SubscribeURL"]]
