"""One contract, two implementations: the DynamoDB repositories (on moto) and the in-memory fakes of
tests/fakes.py. Service tests that use the fakes can trust them because both pass this suite."""
import time
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.errors import Conflict, EmailTaken, NotFound, ValidationError, VersionConflict
from chalicelib.domain.search import PeopleSearch
from tests.fakes import (InMemoryCandidates, InMemoryKeys, InMemoryMemberships, InMemoryPools, InMemorySends,
                         InMemoryTimeline)


@pytest.fixture(params=["memory", "dynamodb"])
def keys(request):
    if request.param == "memory":
        return InMemoryKeys()
    request.getfixturevalue("aws")
    from chalicelib.store.keys import KeyRepository

    return KeyRepository()


@pytest.fixture(params=["memory", "dynamodb"])
def people(request):
    if request.param == "memory":
        return InMemoryCandidates()
    request.getfixturevalue("aws")
    from chalicelib.store.candidates import CandidateRepository

    return CandidateRepository()


def person(n: int, **fields) -> dict:
    return {"id": f"cand_{n:04d}", "email": f"p{n}@example.com", "status": "not_subscribed", "version": 1,
            "created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-01-01T00:00:00.000Z", **fields}


# ------------------------------------------------------------ KeyStore

def test_a_window_counts_up_to_its_limit(keys):
    until = datetime.now(timezone.utc) + timedelta(hours=1)
    assert [keys.hit("rate#a", 3, until) for _ in range(5)] == [True, True, True, False, False]
    assert keys.hit("rate#b", 3, until) and keys.get("rate#a")["count"] == 3


def test_put_new_is_a_replay_guard(keys):
    assert keys.put_new("ats#evt_1", created_at="2026-01-01") is True
    assert keys.put_new("ats#evt_1", created_at="2026-01-02") is False
    assert keys.get("ats#evt_1")["created_at"] == "2026-01-01"
    keys.delete("ats#evt_1")
    assert keys.get("ats#evt_1") is None and keys.put_new("ats#evt_1") is True


