"""A pool's member figures, counted a bounded piece per request (services/pool_figures.py, services/tally.py)."""
from datetime import timedelta

from chalicelib.domain.clock import iso, utcnow
from chalicelib.services import pool_figures
from chalicelib.services.pool_figures import PoolFigures
from tests.fakes import InMemoryKeys, InMemoryMemberships


def members(count: int) -> InMemoryMemberships:
    store, now = InMemoryMemberships(), utcnow()
    store.join([("pool_1", {"id": f"cand_{i:05d}", "email": f"p{i}@example.com",
                            "last_contacted_at": iso(now - timedelta(days=10)) if i % 2 else None,
                            "last_engaged_at": iso(now - timedelta(days=200)) if i % 3 else iso(now),
                            "updated_at": iso(now - timedelta(days=400)) if i % 5 == 0 else iso(now)},
                 iso(now)) for i in range(count)])
    return store


def expected(count: int) -> dict:
    return {"size": count, "contacted_90d": count // 2, "engaged_90d": len(range(0, count, 3)),
            "stale_profiles": len(range(0, count, 5))}


def test_a_big_pool_is_counted_in_pieces_that_add_up(monkeypatch):
    monkeypatch.setattr(pool_figures, "PAGE", 100)
    figures, pool = PoolFigures(members(1050), InMemoryKeys()), {"id": "pool_1", "size": 1050}
    answers = [figures.count(pool, budget_seconds=0)]  # one page a request
    while not answers[-1]["complete"]:
        answers.append(figures.count(pool, budget_seconds=0))
    assert len(answers) == 11 and [a["size"] for a in answers[:3]] == [100, 200, 300]
    assert {k: answers[-1][k] for k in expected(1050)} == expected(1050)
    again = figures.count(pool, budget_seconds=0)  # a finished count is kept a while: no reading
    assert again == answers[-1]


def test_the_api_counts_everything_at_once_and_a_small_pool_too(monkeypatch):
    monkeypatch.setattr(pool_figures, "PAGE", 100)
    store = members(250)
    whole = PoolFigures(store, InMemoryKeys()).count({"id": "pool_1", "size": 250})
    assert whole["complete"] and {k: whole[k] for k in expected(250)} == expected(250)
    small = PoolFigures(members(80), InMemoryKeys()).count({"id": "pool_1", "size": 80}, budget_seconds=0)
    assert small["complete"] and small["size"] == 80


def test_a_rebuilt_pool_is_counted_again(monkeypatch):
    monkeypatch.setattr(pool_figures, "PAGE", 100)
    keys, store = InMemoryKeys(), members(300)
    figures = PoolFigures(store, keys)
    first = figures.count({"id": "pool_1", "size": 300, "generation": 1}, budget_seconds=0)
    rebuilt = figures.count({"id": "pool_1", "size": 300, "generation": 2}, budget_seconds=0)
    assert first["size"] == rebuilt["size"] == 100  # started over: not 200
