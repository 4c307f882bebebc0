"""Joins are counted exactly when writers race (issue 17: joins are conditional puts, no longer transactions):
a rebuild page delivered twice at once, or a person's change racing a rebuild, adds each membership once
and counts it once, so the pool's size stays the number of its members."""
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.contract.test_stores import members, person  # noqa: F401 - the store fixture, memory and DynamoDB

AT = "2026-01-01T00:00:00.000Z"


def test_the_same_joins_racing_are_counted_once(members):  # noqa: F811
    page = [("pool_a", person(n), AT) for n in range(1, 61)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        counts = list(pool.map(members.join, [page, page, page[::-1]]))
    assert sum(counts, Counter()) == {"pool_a": 60}
    assert len(members.existing("pool_a", [f"cand_{n:04d}" for n in range(1, 61)])) == 60


def test_a_batch_with_a_person_twice_counts_them_once(members):  # noqa: F811
    ada = person(1)
    assert members.join([("pool_a", ada, AT), ("pool_b", ada, AT), ("pool_a", ada, "2026-02-01T00:00:00.000Z")]) \
        == {"pool_a": 1, "pool_b": 1}


@pytest.mark.parametrize("members", ["dynamodb"], indirect=True)
def test_a_refused_write_is_raised_not_counted(members, monkeypatch):  # noqa: F811
    from pynamodb.exceptions import PutError

    from chalicelib.store.models import MembershipModel

    save = MembershipModel.save

    def flaky(self, *args, **kwargs):
        if self.candidate_id == "cand_0003":
            raise PutError("throttled", cause=None)
        return save(self, *args, **kwargs)

    monkeypatch.setattr(MembershipModel, "save", flaky)
    with pytest.raises(PutError):
        members.join([("pool_a", person(n), AT) for n in range(1, 6)])
