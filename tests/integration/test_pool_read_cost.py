"""Listing a pool costs in proportion to the pool, not to the candidates table."""
from chalicelib.domain.clock import iso, new_id


def test_listing_a_pool_reads_about_its_members(aws):
    from chalicelib import wiring
    from tests.integration.reads import counting_reads

    now = iso()
    people = [{"id": new_id("cand"), "email": f"p{i}@example.com", "status": "subscribed", "created_at": now,
               "updated_at": now, "version": 1, "skills": ["python"] if i % 10 == 0 else ["go"]}
              for i in range(3000)]
    wiring.candidate_repo().create_many(people)
    service = wiring.pools()
    pool = service.create({"name": "Python", "kind": "dynamic",
                           "rules": {"field": "skills", "op": "contains_any", "value": ["python"]}})
    message = {"pool_id": pool["id"], "generation": 1, "cursor": None}
    while True:  # run the rebuild pages as the jobs worker would
        status = service.rebuild_step(message)
        if status != "continued":
            break
        message = {**message, "cursor": wiring.candidate_repo().scan(limit=500, cursor=message["cursor"])[1]}
    assert service.get(pool["id"])["size"] == 300

    with counting_reads() as reads:
        seen, cursor = [], None
        while True:
            items, cursor = service.members(pool["id"], 100, cursor)
            seen += items
            if not cursor:
                break
    assert len(seen) == 300 and all(m["skills"] == ["python"] for m in seen)
    assert reads.items <= 300 * 1.1, reads.items  # not 3,000: the table is never scanned
