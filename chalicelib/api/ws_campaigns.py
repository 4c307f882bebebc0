"""Campaigns in the workspace: the wizard (audience, steps, settings, review), scheduling, pause, resume, cancel,
a campaign's page.

Pages are server-rendered (chalicelib/web/workspace.py) and pass the gate like every recruiter route (`api.page`).
The wizard keeps its state in a draft campaign: its first page makes the draft (CampaignService.start), each
later page changes it (CampaignService.patch, as PATCH /campaigns/{id}); every page has Back and Next. The review
counts the audience with the sender's own decision (CampaignService.review, as GET /campaigns/{id}/review),
a bounded piece per request: while it is not complete, the figures poll (htmx) until they are.
Steps are numbered 1..n on every page (the API's `step` is that number less one).
"""
from __future__ import annotations

from chalice import Response

from .. import wiring
from ..domain.campaigns import (EXITS, MAX_STEPS, TRANSITIONS, delay_words, read_delay, send_time,
                                 validate_campaign_patch)
from ..domain.clock import iso, utcnow
from ..domain.errors import Conflict, CrmError, ValidationError
from ..domain.vocabulary import (CampaignAction, CampaignStatus, Category, DecisionReason, EnrollmentMode,
                                 StepCondition)
from ..http import ALL_TYPES, form_text, read_form_or_json
from ..web import campaign_view as view
from ..web.zones import time_zones
from . import blueprint, current_principal

routes, api = blueprint(__name__)
FORM_LIMIT = 32 * 1024
CAMPAIGNS_PAGE = 50
LATEST_REPLIES = 5  # on a campaign's page; its replies page shows REPLIES_PAGE at a time
REPLIES_PAGE = 25
SENDER_PROBLEMS = ("sender_unverified", "sender_unknown")  # a schedule refused for its sender: the review says why
OPTIONS_LIMIT = 500  # pools and templates offered in the wizard
FIRST_COUNT_SECONDS = 0.15  # the review page's own share of the count: shown at once, its figures poll for the rest
WIZARD = (("audience", "Audience"), ("steps", "Steps"), ("settings", "Settings"), ("review", "Review"))

CATEGORIES = {Category.COMPANY_NEWS: "Company news", Category.INDUSTRY_INSIGHTS: "Industry insights",
              Category.CAREER_ADVICE: "Career advice", Category.JOB_ALERT: "Job alert",
              Category.EVENT_INVITE: "Event invite"}
CONDITIONS = {StepCondition.ALWAYS: "Always",
              StepCondition.NOT_OPENED: "Only if the previous email was not opened",
              StepCondition.NOT_CLICKED: "Only if the previous email was not clicked"}
ENROLLMENTS = {EnrollmentMode.ONCE: ("Once", "The people in the audience when the campaign starts."),
               EnrollmentMode.CONTINUOUS: ("Continuous", "People who join the audience's pools later get it too, "
                                                          "until you cancel it.")}
EXIT_LABELS = {DecisionReason.UNSUBSCRIBED: "They unsubscribe", DecisionReason.BOUNCED: "Their address bounces",
               DecisionReason.APPLIED: "They apply for a job", DecisionReason.HIRED: "They are hired",
               DecisionReason.REPLIED: "They reply to one of its emails",
               DecisionReason.CLICKED: "They click a link in this campaign"}
