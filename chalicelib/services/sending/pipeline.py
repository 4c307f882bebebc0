"""The send worker's campaign path: one SQS batch of campaign messages, chunk by chunk, as a pipeline.

Each message names a campaign step and up to 100 recipients, taken CHUNK at a time: read, decide
and render (claims.py), claim, send on the send threads (channels.py), record (recorder.py). The
chunks of every message of the batch form one pipeline: while a chunk's messages go out, the next
chunk is claimed and rendered on this thread, the one after it read on the reading thread, and the
one before recorded on the recording thread. At most one chunk is claimed ahead of the one sending
(reading claims nothing), and every chunk that started sending is recorded, whatever fails after.

Why a pipeline, by the figures of `python -m tests.bench --only campaigns` (2-core machine; one run
with the overlap switched off, chunks one after another, for comparison): with SES uncapped it pays.
`e2e_vs_raw_send_ratio` is 0.70-0.92 with it and 0.47 without (SES idle while a chunk is read,
claimed and recorded), `worker_sends_per_s_at_50ms` 430-457/s against 421/s. At the default
CRM_SES_MAX_RATE of 14/s it neither pays nor costs: the rate sets the pace (1,000 emails at 14/s:
70.7-71.3 s with it, 71.4 s without). It is kept because one path serves every configured rate, and
what the rate does change is sized from it: the send threads (`send_threads`) and the number of
workers (the send queue's MaximumConcurrency, infra/resources.py), so that neither waits on the
limiter.

Near the Lambda deadline (SAFETY_MS left) each message's unclaimed rest goes back on the queue; a
message that fails is the only one SQS gets back. A paused campaign's message comes back later, a
cancelled one's is dropped (a sequence's people exit). While the deliverability autopilot holds all
marketing (services/deliverability.py), a marketing campaign's message comes back later too, the campaign
paused (`account`); a recorded chunk's emails that SES took count toward the autopilot's rates.
"""
from __future__ import annotations

import math
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from ...domain import clock
from ...domain.campaign_email import Sender
from ...domain.clock import iso, seconds_until
from ...domain.subject_tests import with_subject
from ...domain.vocabulary import BatchOutcome, CampaignStatus, Channel, DecisionReason, EnrollmentStatus
from ...observability import logger
from ..subject_tests import SubjectTests
from .channels import EmailChannel, Outcome, SmsChannel
from .claims import Claims, Read
from .recorder import MAX_QUEUE_DELAY, Recorder

CHUNK = 50  # recipients claimed and sent together; the deadline is checked between chunks
SAFETY_MS = 8_000  # stop taking new chunks when less than this is left of the invocation
PAUSED_DELAY = 60  # a paused campaign's messages come back after this many seconds
MAX_SEND_THREADS = 25  # 430-457 sends/s at 50 ms per SES call (worker_sends_per_s_at_50ms)
SES_SECONDS = 0.05  # an SES call, as the bench's worker figure takes it
COUNTS = tuple(BatchOutcome)  # a message's summary, in this order


def send_threads(rate: float) -> int:
    """Send threads for one worker to keep `rate` sends a second in flight (a worker may be alone on
    the queue) while SES answers up to four times slower than 50 ms: one thread sends 19.8/s at 50 ms
    (worker_sends_per_s_at_50ms_one_thread). 3 at the default 14/s, all 25 from 125/s; more would only
    wait on the limiter."""
    return max(2, min(MAX_SEND_THREADS, math.ceil(4 * rate * SES_SECONDS)))


@dataclass(eq=False)
class _Message:
    """A queue message with work: its campaign as read when it was reached, and how it went."""
    index: int
    body: dict
    campaign: dict
    step: int
    recipients: list[str]
    done: dict = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    recording: list = field(default_factory=list)  # futures of the recording thread
    error: Exception | None = None


@dataclass
class _Sending:
    """A claimed chunk whose messages are going out: Outcome lists (not sent: failed to render) and
    futures of Outcome lists."""
    read: Read
    sending: list


