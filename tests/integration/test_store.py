"""Repositories against emulated DynamoDB: the invariants the rest of the code leans on."""
import threading
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.clock import iso, new_id


def person(email, **fields):
    now = iso()
    return {"id": new_id("cand"), "email": email, "status": "not_subscribed", "created_at": now,
            "updated_at": now, "version": 1, **fields}


def test_one_person_per_address_even_when_racing(aws):
    from chalicelib.domain.errors import EmailTaken
    from chalicelib.store.candidates import CandidateRepository

    repo = CandidateRepository()
    winners, losers = [], []

    def attempt():
        candidate = person("race@example.com")
        try:
            repo.create(candidate)
            winners.append(candidate["id"])
        except EmailTaken as taken:
            losers.append(taken.candidate_id)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1 and set(losers) == {winners[0]}
    assert repo.id_for_email("race@example.com") == winners[0]


def test_create_many_reports_only_the_taken_addresses(aws):
    from chalicelib.store.candidates import CandidateRepository

    repo = CandidateRepository()
    repo.create(person("taken@example.com"))
    batch = [person(f"p{i}@example.com") for i in range(120)] + [person("taken@example.com")]
    lost = repo.create_many(batch)
    assert [c["email"] for c in lost] == ["taken@example.com"]
    assert len(repo.ids_for_emails(c["email"] for c in batch)) == 121


def test_optimistic_lock_refuses_stale_writes(aws):
    from chalicelib.domain.errors import VersionConflict
    from chalicelib.store.candidates import CandidateRepository

    repo = CandidateRepository()
    candidate = person("lock@example.com")
    repo.create(candidate)
    fresh = repo.save(dict(candidate, city="Oslo"))
    assert fresh["version"] == 2
    with pytest.raises(VersionConflict):
        repo.save(dict(candidate, city="Bergen"))  # read before the first save
    assert repo.get(candidate["id"])["city"] == "Oslo"


def test_rate_counter_window(aws):
    from chalicelib.store.keys import KeyRepository

    keys = KeyRepository()
    until = datetime.now(timezone.utc) + timedelta(hours=1)
    assert [keys.hit("rate#x", 3, until) for _ in range(5)] == [True, True, True, False, False]


def test_replay_guard_and_expiry(aws):
    from chalicelib.store.keys import KeyRepository

    keys = KeyRepository()
    assert keys.put_new("replay#1") is True and keys.put_new("replay#1") is False
    keys.put("old", expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
    assert keys.get("old") is None  # expired items may linger in DynamoDB: they are ignored


def test_timeline_pages_newest_first(aws):
    from chalicelib.store.timeline import TimelineRepository

    timeline = TimelineRepository()
    for day in range(1, 6):
        timeline.add("cand_a", "note", {"n": day}, at=f"2026-01-0{day}T00:00:00.000Z")
    first, cursor = timeline.page("cand_a", limit=3, cursor=None)
    second, end = timeline.page("cand_a", limit=3, cursor=cursor)
    assert [e["data"]["n"] for e in first + second] == [5, 4, 3, 2, 1] and end is None
    from chalicelib.domain.errors import ValidationError

    with pytest.raises(ValidationError):
        timeline.page("cand_b", limit=3, cursor=cursor)


def test_api_keys_are_stored_as_hashes_and_revocable(aws):
    from chalicelib import wiring
    from tests.integration.dump import all_items

    service = wiring.api_keys()
    created = service.create("Jane")
    assert service.verify(created["key"]) and not service.verify(created["key"] + "x")
    assert created["key"] not in str(all_items())
    assert [k["name"] for k in service.list()] == ["Jane"]
    assert service.revoke(created["id"]) and not service.verify(created["key"])


def test_daily_job_expires_unconfirmed_signups(aws):
    from chalicelib import wiring
    from chalicelib.services.privacy import expire_pending
    from chalicelib.settings import get_settings

    repo = wiring.candidate_repo()
    old = iso(datetime.now(timezone.utc) - timedelta(days=40))
    stranger = person("never@example.com", status="pending", source="careers_page", updated_at=old)
    known = person("known@example.com", status="pending", source="csv_import", updated_at=old)
    recent = person("recent@example.com", status="pending", source="careers_page")
    for c in (stranger, known, recent):
        repo.create(c)
    result = expire_pending(get_settings(), repo, wiring.privacy())
    assert result == {"removed": 1, "reverted": 1}
    assert repo.get(stranger["id"]) is None and repo.id_for_email("never@example.com") is None
    assert repo.get(known["id"])["status"] == "not_subscribed"
    assert repo.get(recent["id"])["status"] == "pending"
