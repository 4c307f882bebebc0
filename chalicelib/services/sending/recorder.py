"""What a chunk's sends came to, written down: records, retries, deferrals, skips, sequence steps, stats.

One chunk at a time, on the pipeline's recording thread, after every send of the chunk answered:
- sent and failed sends rewrite their claims (and add to the people's timelines);
- a retryable refusal releases the claim (the channel surely did not take it) and the person goes
  back through the queue after RETRY_QUEUE_DELAY;
- deferred people of a broadcast go back through the queue (a text in someone's night after
  QUIET_HOURS_DELAY, a person who kept changing during their claim after RETRY_QUEUE_DELAY); a
  sequence's deferred people wait on their enrollment instead;
- skips of a broadcast are recorded with their reason (an erased person only counted);
- a sequence moves each person on (next step, completed, exited);
- the people sent to were contacted: their `last_contacted_at` (and their pools' copies of it);
- the campaign's processed count and its stats (skips by reason too); a broadcast whose every recipient
  is processed once its fan-out is done is sent, there and then (the scheduler's own check comes a minute later).

Once the sends are recorded, the timeline, the stats and the last contact are best effort: a failure is logged
and counted (SendBookkeepingFailed), not raised. Failing the message would not redo them: back from the queue,
it finds the claims taken and never writes them again (the processed count alone still fails the message).
"""
from __future__ import annotations

from datetime import timedelta

from ...domain.analytics import counters, hour_key
from ...domain.campaigns import Decision, kind_of, next_step_due
from ...domain.permission import source_group, with_request
from ...domain import clock
from ...domain.clock import iso, seconds_until
from ...domain.vocabulary import (BatchOutcome, CampaignKind, CampaignStatus, DecisionAction, DecisionReason, EnrollmentMode,
                                  EnrollmentStatus, SendStatus)
from ...observability import count, logger
from .channels import Outcome
from .claims import Claims, Read

RETRY_QUEUE_DELAY = 30  # seconds before retried or deferred recipients come back through the queue
UNTIL_A_MOMENT = (DecisionReason.OUTSIDE_SEND_WINDOW, DecisionReason.AWAITING_SUBJECT_WINNER)
MAX_QUEUE_DELAY = 900  # SQS's longest message delay: a message waiting longer comes round this often, unread
QUIET_HOURS_DELAY = 900  # a broadcast SMS deferred to the person's morning comes back after this
# skips that stay enrolled
NOT_ADVANCED = (DecisionReason.OPENED_PREVIOUS_STEP, DecisionReason.CLICKED_PREVIOUS_STEP,
                DecisionReason.ALREADY_CLAIMED)


