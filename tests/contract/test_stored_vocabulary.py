"""Every store takes records holding the vocabulary's members (StrEnum) and gives back their plain text, on
DynamoDB (moto): a raw map attribute refuses a subclass of str (a 500), so each store passes what it writes
through store/convert.py `storable`. One test per store, each writing enum members where that store keeps them."""
import pytest

from chalicelib.domain.vocabulary import (CampaignStatus, CandidateStatus, Category, Channel, DecisionReason,
                                          EnrollmentMode, EnrollmentStatus, GoalMetric, JobStatus, OutcomeKind,
                                          PoolStatus, SendStatus, Stage, StepCondition)

AT = "2026-01-01T00:00:00.000Z"


@pytest.fixture(autouse=True)
def _dynamodb(aws):
    yield


def plain(value) -> bool:
    """No enum member left anywhere in what a store gave back: only the text."""
    if isinstance(value, dict):
        return all(plain(v) for v in value.values())
    if isinstance(value, list):
        return all(plain(v) for v in value)
    return not isinstance(value, str) or type(value) is str


def person(**fields) -> dict:
    return {"id": "cand_1", "email": "ada@example.com", "status": CandidateStatus.SUBSCRIBED, "stage": Stage.HIRED,
            "consent": {"marketing": True, "status": CandidateStatus.SUBSCRIBED},
            "preferences": {"unsubscribed_categories": [Category.JOB_ALERT], "unsubscribed_all": False},
            "version": 1, "created_at": AT, "updated_at": AT, **fields}


def test_candidates():
    from chalicelib.store.candidates import CandidateRepository

    people = CandidateRepository()
    people.create(person())
    saved = people.save(dict(people.get("cand_1"), status=CandidateStatus.UNSUBSCRIBED, stage=Stage.REJECTED))
    found = people.get("cand_1")
    assert found["preferences"]["unsubscribed_categories"] == ["job_alert"]
    assert found["consent"]["status"] == "subscribed"
    assert (found["status"], found["stage"], found["version"]) == ("unsubscribed", "rejected", saved["version"])
    assert plain(found)


def test_timeline():
    from chalicelib.store.timeline import TimelineRepository

    timeline = TimelineRepository()
    entry = timeline.add("cand_1", "campaign_email_sent", {"status": SendStatus.SENT, "steps": [
        {"reason": DecisionReason.NO_PHONE, "channel": Channel.SMS}]})
    timeline.add_many([("cand_1", "preferences", {"unsubscribed_categories": [Category.EVENT_INVITE]}, AT)])
    timeline.update_data("cand_1", entry["id"], {"status": SendStatus.FAILED, "stage": Stage.OFFER})
    newest, oldest = timeline.all("cand_1")
    assert newest["data"] == {"status": "failed", "stage": "offer"}
    assert oldest["data"] == {"unsubscribed_categories": ["event_invite"]}
    assert plain(newest) and plain(oldest)


def test_keys():
    from chalicelib.store.keys import KeyRepository

    keys = KeyRepository()
    goal = {"id": "goal_1", "metric": GoalMetric.HIRES_FROM_POOLS, "name": GoalMetric.HIRES_FROM_POOLS,
            "filters": {"sources": [Category.CAREER_ADVICE]}}
    keys.put("goal#goal_1", ref="goal_1", data=goal, created_at=AT)
    assert keys.put_new("goal#goal_2", ref="goal_2", data=dict(goal, id="goal_2"), created_at=AT) is True
    found = keys.get("goal#goal_1")["data"]
    assert found == {"id": "goal_1", "metric": "hires_from_pools", "name": "hires_from_pools",
                     "filters": {"sources": ["career_advice"]}}
    assert plain(found) and all(plain(item) for item in keys.with_prefix("goal#"))


