"""The send worker's campaign path: eligibility again, render, claim, send in parallel, record.

At most once: each (campaign, step, person) is claimed with a conditional put, in the same
transaction that counts the send against the person's cap and checks they are still subscribed
and unchanged. Only then is SES called. A crash after SES accepted leaves the claim `claimed`: it
is never sent again. Throttling is retried with backoff; if SES still refuses, the claim is
released (SES surely did not accept) and the person goes back on the queue.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..domain.campaign_email import BuiltEmail, Sender, build_campaign_email
from ..domain.campaigns import Decision, decide, next_step_due, recent, with_send
from ..domain.clock import iso, utcnow
from ..domain.tracking import send_key
from ..observability import count, logger

CHUNK = 50  # recipients claimed and sent together; the deadline is checked between chunks
RETRY_DELAYS = (0.2, 0.6, 1.5)  # seconds between SES attempts on throttling
PAUSED_DELAY = 60  # a paused campaign's messages come back after this many seconds
RETRY_QUEUE_DELAY = 30  # seconds before throttled recipients come back through the queue
SAFETY_MS = 8_000  # stop taking new chunks when less than this is left of the invocation
RECLAIMS = 3  # fresh reads for people whose claim was lost to a change since they were read
QUIET_HOURS_DELAY = 900  # a broadcast SMS deferred to the person's morning comes back after this


@dataclass
class Outcome:
    key: str
    candidate_id: str
    status: str  # sent, failed, retry
    message_id: str | None = None
    error: str | None = None
    links: list | None = None


def _run_each(work: list) -> list[Outcome]:
    return [function(*args) for function, args in work]


@dataclass(eq=False)
class _Message:
    """A queue message with work: its campaign as read when it was reached, and how it went."""
    index: int
    body: dict
    campaign: dict
    step: int
    recipients: list[str]
    done: dict = field(default_factory=lambda: dict.fromkeys(("sent", "skipped", "deferred", "exited", "retry", "failed"), 0))
    recording: list = field(default_factory=list)  # futures of the recording thread
    error: Exception | None = None


@dataclass
class _Read:
    """A chunk read, decided and rendered, not yet claimed."""
    ids: list[str]
    people: dict
    decisions: dict
    sequence: bool
    now: datetime
    template: dict
    job: dict | None
    emails: dict  # candidate id -> BuiltEmail, or the Outcome of a render that failed (email only)


@dataclass
class _Chunk:
    """A chunk between its claim and its record: its emails are being sent."""
    ids: list[str]
    people: dict
    decisions: dict
    claims: dict
    sending: list  # Outcome lists (not sent: failed to render) and futures of Outcome lists
    sequence: bool
    now: datetime
    template: dict


class CampaignSender:
    def __init__(self, settings, campaigns, templates, candidates, sends, enrollments, jobs, mailer,
                 limiter, send_queue, sms=None, threads: int = 25, stats=None, timeline=None):
        self.settings = settings
        self.timeline = timeline
        self.stats = stats
        self.campaigns = campaigns
        self.templates = templates
        self.candidates = candidates
        self.sends = sends
        self.enrollments = enrollments
        self.jobs = jobs
        self.mailer = mailer
        self.limiter = limiter
        self.send_queue = send_queue
        self.sms = sms
        self.sender = Sender(settings.public_url, settings.secret, settings.from_email,
                             {"name": settings.company_name, "careers_url": f"{settings.public_url}/careers"})
        self._threads = threads
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="ses")
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="read")
        self._recorder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="record")
        self._templates: dict[str, dict] = {}  # for one invocation: edits show on the next
        self._jobs: dict[str, dict | None] = {}
        self._channel: dict[str, str] = {}

    # ------------------------------------------------------------ queue messages

    def handle(self, message: dict, remaining_ms=lambda: 60_000) -> str:
        """One queue message: a summary of what happened; raises what failed it."""
        outcome = self.handle_batch([message], remaining_ms)[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def handle_batch(self, messages: list[dict], remaining_ms=lambda: 60_000) -> list:
        """The messages of one invocation, in order: for each, a summary or the exception that failed
        it (only that message goes back to the queue).

        Their chunks form one pipeline, from one message to the next: while a chunk's emails go out,
        the next chunk is claimed and rendered on this thread, the one after it read on the reading
        thread, and the one before recorded on the recording thread, so SES is not left idle waiting
        on DynamoDB. At most one chunk is claimed ahead of the one sending (reading claims nothing).
        """
        self._templates, self._jobs = {}, {}
        outcomes: list = [None] * len(messages)
        opened: list[_Message] = []
        chunks = self._chunks(messages, outcomes, opened)
        current, sending, reading = next(chunks, None), None, None
        try:
            while current is not None:
                following = next(chunks, None)  # opens the next message when this is the last chunk
                message, start = current
                if message.error is None and remaining_ms() < SAFETY_MS:
                    self._hand_back([current, following, *chunks])
                    break
                started = None
                try:
                    if message.error is None:
                        ids = message.recipients[start:start + CHUNK]
                        ahead, reading = reading, None
                        if ahead is not None and ahead[0] != current:  # read for a chunk since skipped
                            ahead[1].exception()
                            ahead = None
                        read = ahead[1].result() if ahead else self._read_chunk(message.campaign, message.step, ids)
                        if following is not None and following[0].error is None:
                            reading = (following, self._reader.submit(self._read_ahead, following))
                        started = self._claim_chunk(message.campaign, message.step, read)
                except Exception as exc:  # this message fails; the others go on
                    message.error = exc
                finally:  # even when this chunk failed, the one sending is recorded
                    if sending is not None:
                        self._record_when_sent(*sending)
                        sending = None
                if started is not None:
                    sending = (message, started)
                current = following
            if sending is not None:
                self._record_when_sent(*sending)
        finally:  # every chunk is recorded before the messages are done (or failed)
            if reading is not None:
                reading[1].exception()  # not used (the deadline, or a failure): only waited for
            for message in opened:
                failures = [f.exception() for f in message.recording]
                failure = message.error or next((f for f in failures if f is not None), None)
                outcomes[message.index] = failure or "done:" + ",".join(
                    f"{k}={v}" for k, v in message.done.items() if v)
        for outcome in outcomes:
            if isinstance(outcome, BaseException) and not isinstance(outcome, Exception):
                raise outcome  # the invocation itself is ending (killed, interrupted), not one message
        return outcomes

    def _chunks(self, messages: list[dict], outcomes: list, opened: list):
        """(message, start) for each chunk of each message with work, opening messages as reached."""
        for index, body in enumerate(messages):
            try:
                message = self._open(index, body)
            except Exception as exc:
                outcomes[index] = exc
                continue
            if isinstance(message, str):
                outcomes[index] = message
                continue
            opened.append(message)
            for start in range(0, len(message.recipients), CHUNK):
                yield message, start

    def _open(self, index: int, body: dict) -> _Message | str:
        """The message's campaign as it is now: its work, or why there is none."""
        campaign = self.campaigns.get(body.get("campaign_id", ""))
        if campaign is None:
            return "skipped:no_campaign"
        if campaign["status"] == "cancelled":
            if len(campaign["steps"]) > 1:  # their sequence ends here
                self.enrollments.put_many([
                    {"campaign_id": campaign["id"], "candidate_id": i, "step": int(body["step"]),
                     "status": "exited", "reason": "cancelled", "enrolled_at": iso(), "updated_at": iso()}
                    for i in body.get("recipients") or []])
            return "skipped:cancelled"
        if campaign["status"] == "paused":
            self.send_queue.send(body, delay_seconds=PAUSED_DELAY)
            return "deferred:paused"
        self._channel[campaign["id"]] = campaign["channel"]
        return _Message(index, body, campaign, int(body["step"]), list(dict.fromkeys(body.get("recipients") or [])))

    def _hand_back(self, rest: list) -> None:
        """Near the deadline: each message's unclaimed recipients go back on the queue for another invocation."""
        first: dict = {}
        for entry in rest:
            if entry is not None and entry[0].error is None:
                first.setdefault(entry[0], entry[1])
        for message, start in first.items():
            try:
                self.send_queue.send({**message.body, "recipients": message.recipients[start:]})
            except Exception as exc:
                message.error = exc

    def _read_ahead(self, chunk: tuple) -> _Read:
        message, start = chunk
        return self._read_chunk(message.campaign, message.step, message.recipients[start:start + CHUNK])

    def _read_chunk(self, campaign: dict, step: int, ids: list[str]) -> _Read:
        """Reads the people, decides for each and renders the emails of those to send; claims
        nothing (this runs a chunk ahead; an email whose claim is lost is never sent)."""
        now = utcnow()
        template = self._template(campaign["steps"][step]["template_id"])
        job = self._job(campaign)
        people = self.candidates.batch_get(ids)
        sequence = len(campaign["steps"]) > 1
        decisions = self._decide(campaign, step, ids, people, now, sequence)
        emails = {} if campaign["channel"] == "sms" else {
            i: self._render(campaign, step, template, job, people[i]) for i in ids if decisions[i].action == "send"}
        return _Read(ids, people, decisions, sequence, now, template, job, emails)

    def _claim_chunk(self, campaign: dict, step: int, read: _Read) -> _Chunk:
        """Claims the chunk's sends; the claimed emails start going out on the pool's threads."""
        ids, people, decisions, now, template, job = read.ids, read.people, read.decisions, read.now, read.template, read.job
        to_send = [i for i in ids if decisions[i].action == "send"]
        claims = {i: self._claim_item(campaign, step, people[i], now, template) for i in to_send}
        claimed, lost = self._claim(campaign, step, to_send, people, now, claims)
        if lost:  # changed since read, or claimed already (a redelivery)
            claimed += self._settle_lost(campaign, step, read, claims, lost)
        sending: list = []  # Outcome lists, and futures of Outcome lists
        if campaign["channel"] == "sms":
            work = [(self._deliver_sms, (campaign, step, template, job, people[cid])) for cid in claimed]
        else:  # rendered when read: the threads only wait on SES
            work = []
            for cid in claimed:
                email = read.emails[cid]
                if isinstance(email, Outcome):
                    sending.append([email])
                else:
                    work.append((self._send, (campaign, step, people[cid], email)))
        # as many tasks as threads, each a few sends in turn: fewer hand-overs between threads
        per_task = max(1, -(-len(work) // self._threads))
        sending += [self._pool.submit(_run_each, work[i:i + per_task]) for i in range(0, len(work), per_task)]
        return _Chunk(ids, people, decisions, claims, sending, read.sequence, now, template)

    def _settle_lost(self, campaign: dict, step: int, read: _Read, claims: dict, lost: list[str]) -> list[str]:
        """Lost claims: a send that exists already is a redelivery (skipped, nothing to record); any
        other lost claim means the person changed since read, so they are read and decided again, a
        few times, and deferred (back through the queue) if they keep changing: never dropped."""
        claimed: list[str] = []
        for _ in range(RECLAIMS):
            taken = self.sends.get_many([send_key(campaign["id"], step, i) for i in lost])
            changed = [i for i in lost if send_key(campaign["id"], step, i) not in taken]
            for candidate_id in set(lost) - set(changed):
                read.decisions[candidate_id] = Decision("skip", "already_claimed")
            if not changed:
                return claimed
            fresh = self.candidates.batch_get(changed)
            read.people.update({i: fresh.get(i) for i in changed})
            read.decisions.update(self._decide(campaign, step, changed, fresh, read.now, read.sequence))
            to_send = [i for i in changed if read.decisions[i].action == "send"]
            if campaign["channel"] != "sms":
                read.emails.update({i: self._render(campaign, step, read.template, read.job, fresh[i]) for i in to_send})
            claims.update({i: self._claim_item(campaign, step, fresh[i], read.now, read.template) for i in to_send})
            got, lost = self._claim(campaign, step, to_send, fresh, read.now, claims)
            claimed += got
            if not lost:
                return claimed
        until = iso(read.now + timedelta(seconds=RETRY_QUEUE_DELAY))
        for candidate_id in lost:
            read.decisions[candidate_id] = Decision("defer", "changing", until)
        logger().warning("recipients kept changing during their claim: deferred", extra={"deferred": len(lost)})
        return claimed

    def _record_when_sent(self, message: _Message, chunk: _Chunk) -> None:
        """Waits for the chunk's emails here, then records them on the recording thread."""
        try:
            outcomes = [o for sent in chunk.sending for o in (sent if isinstance(sent, list) else sent.result())]
        except Exception as exc:  # a send thread failed outside SES's answers: the message is retried
            message.error = message.error or exc
            return
        message.recording.append(self._recorder.submit(self._record, message.campaign, message.step, chunk,
                                                       outcomes, message.body, message.done))

    def _record(self, campaign: dict, step: int, chunk: _Chunk, outcomes: list[Outcome], message: dict,
                done: dict) -> None:
        """Records outcomes, retries, skips and sequence steps (one chunk at a time: `done` is not shared)."""
        ids, people, decisions, claims = chunk.ids, chunk.people, chunk.decisions, chunk.claims
        sequence, now, template = chunk.sequence, chunk.now, chunk.template

        records, retry = [], []
        for outcome in outcomes:
            claim = claims[outcome.candidate_id]
            if outcome.status == "sent":
                records.append(dict(claim, status="sent", sent_at=iso(), message_id=outcome.message_id,
                                    links=outcome.links or None))
                done["sent"] += 1
            elif outcome.status == "failed":
                records.append(dict(claim, status="failed", error=outcome.error))
                done["failed"] += 1
            else:
                retry.append(outcome.candidate_id)
        if records:
            self.sends.record(records)
            if self.timeline is not None:
                self.timeline.add_many([(r["candidate_id"], "campaign_email_sent",
                                         {"campaign_id": campaign["id"], "step": step, "subject": r.get("subject"),
                                          "status": r["status"]}, r.get("sent_at") or iso(now)) for r in records])
        for candidate_id in retry:
            self._release(campaign["id"], step, candidate_id)
            done["retry"] += 1
        if retry:
            self.send_queue.send({**message, "recipients": retry}, delay_seconds=RETRY_QUEUE_DELAY)

        waiting = [i for i in ids if decisions[i].action == "defer"]
        if waiting and not sequence:  # a broadcast SMS in someone's night, or a person who kept changing
            by_delay: dict[int, list[str]] = {}
            for i in waiting:
                by_delay.setdefault(QUIET_HOURS_DELAY if decisions[i].reason == "quiet_hours" else RETRY_QUEUE_DELAY,
                                    []).append(i)
            for delay, again in by_delay.items():
                self.send_queue.send({**message, "recipients": again}, delay_seconds=delay)
            done["deferred"] += len(waiting)
        skipped = [i for i in ids if decisions[i].action in ("skip", "exit") and decisions[i].reason != "already_claimed"]
        kept = [i for i in skipped if people.get(i) is not None]  # of an erased person no record, only the count
        if not sequence and kept:
            self.sends.record_skips([dict(self._claim_item(campaign, step, people[i], now, template),
                                          status="skipped", reason=decisions[i].reason) for i in kept])
        done["skipped"] += len(skipped)
        if sequence:
            self._advance(campaign, step, ids, decisions, set(retry), now, done)
        if step == 0:  # the fan-out counted these in; the scheduler compares the two
            self.campaigns.add_processed(campaign["id"], len(ids) - len(retry) - (0 if sequence else len(waiting)))
        sent_now = len([o for o in outcomes if o.status == "sent"])
        if self.stats is not None and (sent_now or skipped):
            from ..domain.analytics import hour_key

            self.stats.add(f"campaign#{campaign['id']}", {
                "sent": sent_now, f"sent_s{step}": sent_now, f"sent_{hour_key(iso(now))}": sent_now,
                "skipped": len(skipped), f"skipped_s{step}": len(skipped)})
        if sent_now:
            count("CampaignEmailSent", sent_now)

    def _decide(self, campaign, step, ids, people, now, sequence) -> dict[str, Decision]:
        previous, clicked = {}, set()
        condition = campaign["steps"][step].get("condition", "always")
        if step > 0 and condition != "always":
            previous = self.sends.get_many([send_key(campaign["id"], step - 1, i) for i in ids])
        if "clicked" in campaign["exit_on"] and step > 0:
            earlier = self.sends.get_many([send_key(campaign["id"], s, i) for s in range(step) for i in ids])
            clicked = {s["candidate_id"] for s in earlier.values() if s.get("clicked_at")}
        cap = self.settings.sms_frequency_cap if campaign["channel"] == "sms" else self.settings.frequency_cap
        return {i: decide(candidate=people.get(i), campaign=campaign, step_index=step, now=now, cap=cap,
                          previous_send=previous.get(send_key(campaign["id"], step - 1, i)),
                          clicked_campaign=i in clicked, sequence=sequence) for i in ids}

    def _claim_item(self, campaign, step, person, now, template) -> dict:
        return {"pk": send_key(campaign["id"], step, person["id"]), "kind": "campaign",
                "candidate_id": person["id"], "status": "claimed", "created_at": iso(now),
                "campaign_id": campaign["id"], "step": step, "channel": campaign["channel"],
                "category": campaign["category"], "subject": template.get("subject")}

    def _claim(self, campaign, step, ids, people, now, claims) -> tuple[list[str], list[str]]:
        sms = campaign["channel"] == "sms"
        cap_field = "sms_sends" if sms else "marketing_sends"
        entries = [{"key": send_key(campaign["id"], step, i), "candidate_id": i, "sms": sms,
                    "version": people[i].get("version") or 1,
                    "marketing_sends": with_send(people[i].get(cap_field), now),
                    "claim": claims[i]} for i in ids]
        claimed_keys, lost_keys = self.sends.claim(entries) if entries else ([], [])
        by_key = {e["key"]: e["candidate_id"] for e in entries}
        return [by_key[k] for k in claimed_keys], [by_key[k] for k in lost_keys]

    # ------------------------------------------------------------ delivery

    def _render(self, campaign, step, template, job, person) -> BuiltEmail | Outcome:
        try:
            return build_campaign_email(self.sender, template, candidate=person, job=job,
                                        campaign_id=campaign["id"], step=step)
        except Exception as exc:  # a template that cannot render for this person: recorded, not retried
            logger().error("campaign email did not render", extra={"candidate_id": person["id"], "error": str(exc)})
            return Outcome(send_key(campaign["id"], step, person["id"]), person["id"], "failed",
                           error=f"render: {exc}")

    def _send(self, campaign, step, person, email: BuiltEmail) -> Outcome:
        """SES, with backoff on throttling; "retry" if it still refuses (the claim is then released)."""
        from ..aws.mailer import SendRefused

        key = send_key(campaign["id"], step, person["id"])

        for pause in (0.0,) + RETRY_DELAYS:
            if pause:
                time.sleep(pause)
            self.limiter.acquire()
            try:
                message_id = self.mailer.send_raw(
                    from_email=self.settings.from_email, to=person["email"], raw=email.raw,
                    tags={"campaign_id": campaign["id"], "step": str(step), "candidate_id": person["id"]})
                return Outcome(key, person["id"], "sent", message_id=message_id, links=email.links)
            except SendRefused as refused:
                if not refused.retryable:
                    return Outcome(key, person["id"], "failed", error=str(refused)[:500])
        count("SendThrottled")
        return Outcome(key, person["id"], "retry", error="throttled")

    def _deliver_sms(self, campaign, step, template, job, person) -> Outcome:
        """The template's text part, plain, at most 480 characters, with how to opt out."""
        from ..aws.sms import SmsRefused
        from ..domain.campaign_email import unsubscribe_url
        from ..domain.quiet_hours import normalize_phone
        from ..domain.templates import render

        key = send_key(campaign["id"], step, person["id"])
        link = unsubscribe_url(self.sender, campaign["id"], step, person["id"])
        try:
            text = render(dict(template, html=template.get("text") or ""), candidate=person, job=job,
                          company=self.sender.company, unsubscribe_url=link, preferences_url=link).text
        except Exception as exc:
            return Outcome(key, person["id"], "failed", error=f"render: {exc}")
        text = " ".join(text.split("--")[0].split())[:400] + f" Opt out: {link}"
        phone = normalize_phone(person.get("phone"), person.get("country"))
        for pause in (0.0,) + RETRY_DELAYS:
            if pause:
                time.sleep(pause)
            try:
                message_id = self.sms.send(phone, text)
                return Outcome(key, person["id"], "sent", message_id=message_id)
            except SmsRefused as refused:
                if not refused.retryable:
                    return Outcome(key, person["id"], "failed", error=str(refused)[:500])
        return Outcome(key, person["id"], "retry", error="throttled")

    def _release(self, campaign_id: str, step: int, candidate_id: str) -> None:
        """SES surely did not take it: free the claim and the cap slot it held."""
        self.sends.release(send_key(campaign_id, step, candidate_id))
        now = utcnow()

        field = "sms_sends" if self._channel.get(campaign_id) == "sms" else "marketing_sends"

        def drop_latest(current: dict) -> dict:
            times = recent(current.get(field), now)
            return dict(current, **{field: times[:-1]}) if times else current

        self.candidates.update(candidate_id, drop_latest)

    # ------------------------------------------------------------ sequences

    def _advance(self, campaign, step, ids, decisions, retry, now, done) -> None:
        updates = []
        for candidate_id in ids:
            if candidate_id in retry:
                continue  # its enrollment lease runs out and the step comes round again
            decision = decisions[candidate_id]
            if decision.reason == "erased":  # gone: counted, but no enrollment keeps their id
                done["exited"] += 1
                continue
            entry = {"campaign_id": campaign["id"], "candidate_id": candidate_id, "updated_at": iso(now),
                     "enrolled_at": iso(now), "status": "active", "step": step}
            if decision.action == "defer":
                entry["due_at"] = decision.until
                done["deferred"] += 1
            elif decision.action == "exit" or (decision.action == "skip" and decision.reason not in (
                    "opened_previous_step", "clicked_previous_step", "already_claimed")):
                entry.update(status="exited", reason=decision.reason)
                done["exited"] += 1
            else:
                following = next_step_due(campaign, step, now)
                if following is None:
                    entry.update(status="completed")
                else:
                    entry.update(step=following[0], due_at=following[1])
            updates.append(entry)
        if not updates:
            return
        if step == 0:
            created = set(self.enrollments.enroll(updates))
            existing = [u for u in updates if u["candidate_id"] not in created]
            if existing:  # a redelivered first step: keep where they are unless this moves them on
                current = self.enrollments.get_many(campaign["id"], [u["candidate_id"] for u in existing])
                self.enrollments.put_many([u for u in existing if current.get(u["candidate_id"], {}).get("step", 0) <= step])
        else:
            current = self.enrollments.get_many(campaign["id"], [u["candidate_id"] for u in updates])
            for update in updates:
                update["enrolled_at"] = current.get(update["candidate_id"], {}).get("enrolled_at", update["enrolled_at"])
            self.enrollments.put_many(updates)

    def _job(self, campaign: dict) -> dict | None:
        """A job alert's job, read once per queue message (like its templates)."""
        job_id = campaign.get("job_id")
        if job_id and job_id not in self._jobs:
            self._jobs[job_id] = self.jobs.get(job_id)
        return self._jobs.get(job_id) if job_id else None

    def _template(self, template_id: str) -> dict:
        if template_id not in self._templates:
            template = self.templates.get(template_id)
            if template is None:
                raise LookupError(f"template {template_id} is gone")
            self._templates[template_id] = template
        return self._templates[template_id]
