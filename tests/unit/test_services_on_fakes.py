"""Services tested against the in-memory repositories of tests/fakes.py (held to the stores' contract
by tests/contract/): no AWS, milliseconds per test."""
from types import SimpleNamespace

import pytest

from chalicelib.domain.errors import Conflict, NotFound, ValidationError
from chalicelib.services.apikeys import ApiKeyService
from chalicelib.services.candidates import CandidateService
from chalicelib.services.pools import MembershipSync, PoolService
from chalicelib.services.ports import Refused
from chalicelib.services.sending.worker import RetryLater, SendWorker
from chalicelib.services.tombstones import Tombstones
from tests.fakes import (InMemoryCandidates, InMemoryKeys, InMemoryMemberships, InMemoryPools, InMemorySends,
                         InMemoryTimeline, NoPools)

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


def test_a_timeline_is_read_a_page_at_a_time(world):
    made, _ = world.candidates.upsert({"email": "ada@example.com"})
    for city in ("Lisbon", "Porto", "Faro"):
        world.candidates.patch(made["id"], {"city": city})
    other, _ = world.candidates.upsert({"email": "bob@example.com"})
    kinds, cursor = [], None
    for _ in range(5):
        page, cursor = world.candidates.timeline_page(made["id"], 3, cursor)
        kinds += [e["kind"] for e in page]
        if cursor is None:
            break
    assert kinds == ["updated", "updated", "updated", "created"]
    _, cursor = world.candidates.timeline_page(made["id"], 3, None)
    with pytest.raises(ValidationError):
        world.candidates.timeline_page(other["id"], 3, cursor)  # another person's cursor
    with pytest.raises(NotFound):
        world.candidates.timeline_page("cand_nobody", 3, None)


# ------------------------------------------------------------ the send worker's confirmation emails

class Mailer:
    """chalicelib.services.ports.Mailer: takes every email, or refuses the next ones given."""

    def __init__(self):
        self.sent: list[str] = []
        self.refusals: list[Refused] = []

    def send_raw(self, *, from_email, to, raw, tags=None) -> str:
        if self.refusals:
            raise self.refusals.pop(0)
        self.sent.append(to)
        return f"ses-{len(self.sent)}"


@pytest.fixture
def sending():
    people, timeline, sends, mailer = InMemoryCandidates(), InMemoryTimeline(), InMemorySends(), Mailer()
    settings = SimpleNamespace(confirm_ttl_seconds=7 * 86400, company_name="Acme", from_email="jobs@acme.example")
    signups = SimpleNamespace(confirm_url=lambda candidate_id, consent_id: f"https://acme.example/c/{consent_id}")
    worker = SendWorker(settings, people, timeline, sends, mailer, signups)
    people.create({"id": "cand_1", "email": "ada@example.com", "status": "pending", "version": 1})
    consent = timeline.add("cand_1", "consent", {"status": "pending"})
    message = {"type": "confirmation", "candidate_id": "cand_1", "consent_id": consent["id"]}
    return SimpleNamespace(worker=worker, sends=sends, mailer=mailer, timeline=timeline, message=message)


def test_a_confirmation_is_sent_once_however_often_it_is_delivered(sending):
    assert sending.worker.handle(sending.message) == "sent"
    assert sending.worker.handle(sending.message) == "skipped:already_claimed"
    [send] = sending.sends.for_candidate("cand_1")
    assert (send["status"], send["message_id"], send["kind"]) == ("sent", "ses-1", "confirmation")
    assert sending.mailer.sent == ["ada@example.com"]
    assert sending.timeline.all("cand_1")[0]["kind"] == "email_sent"


def test_a_throttled_confirmation_is_released_for_the_queue_to_bring_back(sending):
    sending.mailer.refusals.append(Refused("Throttling", "slow down", retryable=True))
    with pytest.raises(RetryLater):
        sending.worker.handle(sending.message)
    assert sending.sends.for_candidate("cand_1") == [] and sending.mailer.sent == []
    assert sending.worker.handle(sending.message) == "sent"  # SQS brought it back
    assert sending.mailer.sent == ["ada@example.com"]


def test_a_refused_confirmation_is_recorded_and_not_tried_again(sending):
    sending.mailer.refusals.append(Refused("MessageRejected", "bad address", retryable=False))
    assert sending.worker.handle(sending.message) == "failed:MessageRejected"
    [send] = sending.sends.for_candidate("cand_1")
    assert send["status"] == "failed" and "bad address" in send["error"]
    assert sending.worker.handle(sending.message) == "skipped:already_claimed" and sending.mailer.sent == []


# ------------------------------------------------------------ pools

class JobsQueue:
    def __init__(self):
        self.messages: list[dict] = []

    def send(self, message: dict) -> None:
        self.messages.append(message)


PYTHON = {"field": "skills", "op": "contains_any", "value": ["python"]}


