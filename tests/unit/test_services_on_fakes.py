"""Services tested against the in-memory repositories of tests/fakes.py (held to the stores' contract
by tests/contract/): no AWS, milliseconds per test."""
from types import SimpleNamespace

import pytest

from chalicelib.domain.errors import Conflict, ValidationError
from chalicelib.services.apikeys import ApiKeyService
from chalicelib.services.candidates import CandidateService
from chalicelib.services.tombstones import Tombstones
from tests.fakes import InMemoryCandidates, InMemoryKeys, InMemoryTimeline, NoPools

SETTINGS = SimpleNamespace(secret="test-secret")


@pytest.fixture
def world():
    keys, people, timeline, pools = InMemoryKeys(), InMemoryCandidates(), InMemoryTimeline(), NoPools()
    tombstones = Tombstones(SETTINGS, keys)
    service = CandidateService(SETTINGS, people, tombstones, timeline, pools, pools=None, members=None)
    return SimpleNamespace(keys=keys, people=people, timeline=timeline, pools=pools, tombstones=tombstones,
                           candidates=service)


def test_upsert_creates_once_and_merges_after(world):
    made, created = world.candidates.upsert({"email": "Ada@Example.com", "first_name": "Ada", "skills": ["py"]})
    again, created_again = world.candidates.upsert({"email": "ada@example.com", "city": "London"})
    assert (created, created_again) == (True, False) and again["id"] == made["id"]
    assert again["first_name"] == "Ada" and again["city"] == "London" and again["skills"] == ["python"]
    assert [kind for kind in (e["kind"] for e in world.timeline.all(made["id"]))] == ["updated", "created"]
    assert len(world.pools.changes) == 2  # the pools saw both writes


@pytest.mark.parametrize("status", ["bounced", "complained", "unsubscribed"])
def test_merges_never_lift_an_opt_out_and_edits_are_refused(world, status):
    made, _ = world.candidates.upsert({"email": "sam@example.com"})
    world.people.update(made["id"], lambda c: dict(c, status=status))
    merged, _ = world.candidates.upsert({"email": "sam@example.com", "status": "not_subscribed", "city": "Oslo"})
    assert merged["status"] == status and merged["city"] == "Oslo"
    with pytest.raises(Conflict):
        world.candidates.patch(made["id"], {"status": "not_subscribed"})
    assert world.people.get(made["id"])["status"] == status


def test_a_lift_is_recorded_and_leaves_consent_to_the_person(world):
    made, _ = world.candidates.upsert({"email": "sam@example.com"})
    world.people.update(made["id"], lambda c: dict(c, status="complained"))
    with pytest.raises(ValidationError):
        world.candidates.lift_suppression(made["id"], {"reason": " "})
    lifted = world.candidates.lift_suppression(made["id"], {"reason": "asked us by phone"})
    assert lifted["status"] == "not_subscribed"
    entry = world.timeline.all(made["id"])[0]
    assert entry["kind"] == "suppression_lifted" and entry["data"]["previous_status"] == "complained"
    with pytest.raises(Conflict):
        world.candidates.lift_suppression(made["id"], {"reason": "again"})


def test_an_erased_address_is_refused_until_the_person_comes_back(world):
    world.tombstones.record("erin@example.com", "2026-11-01T00:00:00Z")
    with pytest.raises(Conflict) as refused:
        world.candidates.upsert({"email": "ERIN@example.com"})
    assert refused.value.code == "erased" and world.people.id_for_email("erin@example.com") is None
    assert world.tombstones.erased_among(["erin@example.com", "other@example.com"]) == {"erin@example.com"}
    world.tombstones.lift("erin@example.com")  # their own confirmed sign-up
    assert world.candidates.upsert({"email": "erin@example.com"})[1] is True


def test_a_revoked_key_stays_revoked():
    keys = ApiKeyService(InMemoryKeys())
    made = keys.create("Jane")
    assert keys.verify(made["key"]) and [k["id"] for k in keys.list()] == [made["id"]]
    assert keys.revoke(made["id"]) and not keys.revoke(made["id"])
    assert not keys.verify(made["key"]) and keys.list() == []
    assert keys.ensure(made["key"], "start-up") is False  # never registered again
    assert not keys.verify(made["key"])
