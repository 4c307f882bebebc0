"""Campaign drafts and their review, pure parts: a draft's change, what a draft lacks, delays in words, a send time
in the recruiter's zone, the review's reading of the sender's decision, and the audience read once per person."""
from datetime import datetime, timezone

import pytest

from chalicelib.domain.campaigns import (Decision, delay_words, incomplete, reachable, read_delay, send_time,
                                         validate_campaign_patch)
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.vocabulary import DecisionAction, DecisionReason
from chalicelib.services.audience import AudienceReader, Position
from tests.fakes import InMemoryMemberships

NOW = datetime(2030, 3, 1, 12, 0, tzinfo=timezone.utc)
POOL = "pool_01hz0000000000000000000000"


def test_a_patch_holds_only_the_fields_sent_each_checked_as_when_made():
    assert validate_campaign_patch({"name": "  Spring   hiring "}) == {"name": "Spring hiring"}
    assert validate_campaign_patch({"steps": []}) == {"steps": []}  # a draft being written
    assert validate_campaign_patch({"send_at": None}) == {"send_at": None}
    for body, field in (({"name": None}, "name"), ({"category": "gossip"}, "category"), ({"status": "sent"}, "status"),
                        ({"steps": [{"template_id": "x"}]}, "steps[0].template_id"),
                        ({"steps": [{"template_id": "tmpl_01hz0000000000000000000000", "condition": "not_opened"}]},
                         "steps[0].condition"), ({"audience": {"pools": []}}, "audience.pools")):
        with pytest.raises(ValidationError) as refused:
            validate_campaign_patch(body)
        assert field in refused.value.fields, body


def test_what_a_draft_lacks():
    assert set(incomplete({"name": "x", "audience": {"pools": [POOL]}, "steps": [], "category": ""})) == {
        "steps", "category"}
    assert incomplete({"name": "x", "audience": {"pools": [POOL]}, "steps": [{}], "category": "job_alert"}) == {}


@pytest.mark.parametrize("words,iso,back", [("", "P0D", "no delay"), ("0", "P0D", "no delay"),
                                            ("3 days", "P3D", "3 days"), ("1 day", "P1D", "1 day"),
                                            ("12 hours", "PT12H", "12 hours"), ("2 weeks", "P2W", "2 weeks"),
                                            ("90 mins", "PT90M", "1 hour 30 minutes"), ("P3D", "P3D", "3 days"),
                                            (" pt2h ", "PT2H", "2 hours"), ("P1M", "P1M", "1 month")])
def test_delays_in_words_and_back(words, iso, back):
    assert read_delay(words) == iso and delay_words(iso) == back


@pytest.mark.parametrize("words", ["soon", "3 fortnights", "-1 days", "P", "999999 days", "P999Y", "1e3 days"])
def test_delays_that_are_not_delays(words):
    with pytest.raises(ValueError):
        read_delay(words)


def test_a_send_time_in_the_recruiters_zone_is_kept_in_utc():
    assert send_time("2030-07-01T09:30", "Europe/Paris", NOW) == "2030-07-01T07:30:00.000Z"
    assert send_time("2030-03-01T13:00", "UTC", NOW) == "2030-03-01T13:00:00.000Z"
    for local, zone, field in (("2030-03-01T11:59", "UTC", "send_at"), ("tomorrow", "UTC", "send_at"),
                               ("2030-07-01T09:30", "Europe/Nowhere", "timezone"), ("9999-01-01T00:00", "UTC", "send_at"),
                               ("2030-07-01T09:30Z", "UTC", "send_at"), ("2030-07-01T09:30", "../etc/passwd", "timezone")):
        with pytest.raises(ValidationError) as refused:
            send_time(local, zone, NOW)
        assert set(refused.value.fields) == {field}, (local, zone)


def test_the_review_reads_the_senders_decision():
    assert reachable(Decision(DecisionAction.SEND)) is None
    assert reachable(Decision(DecisionAction.DEFER, DecisionReason.QUIET_HOURS, "2030-03-02T08:00:00Z")) is None
    assert reachable(Decision(DecisionAction.DEFER, DecisionReason.FREQUENCY_CAP)) == DecisionReason.FREQUENCY_CAP
    assert reachable(Decision(DecisionAction.EXIT, DecisionReason.ERASED)) == DecisionReason.ERASED
    assert reachable(Decision(DecisionAction.SKIP, DecisionReason.CATEGORY_OPT_OUT)) == DecisionReason.CATEGORY_OPT_OUT


def test_the_audience_is_each_person_once_without_the_excluded():
    memberships = InMemoryMemberships()
    people = {name: {"id": f"cand_{name}"} for name in ("ada", "bob", "cy", "dee", "eve")}
    joined = [("first", people[n], "2030-01-01T00:00:00Z") for n in ("ada", "bob", "cy")]
    joined += [("second", people[n], "2030-01-01T00:00:00Z") for n in ("bob", "dee", "eve")]
    joined += [("out", people["eve"], "2030-01-01T00:00:00Z")]
    memberships.join(joined)
    campaign = {"audience": {"pools": ["first", "second"], "exclude_pools": ["out"]}}
    reader, position, seen = AudienceReader(memberships, page=2), Position(), []
    while not position.done:
        ids, position = reader.page(campaign, position)
        seen += ids
    assert seen == ["cand_ada", "cand_bob", "cand_cy", "cand_dee"]
    assert reader.page(campaign, position) == ([], Position(2, None, True))