def test_templates_campaigns_and_enrollments():
    from chalicelib.store.campaigns import CampaignRepository, EnrollmentRepository, TemplateRepository

    templates = TemplateRepository()
    templates.create({"id": "tmpl_1", "name": "News", "category": Category.COMPANY_NEWS, "subject": "Hi",
                      "html": "<p>Hi</p>", "created_at": AT, "updated_at": AT})
    templates.save(dict(templates.get("tmpl_1"), category=Category.EVENT_INVITE))
    assert templates.get("tmpl_1")["category"] == "event_invite" and plain(templates.get("tmpl_1"))

    campaigns = CampaignRepository()
    campaigns.create({"id": "camp_1", "name": "C", "channel": Channel.SMS, "category": Category.JOB_ALERT,
                      "status": CampaignStatus.DRAFT, "audience": {"pools": ["pool_1"], "exclude_pools": []},
                      "steps": [{"template_id": "tmpl_1", "delay": "P0D", "condition": StepCondition.NOT_OPENED}],
                      "send_at": None, "enrollment": EnrollmentMode.CONTINUOUS,
                      "exit_on": [DecisionReason.UNSUBSCRIBED, DecisionReason.HIRED], "created_at": AT,
                      "updated_at": AT})
    assert campaigns.transition("camp_1", CampaignStatus.DRAFT, CampaignStatus.PAUSED,
                                paused_from=CampaignStatus.SCHEDULED) is True
    found = campaigns.get("camp_1")
    assert (found["status"], found["paused_from"], found["channel"]) == ("paused", "scheduled", "sms")
    assert found["exit_on"] == ["unsubscribed", "hired"] and found["steps"][0]["condition"] == "not_opened"
    assert plain(found)

    enrollments = EnrollmentRepository()
    entry = {"campaign_id": "camp_1", "candidate_id": "cand_1", "step": 0, "status": EnrollmentStatus.ACTIVE,
             "enrolled_at": AT, "updated_at": AT, "due_at": AT}
    assert enrollments.enroll([entry]) == ["cand_1"]
    enrollments.put_many([dict(entry, status=EnrollmentStatus.EXITED, reason=DecisionReason.NO_SMS_CONSENT)])
    found = enrollments.get_many("camp_1", ["cand_1"])["cand_1"]
    assert (found["status"], found["reason"]) == ("exited", "no_sms_consent") and plain(found)


def test_sends():
    from chalicelib.store.convert import from_dict
    from chalicelib.store.models import SendModel
    from chalicelib.store.sends import CampaignSends, SendRepository

    claim = {"pk": "camp_1#0#cand_1", "kind": "campaign", "candidate_id": "cand_1", "status": SendStatus.CLAIMED,
             "created_at": AT, "campaign_id": "camp_1", "step": 0, "channel": Channel.SMS,
             "category": Category.JOB_ALERT}
    sends = CampaignSends()
    from_dict(SendModel, claim).save()  # record() writes only over a send that exists
    sends.record([dict(claim, status=SendStatus.SENT, message_id="m-1")])
    skipped = dict(claim, pk="camp_1#0#cand_2", candidate_id="cand_2", status=SendStatus.SKIPPED,
                   reason=DecisionReason.NO_PHONE)
    assert sends.record_skips([skipped]) == 1
    found = sends.get_many([claim["pk"], skipped["pk"]])
    assert (found[claim["pk"]]["status"], found[claim["pk"]]["category"]) == ("sent", "job_alert")
    assert (found[skipped["pk"]]["status"], found[skipped["pk"]]["reason"]) == ("skipped", "no_phone")
    assert SendRepository().claim("confirm#cand_3#evt_1", kind="confirmation", candidate_id="cand_3") is True
    assert [s["status"] for s in SendRepository().for_candidate("cand_3")] == ["claimed"]
    assert all(plain(send) for send in found.values())


def test_pools_and_memberships():
    from chalicelib.store.pools import MembershipRepository, PoolRepository

    pools = PoolRepository()
    pools.create({"id": "pool_1", "name": "P", "kind": "static", "status": PoolStatus.READY, "size": 0,
                  "generation": 1, "created_at": AT, "updated_at": AT})
    pools.update("pool_1", status=PoolStatus.ERROR)
    assert pools.get("pool_1")["status"] == "error" and plain(pools.get("pool_1"))

    members = MembershipRepository()
    assert members.join([("pool_1", person(), AT)]) == {"pool_1": 1}
    members.refresh([("pool_1", person(status=CandidateStatus.BOUNCED), AT)])
    [member] = members.iterate("pool_1")
    assert (member["status"], member["stage"]) == ("bounced", "hired")
    assert member["preferences"]["unsubscribed_categories"] == ["job_alert"] and plain(member)


def test_outcomes_and_jobs():
    from chalicelib.store.jobs import JobRepository
    from chalicelib.store.outcomes import OutcomeRepository

    outcomes = OutcomeRepository()
    outcomes.add({"kind": OutcomeKind.HIRE, "sk": f"{AT}#evt_1", "occurred_at": AT, "candidate_id": "cand_1",
                  "data": {"stage": Stage.HIRED, "job_id": "j-1"}})
    [hire] = outcomes.all_of(OutcomeKind.HIRE)
    assert (hire["kind"], hire["data"]) == ("hire", {"stage": "hired", "job_id": "j-1"}) and plain(hire)
    assert outcomes.forget_candidate("cand_1") == 1

    jobs = JobRepository()
    jobs.create({"id": "job_1", "title": "Dev", "status": JobStatus.OPEN, "source": "api", "created_at": AT,
                 "updated_at": AT})
    jobs.mark_filled("job_1", AT)
    assert jobs.get("job_1")["status"] == "filled" and plain(jobs.get("job_1"))
