"""The deliverability autopilot's rules (domain/deliverability.py) and its counting and pausing
(services/deliverability.py) on in-memory stores, the clock held."""
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.deliverability import (Figures, breach, percent, provider_of, rates, state, stream_of,
                                              why)
from chalicelib.domain.errors import Conflict, Forbidden
from chalicelib.domain.vocabulary import DeliverabilityState, MailboxProvider, MailStream, PausedReason, Role
from tests.fakes import InMemoryKeys

GMAIL, YAHOO, OUTLOOK, OTHER = (MailboxProvider.GMAIL, MailboxProvider.YAHOO, MailboxProvider.OUTLOOK,
                                MailboxProvider.OTHER)


@pytest.mark.parametrize("address, provider", [
    ("a@gmail.com", GMAIL), ("a@googlemail.com", GMAIL), ("A@GMail.COM", GMAIL), ("a@gmail.com.", GMAIL),
    ("a@yahoo.com", YAHOO), ("a@yahoo.co.uk", YAHOO), ("a@yahoo.fr", YAHOO), ("a@ymail.com", YAHOO),
    ("a@rocketmail.com", YAHOO), ("a@aol.com", YAHOO), ("a@aol.de", YAHOO), ("a@AOL.com", YAHOO),
    ("a@outlook.com", OUTLOOK), ("a@outlook.fr", OUTLOOK), ("a@hotmail.co.uk", OUTLOOK), ("a@live.com", OUTLOOK),
    ("a@live.fr", OUTLOOK), ("a@msn.com", OUTLOOK), ("a@Hotmail.com", OUTLOOK),
    ("a@example.com", OTHER), ("a@gmail.example.com", OTHER), ("a@mygmail.com", OTHER), ("a@notyahoo.com", OTHER),
    ("a@gmail.com.evil.test", OTHER), ("a@gmail", OTHER), ("", OTHER), ("no-at-sign", OTHER), ("a@", OTHER),
    ("a@bücher.example", OTHER), ("a@xn--bcher-kva.example", OTHER), ("a@..", OTHER),
])
def test_provider_by_domain(address, provider):
    assert provider_of(address) is provider


@given(st.sampled_from(["gmail.com", "googlemail.com", "yahoo.com", "aol.com", "outlook.com", "hotmail.de",
                        "example.org"]),
       st.lists(st.booleans(), min_size=1, max_size=30), st.booleans(), st.text(max_size=20))
def test_provider_ignores_case_trailing_dot_and_local_part(domain, upper, dot, local):
    """Casing, a trailing dot and whatever the local part holds never change the provider."""
    cased = "".join(ch.upper() if up else ch for ch, up in zip(domain, upper * len(domain)))
    assert provider_of(f"{local}@{cased}{'.' if dot else ''}") is provider_of(f"x@{domain}")


@given(st.text(max_size=80))
def test_provider_of_any_text_is_an_answer(text):
    """Odd domains (IDN, control characters, lone surrogates, no domain): a provider, never an exception."""
    assert provider_of(text) in set(MailboxProvider)


@given(st.text(alphabet=st.characters(min_codepoint=0x00C0, max_codepoint=0x2FFF), min_size=1, max_size=15))
def test_idn_domains_are_other_unless_a_brand(label):
    """An IDN domain is compared as punycode: never one of the providers' ASCII domains."""
    assert provider_of(f"a@{label}.example") is OTHER


def test_rates_are_over_sends():
    assert rates(Counter(sent=200, bounced=10, complained=1)) == {
        "sent": 200, "bounce": 0.05, "complaint": 0.005, "bounced": 10, "complained": 1}
    assert rates(Counter()) == {"sent": 0, "bounce": 0.0, "complaint": 0.0, "bounced": 0, "complained": 0}


@pytest.mark.parametrize("counts, reason", [
    (Counter(sent=199, bounced=100), None),  # below the minimum of sends
    (Counter(sent=200, bounced=10), PausedReason.BOUNCE_RATE),  # exactly at the level
    (Counter(sent=200, bounced=9), None),
    (Counter(sent=1000, complained=1), PausedReason.COMPLAINT_RATE),
    (Counter(sent=1001, complained=1), None),
    (Counter(sent=200, bounced=20, complained=20), PausedReason.BOUNCE_RATE),
    (Counter(), None),
])
def test_breach(counts, reason):
    assert breach(counts, 0.05, 0.001, 200) == reason