# Why a person is not emailed (the review, a campaign's skips), in words.
REASONS = {
    DecisionReason.NOT_SUBSCRIBED: "Not subscribed: no marketing consent yet",
    DecisionReason.NO_CONSENT: "No marketing consent recorded",
    DecisionReason.UNSUBSCRIBED: "Unsubscribed", DecisionReason.BOUNCED: "Their address bounced",
    DecisionReason.COMPLAINED: "Marked an email as spam", DecisionReason.ERASED: "Erased",
    DecisionReason.CATEGORY_OPT_OUT: "Opted out of this category",
    DecisionReason.FREQUENCY_CAP: "Over the frequency cap (emails in the last 7 days)",
    DecisionReason.APPLIED: "Applied (leaves the campaign)", DecisionReason.HIRED: "Hired (leaves the campaign)",
    DecisionReason.CLICKED: "Clicked (leaves the campaign)", DecisionReason.REPLIED: "Replied (leaves the campaign)",
    DecisionReason.OUTSIDE_SEND_WINDOW: "Outside the send window (sent when it opens)",
    DecisionReason.OPENED_PREVIOUS_STEP: "Opened the previous email",
    DecisionReason.CLICKED_PREVIOUS_STEP: "Clicked the previous email",
    DecisionReason.NO_SMS_CONSENT: "No consent to texts", DecisionReason.NO_PHONE: "No usable phone number",
    DecisionReason.PAUSED_BY_PERSON: "Paused their emails (their own page)",
    DecisionReason.CHANNEL_OPT_OUT: "Turned this channel off", DecisionReason.MONTHLY_CAP: "At their own monthly limit",
    DecisionReason.CANCELLED: "The campaign was cancelled", "unrecorded": "Not recorded (skipped before reasons were)",
}
STATUS_WORDS = {CampaignStatus.DRAFT: "Draft", CampaignStatus.SCHEDULED: "Scheduled", CampaignStatus.SENDING: "Sending",
                CampaignStatus.SENT: "Sent", CampaignStatus.PAUSED: "Paused", CampaignStatus.CANCELLED: "Cancelled"}
ACTIONS = (CampaignAction.PAUSE, CampaignAction.RESUME, CampaignAction.CANCEL)


# ---------------------------------------------------------------- the list

@routes.route("/dashboard/campaigns", methods=["GET"])
@api.page
def campaign_list():
    from ..web.workspace import page

    cursor = _query("cursor")
    campaigns, next_cursor = wiring.campaigns().list(CAMPAIGNS_PAGE, cursor)
    funnels = wiring.analytics().funnels([c["id"] for c in campaigns if c["status"] != CampaignStatus.DRAFT])
    return page("campaigns/list.html", current_principal(), section="campaigns", title="Campaigns",
                campaigns=campaigns, funnels=funnels, pools=_pool_names(), next_cursor=next_cursor,
                paged=bool(cursor), **_words())


# ---------------------------------------------------------------- 1. audience

@routes.route("/dashboard/campaigns/new", methods=["GET"])
@api.page
def campaign_new():
    return _audience_page(None, {"name": "", "pools": [], "exclude_pools": [], "kind": "campaign"})


@routes.route("/dashboard/campaigns/new", methods=["POST"], content_types=ALL_TYPES)
@api.page
def campaign_start():
    from ..web.workspace import redirect

    values = _audience_values(_form())
    try:
        draft = _with_pools_problem(values, lambda body: wiring.campaigns().start(body))
    except ValidationError as error:
        return _audience_page(None, values, error)
    return redirect(f"/dashboard/campaigns/{draft['id']}/steps")


@routes.route("/dashboard/campaigns/{campaign_id}/audience", methods=["GET"])
@api.page
def campaign_audience(campaign_id):
    campaign = _draft(campaign_id)
    if isinstance(campaign, Response):
        return campaign
    audience = campaign["audience"]
    return _audience_page(campaign, {"name": campaign["name"], "pools": audience["pools"],
                                     "exclude_pools": audience.get("exclude_pools") or [],
                                     "kind": campaign.get("kind") or "campaign"})


@routes.route("/dashboard/campaigns/{campaign_id}/audience", methods=["POST"], content_types=ALL_TYPES)
@api.page
def campaign_audience_save(campaign_id):
    from ..web.workspace import redirect

    campaign = wiring.campaigns().get(campaign_id)
    values = _audience_values(_form())
    try:
        _with_pools_problem(values, lambda body: wiring.campaigns().patch(campaign_id, body))
    except ValidationError as error:
        return _audience_page(campaign, values, error)
    return redirect(f"/dashboard/campaigns/{campaign_id}/steps")


def _audience_values(form: dict) -> dict:
    return {"name": form_text(form, "name"), "pools": _ids(form, "pools"),
            "exclude_pools": _ids(form, "exclude_pools"), "kind": form_text(form, "kind") or "campaign"}


def _with_pools_problem(values: dict, save):
    """`save(body)` of the audience form; no pool ticked is said in the form's words, with the other problems
    (the service says it of a list of ids)."""
    body = {"name": values["name"], "audience": {"pools": values["pools"], "exclude_pools": values["exclude_pools"]},
            "kind": values.get("kind") or "campaign"}  # issue 18: campaign or permission_request
    try:
        result = save(body)
    except ValidationError as error:
        if not values["pools"]:
            error.fields["audience.pools"] = "choose at least one pool"
        raise
    return result