def test_items_read_back_and_expire(keys):
    keys.put("apikey#h1", ref="key_1", data={"name": "Jane"}, created_at="2026-01-01")
    keys.put("apikey#h2", ref="key_2", data={"name": "Joe"}, created_at="2026-01-01",
             expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
    assert keys.get("apikey#h1") == {"pk": "apikey#h1", "ref": "key_1", "count": None, "data": {"name": "Jane"},
                                     "created_at": "2026-01-01"}
    assert keys.get("apikey#h2") is None  # expired: gone for readers before the table removes it
    assert keys.existing(["apikey#h1", "apikey#none"]) == {"apikey#h1"}
    assert {item["ref"] for item in keys.with_prefix("apikey#")} == {"key_1", "key_2"}


# ------------------------------------------------------------ CandidateStore

def test_one_person_per_address(people):
    people.create(person(1))
    with pytest.raises(EmailTaken) as taken:
        people.create(person(2, email="p1@example.com"))
    assert taken.value.candidate_id == "cand_0001"
    assert people.id_for_email("p1@example.com") == "cand_0001" and people.get("cand_0002") is None
    lost = people.create_many([person(3), person(4, email="p1@example.com"), person(5)])
    assert [c["id"] for c in lost] == ["cand_0004"]
    assert people.ids_for_emails(["p3@example.com", "p5@example.com", "nobody@example.com"]) == {
        "p3@example.com": "cand_0003", "p5@example.com": "cand_0005"}


def test_an_approximate_count_of_people(people, monkeypatch):
    from chalicelib.store import candidates

    monkeypatch.setattr(candidates, "APPROXIMATE_FOR", 0)  # the emulator's count is live; DynamoDB's lags hours
    assert people.approximate_count() == 0
    people.create_many([person(n) for n in range(1, 4)])
    assert people.approximate_count() == 3


def test_writes_are_optimistic(people):
    people.create(person(1))
    read = people.get("cand_0001")
    saved = people.save(dict(read, city="Lisbon"))
    assert saved["version"] == 2 and people.get("cand_0001")["city"] == "Lisbon"
    with pytest.raises(VersionConflict):
        people.save(dict(read, city="Porto"))  # read before the other write
    assert people.save_many([dict(read, city="Faro")]) == [dict(read, city="Faro")]
    before, after = people.update("cand_0001", lambda c: dict(c, city="Braga"))
    assert (before["city"], after["city"], after["version"]) == ("Lisbon", "Braga", 3)
    same = people.update("cand_0001", lambda c: c)
    assert same[0] is same[1]  # nothing changed: nothing written
    assert people.update("cand_nobody", lambda c: c) is None


def test_deleting_frees_the_address(people):
    people.create(person(1))
    people.delete(people.get("cand_0001"))
    assert people.get("cand_0001") is None and people.id_for_email("p1@example.com") is None
    people.create(person(2, email="p1@example.com"))
    assert people.id_for_email("p1@example.com") == "cand_0002"


def test_search_pages_and_filters(people):
    for n in range(1, 8):
        people.create(person(n, first_name="Ada" if n % 2 else "Bob", skills=["python"] if n < 5 else ["go"]))
    search = PeopleSearch.parse("python", "ada")
    found, cursor, pages = [], None, 0
    while True:
        page, cursor = people.scan(limit=1, cursor=cursor, search=search)
        found += page
        pages += 1
        if cursor is None or pages > 20:
            break
    assert sorted(p["id"] for p in found) == ["cand_0001", "cand_0003"]
    everyone, _ = people.scan(limit=50, cursor=None)
    assert len(everyone) == 7


def test_the_pending_scan(people):
    people.create(person(1, status="pending", updated_at="2026-01-01T00:00:00.000Z"))
    people.create(person(2, status="pending", updated_at="2026-03-01T00:00:00.000Z"))
    people.create(person(3, status="subscribed", updated_at="2026-01-01T00:00:00.000Z"))
    assert [p["id"] for p in people.pending_since_before("2026-02-01T00:00:00.000Z")] == ["cand_0001"]
    assert sorted(p["id"] for p in people.iterate()) == ["cand_0001", "cand_0002", "cand_0003"]


# ------------------------------------------------------------ TimelineStore

@pytest.fixture(params=["memory", "dynamodb"])
def timeline(request):
    if request.param == "memory":
        return InMemoryTimeline()
    request.getfixturevalue("aws")
    from chalicelib.store.timeline import TimelineRepository

    return TimelineRepository()


def test_a_timeline_reads_newest_first(timeline):
    first = timeline.add("cand_1", "created", {"source": "csv", "n": 1, "tags": ["a"], "none": None})
    assert set(first) == {"id", "kind", "at", "data"} and first["kind"] == "created"
    timeline.add_many([("cand_1", "note", {"n": 2}, "2030-01-01T00:00:00.000Z"),
                       ("cand_1", "note", {"n": 0}, "2020-01-01T00:00:00.000Z"),
                       ("cand_2", "note", {}, "2025-01-01T00:00:00.000Z")])
    timeline.add("cand_1", "tie", {"n": 3}, at="2030-01-01T00:00:00.000Z")  # same moment: the later first
    entries = timeline.all("cand_1")
    assert [(e["kind"], e["data"].get("n")) for e in entries] == [("tie", 3), ("note", 2), ("created", 1),
                                                                  ("note", 0)]
    assert entries[2] == first and timeline.get("cand_1", first["id"]) == first
    assert first["data"] == {"source": "csv", "n": 1, "tags": ["a"], "none": None}
    assert timeline.get("cand_2", first["id"]) is None and timeline.all("cand_3") == []


def test_entry_data_is_replaced(timeline):
    entry = timeline.add("cand_1", "consent", {"status": "pending", "ip": "1.2.3.4"})
    timeline.update_data("cand_1", entry["id"], {"status": "confirmed"})
    assert timeline.get("cand_1", entry["id"]) == dict(entry, data={"status": "confirmed"})


def test_a_timeline_pages_and_keeps_its_cursors_to_itself(timeline):
    for n in range(5):
        timeline.add("cand_1", "note", {"n": n}, at=f"2026-01-0{n + 1}T00:00:00.000Z")
    timeline.add("cand_2", "note", {})
    seen, cursor, pages = [], None, 0
    while True:
        page, cursor = timeline.page("cand_1", limit=2, cursor=cursor)
        assert len(page) <= 2
        seen += [e["data"]["n"] for e in page]
        pages += 1
        if cursor is None or pages > 5:
            break
    assert seen == [4, 3, 2, 1, 0] and pages == 3
    _, cursor = timeline.page("cand_1", limit=2, cursor=None)
    with pytest.raises(ValidationError) as foreign:
        timeline.page("cand_2", limit=2, cursor=cursor)
    assert "cursor" in foreign.value.fields
    with pytest.raises(ValidationError):
        timeline.page("cand_1", limit=2, cursor="not-a-cursor")


def test_erasing_a_timeline_counts_it(timeline):
    timeline.add_many([("cand_1", "note", {}, f"2026-01-0{n}T00:00:00.000Z") for n in range(1, 4)])
    timeline.add("cand_2", "note", {})
    assert timeline.delete_all("cand_1") == 3 and timeline.all("cand_1") == []
    assert timeline.delete_all("cand_1") == 0 and len(timeline.all("cand_2")) == 1


# ------------------------------------------------------------ SendStore

@pytest.fixture(params=["memory", "dynamodb"])
def sends(request):
    if request.param == "memory":
        return InMemorySends()
    request.getfixturevalue("aws")
    from chalicelib.store.sends import SendRepository

    return SendRepository()


def test_a_claim_is_taken_once(sends):
    assert sends.claim("confirm#c1#e1", kind="confirmation", candidate_id="cand_1", subject="Confirm") is True
    assert sends.claim("confirm#c1#e1", kind="confirmation", candidate_id="cand_2") is False
    [send] = sends.for_candidate("cand_1")
    assert set(send) == {"pk", "kind", "candidate_id", "status", "created_at", "subject"}
    assert (send["pk"], send["status"], send["subject"]) == ("confirm#c1#e1", "claimed", "Confirm")
    assert sends.for_candidate("cand_2") == []


def test_a_released_claim_can_be_taken_again_a_sent_one_cannot_be_released(sends):
    sends.claim("k1", kind="confirmation", candidate_id="cand_1")
    assert sends.release("k1") is True
    assert sends.for_candidate("cand_1") == []
    assert sends.claim("k1", kind="confirmation", candidate_id="cand_1") is True
    sends.mark_sent("k1", "ses-1")
    assert sends.release("k1") is False  # SES took it: the claim stays, so that it is never sent twice
    [send] = sends.for_candidate("cand_1")
    assert (send["status"], send["message_id"]) == ("sent", "ses-1") and send["sent_at"] >= send["created_at"]
    assert sends.claim("k1", kind="confirmation", candidate_id="cand_1") is False
    sends.mark_failed("k1", "refused")
    assert sends.release("k1") is False and sends.for_candidate("cand_1")[0]["status"] == "failed"
    assert sends.release("nothing-claimed") is False and sends.for_candidate("nothing-claimed") == []


def test_a_failure_is_kept_and_a_persons_sends_are_erased(sends):
    sends.claim("k1", kind="confirmation", candidate_id="cand_1")
    time.sleep(0.002)  # created_at orders them (milliseconds)
    sends.claim("k2", kind="confirmation", candidate_id="cand_1")
    sends.claim("k3", kind="confirmation", candidate_id="cand_2")
    sends.mark_failed("k2", "x" * 600)
    newest, oldest = sends.for_candidate("cand_1")
    assert (newest["pk"], newest["status"], len(newest["error"])) == ("k2", "failed", 500)
    assert (oldest["pk"], oldest["status"]) == ("k1", "claimed") and "error" not in oldest
    assert sends.delete_for_candidate("cand_1") == 2 and sends.for_candidate("cand_1") == []
    assert sends.delete_for_candidate("cand_1") == 0 and len(sends.for_candidate("cand_2")) == 1


# ------------------------------------------------------------ PoolStore

@pytest.fixture(params=["memory", "dynamodb"])
def pools(request):
    if request.param == "memory":
        return InMemoryPools()
    request.getfixturevalue("aws")
    from chalicelib.store.pools import PoolRepository

    return PoolRepository()


RULES = {"all": [{"field": "skills", "op": "contains_any", "value": ["python"]}]}


def pool(n: int, **fields) -> dict:
    return {"id": f"pool_{n}", "name": f"Pool {n}", "kind": "dynamic", "description": None, "rules": RULES,
            "status": "rebuilding", "size": 0, "generation": 1, "builtin": None,
            "created_at": f"2026-01-0{n}T00:00:00.000Z", "updated_at": f"2026-01-0{n}T00:00:00.000Z", **fields}


def test_a_pool_reads_back_as_written(pools):
    pools.create(pool(2))
    pools.create(pool(1, kind="static", rules=None, status="ready", description="Shortlist", unknown="dropped"))
    with pytest.raises(Conflict):
        pools.create(pool(1, name="Again"))
    assert pools.get("pool_2") == {k: v for k, v in pool(2).items() if v is not None}
    assert pools.get("pool_1") == {"id": "pool_1", "name": "Pool 1", "kind": "static", "description": "Shortlist",
                                   "rules": None, "status": "ready", "size": 0, "generation": 1,
                                   "created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-01-01T00:00:00.000Z"}
    assert [p["id"] for p in pools.all()] == ["pool_1", "pool_2"] and pools.get("pool_9") is None
    pools.delete("pool_1")
    assert pools.get("pool_1") is None and [p["id"] for p in pools.all()] == ["pool_2"]


def test_updates_set_and_remove_fields_of_pools_that_exist(pools):
    pools.create(pool(1, description="Old"))
    pools.update("pool_1", name="New", description=None, updated_at="2026-02-01T00:00:00.000Z")
    found = pools.get("pool_1")
    assert (found["name"], found["updated_at"]) == ("New", "2026-02-01T00:00:00.000Z") and "description" not in found
    with pytest.raises(NotFound):
        pools.update("pool_9", name="Nobody")
    assert pools.get("pool_9") is None


def test_a_rebuild_finishes_only_at_its_generation(pools):
    pools.create(pool(1, status="ready"))
    rules = {"any": [{"field": "city", "op": "eq", "value": "Lisbon"}]}
    assert pools.start_rebuild("pool_1", "2026-02-01T00:00:00.000Z", rules=rules, name="Lisbon") == 2
    assert pools.start_rebuild("pool_1", "2026-02-02T00:00:00.000Z") == 3
    found = pools.get("pool_1")
    assert (found["status"], found["rules"], found["name"], found["updated_at"]) == (
        "rebuilding", rules, "Lisbon", "2026-02-02T00:00:00.000Z")
    assert pools.finish_rebuild("pool_1", 2, "2026-02-03T00:00:00.000Z") is False  # an older rebuild
    assert pools.get("pool_1")["status"] == "rebuilding"
    assert pools.finish_rebuild("pool_1", 3, "2026-02-03T00:00:00.000Z") is True
    assert (pools.get("pool_1")["status"], pools.get("pool_1")["rebuilt_at"]) == ("ready", "2026-02-03T00:00:00.000Z")
    assert pools.finish_rebuild("pool_9", 1, "2026-02-03T00:00:00.000Z") is False
    with pytest.raises(NotFound):
        pools.start_rebuild("pool_9", "2026-02-03T00:00:00.000Z")
    assert pools.get("pool_9") is None  # nothing written for a pool that is not there


def test_sizes_and_errors_skip_pools_that_are_gone(pools):
    pools.create(pool(1))
    pools.create(pool(2))
    pools.add_sizes({"pool_1": 3, "pool_2": 0, "pool_9": 5})
    pools.add_sizes({"pool_1": -1})
    pools.mark_error("pool_2")
    pools.mark_error("pool_9")
    assert (pools.get("pool_1")["size"], pools.get("pool_2")["size"]) == (2, 0)
    assert pools.get("pool_2")["status"] == "error" and pools.get("pool_9") is None


# ------------------------------------------------------------ MembershipStore

@pytest.fixture(params=["memory", "dynamodb"])
def members(request):
    if request.param == "memory":
        return InMemoryMemberships()
    request.getfixturevalue("aws")
    from chalicelib.store.pools import MembershipRepository

    return MembershipRepository()


def test_joins_and_leaves_count_only_changes(members):
    ada, bob = person(1, first_name="Ada", skills=["python"], remote_ok=False), person(2, first_name="Bob")
    joined = members.join([("pool_a", ada, "2026-01-01T00:00:00.000Z"), ("pool_a", bob, "2026-01-02T00:00:00.000Z"),
                           ("pool_b", ada, "2026-01-03T00:00:00.000Z")])
    assert joined == {"pool_a": 2, "pool_b": 1}
    assert members.join([("pool_a", ada, "2026-02-01T00:00:00.000Z")]) == {}  # a member already
    assert members.current("cand_0001") == {"pool_a": "2026-01-01T00:00:00.000Z", "pool_b": "2026-01-03T00:00:00.000Z"}
    assert members.existing("pool_a", ["cand_0002", "cand_0009", "cand_0002"]) == {"cand_0002": "2026-01-02T00:00:00.000Z"}
    assert members.leave([("pool_a", "cand_0001"), ("pool_a", "cand_0001"), ("pool_a", "cand_0009")]) == {"pool_a": 1}
    assert members.current("cand_0001") == {"pool_b": "2026-01-03T00:00:00.000Z"} and members.current("cand_0009") == {}


def test_members_carry_a_copy_of_the_person(members):
    ada = person(1, first_name="Ada", skills=["python"], remote_ok=False, engagement_score=7, phone="+351900000000")
    members.join([("pool_a", ada, "2026-01-01T00:00:00.000Z")])
    expected = {"pool_id": "pool_a", "candidate_id": "cand_0001", "joined_at": "2026-01-01T00:00:00.000Z",
                "email": "p1@example.com", "first_name": "Ada", "skills": ["python"], "remote_ok": False,
                "engagement_score": 7, "status": "not_subscribed", "created_at": "2026-01-01T00:00:00.000Z",
                "updated_at": "2026-01-01T00:00:00.000Z"}  # the snapshot fields only: no phone, no version
    assert list(members.iterate("pool_a")) == [expected]
    members.refresh([("pool_a", dict(ada, first_name="Adah", skills=None), "2026-01-01T00:00:00.000Z")])
    [item] = members.iterate("pool_a")
    assert item["first_name"] == "Adah" and "skills" not in item


def test_member_pages_filter_and_keep_their_cursors_to_their_pool(members):
    people = [person(n, first_name="Ada" if n % 2 else "Bob", skills=["python"] if n < 6 else ["go"])
              for n in range(1, 8)]
    members.join([("pool_a", p, f"2026-01-0{n}T00:00:00.000Z") for n, p in enumerate(people, 1)])
    members.join([("pool_b", people[0], "2026-01-01T00:00:00.000Z")])

    def everything(**search):
        found, cursor, pages = [], None, 0
        while pages < 10:
            page, cursor = members.page("pool_a", limit=2, cursor=cursor, **search)
            assert len(page) <= 2
            found += [m["candidate_id"] for m in page]
            pages += 1
            if cursor is None:
                break
        return found

    assert everything() == [f"cand_000{n}" for n in range(1, 8)]
    assert everything(search=PeopleSearch.parse("python", "ada")) == ["cand_0001", "cand_0003", "cand_0005"]
    _, cursor = members.page("pool_a", limit=2, cursor=None)
    with pytest.raises(ValidationError) as foreign:
        members.page("pool_b", limit=2, cursor=cursor)
    assert "cursor" in foreign.value.fields


def test_ids_and_newcomers_page_through_a_pool(members):
    people = [person(n) for n in range(1, 6)]
    members.join([("pool_a", p, f"2026-01-0{6 - n}T00:00:00.000Z") for n, p in enumerate(people, 1)])

    def all_pages(read):
        found, cursor = [], None
        for _ in range(10):
            ids, cursor = read(cursor)
            found += ids
            if cursor is None:
                break
        return found

    assert all_pages(lambda c: members.ids_page("pool_a", limit=2, cursor=c)) == [p["id"] for p in people]
    newcomers = all_pages(lambda c: members.joined_since("pool_a", "2026-01-03T00:00:00.000Z", limit=2, cursor=c))
    assert newcomers == ["cand_0003", "cand_0002", "cand_0001"]  # by when they joined


def test_dates_pages_carry_only_the_members_dates(members):
    people = [person(n, last_contacted_at=f"2026-02-0{n}T00:00:00.000Z" if n % 2 else None) for n in range(1, 6)]
    members.join([("pool_a", p, "2026-01-01T00:00:00.000Z") for p in people])
    members.join([("pool_b", people[0], "2026-01-01T00:00:00.000Z")])
    found, cursor = [], None
    for _ in range(10):
        page, cursor = members.dates_page("pool_a", limit=2, cursor=cursor)
        assert len(page) <= 2
        found += page
        if cursor is None:
            break
    assert found == [{"last_engaged_at": None, "updated_at": "2026-01-01T00:00:00.000Z",
                      "last_contacted_at": f"2026-02-0{n}T00:00:00.000Z" if n % 2 else None} for n in range(1, 6)]


def test_a_pool_is_emptied_in_chunks(members):
    members.join([("pool_a", person(n), "2026-01-01T00:00:00.000Z") for n in range(1, 6)])
    members.join([("pool_b", person(1), "2026-01-01T00:00:00.000Z")])
    assert [members.delete_some("pool_a", count=2) for _ in range(4)] == [2, 2, 1, 0]
    assert list(members.iterate("pool_a")) == [] and members.current("cand_0001") == {
        "pool_b": "2026-01-01T00:00:00.000Z"}
