"""Email templates: saved only when they compile and use known variables; previewed for a person."""
from __future__ import annotations

from datetime import timedelta

from ..domain.bodies import parse_as, parse_body
from ..domain.campaign_email import Sender, build_campaign_email, unsubscribe_url
from ..domain.clock import iso, new_id, utcnow
from ..domain.emails import normalize_email
from ..domain.errors import Conflict, NotFound, RateLimited, ValidationError
from ..domain.suppression import is_suppressed
from ..domain.templates import SAMPLE, DraftBody, PreviewBody, render, validate_template
from ..domain.vocabulary import Category

JOB_ALERT = {
    "name": "Job alert (built in)",
    "category": Category.JOB_ALERT,
    "subject": "New role: {{ job.title }}",
    "html": (
        "<html><body style=\"font-family:Arial,sans-serif;color:#1f2933;line-height:1.5\">"
        "<p>Hi {{ candidate.first_name | default('there') }},</p>"
        "<p>A role that fits what you told us has just opened: <strong>{{ job.title }}</strong>"
        "{% if job.city %} in {{ job.city }}{% endif %}{% if job.remote %} (remote friendly){% endif %}.</p>"
        "{% if job.description %}<p>{{ job.description }}</p>{% endif %}"
        "<p><a href=\"{{ job.url | default(company.careers_url) }}\" style=\"display:inline-block;padding:10px 18px;"
        "background:#1d4ed8;color:#ffffff;text-decoration:none;border-radius:4px\">See the role</a></p>"
        "<p style=\"font-size:13px;color:#52606d\">You get job alerts because you joined our talent community. "
        "<a href=\"{{ preferences_url }}\">Choose what you get</a> or "
        "<a href=\"{{ unsubscribe_url }}\">unsubscribe</a>.</p></body></html>"
    ),
    "text": None,
}
VIEW = ("id", "name", "category", "subject", "html", "text", "builtin", "created_at", "updated_at")
TESTS_PER_HOUR = 20  # test sends of a draft, per team member (as campaigns allow per campaign)


def _an_id(value: object) -> bool:
    """Text that can be a key (DynamoDB refuses an empty one; ids are short)."""
    return isinstance(value, str) and 0 < len(value) <= 100