def _audience_page(campaign: dict | None, values: dict, error: CrmError | None = None) -> Response:
    from ..web.workspace import page

    pools, _ = wiring.pools().list(OPTIONS_LIMIT, None)
    problems = _problems(error, {"audience.pools": "pools", "audience.exclude_pools": "exclude_pools"})
    if "audience" in problems:
        problems.setdefault("pools", problems.pop("audience"))
    return page("campaigns/audience.html", current_principal(), section="campaigns",
                title="New campaign" if campaign is None else f"Audience: {campaign['name']}", campaign=campaign,
                values=values, pools=pools, problems=problems, error=error, status=400 if error else 200,
                **_wizard("audience", campaign), **_words())


# ---------------------------------------------------------------- 2. steps

@routes.route("/dashboard/campaigns/{campaign_id}/steps", methods=["GET"])
@api.page
def campaign_steps(campaign_id):
    campaign = _draft(campaign_id)
    if isinstance(campaign, Response):
        return campaign
    return _steps_page(campaign, {"template_id": "", "delay": "", "condition": StepCondition.ALWAYS,
                                  **view.test_values()})


@routes.route("/dashboard/campaigns/{campaign_id}/steps", methods=["POST"], content_types=ALL_TYPES)
@api.page
def campaign_steps_save(campaign_id):
    """`action`: add (the step in the form), next (it too, if a template is chosen; then the settings),
    remove:<n> (step n, counted from 1), or test:<n> (step n's subject test, from its own form)."""
    from ..web.workspace import redirect

    service = wiring.campaigns()
    campaign = service.get(campaign_id)
    form = _form()
    action = form_text(form, "action")
    typed = view.typed_test(lambda name: form_text(form, name))
    pending = {"template_id": form_text(form, "template_id"), "delay": form_text(form, "delay"),
               "condition": form_text(form, "condition") or StepCondition.ALWAYS, **typed}
    steps = list(campaign["steps"])
    editing = None
    try:
        if action.startswith("remove:"):
            del steps[_step_number(action.partition(":")[2], len(steps)) - 1]
            _keep_first_always(steps)
            service.patch(campaign_id, {"steps": steps})
            return redirect(f"/dashboard/campaigns/{campaign_id}/steps")
        if action.startswith("test:"):
            editing = _step_number(action.partition(":")[2], len(steps))
            kept = {k: v for k, v in steps[editing - 1].items() if k not in ("subjects", "winner")}
            steps[editing - 1] = {**kept, **view.test_body(typed)}
            service.patch(campaign_id, {"steps": steps})
            return redirect(f"/dashboard/campaigns/{campaign_id}/steps#step-{editing}")
        if action not in ("add", "next"):
            raise ValidationError.field("action", "add, next or remove a step")
        if action == "add" or pending["template_id"]:
            steps.append(_step(pending, len(steps)))
            service.patch(campaign_id, {"steps": steps})
        if action == "next":
            if not steps:
                raise ValidationError.field("template_id", "choose a template for the first step")
            return redirect(f"/dashboard/campaigns/{campaign_id}/settings")
    except ValidationError as error:
        return _steps_page(campaign, pending, error, editing)
    return redirect(f"/dashboard/campaigns/{campaign_id}/steps")


def _step(pending: dict, index: int) -> dict:
    """The step the form describes, as the campaign holds it (its delay in ISO 8601, its subject test's share and
    wait as the body has them). The form's problems together; the service checks the rest."""
    problems = {}
    if not pending["template_id"]:
        problems["template_id"] = "choose a template"
    elif len(pending["template_id"]) > 100:
        problems["template_id"] = "choose a template from the list"
    elif index >= MAX_STEPS:
        problems["template_id"] = f"a campaign has at most {MAX_STEPS} steps"
    try:
        delay = read_delay(pending["delay"])
    except ValueError as exc:
        problems["delay"] = str(exc)
    try:
        subject_test = view.test_body(pending)
    except ValidationError as error:
        problems.update(error.fields)
    if problems:
        raise ValidationError("invalid step: " + ", ".join(sorted(problems)), problems)
    return {"template_id": pending["template_id"], "delay": delay, "condition": pending["condition"], **subject_test}


