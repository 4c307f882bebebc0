"""Consent over time (domain/retention.py says the rules): the daily step, the re-permission email and its answers,
a recruiter's keep, and the month's report.

The daily step reads the people whose retention may be over a page at a time (store/retention.py: a filtered scan
with a cursor kept in the key store, within a time budget per run), clears an ask the person answered by their own
activity, and hands each ask and erasure to the jobs queue: its workers, in parallel, decide again on the person as
they are then and record the ask and send its email, or erase (services/privacy.py).
The email is claimed on its send key before SES is called (as the confirmation email is): a retry, a second run or
a duplicate message never sends it twice.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta

from ..domain.clock import iso, utcnow
from ..domain.errors import Conflict, NotFound
from ..domain.messages import build_mime
from ..domain.retention import (awaiting_answer, cutoff, deadline_after, decide, in_month, last_activity,
                                parse_keep, parse_month, repermission_email, retention_end, send_key)
from ..domain.tokens import TokenError, TokenSigner
from ..domain.vocabulary import CandidateStatus, Channel, RetentionAction
from ..observability import count, logger
from .ports import Refused
from .sending.worker import RetryLater, tag

PAGE = 100  # people per page of the daily pass
RUN_BUDGET_SECONDS = 600.0  # a run stops taking pages after this long (the daily function may run 900 s)
REPORT_BUDGET_SECONDS = 10.0  # the report answers within API Gateway's 29 s; past this it says it is incomplete
REPORT_LISTED = 50  # people listed per part of the report (the counts are whole)
# A state outlives what it is about, then expires (an erasure by retention deletes it at once; one by other means
# leaves it to expire).
STATE_KEPT_FOR = timedelta(days=400)


class RetentionService:
    def __init__(self, settings, candidates, store, privacy, timeline, sends, mailer, jobs_queue, memberships):
        self.settings = settings
        self.candidates = candidates  # the candidate repository
        self.store = store  # store.retention.RetentionStore
        self.privacy = privacy
        self.timeline = timeline
        self.sends = sends
        self.mailer = mailer
        self.jobs_queue = jobs_queue
        self.memberships = memberships
        self.signer = TokenSigner(settings.secret, "repermission")

    # ------------------------------------------------------------ the daily step

    def run(self, budget_seconds: float = RUN_BUDGET_SECONDS) -> dict:
        """Pages of the pass until it ends or the budget is spent; the cursor is kept for the next run."""
        done = {"asks_queued": 0, "erasures_queued": 0, "answered": 0, "pages": 0, "pass_complete": False}
        started, now = time.monotonic(), utcnow()
        cursor = self.store.pass_cursor()
        limit = iso(cutoff(now, self.settings.retention_months))
        while True:  # at least one page a run, however little time is left
            people, cursor = self.store.page(limit, cursor, PAGE)
            self._page(people, now, done)
            done["pages"] += 1
            self.store.save_pass_cursor(cursor, iso(now))
            if cursor is None:
                done["pass_complete"] = True
                return done
            if time.monotonic() - started >= budget_seconds:
                return done

    def _page(self, people: list[dict], now: datetime, done: dict) -> None:
        """Reads and decides only: each ask and erasure is a jobs message, done by the jobs workers in parallel
        (an erasure touches many tables), so a run covers the whole table whatever is due."""
        states = self.store.states([p["id"] for p in people])
        messages = []
        for person in people:
            state = states.get(person["id"], {})
            if state.get("asked_at") and not awaiting_answer(person, state):
                state = self._forget_ask(person["id"], state)  # they engaged or confirmed since: kept
                done["answered"] += 1
            decision = decide(person, state, now, self.settings.retention_months)
            if decision.action in JOBS:
                messages.append({"type": JOBS[decision.action], "candidate_id": person["id"]})
                done["asks_queued" if decision.action is RetentionAction.ASK else "erasures_queued"] += 1
        if messages:
            self.jobs_queue.send_many(messages)

    def erase_due(self, message: dict) -> str:
        """A jobs message: erases the person if retention says so now (read again: they may have answered)."""
        found = self._due(message)
        if isinstance(found, str):
            return found
        person, state, decision = found
        if decision.action is not RetentionAction.ERASE:
            return f"skipped:{decision.action}"
        why = "no_answer" if state.get("asked_at") else "no_consent"
        try:
            self.privacy.erase(person["id"])
        except NotFound:
            return "skipped:no_candidate"  # erased meanwhile
        self.store.delete(person["id"])
        logger().info("erased at the end of retention", extra={"candidate_id": person["id"], "why": why})
        count("RetentionErased")
        return "erased"

    def _due(self, message: dict):
        """(person, state, what retention does now), or why there is nothing to do."""
        candidate_id = message.get("candidate_id")
        if not isinstance(candidate_id, str) or not candidate_id:
            return "skipped:bad_message"
        person = self.candidates.get(candidate_id)
        if person is None:
            return "skipped:no_candidate"
        state = self.store.state(candidate_id)
        return person, state, decide(person, state, utcnow(), self.settings.retention_months)

    def _ask(self, person: dict, state: dict, now: datetime) -> dict:
        """The ask on record: when, its deadline, its send key (the same for every retry of one ask)."""
        deadline = deadline_after(now, self.settings.repermission_days)
        asked = dict(state, asked_at=iso(now), deadline=iso(deadline), send_key=send_key(person["id"], person, state))
        self.store.put(person["id"], asked, deadline + STATE_KEPT_FOR, iso(now))
        return asked

    # ------------------------------------------------------------ the email (a jobs message)

    def send(self, message: dict) -> str:
        """A jobs message: records the ask (its deadline) and sends its email, at most once: the send key is
        claimed before SES is called, so a retried or duplicate message sends nothing more. Raises RetryLater."""
        found = self._due(message)
        if isinstance(found, str):
            return found
        person, state, decision = found
        if decision.action is RetentionAction.ASK:
            state = self._ask(person, state, utcnow())
        elif decision.action is not RetentionAction.AWAIT:  # answered, renewed, no longer subscribed
            return f"skipped:{decision.action}"
        candidate_id, key = person["id"], state.get("send_key")
        if not isinstance(key, str):
            return "skipped:no_ask"
        subject, text, html_body = repermission_email(
            keep_url=self.link("keep", candidate_id, key), remove_url=self.link("remove", candidate_id, key),
            company=self.settings.company_name, days=self.settings.repermission_days)
        if not self.sends.claim(key, kind="repermission", candidate_id=candidate_id, subject=subject):
            return "skipped:already_claimed"
        raw = build_mime(from_email=self.settings.from_email, from_name=self.settings.company_name,
                         to=person["email"], subject=subject, text=text, html_body=html_body)
        try:
            message_id = self.mailer.send_raw(from_email=self.settings.from_email, to=person["email"], raw=raw,
                                              tags={"kind": "repermission", "send_key": tag(key)})
        except Refused as refused:
            if refused.retryable:
                self.sends.release(key)
                raise RetryLater(refused.code) from None
            self.sends.mark_failed(key, str(refused))
            logger().warning("SES refused a re-permission email", extra={"candidate_id": candidate_id})
            return f"failed:{refused.code}"
        self.sends.mark_sent(key, message_id)
        self.timeline.add(candidate_id, "email_sent", {"subject": subject, "message_id": message_id,
                                                       "send_key": key, "kind": "repermission"})
        count("RepermissionSent")
        return "sent"

    def link(self, answer: str, candidate_id: str, key: str) -> str:
        token = self.signer.sign({"c": candidate_id, "k": key})
        return f"{self.settings.public_url}/retention/{answer}?token={token}"

    def _person_of(self, token: object) -> tuple[dict, str]:
        payload = self.signer.verify(token, (self.settings.repermission_days + 60) * 86400)
        candidate_id, key = payload.get("c"), payload.get("k")
        if not isinstance(candidate_id, str) or not isinstance(key, str):
            raise TokenError("invalid")
        person = self.candidates.get(candidate_id)
        if person is None:
            raise TokenError("invalid")  # erased since
        return person, key

    # ------------------------------------------------------------ the person's answers

    def renew(self, token: object) -> bool:
        """"Keep me in the talent community": consent renewed and recorded (idempotent). False when the person is no
        longer subscribed (nothing to renew). Raises TokenError."""
        person, key = self._person_of(token)
        if (person.get("consent") or {}).get("repermission_key") == key:
            return True  # the same link, clicked again
        if person.get("status") != CandidateStatus.SUBSCRIBED:
            return False
        now = iso()

        def renewed(current: dict) -> dict:
            if current.get("status") != CandidateStatus.SUBSCRIBED:
                return current
            earlier = {k: v for k, v in (current.get("consent") or {}).items() if k != "record_id"}  # its own record
            return dict(current, updated_at=now, consent={
                **earlier, "marketing": True, "channel": Channel.EMAIL, "given_at": now,
                "confirmed_at": now, "consent_version": self.settings.consent_version, "source": "repermission",
                "repermission_key": key})

        result = self.candidates.update(person["id"], renewed)
        if result is None or (result[1].get("consent") or {}).get("repermission_key") != key:
            return False  # erased or no longer subscribed meanwhile: nothing renewed, nothing recorded
        if result[1] is not result[0]:
            self.memberships.apply([result])
            self._record_renewal(person["id"], key, now)
        self._forget_ask(person["id"])
        logger().info("consent renewed by re-permission", extra={"candidate_id": person["id"]})
        count("RepermissionConfirmed")
        return True

    def _record_renewal(self, candidate_id: str, key: str, now: str) -> None:
        """The consent record, written once the consent is renewed (never a record of a renewal that did not
        happen), and tied to the consent it records (the preference page tells it from a sign-up by record_id)."""
        record = self.timeline.add(candidate_id, "consent", {
            "status": "confirmed", "source": "repermission", "channel": Channel.EMAIL, "confirmed_at": now,
            "consent_version": self.settings.consent_version}, at=now)

        def tied(current: dict) -> dict:
            consent = current.get("consent") or {}
            if consent.get("repermission_key") != key or consent.get("record_id"):
                return current
            return dict(current, consent=dict(consent, record_id=record["id"]))

        self.candidates.update(candidate_id, tied)

    def check_link(self, token: object) -> None:
        """Raises TokenError unless the answer link is good (its page asks to confirm before acting)."""
        self._person_of(token)

    def remove(self, token: object) -> dict:
        """"Remove me": the person's erasure at their request. Raises TokenError."""
        person, _ = self._person_of(token)
        erased = self.privacy.erase(person["id"])
        self.store.delete(person["id"])
        count("RepermissionRemoved")
        return erased

    def _forget_ask(self, candidate_id: str, state: dict | None = None) -> dict:
        """The ask answered: what remains of the person's state (a keep), kept."""
        state = self.store.state(candidate_id) if state is None else state
        kept = {k: v for k, v in state.items() if k not in ("asked_at", "deadline", "send_key")}
        if kept:
            self.store.put(candidate_id, kept, utcnow() + STATE_KEPT_FOR, iso())
        elif state:
            self.store.delete(candidate_id)
        return kept

    # ------------------------------------------------------------ a recruiter's keep

    def status(self, candidate_id: str) -> dict:
        """Where the person stands: their retention's end, what happens then, the ask or the keep."""
        person = self.candidates.get(candidate_id)
        if person is None:
            raise NotFound(f"no candidate {candidate_id}")
        state = self.store.state(candidate_id)
        months = self.settings.retention_months
        decision = decide(person, state, utcnow(), months)
        return {"id": candidate_id, "status": person.get("status"), "action": decision.action,
                "last_activity_at": iso(last_activity(person, state)),
                "retention_ends_at": iso(retention_end(person, state, months)),
                "asked_at": state.get("asked_at") if awaiting_answer(person, state) else None,
                "answer_by": state.get("deadline") if awaiting_answer(person, state) else None,
                "kept": _keep_view(state)}

    def keep(self, candidate_id: str, body: object, by: str) -> dict:
        """Keeps a person without consent past the end of their retention (their clock starts again at the keep),
        or withdraws the keep; on the timeline with the reason and who. Subscribed people answer for themselves."""
        request = parse_keep(body)
        person = self.candidates.get(candidate_id)
        if person is None:
            raise NotFound(f"no candidate {candidate_id}")
        if person.get("status") in (CandidateStatus.SUBSCRIBED, CandidateStatus.PENDING):
            raise Conflict(f"the person is {person.get('status')}: they keep their place by their own consent",
                           {"keep": "only for people without marketing consent"}, code="has_consent")
        now, state = utcnow(), self.store.state(candidate_id)
        if request.keep:
            kept = {"kept_at": iso(now), "kept_by": by, "reason": request.reason}
            self.store.put(candidate_id, kept, now + timedelta(days=31 * self.settings.retention_months)
                           + STATE_KEPT_FOR, iso(now))
            self.timeline.add(candidate_id, "retention_kept", {"reason": request.reason, "by": by}, at=iso(now))
        elif state.get("kept_at"):
            self.store.delete(candidate_id)
            self.timeline.add(candidate_id, "retention_keep_withdrawn", {"by": by}, at=iso(now))
        logger().info("retention keep", extra={"candidate_id": candidate_id, "keep": request.keep})
        return self.status(candidate_id)

    # ------------------------------------------------------------ the report

    def report(self, month: object, budget_seconds: float = REPORT_BUDGET_SECONDS) -> dict:
        """What retention will do in `month` (YYYY-MM, default this month): counts and the first people of each."""
        now = utcnow()
        start, end = parse_month(month, now)
        at = end - timedelta(microseconds=1)
        parts: dict[str, list] = {name: [] for name in REPORT_PARTS}
        counts = dict.fromkeys(REPORT_PARTS, 0)
        started, complete = time.monotonic(), True
        for people in self._pages(iso(cutoff(at, self.settings.retention_months))):
            states = self.store.states([p["id"] for p in people])
            for person in people:
                state = states.get(person["id"], {})
                decision = in_month(decide(person, state, at, self.settings.retention_months), start, end, now,
                                    self.settings.repermission_days)
                if decision is None or decision.action not in counts:
                    continue  # nothing to do, or done before this month
                counts[decision.action] += 1
                if len(parts[decision.action]) < REPORT_LISTED:
                    parts[decision.action].append(_entry(person, state, decision))
            if time.monotonic() - started > budget_seconds:
                complete = False
                break
        return {"month": f"{start:%Y-%m}", "as_of": iso(now), "complete": complete,
                "retention_months": self.settings.retention_months,
                "repermission_days": self.settings.repermission_days,
                "counts": {str(k): v for k, v in counts.items()},
                **{str(k): v for k, v in parts.items()}}

    def _pages(self, limit: str):
        cursor = None
        while True:
            people, cursor = self.store.page(limit, cursor, 500)
            yield people
            if cursor is None:
                return


JOBS = {RetentionAction.ASK: "repermission", RetentionAction.ERASE: "retention_erase"}  # jobs message types
REPORT_PARTS = (RetentionAction.ASK, RetentionAction.ERASE, RetentionAction.AWAIT, RetentionAction.KEPT)


def _keep_view(state: dict) -> dict | None:
    if not state.get("kept_at"):
        return None
    return {"kept_at": state["kept_at"], "kept_by": state.get("kept_by"), "reason": state.get("reason")}


def _entry(person: dict, state: dict, decision) -> dict:
    name = " ".join(p for p in (person.get("first_name"), person.get("last_name")) if p) or None
    entry = {"id": person["id"], "email": person.get("email"), "name": name, "status": person.get("status"),
             "due_at": iso(decision.due_at) if decision.due_at else None,
             "link": f"/candidates/{person['id']}", "page": f"/dashboard/candidates/{person['id']}"}
    if decision.action is RetentionAction.ERASE:  # a subscriber is erased only for want of an answer
        entry["why"] = "no_answer" if person.get("status") == CandidateStatus.SUBSCRIBED else "no_consent"
    if decision.action is RetentionAction.KEPT:
        entry["kept"] = _keep_view(state)
    return entry