class Recorder:
    def __init__(self, claims: Claims, campaigns, sends, enrollments, send_queue, stats=None, timeline=None,
                 memberships=None):
        self.claims = claims
        self.campaigns = campaigns
        self.sends = sends
        self.enrollments = enrollments
        self.send_queue = send_queue
        self.stats = stats
        self.timeline = timeline
        self.memberships = memberships  # MembershipSync: the pools' copies of a person follow their last contact

    def record(self, campaign: dict, step: int, read: Read, outcomes: list[Outcome], message: dict,
               done: dict) -> None:
        """Everything the chunk came to; `done` counts it for the queue message (one chunk at a time)."""
        retry = self._outcomes(campaign, step, read, outcomes, done)
        if retry:
            self.send_queue.send({**message, "recipients": retry}, delay_seconds=RETRY_QUEUE_DELAY)
        waiting = [i for i in read.ids if read.decisions[i].action == DecisionAction.DEFER]
        if waiting and not read.sequence:
            self._requeue(message, waiting, read.decisions)
            done[BatchOutcome.DEFERRED] += len(waiting)
        skipped = [i for i in read.ids if read.decisions[i].action in (DecisionAction.SKIP, DecisionAction.EXIT)
                   and read.decisions[i].reason != DecisionReason.ALREADY_CLAIMED]
        kept = [i for i in skipped if read.people.get(i) is not None]  # of an erased person no record, only the count
        if not read.sequence and kept:
            self.sends.record_skips([dict(Claims.item(campaign, step, read.people[i], read.now, read.template),
                                          status=SendStatus.SKIPPED, reason=read.decisions[i].reason) for i in kept])
        done[BatchOutcome.SKIPPED] += len(skipped)
        if read.sequence:
            self._advance(campaign, step, read, set(retry), done)
        if step == 0:  # the fan-out counted these in; the scheduler compares the two
            self.campaigns.add_processed(campaign["id"],
                                         len(read.ids) - len(retry) - (0 if read.sequence else len(waiting)))
        _best_effort("stats", campaign, self._count, campaign, step, read, outcomes, skipped)
        _best_effort("last_contact", campaign, self._contacted, campaign, read,
                     [o for o in outcomes if o.status == BatchOutcome.SENT])
        if step == 0 and not read.sequence:
            self._finish(campaign)

    def _outcomes(self, campaign: dict, step: int, read: Read, outcomes: list[Outcome], done: dict) -> list[str]:
        """Records sent and failed sends, releases the claims of those to retry; returns who to retry."""
        records, retry = [], []
        for outcome in outcomes:
            claim = read.claims[outcome.candidate_id]
            if outcome.status == BatchOutcome.SENT:
                records.append(dict(claim, status=SendStatus.SENT, sent_at=iso(), message_id=outcome.message_id,
                                    links=outcome.links or None, own_message_id=outcome.own_message_id))
            elif outcome.status == BatchOutcome.FAILED:
                records.append(dict(claim, status=SendStatus.FAILED, error=outcome.error))
            else:
                retry.append(outcome.candidate_id)
                continue
            done[outcome.status] += 1
        if records:
            self.sends.record(records)
            if self.timeline is not None:
                _best_effort("timeline", campaign, self.timeline.add_many, [
                    (r["candidate_id"], "campaign_email_sent", {"campaign_id": campaign["id"], "step": step,
                     "subject": r.get("subject"), "status": r["status"]}, r.get("sent_at") or iso(read.now))
                    for r in records])
        for candidate_id in retry:
            self.claims.release(campaign, step, candidate_id)
            done[BatchOutcome.RETRY] += 1
        return retry

    def _requeue(self, message: dict, waiting: list[str], decisions: dict[str, Decision]) -> None:
        """A broadcast's deferred people back on the queue: a text in someone's night, a person who kept changing,
        or people waiting for a moment (their send window's opening, a subject test's winner): those ride the
        queue unread until then (the message's `not_before`, pipeline.py), a message per moment."""
        by_delay: dict[tuple[int, str | None], list[str]] = {}
        for i in waiting:
            decision = decisions[i]
            key: tuple[int, str | None]
            if decision.reason in UNTIL_A_MOMENT and decision.until:
                key = (RETRY_QUEUE_DELAY, decision.until)
            else:
                key = (QUIET_HOURS_DELAY if decision.reason == DecisionReason.QUIET_HOURS else RETRY_QUEUE_DELAY, None)
            by_delay.setdefault(key, []).append(i)
        for (delay, until), again in by_delay.items():
            body = {**message, "recipients": again, **({"not_before": until} if until else {})}
            wait = min(MAX_QUEUE_DELAY, max(1, seconds_until(until, clock.utcnow()))) if until else delay
            self.send_queue.send(body, delay_seconds=wait)

    def _count(self, campaign: dict, step: int, read: Read, outcomes: list[Outcome], skipped: list[str]) -> None:
        sent = len([o for o in outcomes if o.status == BatchOutcome.SENT])
        # deferrals (a send window, a subject test, quiet hours, the cap of a sequence): each time a person waits
        deferred = [i for i in read.ids if read.decisions[i].action == DecisionAction.DEFER
                    and read.decisions[i].reason != DecisionReason.CHANGING]
        if self.stats is not None and (sent or skipped or deferred):
            reasons: dict[str, int] = {}
            for kind, people in (("skipped", skipped), ("deferred", deferred)):  # by reason, in all and per step
                for candidate_id in people:
                    reason = read.decisions[candidate_id].reason
                    for name in (f"{kind}_{reason}", f"{kind}_{reason}_s{step}"):
                        reasons[name] = reasons.get(name, 0) + 1
            variants: dict[str, int] = {}  # a subject test's sends per subject
            for outcome in outcomes:
                variant = read.claims[outcome.candidate_id].get("variant")
                if outcome.status == BatchOutcome.SENT and variant is not None:
                    variants[f"sent_s{step}_v{variant}"] = variants.get(f"sent_s{step}_v{variant}", 0) + 1
            self.stats.add(f"campaign#{campaign['id']}", {
                **counters("sent", step, amount=sent), f"sent_{hour_key(iso(read.now))}": sent, **variants,
                **self._by_source(campaign, read, outcomes),
                **counters("skipped", step, amount=len(skipped)), **counters("deferred", step, amount=len(deferred)),
                **reasons})
        if sent:
            count("CampaignEmailSent", sent)

    @staticmethod
    def _by_source(campaign: dict, read: Read, outcomes: list[Outcome]) -> dict[str, int]:
        """A permission request's sends by the people's source (import, ats, sourced, ...): its join rate per
        source (domain/analytics.py)."""
        if kind_of(campaign) != CampaignKind.PERMISSION_REQUEST:
            return {}
        sources: dict[str, int] = {}
        for outcome in outcomes:
            person = read.people.get(outcome.candidate_id)
            if outcome.status == BatchOutcome.SENT and person is not None:
                key = f"sent_src_{source_group(person.get('source'))}"
                sources[key] = sources.get(key, 0) + 1
        return sources

    def _contacted(self, campaign: dict, read: Read, sent: list[Outcome]) -> None:
        """The people sent to were contacted now. One write each, unread: each is written as their claim left
        them (read.claimed_as) with `last_contacted_at`, if nobody changed them since; only those who changed
        are read again. Their pools' copies follow (MembershipSync, as for every change to a person).
        A permission request's people also keep when they were asked, and by which campaign (at most one
        request per CRM_PERMISSION_REQUEST_MONTHS: domain/campaigns.py asked_recently)."""
        at = iso(read.now)
        asking = kind_of(campaign) == CampaignKind.PERMISSION_REQUEST

        def contacted(person: dict) -> dict:
            after = dict(person, last_contacted_at=max(person.get("last_contacted_at") or "", at))
            return with_request(after, at, campaign["id"]) if asking else after

        written = {}
        for outcome in sent:
            person = read.claimed_as.get(outcome.candidate_id)
            if person is not None:
                written[outcome.candidate_id] = contacted(person)
        if not written:
            return
        candidates = self.claims.candidates
        changes = []
        lost = {c["id"] for c in candidates.save_many(list(written.values()))}
        for candidate_id, after in written.items():
            if candidate_id not in lost:
                changes.append((read.people[candidate_id], dict(after, version=after["version"] + 1)))
                continue
            changed = candidates.update(candidate_id, contacted)
            if changed is not None:  # None: erased meanwhile
                changes.append(changed)
        if self.memberships is not None:
            self.memberships.apply(changes)

    def _finish(self, campaign: dict) -> None:
        """A broadcast is sent once its fan-out is done and every recipient it enqueued is processed: said now,
        not at the scheduler's next look (a finished campaign never reads "sending")."""
        if campaign.get("enrollment") == EnrollmentMode.CONTINUOUS:
            return  # it goes on taking newcomers until cancelled
        current = self.campaigns.get(campaign["id"])
        if (current is None or current["status"] != CampaignStatus.SENDING or not (current.get("fanout") or {}).get("done")
                or current.get("processed", 0) < current.get("enqueued", 0)):
            return
        if self.campaigns.transition(campaign["id"], CampaignStatus.SENDING, CampaignStatus.SENT, due_at=None,
                                     finished_at=iso()):
            logger().info("campaign sent", extra={"campaign_id": campaign["id"]})

    def _advance(self, campaign: dict, step: int, read: Read, retry: set[str], done: dict) -> None:
        """Each person's enrollment after this step: the next step when due, completed, exited, or waiting."""
        now = read.now
        updates = []
        for candidate_id in read.ids:
            if candidate_id in retry:
                continue  # its enrollment lease runs out and the step comes round again
            decision = read.decisions[candidate_id]
            if decision.reason == DecisionReason.ERASED:  # gone: counted, but no enrollment keeps their id
                done[BatchOutcome.EXITED] += 1
                continue
            entry = {"campaign_id": campaign["id"], "candidate_id": candidate_id, "updated_at": iso(now),
                     "enrolled_at": iso(now), "status": EnrollmentStatus.ACTIVE, "step": step}
            if decision.action == DecisionAction.DEFER:
                entry["due_at"] = decision.until or iso(now + timedelta(seconds=RETRY_QUEUE_DELAY))
                done[BatchOutcome.DEFERRED] += 1
            elif decision.action == DecisionAction.EXIT or (decision.action == DecisionAction.SKIP
                                                            and decision.reason not in NOT_ADVANCED):
                entry.update(status=EnrollmentStatus.EXITED, reason=decision.reason)
                done[BatchOutcome.EXITED] += 1
            else:
                following = next_step_due(campaign, step, now)
                if following is None:
                    entry.update(status=EnrollmentStatus.COMPLETED)
                else:
                    entry.update(step=following[0], due_at=following[1])
            updates.append(entry)
        if updates:
            self._enroll(campaign, step, updates)

    def _enroll(self, campaign: dict, step: int, updates: list[dict]) -> None:
        """Writes where each person is now; someone who left the sequence while this step was on its way (a
        reply, an application: services/sequences.py) stays out."""
        if step == 0:
            created = set(self.enrollments.enroll(updates))
            existing = [u for u in updates if u["candidate_id"] not in created]
            if existing:  # a redelivered first step: keep where they are unless this moves them on
                current = self.enrollments.get_many(campaign["id"], [u["candidate_id"] for u in existing])
                self.enrollments.put_many([u for u in existing if not _left(current.get(u["candidate_id"]))
                                           and current.get(u["candidate_id"], {}).get("step", 0) <= step])
            return
        current = self.enrollments.get_many(campaign["id"], [u["candidate_id"] for u in updates])
        for update in updates:
            update["enrolled_at"] = current.get(update["candidate_id"], {}).get("enrolled_at", update["enrolled_at"])
        self.enrollments.put_many([u for u in updates if not _left(current.get(u["candidate_id"]))])


def _left(enrollment: dict | None) -> bool:
    return enrollment is not None and enrollment.get("status") == EnrollmentStatus.EXITED


def _best_effort(what: str, campaign: dict, write, *args) -> None:
    """A write after the sends were recorded: its failure logged and counted, the message not failed (back from
    the queue it would find the claims taken and never redo the write)."""
    try:
        write(*args)
    except Exception:
        logger().exception("a write after the sends' record failed: not redone",
                           extra={"campaign_id": campaign["id"], "write": what})
        count("SendBookkeepingFailed")