def _keep_first_always(steps: list[dict]) -> None:
    """The first step has no previous email to have opened: when a removal makes a step first, it goes always."""
    if steps:
        steps[0] = dict(steps[0], condition=StepCondition.ALWAYS)


def _step_number(text: str, count: int) -> int:
    if not text.isdigit() or not 1 <= int(text) <= count:
        raise ValidationError.field("action", f"a step from 1 to {count}")
    return int(text)


def _steps_page(campaign: dict, pending: dict, error: CrmError | None = None, editing: int | None = None) -> Response:
    """The steps so far (each with its subject test's form) and the next step's form. `editing`: the step (from 1)
    whose subject test form sent `pending` (its problems shown there), else the next step's form did."""
    from ..web.workspace import page

    templates = _templates()
    index = len(campaign["steps"]) if editing is None else editing - 1
    places = {f"steps[{index}].{name}": name for name in ("template_id", "delay", "condition")}
    places.update({f"steps[{index}].subjects": "subjects", f"steps[{index}]": "subjects",
                   f"steps[{index}].winner": "winner_metric", f"steps[{index}].winner.metric": "winner_metric",
                   f"steps[{index}].winner.test_share": "winner_share", f"steps[{index}].winner.after": "winner_after"})
    problems = {name: view.test_problem(name, text) for name, text in _problems(error, places).items()}
    return page("campaigns/steps.html", current_principal(), section="campaigns", title=f"Steps: {campaign['name']}",
                campaign=campaign, templates=templates, template_names={t["id"]: t["name"] for t in templates},
                pending=pending, problems=problems, error=error, editing=editing, test_values=view.test_values,
                letters=view.SUBJECT_LETTERS, max_steps=MAX_STEPS,
                status=400 if error else 200, **_wizard("steps", campaign), **_words())


# ---------------------------------------------------------------- 3. settings

@routes.route("/dashboard/campaigns/{campaign_id}/settings", methods=["GET"])
@api.page
def campaign_settings(campaign_id):
    campaign = _draft(campaign_id)
    if isinstance(campaign, Response):
        return campaign
    category = campaign.get("category") or _first_template_category(campaign)
    values = {"category": category, "enrollment": campaign["enrollment"], "exit_on": campaign["exit_on"],
              **view.sender_values(campaign.get("sender")), **view.window_values(campaign.get("send_window"))}
    return _settings_page(campaign, values)


@routes.route("/dashboard/campaigns/{campaign_id}/settings", methods=["POST"], content_types=ALL_TYPES)
@api.page
def campaign_settings_save(campaign_id):
    from ..web.workspace import redirect

    campaign = wiring.campaigns().get(campaign_id)
    form = _form()
    values = {"category": form_text(form, "category"), "enrollment": form_text(form, "enrollment"),
              "exit_on": _choices(form, "exit_on"),
              **{name: form_text(form, name) for name in ("sender", "sender_user_id", "sender_name", "sender_email",
                                                          "window", "window_start", "window_end", "window_whose",
                                                          "window_timezone", "window_fallback")},
              "window_days": _choices(form, "window_days")}
    try:
        wiring.campaigns().patch(campaign_id, _settings_body(values))
    except ValidationError as error:
        return _settings_page(campaign, values, error)
    return redirect(f"/dashboard/campaigns/{campaign_id}/review")


def _settings_body(values: dict) -> dict:
    """The change the settings form stands for. A sender the form cannot read (no team member chosen) is said with
    the service's problems with the rest of the form, and nothing is stored."""
    problems = {}
    try:
        sender = view.sender_body(values, _members() if values["sender"] == "member" else {})
    except ValidationError as error:
        problems, sender = error.fields, None
    body = {"category": values["category"], "enrollment": values["enrollment"], "exit_on": values["exit_on"],
            "sender": sender, "send_window": view.window_body(values)}
    if problems:
        try:
            validate_campaign_patch(body)
        except ValidationError as error:
            problems = {**error.fields, **problems}
        raise ValidationError("invalid campaign: " + ", ".join(sorted(problems)), problems)
    return body


def _members() -> dict[str, str]:
    """The team members a campaign may send as (not disabled): id -> "Name <address>"."""
    return {user["id"]: view.from_line(user.get("name") or user["email"], user["email"])
            for user in wiring.users().list() if user.get("status") != "disabled"}