class TemplateService:
    def __init__(self, settings, templates, candidates, keys, jobs, mailer, tombstones):
        self.settings = settings
        self.templates = templates
        self.candidates = candidates
        self.keys = keys
        self.jobs = jobs  # the job service: a preview may be for a job alert
        self.mailer = mailer  # a draft's test send
        self.tombstones = tombstones  # no test send to an erased person's address

    def sender(self) -> Sender:
        s = self.settings
        return Sender(s.public_url, s.secret, s.from_email, {"name": s.company_name, "careers_url": f"{s.public_url}/careers"})

    @staticmethod
    def view(template: dict) -> dict:
        return {k: template.get(k) for k in VIEW}

    def create(self, body: object, builtin: str | None = None) -> dict:
        fields = validate_template(body)
        now = iso()
        template = {"id": new_id("tmpl"), **fields, "builtin": builtin, "created_at": now, "updated_at": now}
        self.templates.create(template)
        return self.view(template)

    def list(self, limit: int, cursor: str | None):
        items, next_cursor = self.templates.page(limit, cursor)
        return [self.view(t) for t in items], next_cursor

    def get(self, template_id: str) -> dict:
        template = self.templates.get(template_id) if _an_id(template_id) else None
        if template is None:
            raise NotFound(f"no template {template_id}")
        return template

    def patch(self, template_id: str, body: object) -> dict:
        current = self.get(template_id)
        fields = validate_template(body, partial=True, current=current)  # the trial render sees the whole template
        updated = {**current, **fields, "updated_at": iso()}
        self.templates.save(updated)
        return self.view(updated)

    def preview(self, template_id: str, body: object) -> dict:
        template = self.get(template_id)
        request = parse_body(PreviewBody, body)
        candidate = self.candidates.get(request.candidate_id)
        if candidate is None:
            raise NotFound(f"no candidate {request.candidate_id}")
        job = self.jobs.get(request.job_id) if request.job_id else None
        link = unsubscribe_url(self.sender(), new_id("camp"), 0, candidate["id"])
        rendered = render(template, candidate=candidate, job=job, company=self.sender().company,
                          unsubscribe_url=link, preferences_url=link)
        return {"subject": rendered.subject, "html": rendered.html, "text": rendered.text}

    def builtin_job_alert(self) -> dict:
        """The job alert template, created once per stage."""
        key = "builtin#template#job_alert"
        found = self.keys.get(key)
        if found and found.get("ref") and self.templates.get(found["ref"]):
            return self.templates.get(found["ref"])
        created = self.create(JOB_ALERT, builtin="job_alert")
        self.keys.put(key, ref=created["id"], created_at=iso())
        return self.templates.get(created["id"])

    def test_email(self, template: dict, candidate: dict, job: dict | None, campaign_id: str):
        """A rendered copy for a test send: real content, no tracking, marked as a test."""
        email = build_campaign_email(self.sender(), dict(template, subject="[Test] " + template["subject"]),
                                     candidate=candidate, job=job, campaign_id=campaign_id, step=0, track=False)
        return email

    # ------------------------------------------------------------ drafts: the editor's preview and test sends

    def preview_draft(self, body: object) -> dict:
        """A template not saved yet (DraftBody), rendered for the person named or a sample person; a job alert
        without a job is shown with a sample job. Its links are no one's: clicking them changes nothing."""
        draft = parse_as(DraftBody, body, "invalid template")
        sender = self.sender()
        link = unsubscribe_url(sender, new_id("camp"), 0, new_id("cand"))  # no one's
        rendered = render(draft.template(), candidate=self._person(draft), job=self._job(draft),
                          company=sender.company, unsubscribe_url=link, preferences_url=link)
        return {"subject": rendered.subject, "html": rendered.html, "text": rendered.text}

    def test_draft(self, body: object, *, to: str) -> dict:
        """A draft as its preview shows it, sent to `to` (the member's own address) the way a campaign's test
        send goes: "[Test]" subject, no tracking, outside the statistics; never to a suppressed or erased
        address; TESTS_PER_HOUR per address and hour."""
        draft = parse_as(DraftBody, body, "invalid template")
        self.refuse_test_recipient(to)
        until = utcnow() + timedelta(hours=1)
        if not self.keys.hit(f"rate#template-test#{to}#{utcnow():%Y%m%d%H}", TESTS_PER_HOUR, until):
            raise RateLimited(f"at most {TESTS_PER_HOUR} test sends an hour", retry_after=3600 - utcnow().minute * 60)
        person = dict(self._person(draft), id=new_id("cand"), email=to)  # its links are no one's
        built = self.test_email(draft.template(), person, self._job(draft), new_id("camp"))
        message_id = self.mailer.send_raw(from_email=self.settings.from_email, to=to, raw=built.raw,
                                          tags={"kind": "test"})
        return {"sent": True, "to": to, "message_id": message_id, "subject": built.subject}

    def refuse_test_recipient(self, email: str) -> None:
        """Conflict if `email` may get no email, tests included: a suppressed person's or an erased one's."""
        known = self.candidates.id_for_email(email)
        candidate = self.candidates.get(known) if known else None
        if candidate is not None and is_suppressed(candidate):
            raise Conflict(f"{email} is {candidate['status']}: it gets no email, tests included",
                           {"email": f"{candidate['status']}: suppressed"}, code="suppressed")
        if candidate is None:
            self.tombstones.refuse_erased(email)

    def person_id(self, email: str) -> str | None:
        """The id of the person with this address; None if none has it, or it is no address."""
        try:
            return self.candidates.id_for_email(normalize_email(email))
        except ValidationError:
            return None

    def _person(self, draft: DraftBody) -> dict:
        """The person named by id or by email address, or the sample person."""
        if draft.candidate_email:
            found = self.candidates.id_for_email(draft.candidate_email)
            candidate = self.candidates.get(found) if found else None
            if candidate is None:
                raise NotFound(f"no candidate {draft.candidate_email}", {"candidate_email": "no such person"})
            return candidate
        if draft.candidate_id is None:
            return SAMPLE["candidate"]
        candidate = self.candidates.get(draft.candidate_id)
        if candidate is None:
            raise NotFound(f"no candidate {draft.candidate_id}", {"candidate_id": "no such person"})
        return candidate

    def _job(self, draft: DraftBody) -> dict | None:
        if draft.job_id:
            return self.jobs.get(draft.job_id)
        return SAMPLE["job"] if draft.category == Category.JOB_ALERT else None