@given(st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 10_000))
def test_breach_never_below_the_minimum_and_always_at_the_level(sent, bounced, complained):
    found = breach(Counter(sent=sent, bounced=bounced, complained=complained), 0.05, 0.001, 200)
    if sent < 200:
        assert found is None
    elif bounced / sent >= 0.05:
        assert found is PausedReason.BOUNCE_RATE
    elif complained / sent >= 0.001:
        assert found is PausedReason.COMPLAINT_RATE
    else:
        assert found is None


def test_state_warns_above_half_the_account_levels():
    assert state(True, Counter(), 1000) is DeliverabilityState.PAUSED
    assert state(False, Counter(sent=1000, bounced=13), 1000) is DeliverabilityState.WARNING  # 1.3% > 1.25%
    assert state(False, Counter(sent=1000, bounced=12), 1000) is DeliverabilityState.OK
    assert state(False, Counter(sent=999, bounced=500), 1000) is DeliverabilityState.OK  # too few sends to say


def test_stream_by_kind():
    assert stream_of({"kind": "outreach"}) is MailStream.OUTREACH
    assert stream_of({"kind": "campaign"}) is MailStream.MARKETING
    assert stream_of({"kind": "permission_request"}) is MailStream.MARKETING
    assert stream_of({}) is MailStream.MARKETING


def test_why_in_words():
    assert why("bounce_rate", {"sent": 230, "bounce": 0.0609}) == \
        "Paused automatically: bounce rate 6.1% after 230 sends"
    assert why("complaint_rate", {"sent": 1000, "complaint": 0.0012}) == \
        "Paused automatically: complaint rate 0.12% after 1000 sends"
    assert why("account", None).startswith("Paused automatically: all marketing")
    assert why("manual", None) == "Paused by a person"
    assert why(None, None) == ""
    assert percent(0) == "0.0%" and percent(0.05) == "5.0%" and percent(0.0005) == "0.05%"


def test_figures_add_providers():
    figures = Figures.of([Counter(sent_gmail=3, bounced_gmail=1), Counter(sent_other=2, complained_other=1)])
    assert figures.total == Counter(sent=5, bounced=1, complained=1)
    assert figures.providers[GMAIL]["sent"] == 3 and figures.providers[OTHER]["complained"] == 1


# ---------------------------------------------------------------- the service, on in-memory stores

class Slots:
    """The stats table's slotted counters, in memory (store/stats.py add_at/slots)."""

    def __init__(self):
        self.items: dict = {}
        self.reads = 0

    def add_at(self, key, slot, counts):
        self.items.setdefault(key, {}).setdefault(slot, Counter()).update(counts)

    def slots(self, key):
        self.reads += 1
        return {slot: Counter(c) for slot, c in self.items.get(key, {}).items()}


class Campaigns:
    def __init__(self, *campaigns):
        self.items = {c["id"]: dict(c) for c in campaigns}

    def get(self, campaign_id):
        return dict(self.items[campaign_id]) if campaign_id in self.items else None

    def transition(self, campaign_id, expected, status, *, due_at=False, **values):
        if self.items.get(campaign_id, {}).get("status") != expected:
            return False
        self.items[campaign_id].update(status=status, **values)
        return True

    def page(self, limit, cursor):
        return [dict(c) for c in self.items.values()], None


class Settings:
    autopause_bounce = 0.05
    autopause_complaint = 0.001
    autopause_min_sends = 200
    autopause_account_min_sends = 1000


@pytest.fixture
def now(monkeypatch):
    held = {"at": datetime(2026, 11, 20, 10, 30, tzinfo=timezone.utc)}
    monkeypatch.setattr("chalicelib.domain.clock.utcnow", lambda: held["at"])
    return held


def service(*campaigns):
    from chalicelib.services.deliverability import DeliverabilityService

    return DeliverabilityService(Settings(), Slots(), InMemoryKeys(), Campaigns(*campaigns))


def sending(campaign_id="camp_1", **fields):
    return {"id": campaign_id, "name": campaign_id, "status": "sending", "kind": "campaign", **fields}


def test_a_campaign_pauses_at_the_level_once_it_has_the_sends(now):
    autopilot = service(sending())
    autopilot.sent("camp_1", [f"p{i}@gmail.com" for i in range(150)])
    for i in range(10):
        autopilot.event("camp_1", "bounced", f"p{i}@gmail.com")
    assert autopilot.campaigns.get("camp_1")["status"] == "sending"  # 150 sends: too few to judge
    autopilot.sent("camp_1", [f"q{i}@yahoo.com" for i in range(50)])  # 200 sends, 5.0%: the sends tip it
    campaign = autopilot.campaigns.get("camp_1")
    assert campaign["status"] == "paused" and campaign["paused_reason"] == "bounce_rate"
    assert autopilot.pause_detail("camp_1") | {"at": None} == {
        "reason": "bounce_rate", "at": None, "sent": 200, "bounce": 0.05, "complaint": 0.0, "bounced": 10,
        "complained": 0}
    assert autopilot.why(campaign) == "Paused automatically: bounce rate 5.0% after 200 sends"