def _first_template_category(campaign: dict) -> str:
    """A new draft's category: its first email's (the category people opt out of)."""
    for step in campaign["steps"][:1]:
        try:
            return wiring.templates().get(step["template_id"]).get("category") or ""
        except CrmError:
            return ""
    return ""


SETTINGS_PLACES = {"sender.user_id": "sender_user_id", "sender.name": "sender_name", "sender.email": "sender_email",
                   "send_window.start": "window_start", "send_window.end": "window_end",
                   "send_window.days": "window_days", "send_window.timezone": "window_timezone",
                   "send_window.fallback_timezone": "window_fallback"}


def _settings_page(campaign: dict, values: dict, error: CrmError | None = None) -> Response:
    from ..web.workspace import page

    settings = wiring.get_settings()
    problems = _problems(error, SETTINGS_PLACES)
    for name in ("window_timezone", "window_fallback"):  # the service names zones and days as the API takes them
        if name in problems:
            problems[name] = "choose a time zone from the list"
    if "window_days" in problems and not values.get("window_days"):
        problems["window_days"] = "tick at least one day"
    return page("campaigns/settings.html", current_principal(), section="campaigns",
                title=f"Settings: {campaign['name']}", campaign=campaign, values=values, problems=problems,
                error=error, exits=EXITS, members=_members(), zones=time_zones(), days=view.DAY_LABELS,
                company_from=view.from_line(settings.company_name, settings.from_email),
                status=400 if error else 200, **_wizard("settings", campaign), **_words())


# ---------------------------------------------------------------- 4. review and schedule

@routes.route("/dashboard/campaigns/{campaign_id}/review", methods=["GET"])
@api.page
def campaign_review(campaign_id):
    campaign = _draft(campaign_id)
    if isinstance(campaign, Response):
        return campaign
    # a draft planned on a day (the calendar's "Plan a campaign") shows its send time, in UTC
    planned = (campaign.get("send_at") or "")[:16]
    return _review_page(campaign, {"send_at": planned, "timezone": "UTC"})


@routes.route("/dashboard/campaigns/{campaign_id}/review/figures", methods=["GET"])
@api.page
def campaign_review_figures(campaign_id):
    """The review's figures as counted so far (each request counts a bounded piece more): polled until complete."""
    from ..web.workspace import fragment

    campaign = wiring.campaigns().get(campaign_id)
    return fragment("campaigns/_figures.html", campaign=campaign, figures=wiring.campaigns().review(campaign_id),
                    **_words())


@routes.route("/dashboard/campaigns/{campaign_id}/schedule", methods=["POST"], content_types=ALL_TYPES)
@api.page
def campaign_schedule(campaign_id):
    from ..web.workspace import redirect

    service = wiring.campaigns()
    campaign = service.get(campaign_id)
    form = _form()
    values = {"send_at": form_text(form, "send_at"), "timezone": form_text(form, "timezone") or "UTC"}
    try:  # no time: now
        at = send_time(values["send_at"], values["timezone"], utcnow()) if values["send_at"].strip() else None
        service.schedule(campaign_id, at)
    except ValidationError as error:
        return _review_page(campaign, values, error)
    except Conflict as conflict:  # SES does not send as its sender (yet): the review says what to do, 409
        if conflict.code not in SENDER_PROBLEMS:
            raise
        return _review_page(service.get(campaign_id), values, conflict)
    return redirect(f"/dashboard/campaigns/{campaign_id}")


def _review_page(campaign: dict, values: dict, error: CrmError | None = None) -> Response:
    from ..web.workspace import page

    figures, incomplete = None, None
    try:  # a short first piece: the page answers soon, and its figures poll for the rest
        figures = wiring.campaigns().review(campaign["id"], FIRST_COUNT_SECONDS)
    except CrmError as problem:  # a draft still lacking a part: the review says which
        incomplete = problem.fields or {"campaign": problem.message}
    problems = _problems(error, {})
    return page("campaigns/review.html", current_principal(), section="campaigns", title=f"Review: {campaign['name']}",
                campaign=campaign, figures=figures, incomplete=incomplete, values=values, problems=problems,
                error=error, zones=time_zones(), pools=_pool_names(), templates=_template_names(),
                sender=_sender_line(campaign), status=error.status if error else 200, **_wizard("review", campaign),
                **_words())


