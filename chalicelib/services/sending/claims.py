"""Who gets a campaign step, decided again at send time, and the claim that makes it at most once.

A chunk of recipients is read (one batch read), decided (eligibility, caps, conditions, quiet
hours: domain/campaigns.decide) and rendered, claiming nothing. Then each send is claimed with a
conditional put, in the same transaction that counts it against the person's cap and checks they
are still subscribed and unchanged since read. Only a claimed send goes to a channel. A claim is
released only when the channel surely did not take the message (a retryable refusal).

A claim can be lost: a send that exists already is a redelivery (skipped, nothing recorded); any
other loss means the person changed since read, so they are read, decided and claimed again, up to
RECLAIMS times, then deferred back through the queue if they keep changing: never dropped.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ...domain import clock
from ...domain.campaigns import Decision, claim_statuses, decide, kind_of, recent, with_send
from ...domain.clock import iso
from ...domain.permission import with_request
from ...domain.preferences import MONTH_WINDOW
from ...domain.subject_tests import chosen_variant, waits_for_winner
from ...domain.tracking import send_key
from ...domain.vocabulary import CampaignKind, Channel, DecisionAction, DecisionReason, SendStatus, StepCondition
from ...observability import logger

RECLAIMS = 3  # fresh reads for people whose claim was lost to a change since they were read


@dataclass
class Read:
    """A chunk as read, decided and rendered; `claims` fills in as its sends are claimed."""
    ids: list[str]
    people: dict  # candidate id -> the person as read (None: erased)
    decisions: dict  # candidate id -> Decision
    sequence: bool
    now: datetime
    template: dict
    job: dict | None
    prepared: dict  # candidate id -> what the channel sends, or the Outcome of a render that failed
    claims: dict = field(default_factory=dict)  # candidate id -> the claim item (every one tried, taken or not)
    claimed_as: dict = field(default_factory=dict)  # candidate id -> the person as their claim left them stored


class Claims:
    def __init__(self, settings, candidates, sends, tests=None):
        self.settings = settings
        self.candidates = candidates
        self.sends = sends
        self.tests = tests  # services/subject_tests.py: a step's subject test, its start and winner

    def variant(self, campaign: dict, step: int, candidate_id: str, now: datetime) -> int | None:
        """Which of the step's subjects this person gets (None: the step has one subject, its template's)."""
        definition = campaign["steps"][step]
        winner = self.tests.winner(campaign, step, now) if self.tests is not None else None
        return chosen_variant(definition, campaign["id"], step, candidate_id, winner)

    def read(self, campaign: dict, step: int, template: dict, job: dict | None, ids: list[str], prepare) -> Read:
        """Reads and decides the chunk; `prepare(person)` renders for each person to send to."""
        now = clock.utcnow()
        people = self.candidates.batch_get(ids)
        sequence = len(campaign["steps"]) > 1
        decisions = self.decide(campaign, step, ids, people, now, sequence)
        prepared = {i: prepare(people[i]) for i in ids if decisions[i].action == DecisionAction.SEND}
        return Read(ids, people, decisions, sequence, now, template, job, prepared)

    def decide(self, campaign: dict, step: int, ids: list[str], people: dict, now: datetime,
               sequence: bool) -> dict[str, Decision]:
        previous, clicked = {}, set()
        condition = campaign["steps"][step].get("condition", StepCondition.ALWAYS)
        if step > 0 and condition != StepCondition.ALWAYS:
            previous = self.sends.get_many([send_key(campaign["id"], step - 1, i) for i in ids])
        replied: set[str] = set()
        if step > 0 and {DecisionReason.CLICKED, DecisionReason.REPLIED} & set(campaign["exit_on"]):
            # an earlier step clicked or answered (a reply that came after this step was queued)
            earlier = self.sends.get_many([send_key(campaign["id"], s, i) for s in range(step) for i in ids])
            clicked = {s["candidate_id"] for s in earlier.values() if s.get("clicked_at")}
            replied = {s["candidate_id"] for s in earlier.values() if s.get("replied_at")}
        if kind_of(campaign) != CampaignKind.CAMPAIGN and not self.settings.outreach_without_consent:
            # turned off after it was scheduled: nobody without consent is written to from now on
            return {i: Decision(DecisionAction.SKIP, DecisionReason.NO_CONSENT) for i in ids}
        cap = self.settings.sms_frequency_cap if campaign["channel"] == Channel.SMS else self.settings.frequency_cap
        decisions = {i: decide(candidate=people.get(i), campaign=campaign, step_index=step, now=now, cap=cap,
                               previous_send=previous.get(send_key(campaign["id"], step - 1, i)),
                               clicked_campaign=i in clicked, replied_campaign=i in replied, sequence=sequence)
                     for i in ids}
        return self._wait_for_winner(campaign, step, decisions, now)

    def _wait_for_winner(self, campaign: dict, step: int, decisions: dict[str, Decision], now: datetime) -> dict:
        """Outside a subject test's group, people wait for its winner (deferred to the end of its wait)."""
        definition = campaign["steps"][step]
        if self.tests is None or not definition.get("winner") or not definition.get("subjects"):
            return decisions
        winner = self.tests.winner(campaign, step, now)
        until = None
        for candidate_id, decision in decisions.items():
            if decision.action == DecisionAction.SEND and waits_for_winner(definition, campaign["id"], step,
                                                                           candidate_id, winner):
                until = until or iso(self.tests.ends_at(campaign, step, now))
                decisions[candidate_id] = Decision(DecisionAction.DEFER, DecisionReason.AWAITING_SUBJECT_WINNER, until)
        return decisions

    def claim(self, campaign: dict, step: int, read: Read, prepare) -> list[str]:
        """Claims the chunk's sends; returns who was claimed (in `read.claims`: every claim tried).
        People who changed since read are settled here (`read` is updated with what was read again)."""
        to_send = [i for i in read.ids if read.decisions[i].action == DecisionAction.SEND]
        read.claims = {i: self._item(campaign, step, read.people[i], read) for i in to_send}
        claimed, lost = self._claim(campaign, step, to_send, read)
        if lost:  # changed since read, or claimed already (a redelivery)
            claimed += self._settle_lost(campaign, step, read, lost, prepare)
        if claimed and self.tests is not None and campaign["steps"][step].get("winner"):
            self.tests.start(campaign, step, read.now)  # the test's wait counts from its first send
        return claimed

    def _item(self, campaign: dict, step: int, person: dict, read: Read) -> dict:
        return self.item(campaign, step, person, read.now, read.template,
                         self.variant(campaign, step, person["id"], read.now))

    def _settle_lost(self, campaign: dict, step: int, read: Read, lost: list[str], prepare) -> list[str]:
        claimed: list[str] = []
        for _ in range(RECLAIMS):
            taken = self.sends.get_many([send_key(campaign["id"], step, i) for i in lost])
            changed = [i for i in lost if send_key(campaign["id"], step, i) not in taken]
            for candidate_id in set(lost) - set(changed):
                read.decisions[candidate_id] = Decision(DecisionAction.SKIP, DecisionReason.ALREADY_CLAIMED)
            if not changed:
                return claimed
            fresh = self.candidates.batch_get(changed)
            read.people.update({i: fresh.get(i) for i in changed})
            read.decisions.update(self.decide(campaign, step, changed, fresh, read.now, read.sequence))
            to_send = [i for i in changed if read.decisions[i].action == DecisionAction.SEND]
            read.prepared.update({i: prepare(fresh[i]) for i in to_send})
            read.claims.update({i: self._item(campaign, step, fresh[i], read) for i in to_send})
            got, lost = self._claim(campaign, step, to_send, read)
            claimed += got
            if not lost:
                return claimed
        for candidate_id in lost:  # the recorder puts them back on the queue
            read.decisions[candidate_id] = Decision(DecisionAction.DEFER, DecisionReason.CHANGING)
        logger().warning("recipients kept changing during their claim: deferred", extra={"deferred": len(lost)})
        return claimed

    def _claim(self, campaign: dict, step: int, ids: list[str], read: Read) -> tuple[list[str], list[str]]:
        sms = campaign["channel"] == Channel.SMS
        cap_field = "sms_sends" if sms else "marketing_sends"
        # A permission request is recorded on the person by the claim itself (the same conditional update): another
        # request reading them after this claim, before the recorder's write, sees they were asked.
        asking = kind_of(campaign) == CampaignKind.PERMISSION_REQUEST
        entries = [{"key": send_key(campaign["id"], step, i), "candidate_id": i, "sms": sms,
                    "version": read.people[i].get("version") or 1,
                    "marketing_sends": with_send(read.people[i].get(cap_field), read.now),
                    "statuses": claim_statuses(campaign),
                    **({"consent": with_request(read.people[i], iso(read.now), campaign["id"])["consent"]}
                       if asking else {}),
                    "claim": read.claims[i]} for i in ids]
        claimed_keys, lost_keys = self.sends.claim(entries) if entries else ([], [])
        by_key = {e["key"]: e for e in entries}
        for key in claimed_keys:  # what the claim's transaction wrote: the recorder writes on from there, unread
            entry = by_key[key]
            person = read.people[entry["candidate_id"]]
            read.claimed_as[entry["candidate_id"]] = dict(person, version=entry["version"] + 1,
                                                          **{cap_field: entry["marketing_sends"]},
                                                          **({"consent": entry["consent"]} if asking else {}))
        return [by_key[k]["candidate_id"] for k in claimed_keys], [by_key[k]["candidate_id"] for k in lost_keys]

    @staticmethod
    def item(campaign: dict, step: int, person: dict, now: datetime, template: dict,
             variant: int | None = None) -> dict:
        """The send item of a claim (and of a skip record); `variant`: the subject test's subject it carries."""
        subject = template.get("subject") if variant is None else campaign["steps"][step]["subjects"][variant]
        return {"pk": send_key(campaign["id"], step, person["id"]), "kind": "campaign",
                "candidate_id": person["id"], "status": SendStatus.CLAIMED, "created_at": iso(now),
                "campaign_id": campaign["id"], "step": step, "channel": campaign["channel"],
                "category": campaign["category"], "subject": subject,
                **({"variant": variant} if variant is not None else {})}

    def release(self, campaign: dict, step: int, candidate_id: str) -> None:
        """The channel surely did not take it: free the claim and the cap slot it held."""
        if not self.sends.release(send_key(campaign["id"], step, candidate_id)):
            return  # no longer claimed, or erased meanwhile: no slot of this send's to give back
        now = clock.utcnow()
        field = "sms_sends" if campaign["channel"] == Channel.SMS else "marketing_sends"

        def drop_latest(current: dict) -> dict:
            times = recent(current.get(field), now, MONTH_WINDOW)
            return dict(current, **{field: times[:-1]}) if times else current

        self.candidates.update(candidate_id, drop_latest)
