"""The doctor's DNS lookups are bounded in time (chalicelib/aws/doctor.py), so the Settings page answers within
API Gateway's 29 s: each lookup gets at most QUERY_SECONDS, all of a run DNS_SECONDS, and a DNS that answers
nothing skips the DNS checks with the reason. No network: a fake resolver."""
from __future__ import annotations

import pytest

from chalicelib.aws import doctor as adapter
from chalicelib.domain import doctor as d
from tests.unit.test_doctor import StubSes, published


class Clock:
    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now


class SlowResolver:
    """Answers from `answers`, each lookup taking `seconds` of the fake clock; remembers the lifetimes given."""

    def __init__(self, clock, seconds, answers=None, fail=False):
        self.clock, self.seconds, self.answers, self.fail, self.lifetimes = clock, seconds, answers or {}, fail, []

    def resolve(self, name, rdtype, lifetime):
        import dns.exception

        from tests.unit.test_doctor import StubRdata

        self.lifetimes.append(lifetime)
        self.clock.now += min(self.seconds, lifetime)
        if self.fail or self.seconds > lifetime:
            raise dns.exception.Timeout(timeout=lifetime)
        return [StubRdata(text) for text in self.answers.get((name, rdtype), ())]


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(adapter.time, "monotonic", fake.monotonic)
    return fake


@pytest.fixture
def settings(monkeypatch):
    from chalicelib.settings import get_settings

    monkeypatch.setenv("CRM_FROM_EMAIL", "jobs@talent.test")
    monkeypatch.setenv("CRM_REPLY_DOMAIN", "reply.talent.test")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def test_the_default_resolver_is_bounded_per_lookup_and_per_run():
    resolver = adapter._default_resolver()
    assert isinstance(resolver, adapter._Bounded)
    assert resolver._resolver.lifetime == adapter.QUERY_SECONDS <= 2 and adapter.DNS_SECONDS <= 10


def test_each_lookup_gets_at_most_the_time_left(clock, settings):
    slow = SlowResolver(clock, seconds=1.5, answers=published())
    facts = adapter.gather(settings, ses=StubSes(), resolver=adapter._Bounded(slow, 10.0))
    assert slow.lifetimes[0] == adapter.QUERY_SECONDS and min(slow.lifetimes) < adapter.QUERY_SECONDS
    assert clock.now - 1000.0 <= 10.0  # the run stopped at its deadline
    answered = [key for key, found in facts.dns.items() if found is not None]
    late = [key for key, found in facts.dns.items() if found is None]
    assert answered and late  # the first lookups answered, the ones past the deadline failed
    checks = {c.key: c for c in d.diagnose(facts)}
    assert all(checks[f"dns:{name}:{rtype}"].status == "warn" for name, rtype in late)


def test_a_dns_that_answers_nothing_skips_the_dns_checks_and_says_why(clock, settings):
    silent = SlowResolver(clock, seconds=5.0, fail=True)
    facts = adapter.gather(settings, ses=StubSes(), resolver=adapter._Bounded(silent, 10.0))
    assert facts.dns is None and facts.skipped["dns"] == adapter.DNS_SILENT
    assert clock.now - 1000.0 <= 10.0
    dns_checks = [c for c in d.diagnose(facts) if c.key.startswith("dns:")]
    assert dns_checks and all(c.status == "skipped" and c.detail == adapter.DNS_SILENT for c in dns_checks)
