"""A timeline in words (services/timeline_view.py), what erasure would remove (PrivacyService.erasure_preview) and a
person's pools (PoolService.of_person), on the in-memory repositories of tests/fakes.py."""
from types import SimpleNamespace

import pytest

from chalicelib.domain.candidates import TOUCHPOINT_CHANNELS
from chalicelib.domain.errors import NotFound
from chalicelib.domain.vocabulary import CandidateStatus, Stage
from chalicelib.services.pools import MembershipSync, PoolService
from chalicelib.services.privacy import PrivacyService
from chalicelib.services.timeline_view import CHANNEL_LABELS, STAGE_LABELS, STATUS_LABELS, WORDING, TimelineView, day, when
from tests.fakes import InMemoryCandidates, InMemoryKeys, InMemoryMemberships, InMemoryPools, InMemorySends, InMemoryTimeline


class Names:
    """A campaigns or jobs repository's batch read, counting its calls."""

    def __init__(self, known: dict[str, str]):
        self.known = known
        self.calls: list[list[str]] = []

    def names(self, ids: list[str]) -> dict[str, str]:
        self.calls.append(ids)
        return {i: self.known[i] for i in ids if i in self.known}

    titles = names


@pytest.fixture
def view():
    keys = InMemoryKeys()
    keys.put("atsjob#REQ-1", ref="job_1")
    keys.put("atsjob#REQ-gone", ref="job_gone")
    campaigns, jobs = Names({"camp_1": "Spring newsletter", "camp_2": "Rust meetup"}), Names({"job_1": "Data engineer",
                                                                                            "job_2": "Designer"})
    return SimpleNamespace(view=TimelineView(campaigns, jobs, keys), campaigns=campaigns, jobs=jobs, keys=keys)


def entry(kind: str, /, **data) -> dict:
    return {"id": f"2026-01-01T00:00:00.000Z#{kind}", "kind": kind, "at": "2026-01-01T09:05:00.000Z", "data": data}


def said(view, *entries) -> list[str]:
    return [f"{e['title']}: {e['text']}" for e in view.view.describe(list(entries))]


def test_every_channel_status_and_stage_has_words():
    assert set(CHANNEL_LABELS) == set(TOUCHPOINT_CHANNELS)
    assert set(STATUS_LABELS) == set(CandidateStatus) and set(STAGE_LABELS) == set(Stage)
    assert {"consent", "touchpoint", "campaign_email_sent", "email_opened", "candidate_hired"} <= set(WORDING)


def test_campaigns_subjects_and_jobs_are_named_with_one_batched_read_each(view):
    entries = [entry("campaign_email_sent", campaign_id="camp_1", step=0, subject="Spring news", status="sent"),
               entry("email_opened", campaign_id="camp_1", step=0), entry("email_clicked", campaign_id="camp_1", step=0),
               entry("campaign_email_sent", campaign_id="camp_2", step=1, subject="Day two", status="sent"),
               entry("email_opened", campaign_id="camp_2", step=1),
               entry("application_created", job_id="REQ-1"), entry("offer_created", job_id="REQ-1"),
               entry("candidate_hired", job_id="job_2"), entry("offer_declined", job_id="REQ-gone"),
               entry("candidate_stage_changed", job_id="REQ-never", stage="interviewing"),
               entry("email_clicked", campaign_id="camp_deleted", step=0)]
    assert said(view, *entries) == [
        "Campaign email: “Spring news” sent from the campaign “Spring newsletter”",
        "Opened: Opened “Spring news” from the campaign “Spring newsletter”",
        "Clicked: Clicked “Spring news” from the campaign “Spring newsletter”",
        "Campaign email: “Day two” sent from the campaign “Rust meetup” (step 2)",
        "Opened: Opened “Day two” from the campaign “Rust meetup” (step 2)",
        "Applied: Applied for “Data engineer”", "Offer made: Offer made for “Data engineer”",
        "Hired: Hired for “Designer”", "Offer declined: Declined the offer for a job not known to the CRM",
        "Stage changed: Now interviewing for a job not known to the CRM",
        "Clicked: Clicked an email from a campaign deleted since"]
    assert view.campaigns.calls == [["camp_1", "camp_2", "camp_deleted"]]
    assert view.jobs.calls == [["job_1", "job_2", "job_gone"]]


def test_nothing_to_name_reads_nothing(view):
    assert said(view, entry("touchpoint", channel="phone", summary="Intro\ncall"), entry("note_kind_from_the_future")) == [
        "Call: Call logged", "Note kind from the future: "]
    assert view.campaigns.calls == [] and view.jobs.calls == []
    assert view.view.describe([entry("touchpoint", channel="phone", summary="Intro\ncall")])[0]["note"] == "Intro\ncall"


