"""A person's profile as the workspace shows it: statuses, consent and preferences in words, dates as people
read them, and the edit form (its fields, the values it shows, the body it sends to the candidates service).

Pure: the pages in chalicelib/api/ws_profile.py read the services and hand their answers here.
"""
from __future__ import annotations

from numbers import Number

from ..domain.candidates import RECRUITER_STATUSES, SENIORITIES
from ..domain.skills import split_list
from ..domain.vocabulary import CandidateStatus, Stage
from ..services.timeline_view import CHANNEL_LABELS, STAGE_LABELS, STATUS_LABELS, Names, day, describe, humanize
from .preferences import LABELS as CATEGORY_LABELS

LIST_FIELDS = ("skills", "roles", "tags")


def field(name: str, label: str, help: str = "", options: tuple[tuple[str, str], ...] = (), choices: str = "") -> dict:
    """A form field; `choices`: the id of a datalist of suggestions (typed values are checked by the service)."""
    return {"name": name, "label": label, "help": help, "options": options, "choices": choices}


# The edit form, in its order. A select's first option is "no value" (it clears the field), except the
# marketing status's, which keeps the status as it is: only the person opts in, so a form never sends it back.
EDIT_FIELDS = (
    field("first_name", "First name"), field("last_name", "Last name"),
    field("phone", "Phone", "With + and the country code, or as dialled in their country"),
    field("city", "City"), field("country", "Country", "Two letters, such as GB or US"),
    field("timezone", "Time zone", "Such as Europe/Berlin: a campaign's send window reads their time in it. Empty: "
                                   "the zone of their city and country, if it has one", choices="zones"),
    field("remote_ok", "Open to remote work", options=(("", "Not said"), ("true", "Yes"), ("false", "No"))),
    field("seniority", "Seniority", options=(("", "Not said"),) + tuple((s, humanize(s)) for s in SENIORITIES)),
    field("stage", "Stage", options=(("", "None"),) + tuple((str(s), STAGE_LABELS[s]) for s in Stage)),
    field("skills", "Skills", "Separated by commas"), field("roles", "Roles", "Separated by commas"),
    field("tags", "Tags", "Separated by commas"),
    field("linkedin_url", "LinkedIn URL"), field("portfolio_url", "Portfolio URL"),
)
EDIT_NAMES = tuple(f["name"] for f in EDIT_FIELDS)
CHANNELS = tuple((channel, label) for channel, label in CHANNEL_LABELS.items())


def status_field(current: object) -> dict:
    keep = f"Keep as it is ({STATUS_LABELS.get(str(current), humanize(current))})"
    return field("status", "Marketing status", "Only the person can subscribe themselves",
                 options=(("", keep),) + tuple((str(s), STATUS_LABELS[s]) for s in RECRUITER_STATUSES))


def form_values(candidate: dict) -> dict[str, str]:
    """What the edit form shows: the stored values as text."""
    values = {name: _as_text(candidate.get(name)) for name in EDIT_NAMES}
    values.update(status="", version=str(candidate.get("version") or ""))
    return values


def typed_values(form: dict) -> dict[str, str]:
    """What the edit form shows again after a problem: what was typed (a repeated field: its first value)."""
    return {name: _first(form.get(name)) for name in (*EDIT_NAMES, "status", "version")}


def patch_body(form: dict) -> dict:
    """The PATCH the form stands for: every field it sent (empty clears), the status only when one was chosen."""
    body = {name: form[name] for name in EDIT_NAMES if name in form}
    if form.get("status"):
        body["status"] = form["status"]
    return body


def tag_change(form: dict) -> tuple[list[str], list[str]] | None:
    """(tags to add, tags to remove) the form asks for: "add" (comma-separated text) or "remove" (one tag);
    None: nothing asked."""
    if "remove" in form:
        return [], [tag for tag in _values(form["remove"]) if isinstance(tag, str)]
    added = [tag for value in _values(form.get("add")) for tag in split_list(value)]
    return (added, []) if added else None


def touchpoint_body(form: dict) -> dict:
    """The touchpoint the form stands for: empty summary and time are none (the time is then now). A form sends
    a textarea's line breaks as CRLF; stored as the API's users send them, LF."""
    summary = form.get("summary")
    if isinstance(summary, str):
        summary = summary.replace("\r\n", "\n")
    return {"channel": form.get("channel") or None, "summary": summary or None, "at": form.get("at") or None}


def typed_touchpoint(form: dict) -> dict[str, str]:
    return {name: _first(form.get(name)) for name in ("channel", "summary", "at")}


def _values(value: object) -> list[str]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return [value] if isinstance(value, str) else []


def _first(value: object) -> str:
    values = _values(value)
    return values[0] if values else ""


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


# ---------------------------------------------------------------- words

