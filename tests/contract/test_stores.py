"""One contract, two implementations: the DynamoDB repositories (on moto) and the in-memory fakes of
tests/fakes.py. Service tests that use the fakes can trust them because both pass this suite."""
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.errors import EmailTaken, VersionConflict
from chalicelib.domain.search import PeopleSearch
from tests.fakes import InMemoryCandidates, InMemoryKeys


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