def test_rolling_windows_read_hourly_buckets(now):
    autopilot = service(sending())
    autopilot.sent("camp_1", ["a@gmail.com"] * 10)
    now["at"] += timedelta(hours=30)
    autopilot.sent("camp_1", ["a@hotmail.com"] * 5)
    autopilot.stats.reads = 0
    windows = autopilot.figures()
    assert autopilot.stats.reads <= 8  # a day's key each: never a scan
    assert windows["24h"].total["sent"] == 5 and windows["7d"].total["sent"] == 15
    assert windows["7d"].providers[OUTLOOK]["sent"] == 5
    now["at"] += timedelta(days=7)  # the oldest hour still overlaps the window
    assert autopilot.figures()["7d"].total["sent"] == 5
    now["at"] += timedelta(hours=1)
    assert autopilot.figures()["7d"].total["sent"] == 0


def test_after_a_person_resumes_the_old_bounces_do_not_pause_it_again(now):
    autopilot = service(sending())
    autopilot.sent("camp_1", ["a@example.com"] * 200)
    for _ in range(10):
        autopilot.event("camp_1", "bounced", "a@example.com")
    assert autopilot.campaigns.get("camp_1")["status"] == "paused"
    autopilot.campaigns.items["camp_1"].update(status="sending", paused_reason=None)
    autopilot.resumed("camp_1")
    now["at"] += timedelta(hours=1)
    autopilot.event("camp_1", "bounced", "a@example.com")
    assert autopilot.campaigns.get("camp_1")["status"] == "sending"
    assert autopilot.pause_detail("camp_1") is None


def test_the_account_pauses_marketing_not_outreach_and_only_an_admin_resumes(now):
    autopilot = service(sending("camp_1"), sending("camp_2", status="scheduled"), sending("out_1", kind="outreach"),
                        sending("camp_3", status="draft"))
    autopilot.sent("camp_1", ["a@example.com"] * 1000)  # 0.1% per campaign: under its own level (5%)...
    for _ in range(25):  # ...but 2.5% of the account's sends
        autopilot.event("out_1", "bounced", "b@example.com")
    assert autopilot.account_pause()["reason"] == "bounce_rate"
    status = {c: (autopilot.campaigns.get(c)["status"], autopilot.campaigns.get(c).get("paused_reason"))
              for c in ("camp_1", "camp_2", "out_1", "camp_3")}
    assert status == {"camp_1": ("paused", "account"), "camp_2": ("paused", "account"),
                      "out_1": ("sending", None), "camp_3": ("draft", None)}
    assert autopilot.holds(sending("camp_9")) and not autopilot.holds(sending("out_2", kind="outreach"))
    with pytest.raises(Conflict) as refused:
        autopilot.refuse_resume(autopilot.campaigns.get("camp_1"))
    assert refused.value.code == "account_paused"
    autopilot.refuse_resume(autopilot.campaigns.get("out_1"))  # outreach is not held
    with pytest.raises(Forbidden):
        autopilot.resume_account(Role.RECRUITER, lambda cid: None)
    resumed = []
    answer = autopilot.resume_account(Role.ADMIN, resumed.append)
    assert sorted(resumed) == ["camp_1", "camp_2"] and answer["campaigns"] == resumed
    assert autopilot.account_pause() is None
    with pytest.raises(Conflict) as again:
        autopilot.resume_account(Role.ADMIN, resumed.append)
    assert again.value.code == "not_paused"


def test_report_shape(now):
    autopilot = service(sending())
    autopilot.sent("camp_1", ["a@gmail.com", "b@yahoo.com", "c@outlook.com", "d@example.com"])
    report = autopilot.report()
    assert report["state"] == "ok" and set(report["rates"]) == {"24h", "7d"}
    assert set(report["rates"]["24h"]) >= {"sent", "bounce", "complaint"}
    assert set(report["providers"]) == {"gmail", "yahoo", "outlook", "other"}
    assert report["providers"]["gmail"]["sent"] == 1 and report["providers"]["gmail"]["24h"]["sent"] == 1
    assert report["paused_campaigns"] == [] and report["account_paused_reason"] is None