@pytest.fixture
def pooling():
    pools, members, people, queue = InMemoryPools(), InMemoryMemberships(), InMemoryCandidates(), JobsQueue()
    service = PoolService(SETTINGS, pools, members, people, InMemoryKeys(), queue)
    for n in range(1, 8):
        people.create({"id": f"cand_{n}", "email": f"p{n}@example.com", "status": "subscribed", "version": 1,
                       "skills": ["python"] if n % 2 else ["go"]})
    return SimpleNamespace(service=service, pools=pools, members=members, people=people, queue=queue,
                           sync=MembershipSync(pools, members))


def run_jobs(pooling) -> list[str]:
    """The jobs worker: each queued message in turn (a rebuild enqueues its next page)."""
    outcomes = []
    while pooling.queue.messages:
        outcomes.append(pooling.service.rebuild_step(pooling.queue.messages.pop(0)))
    return outcomes


def test_a_dynamic_pool_is_built_then_follows_its_rules(pooling, monkeypatch):
    monkeypatch.setattr("chalicelib.services.pools.REBUILD_PAGE", 3)
    pool = pooling.service.create({"name": "Python", "kind": "dynamic", "rules": PYTHON})
    assert pool["status"] == "rebuilding"
    assert run_jobs(pooling) == ["continued", "continued", "finished"]
    built = pooling.service.get(pool["id"])
    assert (built["status"], built["size"]) == ("ready", 4)
    assert sorted(pooling.members.existing(pool["id"], [f"cand_{n}" for n in range(1, 8)])) == [
        "cand_1", "cand_3", "cand_5", "cand_7"]

    pooling.service.patch(pool["id"], {"rules": {"field": "skills", "op": "contains_any", "value": ["go"]}})
    stale = {"type": "pool_rebuild", "pool_id": pool["id"], "generation": 1, "cursor": None}
    assert pooling.service.rebuild_step(stale) == "skipped:superseded"  # an older rules change's page
    run_jobs(pooling)
    assert pooling.service.get(pool["id"])["size"] == 3

    before = pooling.people.get("cand_2")
    after = pooling.people.save(dict(before, skills=["python"]))
    assert pooling.sync.apply([(before, after)])["left"] == 1
    assert pooling.service.get(pool["id"])["size"] == 2 and pooling.members.current("cand_2") == {}


def test_a_static_pool_counts_what_really_changed(pooling):
    pool = pooling.service.create({"name": "Shortlist", "kind": "static"})
    added = pooling.service.add_members(pool["id"], {"candidate_ids": ["cand_1", "cand_2", "cand_9"]})
    assert added == {"added": 2, "already_members": 0, "not_found": ["cand_9"]}
    again = pooling.service.add_members(pool["id"], {"candidate_ids": ["cand_1", "cand_3"]})
    assert (again["added"], again["already_members"]) == (1, 1)
    assert pooling.service.remove_member(pool["id"], "cand_1")["removed"] is True
    with pytest.raises(NotFound):
        pooling.service.remove_member(pool["id"], "cand_1")
    assert pooling.service.get(pool["id"])["size"] == 2
    members, _ = pooling.service.members(pool["id"], 10, None)
    assert [m["id"] for m in members] == ["cand_2", "cand_3"]


@pytest.mark.parametrize("change", [{"name": "Renamed"}, {"rules": PYTHON}])
def test_a_pool_deleted_while_it_is_changed_is_not_found(pooling, change):
    """Another recruiter deletes the pool between the read and the write: 404 (the store's NotFound), not a 500,
    and nothing written or queued for it."""
    pool = pooling.service.create({"name": "Python", "kind": "dynamic", "rules": PYTHON})
    pooling.queue.messages.clear()
    read = pooling.pools.get

    def read_then_deleted(pool_id):
        found = read(pool_id)
        pooling.pools.delete(pool_id)
        return found

    pooling.pools.get = read_then_deleted
    with pytest.raises(NotFound):
        pooling.service.patch(pool["id"], change)
    assert pooling.pools.pools == {} and pooling.queue.messages == []


def test_a_throttled_confirmation_whose_claim_went_meanwhile_still_comes_back(sending):
    """release answers False (the person was erased while SES was called): the message goes back to the queue,
    which then finds out what became of the person."""
    def erased_meanwhile(**_):
        sending.sends.delete_for_candidate("cand_1")
        raise Refused("Throttling", "slow down", retryable=True)

    sending.mailer.send_raw = erased_meanwhile
    with pytest.raises(RetryLater):
        sending.worker.handle(sending.message)
    assert sending.sends.for_candidate("cand_1") == []


def test_a_campaign_claim_that_is_no_longer_held_gives_no_cap_slot_back():
    from chalicelib.services.sending.claims import Claims

    people = InMemoryCandidates()
    people.create({"id": "cand_1", "email": "ada@example.com", "status": "subscribed", "version": 1,
                   "marketing_sends": ["2099-01-01T00:00:00.000Z"]})
    released: list[str] = []
    sends = SimpleNamespace(release=lambda key: released.append(key) or False)  # sent, or erased, meanwhile
    Claims(SETTINGS, people, sends).release({"id": "camp_1", "channel": "email"}, 0, "cand_1")
    assert len(released) == 1 and people.get("cand_1")["marketing_sends"] == ["2099-01-01T00:00:00.000Z"]