def timeline_entry(entry: dict, names: Names) -> dict:
    """A timeline entry in words (services/timeline_view.py), a reply as what the person wrote: "Replied to the
    campaign “X”:" and their text; an automatic reply as an out of office."""
    described = describe(entry, names)
    data = entry["data"] if isinstance(entry.get("data"), dict) else {}
    where = f"{names.campaign(data.get('campaign_id'))}{_step_note(data.get('step'))}"
    if described["kind"] == "email_replied":
        return {**described, "title": "Replied", "text": f"Replied to {where}:",
                "note": str(data.get("text") or "").strip() or "(no text)", "tone": "good"}
    if described["kind"] == "auto_replied":
        subject = f" (“{data['subject']}”)" if data.get("subject") else ""
        return {**described, "title": "Automatic reply (out of office)",
                "text": f"An automatic reply to {where}{subject}: not a reply, the campaign goes on", "tone": "info"}
    return described


def _step_note(step: object) -> str:
    """Step 2 and on, counted from 1 (stored from 0: an int, or a Decimal as DynamoDB gives it back)."""
    number = int(step) if isinstance(step, Number) and not isinstance(step, bool) else 0  # type: ignore[call-overload]
    return f", step {number + 1}" if number > 0 else ""


def display_name(candidate: dict) -> str:
    name = " ".join(str(candidate[k]) for k in ("first_name", "last_name") if candidate.get(k))
    return name or str(candidate.get("email") or "Unnamed person")


def present(candidate: dict) -> dict:
    """The profile's values as the page says them."""
    status = str(candidate.get("status") or "")
    return {
        "id": candidate["id"], "email": candidate.get("email"), "name": display_name(candidate),
        "status": status, "status_label": STATUS_LABELS.get(status, humanize(status)),
        "stage": candidate.get("stage"),
        "stage_label": STAGE_LABELS.get(str(candidate.get("stage")), humanize(candidate.get("stage"))),
        "place": ", ".join(str(candidate[k]) for k in ("city", "country") if candidate.get(k)),
        "timezone": str(candidate.get("timezone") or "").replace("_", " "),
        "remote": {True: "Yes", False: "No"}.get(candidate.get("remote_ok"), "Not said"),  # type: ignore[arg-type]
        "phone": candidate.get("phone"), "seniority": humanize(candidate.get("seniority")),
        "skills": candidate.get("skills") or [], "roles": candidate.get("roles") or [],
        "tags": candidate.get("tags") or [], "source": humanize(candidate.get("source")),
        "linkedin_url": candidate.get("linkedin_url"), "portfolio_url": candidate.get("portfolio_url"),
        "consent": consent_words(candidate), "sms": sms_words(candidate.get("sms_consent")),
        "preferences": preference_words(candidate), "engagement": engagement_words(candidate),
        "last_contacted": day(candidate.get("last_contacted_at")) or "Never",
        "created": day(candidate.get("created_at")), "updated": day(candidate.get("updated_at")),
    }


def consent_words(candidate: dict) -> str:
    consent = candidate.get("consent") or {}
    if consent.get("marketing"):
        where = " on the careers page" if consent.get("source") == "careers_page" else ""
        wording = f" (consent wording {consent['consent_version']})" if consent.get("consent_version") else ""
        confirmed = f", confirmed on {day(consent['confirmed_at'])}" if consent.get("confirmed_at") else ""
        return f"Agreed to marketing email{where} on {day(consent.get('given_at')) or 'a day not recorded'}" \
               f"{confirmed}{wording}"
    if candidate.get("status") == CandidateStatus.PENDING:
        return "Signed up; has not confirmed the email yet"
    return "No consent to marketing email recorded"


def sms_words(sms_consent: object) -> str:
    return {True: "Agreed to text messages", False: "Said no to text messages"}.get(
        sms_consent, "Not asked about text messages")  # type: ignore[call-overload]


def preference_words(candidate: dict) -> str:
    preferences = candidate.get("preferences") or {}
    since = f" since {day(preferences['updated_at'])}" if preferences.get("updated_at") else ""
    if preferences.get("unsubscribed_all") or candidate.get("status") == CandidateStatus.UNSUBSCRIBED:
        return f"Unsubscribed from all email{since}"
    off = [CATEGORY_LABELS.get(c, humanize(c)) for c in preferences.get("unsubscribed_categories") or []]
    if off:
        return f"Every kind of email except {', '.join(off)}{since}"
    return "Every kind of email (no preferences set)"


def engagement_words(candidate: dict) -> dict:
    score = candidate.get("engagement_score")
    last = day(candidate.get("last_engaged_at"))
    return {"score": "0" if not score else f"{float(score):.1f}",
            "note": f"last opened, clicked or talked on {last}" if last else "no opens, clicks or conversations yet"}

