"""Reviewer findings on the stores (round 3): a join that fails half-way still counts what it made (10); a send's
record never re-creates an erased send nor puts "sent" over what an event set (9)."""
import pytest

from tests.contract.test_stores import person, pool

AT = "2026-01-01T00:00:00.000Z"


def test_a_join_failing_half_way_counts_the_memberships_it_made(aws, monkeypatch):
    from pynamodb.exceptions import PutError

    from chalicelib.store.models import MembershipModel
    from chalicelib.store.pools import MembershipRepository, PoolRepository

    PoolRepository().create(pool(1))
    save = MembershipModel.save

    def flaky(self, *args, **kwargs):
        if self.candidate_id == "cand_0003":
            raise PutError("throttled", cause=None)
        return save(self, *args, **kwargs)

    monkeypatch.setattr(MembershipModel, "save", flaky)
    with pytest.raises(PutError):
        MembershipRepository().join([("pool_1", person(n), AT) for n in range(1, 8)])
    assert PoolRepository().get("pool_1")["size"] == 6  # the six made are counted; the retry will not count them
    monkeypatch.setattr(MembershipModel, "save", save)
    assert MembershipRepository().join([("pool_1", person(n), AT) for n in range(1, 8)]) == {"pool_1": 1}


def _claim(key: str) -> dict:
    return {"pk": key, "kind": "campaign", "candidate_id": "cand_1", "status": "claimed", "created_at": AT,
            "campaign_id": "camp_1", "step": 0, "channel": "email", "category": "newsletter", "subject": "Hi"}


def test_a_record_does_not_recreate_a_send_erased_since_its_claim(aws):
    from chalicelib.store.sends import CampaignSends, TrackingSends

    CampaignSends().record([dict(_claim("camp_1#0#cand_1"), status="sent", sent_at=AT, message_id="ses-1")])
    assert TrackingSends().get("camp_1#0#cand_1") is None


def test_a_record_keeps_the_failure_a_bounce_set_before_it(aws):
    from chalicelib.store.sends import CampaignSends, TrackingSends

    sends, tracking = CampaignSends(), TrackingSends()
    from chalicelib.store.convert import from_dict
    from chalicelib.store.models import SendModel

    claim = _claim("camp_1#0#cand_1")

    from_dict(SendModel, claim).save()
    assert tracking.mark_first(claim["pk"], "bounced_at", AT, status="failed")  # the event came first
    sends.record([dict(claim, status="sent", sent_at=AT, message_id="ses-1")])
    send = tracking.get(claim["pk"])
    assert (send["status"], send["message_id"], send["bounced_at"]) == ("failed", "ses-1", AT)
    other = _claim("camp_1#0#cand_2")
    from_dict(SendModel, other).save()
    sends.record([dict(other, status="sent", sent_at=AT, message_id="ses-2")])
    assert tracking.get(other["pk"])["status"] == "sent"