@pytest.mark.parametrize("kind,data,words", [
    ("consent", {"consent_version": "v3", "confirmed_at": "2026-02-03T10:00:00Z"},
     "Consent: Asked for email on the careers page (consent wording v3); confirmed on 3 Feb 2026"),
    ("consent", {}, "Consent: Asked for email on the careers page; not confirmed yet"),
    ("created", {"source": "sourced", "by": "api"}, "Added: Added to the CRM (source: sourced) by a recruiter"),
    ("updated", {"fields": ["linkedin_url", "city"], "by": "csv_import"},
     "Profile updated: Changed LinkedIn URL, city by a CSV import"),
    ("touchpoint", {"channel": "linkedin"}, "LinkedIn message: LinkedIn message logged, no summary"),
    ("suppression_lifted", {"previous_status": "bounced", "reason": "typo fixed"},
     "Suppression lifted: No longer bounced: may be emailed again after a new sign-up; reason: typo fixed"),
    ("email_sent", {"kind": "confirmation", "subject": "Confirm"}, "Email sent: Confirmation email “Confirm” sent"),
    ("campaign_email_sent", {"campaign_id": "camp_1", "subject": "Hi", "status": "failed"},
     "Email not sent: “Hi” from the campaign “Spring newsletter” could not be sent"),
    ("unsubscribed", {"source": "one_click", "campaign_id": "camp_2"},
     "Unsubscribed: Unsubscribed from all email with the unsubscribe button of their mail app, after the campaign "
     "“Rust meetup”"),
    ("preferences", {"unsubscribed_categories": ["job_alert", "company_news"]},
     "Email preferences: No longer wants: job alert, company news"),
    ("preferences", {"unsubscribed_categories": []}, "Email preferences: Wants every kind of email"),
    ("bounced", {"reason": "mailbox full"}, "Bounced: The address bounced (mailbox full): no more email"),
    ("complained", {}, "Marked as spam: Marked an email as spam: no more email"),
    ("soft_bounce", {"detail": "try later"}, "Temporary bounce: An email could not be delivered for now: try later"),
    ("signup_suppressed", {"status": "complained"},
     "Sign-up: Signed up again while marked email as spam: no email was sent"),
    ("offer_accepted", {}, "Offer accepted: Accepted the offer for a job"),
])
def test_each_kind_in_words(view, kind, data, words):
    assert said(view, entry(kind, **data)) == [words]


@pytest.mark.parametrize("data", [{"campaign_id": ["x"], "step": "zero"}, {"fields": "city"}, {"step": 10**9},
                                  {"unsubscribed_categories": None, "job_id": 5}])
def test_odd_data_still_reads(view, data):
    for kind in WORDING:
        assert said(view, entry(kind, **data))
    assert view.view.describe([{"kind": "updated", "data": None}])[0]["text"] == "Changed the profile"


def test_dates_as_people_read_them():
    assert day("2026-01-05T14:03:00.000Z") == "5 Jan 2026" and when("2026-01-05T14:03:00Z") == "5 Jan 2026, 14:03 UTC"
    assert day(None) == day("not a date") == when(7) == ""


# ---------------------------------------------------------------- erasure preview and a person's pools

@pytest.fixture
def people():
    pools, members, candidates = InMemoryPools(), InMemoryMemberships(), InMemoryCandidates()
    timeline, sends = InMemoryTimeline(), InMemorySends()
    enrollments = SimpleNamespace(for_candidate=lambda candidate_id: ["camp_1", "camp_2"] if candidate_id == "cand_1" else [])
    privacy = PrivacyService(None, candidates, None, timeline, sends, MembershipSync(pools, members), enrollments, None)
    service = PoolService(None, pools, members, candidates, InMemoryKeys(), SimpleNamespace(send=lambda message: None))
    ada = {"id": "cand_1", "email": "ada@example.com", "status": "subscribed", "version": 1, "skills": ["python"]}
    candidates.create(ada)
    for n, (name, kind) in enumerate((("b shortlist", "static"), ("A list", "static"), ("Python", "dynamic"),
                                      ("Other", "static"))):
        pools.create({"id": f"pool_{n}", "name": name, "kind": kind, "rules": None, "status": "ready", "size": 0,
                      "generation": 1, "created_at": f"2026-01-0{n + 1}", "updated_at": "2026-01-01"})
    members.join([("pool_0", ada, "2026-02-01"), ("pool_1", ada, "2026-02-02"), ("pool_2", ada, "2026-02-03")])
    timeline.add("cand_1", "created", {})
    timeline.add("cand_1", "touchpoint", {"channel": "note"})
    sends.claim("confirm#cand_1", kind="confirmation", candidate_id="cand_1")
    return SimpleNamespace(privacy=privacy, pools=service)


def test_the_erasure_preview_counts_what_erasure_removes(people):
    assert people.privacy.erasure_preview("cand_1") == {"timeline": 2, "sends": 1, "pool_memberships": 3,
                                                        "enrollments": 2}
    with pytest.raises(NotFound):
        people.privacy.erasure_preview("cand_nobody")


def test_a_persons_pools_by_name_and_the_static_ones_they_could_join(people):
    member_of, others = people.pools.of_person("cand_1")
    assert [(p["name"], p["joined_at"]) for p in member_of] == [("A list", "2026-02-02"), ("b shortlist", "2026-02-01"),
                                                                ("Python", "2026-02-03")]
    assert [p["name"] for p in others] == ["Other"]  # static only: a dynamic pool's members follow its rules