def _sender_line(campaign: dict) -> dict:
    """Who the emails come from, as the candidate's mail program shows it ({"line"}), or why nobody can be
    ({"problem"}: a team member removed since)."""
    settings = wiring.get_settings()
    try:
        sender = wiring.senders().resolve(campaign.get("sender"))
    except Conflict as conflict:
        return {"line": None, "problem": conflict.fields.get("sender") or conflict.message}
    return {"line": view.from_line(sender.display(settings.company_name), sender.email), "problem": None}


# ---------------------------------------------------------------- a campaign's page

@routes.route("/dashboard/campaigns/{campaign_id}", methods=["GET"])
@api.page
def campaign_page(campaign_id):
    from ..web.workspace import page

    service = wiring.campaigns()
    stored = service.get(campaign_id)
    campaign = service.view(stored)
    data = wiring.analytics().campaign(campaign_id)
    replies, more = wiring.reply_list().page(campaign_id, LATEST_REPLIES, None)
    return page("campaigns/campaign.html", current_principal(), section="campaigns", title=campaign["name"],
                campaign=campaign, data=data, pools=_pool_names(), templates=_template_names(),
                actions=_allowed(campaign["status"]), live=_live(campaign), phase=_phase(stored),
                sender=_sender_line(stored), window=stored.get("send_window"), replies=replies,
                more_replies=bool(more), **_words())


# ---------------------------------------------------------------- a campaign's replies

@routes.route("/dashboard/campaigns/{campaign_id}/replies", methods=["GET"])
@api.page
def campaign_replies_page(campaign_id):
    """Every reply to the campaign, newest first, a page at a time."""
    from ..web.workspace import page

    campaign = wiring.campaigns().get(campaign_id)
    cursor = _query("cursor")
    replies, next_cursor = wiring.reply_list().page(campaign_id, REPLIES_PAGE, cursor)
    return page("campaigns/replies.html", current_principal(), section="campaigns",
                title=f"Replies: {campaign['name']}", campaign=campaign, replies=replies, next_cursor=next_cursor,
                paged=bool(cursor), **_words())


@routes.route("/dashboard/campaigns/{campaign_id}/status", methods=["GET"])
@api.page
def campaign_status(campaign_id):
    """Polled while a campaign is scheduled or sending: its status and progress; once it is neither, the page
    loads again (HX-Refresh) with its final figures."""
    from ..web.workspace import fragment

    service = wiring.campaigns()
    stored = service.get(campaign_id)
    campaign = service.view(stored)
    live = _live(campaign)
    return fragment("campaigns/_status.html", campaign=campaign, live=live, phase=_phase(stored),
                    headers=None if live else {"HX-Refresh": "true"}, **_words())


@routes.route("/dashboard/campaigns/{campaign_id}/pause", methods=["POST"], content_types=ALL_TYPES)
@api.page
def campaign_pause(campaign_id):
    return _act(campaign_id, CampaignAction.PAUSE)


@routes.route("/dashboard/campaigns/{campaign_id}/resume", methods=["POST"], content_types=ALL_TYPES)
@api.page
def campaign_resume(campaign_id):
    return _act(campaign_id, CampaignAction.RESUME)


@routes.route("/dashboard/campaigns/{campaign_id}/cancel", methods=["POST"], content_types=ALL_TYPES)
@api.page
def campaign_cancel(campaign_id):
    return _act(campaign_id, CampaignAction.CANCEL)


def _act(campaign_id: str, action: CampaignAction) -> Response:
    from ..web.workspace import redirect

    wiring.campaigns().act(campaign_id, action)  # a state that does not allow it: the 409 page says so
    return redirect(f"/dashboard/campaigns/{campaign_id}")


def _allowed(status: str) -> list[CampaignAction]:
    return [action for action in ACTIONS if action in TRANSITIONS.get(status, set())]


