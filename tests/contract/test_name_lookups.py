"""The batched lookups a timeline in words needs: keys' refs (both KeyStore implementations, one contract), and
campaign names and job titles from DynamoDB (moto), each read in one batch whatever the number of ids."""
from datetime import datetime, timedelta, timezone

from tests.contract.test_stores import keys  # noqa: F401 - the fixture: memory and dynamodb


def test_refs_are_read_for_the_keys_that_hold_one(keys):  # noqa: F811
    keys.put("atsjob#1", ref="job_1", created_at="2026-01-01")
    keys.put("atsjob#2", created_at="2026-01-01")  # no ref
    keys.put("atsjob#3", ref="job_3", expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
    assert keys.refs(["atsjob#1", "atsjob#2", "atsjob#3", "atsjob#none", "atsjob#1"]) == {"atsjob#1": "job_1"}
    assert keys.refs([]) == {}


def test_campaign_names_and_job_titles_in_one_batch_each(aws):
    from chalicelib import wiring
    from chalicelib.store.models import CampaignModel, JobModel
    from tests.integration.reads import ReadCounter

    campaigns, jobs = wiring.campaign_repo(), wiring.job_repo()
    for n in range(30):
        campaigns.create({"id": f"camp_{n}", "name": f"Campaign {n}", "channel": "email", "category": "job_alert",
                          "status": "draft", "created_at": "2026-01-01", "updated_at": "2026-01-01", "steps": []})
        jobs.create({"id": f"job_{n}", "title": f"Job {n}", "status": "open", "source": "api",
                     "created_at": "2026-01-01", "updated_at": "2026-01-01"})
    ids = [f"camp_{n}" for n in range(30)] + ["camp_gone"]
    reads = ReadCounter()
    clients = {id(c): c for c in (m._get_connection().connection.client for m in (CampaignModel, JobModel))}
    for client in clients.values():
        client.meta.events.register("after-call.dynamodb", reads)
    try:
        names = campaigns.names(ids)
        titles = jobs.titles([f"job_{n}" for n in range(30)] + ["job_gone"])
    finally:
        for client in clients.values():
            client.meta.events.unregister("after-call.dynamodb", reads)
    assert names == {f"camp_{n}": f"Campaign {n}" for n in range(30)}
    assert titles == {f"job_{n}": f"Job {n}" for n in range(30)}
    assert reads.calls == 2
    assert campaigns.names([]) == {} and jobs.titles([]) == {}
