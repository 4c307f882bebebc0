"""SMS through emulated SNS: what is published, and how refusals are reported."""
import pytest


def sent_sms():
    """Messages moto's SNS recorded: {message id: (phone number, text)}."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    from chalicelib.settings import get_settings

    return dict(sns_backends[DEFAULT_ACCOUNT_ID][get_settings().region].sms_messages)


def test_send_publishes_to_the_number(aws):
    from chalicelib.aws.sms import SmsSender

    sender = SmsSender()
    first = sender.send("+447911123456", "New role: Staff Engineer. Reply STOP to opt out")
    second = sender.send("+14155550100", "Hello", sender_id="TalentCRM")
    assert first and second and first != second
    assert sent_sms() == {
        first: ("+447911123456", "New role: Staff Engineer. Reply STOP to opt out"),
        second: ("+14155550100", "Hello"),
    }


def test_send_sets_the_sms_type_and_sender_id(monkeypatch):
    from chalicelib.aws import sms

    calls = []

    class FakeSns:
        def publish(self, **request):
            calls.append(request)
            return {"MessageId": "m-1"}

    monkeypatch.setattr(sms, "client", lambda service: FakeSns())
    assert sms.SmsSender().send("+447911123456", "Hi") == "m-1"
    assert sms.SmsSender().send("+447911123456", "Hi", sender_id="TalentCRM") == "m-1"
    promotional = {"DataType": "String", "StringValue": "Promotional"}
    assert calls[0] == {"PhoneNumber": "+447911123456", "Message": "Hi",
                        "MessageAttributes": {"AWS.SNS.SMS.SMSType": promotional}}
    assert calls[1]["MessageAttributes"] == {
        "AWS.SNS.SMS.SMSType": promotional,
        "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": "TalentCRM"},
    }


def test_a_bad_number_is_refused_for_good(aws):
    from chalicelib.aws.sms import SmsRefused, SmsSender

    with pytest.raises(SmsRefused) as refused:
        SmsSender().send("07911 123456", "Hi")  # not E.164
    assert refused.value.code == "InvalidParameter"
    assert refused.value.retryable is False
    assert "E164" in str(refused.value)
    assert sent_sms() == {}


@pytest.mark.parametrize("code, retryable", [
    ("Throttling", True),
    ("ThrottledException", True),
    ("InternalError", True),
    ("KMSThrottling", True),
    ("AuthorizationError", False),
    ("InvalidParameter", False),
    ("ParameterValueInvalid", False),
])
def test_client_errors_become_sms_refused(monkeypatch, code, retryable):
    from botocore.exceptions import ClientError

    from chalicelib.aws import sms

    class RefusingSns:
        def publish(self, **request):
            raise ClientError({"Error": {"Code": code, "Message": "no"}}, "Publish")

    monkeypatch.setattr(sms, "client", lambda service: RefusingSns())
    with pytest.raises(sms.SmsRefused) as refused:
        sms.SmsSender().send("+447911123456", "Hi")
    assert (refused.value.code, refused.value.retryable) == (code, retryable)
    assert str(refused.value) == f"{code}: no"