def _run_each(work: list) -> list[Outcome]:
    return [function(*args) for function, args in work]


class CampaignSender:
    """The campaign messages of the send queue (built by chalicelib/wiring.py: one per container)."""

    def __init__(self, settings, campaigns, templates, candidates, sends, enrollments, jobs, mailer,
                 limiter, send_queue, sms=None, threads: int = MAX_SEND_THREADS, stats=None, timeline=None,
                 memberships=None, keys=None, senders=None, mailers=None, deliverability=None):
        self.campaigns = campaigns
        self.templates = templates
        self.candidates = candidates
        self.jobs = jobs
        self.enrollments = enrollments
        self.send_queue = send_queue
        self.sender = Sender(settings.public_url, settings.secret, settings.from_email,
                             {"name": settings.company_name, "careers_url": f"{settings.public_url}/careers"})
        email = EmailChannel(self.sender, mailer, limiter, reply_domain=getattr(settings, "reply_domain", ""),
                             senders=senders, mailers=mailers)  # replies come back through the reply domain
        self.deliverability = deliverability  # services/deliverability.py: counts sends, holds marketing
        self.channels: dict[str, EmailChannel | SmsChannel] = {Channel.EMAIL: email, Channel.SMS: SmsChannel(self.sender, sms)}
        self.claims = Claims(settings, candidates, sends, SubjectTests(keys, stats) if keys is not None else None)
        self.recorder = Recorder(self.claims, campaigns, sends, enrollments, send_queue, stats, timeline, memberships)
        self._threads = threads
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="send")
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="read")
        self._recorder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="record")
        self._templates: dict[str, dict] = {}  # for one invocation: edits show on the next
        self._jobs: dict[str, dict | None] = {}

    def handle(self, message: dict, remaining_ms=lambda: 60_000) -> str:
        """One queue message: a summary of what happened; raises what failed it."""
        outcome = self.handle_batch([message], remaining_ms)[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def handle_batch(self, messages: list[dict], remaining_ms=lambda: 60_000) -> list:
        """The messages of one invocation, in order: for each, a summary or the exception that failed
        it (only that message goes back to the queue)."""
        self._templates, self._jobs = {}, {}
        if self.claims.tests is not None:
            self.claims.tests.forget()
        email = self.channels[Channel.EMAIL]
        if isinstance(email, EmailChannel):
            email.forget()
        outcomes: list = [None] * len(messages)
        opened: list[_Message] = []
        chunks = self._chunks(messages, outcomes, opened)
        current = next(chunks, None)
        sending: tuple[_Message, _Sending] | None = None
        reading: tuple[tuple, Future[Read]] | None = None  # (chunk, its read on the reading thread)
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
                        ahead, reading = reading, None
                        read = self._take_read(ahead, current)
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
            self._summarize(opened, outcomes)
        for outcome in outcomes:
            if isinstance(outcome, BaseException) and not isinstance(outcome, Exception):
                raise outcome  # the invocation itself is ending (killed, interrupted), not one message
        return outcomes

    def _take_read(self, reading: tuple | None, chunk: tuple) -> Read:
        """The chunk read ahead on the reading thread, or read now (the first, or after a skipped chunk)."""
        if reading is not None and reading[0] == chunk:
            return reading[1].result()
        if reading is not None:  # read for a chunk since skipped (its message failed)
            reading[1].exception()
        message, start = chunk
        return self._read_chunk(message.campaign, message.step, message.recipients[start:start + CHUNK])

    def _summarize(self, opened: list[_Message], outcomes: list) -> None:
        for message in opened:
            failures = [f.exception() for f in message.recording]
            failure = message.error or next((f for f in failures if f is not None), None)
            outcomes[message.index] = failure or "done:" + ",".join(f"{k}={v}" for k, v in message.done.items() if v)

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
        if campaign["status"] == CampaignStatus.CANCELLED:
            if len(campaign["steps"]) > 1:  # their sequence ends here
                self.enrollments.put_many([
                    {"campaign_id": campaign["id"], "candidate_id": i, "step": int(body["step"]),
                     "status": EnrollmentStatus.EXITED, "reason": DecisionReason.CANCELLED, "enrolled_at": iso(),
                     "updated_at": iso()}
                    for i in body.get("recipients") or []])
            return "skipped:cancelled"
        if campaign["status"] == CampaignStatus.PAUSED or (
                self.deliverability is not None and self.deliverability.holds(campaign)):
            self.send_queue.send(body, delay_seconds=PAUSED_DELAY)
            return "deferred:paused"
        wait = seconds_until(body.get("not_before"), clock.utcnow())
        if wait > 0:  # people waiting for their send window to open: on the queue until then, unread
            self.send_queue.send(body, delay_seconds=min(MAX_QUEUE_DELAY, wait))
            return "deferred:send_window"
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

    def _read_ahead(self, chunk: tuple) -> Read:
        message, start = chunk
        return self._read_chunk(message.campaign, message.step, message.recipients[start:start + CHUNK])

    def _read_chunk(self, campaign: dict, step: int, ids: list[str]) -> Read:
        """Reads, decides and renders a chunk; claims nothing (this runs a chunk ahead)."""
        definition = campaign["steps"][step]  # an outreach step carries its own text (domain/outreach.py)
        template = definition.get("template") or self._template(definition["template_id"])
        job = self._job(campaign)
        return self.claims.read(campaign, step, template, job, ids, self._preparer(campaign, step, template, job))

    def _preparer(self, campaign: dict, step: int, template: dict, job: dict | None):
        channel = self.channels[campaign["channel"]]
        definition = campaign["steps"][step]

        def prepare(person: dict):
            variant = self.claims.variant(campaign, step, person["id"], clock.utcnow())
            return channel.prepare(campaign, step, with_subject(template, definition, variant), job, person)
        return prepare

    def _claim_chunk(self, campaign: dict, step: int, read: Read) -> _Sending:
        """Claims the chunk's sends; the claimed ones start going out on the send threads."""
        claimed = self.claims.claim(campaign, step, read, self._preparer(campaign, step, read.template, read.job))
        channel = self.channels[campaign["channel"]]
        sending: list = []
        work = []
        for candidate_id in claimed:
            prepared = read.prepared[candidate_id]
            if isinstance(prepared, Outcome):  # did not render: recorded as failed
                sending.append([prepared])
            else:  # rendered when read: the threads only wait on the channel
                work.append((channel.send, (campaign, step, read.people[candidate_id], prepared)))
        # as many tasks as threads, each a few sends in turn: fewer hand-overs between threads
        per_task = max(1, -(-len(work) // self._threads))
        sending += [self._pool.submit(_run_each, work[i:i + per_task]) for i in range(0, len(work), per_task)]
        return _Sending(read, sending)

    def _record_when_sent(self, message: _Message, chunk: _Sending) -> None:
        """Waits for the chunk's sends here, then records them on the recording thread."""
        try:
            outcomes = [o for sent in chunk.sending for o in (sent if isinstance(sent, list) else sent.result())]
        except Exception as exc:  # a send thread failed outside the channel's answers: the message is retried
            message.error = message.error or exc
            return
        message.recording.append(self._recorder.submit(self._record, message, chunk.read, outcomes))

    def _record(self, message: _Message, read: Read, outcomes: list[Outcome]) -> None:
        """On the recording thread: the chunk's records, then its emails SES took counted for the autopilot."""
        self.recorder.record(message.campaign, message.step, read, outcomes, message.body, message.done)
        if self.deliverability is None or message.campaign["channel"] != Channel.EMAIL:
            return
        taken = [read.people[o.candidate_id]["email"] for o in outcomes if o.status == BatchOutcome.SENT]
        try:
            self.deliverability.sent(message.campaign["id"], taken)
        except Exception:  # the emails went and are recorded: a count lost must not send the message back
            logger().exception("deliverability count failed", extra={"campaign_id": message.campaign["id"]})

    def _job(self, campaign: dict) -> dict | None:
        """A job alert's job, read once per invocation (like its templates)."""
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
