"""Edges that typing the services (mypy) made explicit: inputs the code assumed could not happen are
answered instead of crashing or reaching a provider."""
from collections import Counter

import pytest

from chalicelib.domain.campaign_email import Sender
from chalicelib.services.pools import MembershipSync, PoolService
from chalicelib.services.sending.channels import Outcome, SmsChannel, Text

SENDER = Sender("https://crm.example.com", "test-secret", "jobs@example.com", {"name": "Acme"})
CAMPAIGN = {"id": "camp_01m8gfj4j61hmyjm4bd2f775nw", "steps": [{"template_id": "tpl_1"}]}
TEMPLATE = {"id": "tpl_1", "subject": "Hi", "html": "<p>Hi</p>", "text": "Hi {{ candidate.first_name }}"}


class _Gateway:
    def __init__(self):
        self.sent = []

    def send(self, phone_e164, text, *, sender_id=None):
        self.sent.append((phone_e164, text))
        return "msg-1"


@pytest.mark.parametrize("phone, country", [(None, None), ("", "GB"), ("not a number", "GB"), ("123", "US"),
                                            ("+1", None), (["+442079460958"], "GB")])
def test_an_sms_without_a_valid_number_fails_and_never_reaches_the_gateway(phone, country):
    gateway = _Gateway()
    person = {"id": "cand_01m8gfj4j61hmyjm4bd2f775nx", "first_name": "Ada", "phone": phone, "country": country}
    prepared = SmsChannel(SENDER, gateway).prepare(CAMPAIGN, 0, TEMPLATE, None, person)
    assert isinstance(prepared, Outcome) and prepared.status == "failed" and gateway.sent == []


def test_an_sms_with_a_valid_number_is_prepared_in_e164():
    person = {"id": "cand_01m8gfj4j61hmyjm4bd2f775nx", "first_name": "Ada", "phone": "020 7946 0958", "country": "GB"}
    prepared = SmsChannel(SENDER, _Gateway()).prepare(CAMPAIGN, 0, TEMPLATE, None, person)
    assert isinstance(prepared, Text) and prepared.phone == "+442079460958" and "Hi Ada" in prepared.text


class _Pools:
    """A pools table that, like DynamoDB, takes only string keys."""

    def get(self, pool_id):
        if not isinstance(pool_id, str):
            raise TypeError(f"a pool id is a string, not {pool_id!r}")
        return None

    def all(self):
        return []


@pytest.mark.parametrize("pool_id", [None, "", 0, 12, 1.5, ["pool_1"], {"id": "pool_1"}, True])
def test_a_rebuild_message_without_a_pool_id_is_skipped(pool_id):
    service = PoolService(None, _Pools(), None, None, None, None)
    assert service.rebuild_step({"type": "pool_rebuild", "pool_id": pool_id, "generation": 1}) == "skipped:superseded"


class _Memberships:
    def current(self, candidate_id):
        raise AssertionError("no person to read")

    def join(self, joins):
        return Counter()

    def leave(self, leaves):
        return Counter()


def test_a_change_with_no_person_before_or_after_changes_nothing():
    assert MembershipSync(_Pools(), _Memberships()).apply([(None, None)]) == {"joined": 0, "left": 0, "refreshed": 0}