def _phase(campaign: dict) -> str:
    """Where the campaign is, in words, as truthful as its status: "sending" only while messages are out."""
    status, fanout = campaign["status"], campaign.get("fanout") or {}
    if status == CampaignStatus.DRAFT:
        return "Not scheduled yet."
    if status == CampaignStatus.SCHEDULED:
        start = campaign.get("send_at")
        return f"Starts at {_when(start)}." if start and start > iso() else "Starts within a minute."
    if status == CampaignStatus.SENDING:
        if not fanout.get("done"):
            return "Reading its audience and sending."
        if campaign.get("enrollment") == EnrollmentMode.CONTINUOUS:
            return "Sent to its audience; people who join its pools get it too, until it is cancelled."
        if campaign.get("processed", 0) < campaign.get("enqueued", 0):
            return "Sending."
        return "Every first email is out; the later steps go as they fall due."
    if status == CampaignStatus.SENT:
        return f"Finished {_when(campaign.get('finished_at'))}: every step is done."
    if status == CampaignStatus.PAUSED:  # why, in words: the autopilot's measure, or a person
        why = wiring.deliverability().why(campaign)
        return f"{why}. Nothing goes until it is resumed." if why else "Nothing goes until it is resumed."
    return f"Cancelled {_when(campaign.get('finished_at'))}." if campaign.get("finished_at") else "Cancelled."


def _when(moment: str | None) -> str:
    return f"{moment[:16].replace('T', ' ')} UTC" if moment else "some time ago"


def _live(campaign: dict) -> bool:
    """Whether the campaign's page follows it as it goes: while it is scheduled or sending."""
    return campaign["status"] in (CampaignStatus.SCHEDULED, CampaignStatus.SENDING)


# ---------------------------------------------------------------- helpers

def _draft(campaign_id: str) -> dict | Response:
    """The draft a wizard page edits; a campaign that is no longer a draft goes to its own page."""
    from ..web.workspace import redirect

    campaign = wiring.campaigns().get(campaign_id)
    if campaign["status"] != CampaignStatus.DRAFT:
        return redirect(f"/dashboard/campaigns/{campaign_id}")
    return campaign


def _wizard(current: str, campaign: dict | None) -> dict:
    """The wizard's numbered parts (the current one marked; the later ones reachable once the draft exists)."""
    return {"wizard": [{"key": key, "label": label, "number": n + 1, "current": key == current,
                        "href": f"/dashboard/campaigns/{campaign['id']}/{key}" if campaign else None}
                       for n, (key, label) in enumerate(WIZARD)]}


def _words() -> dict:
    return {"categories": CATEGORIES, "conditions": CONDITIONS, "enrollments": ENROLLMENTS,
            "exit_labels": EXIT_LABELS, "reasons": REASONS, "status_words": STATUS_WORDS, "waiting": view.WAITING,
            "delay_words": delay_words, "window_words": view.window_words, "test_words": view.test_words,
            "metrics": view.METRICS, "number": _number, "percent": _percent, "when": _when, "excerpt": _excerpt}


def _problems(error: CrmError | None, places: dict[str, str]) -> dict[str, str]:
    """The service's problems by the form's field names (`places`: the service's name -> the form's)."""
    fields: dict[str, str] = dict(error.fields) if error is not None else {}
    return {places.get(name, name): text for name, text in fields.items()}


def _pool_names() -> dict[str, str]:
    pools, _ = wiring.pools().list(OPTIONS_LIMIT, None)
    return {p["id"]: p["name"] for p in pools}


def _templates() -> list[dict]:
    templates, _ = wiring.templates().list(OPTIONS_LIMIT, None)
    return sorted(templates, key=lambda t: (t.get("name") or "").lower())


def _template_names() -> dict[str, str]:
    return {t["id"]: t["name"] for t in _templates()}


def _form() -> dict:
    return read_form_or_json(routes.current_request, FORM_LIMIT)


def _query(name: str) -> str | None:
    params = routes.current_request.query_params
    return (params.get(name) if params else None) or None


def _choices(form: dict, name: str) -> list[str]:
    """A group of checkboxes: none, one (text) or several (a list of text)."""
    value = form.get(name, [])
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValidationError.field(name, "a list of choices")
    return values


def _ids(form: dict, name: str) -> list[str]:
    return list(dict.fromkeys(v for v in _choices(form, name) if v))


def _number(value) -> str:
    return f"{int(value or 0):,}"


def _percent(rate) -> str:
    return "n/a" if rate is None else f"{rate * 100:.1f}%"


def _excerpt(text: str, lines: int = 3, chars: int = 280) -> str:
    """The first lines of a reply, as a list shows it."""
    every = [line.rstrip() for line in (text or "").strip().splitlines()]
    kept = "\n".join(every[:lines])
    return kept[:chars].rstrip() + "…" if len(every) > lines or len(kept) > chars else kept
