"""A campaign's outreach settings as the workspace shows and reads them: the sender, the send window and a step's
subject test, between the wizard's forms and the campaign's body (domain/campaigns.py), and in words.

Pure: the pages in chalicelib/api/ws_campaigns.py read the forms and the services and hand them here. What a value
may be is the service's to say; here a form's text becomes the body's shape (a percent a share, "4 hours" PT4H).
"""
from __future__ import annotations

from ..domain.campaigns import delay_words, read_delay
from ..domain.errors import ValidationError
from ..domain.send_window import CANDIDATE, DAYS, FALLBACK, WORKING_DAYS
from ..domain.subject_tests import MAX_VARIANTS
from ..domain.vocabulary import DecisionReason

DAY_LABELS = {"mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri", "sat": "Sat", "sun": "Sun"}
DAY_NAMES = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday",
             "sat": "Saturday", "sun": "Sunday"}
SUBJECT_LETTERS = "ABCD"[:MAX_VARIANTS]
METRICS = {"clicks": "Clicks", "replies": "Replies"}
DEFAULT_SHARE, DEFAULT_WAIT = "20", "4 hours"
SHARE_PROBLEM = "a share from 5% to 50% of the step's audience"
WAIT_PROBLEM = "a wait from 1 hour to 7 days, such as 4 hours or 2 days"
# Why a send waited (a campaign's deferrals), in words: each is sent later, never skipped.
WAITING = {DecisionReason.OUTSIDE_SEND_WINDOW: "Waiting for the send window",
           DecisionReason.AWAITING_SUBJECT_WINNER: "Waiting for the subject test's winner",
           DecisionReason.FREQUENCY_CAP: "Waiting for the frequency cap to allow another email",
           DecisionReason.QUIET_HOURS: "Waiting for the morning (no texts at night)",
           "unrecorded": "Waiting (reason not recorded)"}


# ---------------------------------------------------------------- the sender

def sender_values(sender: dict | None) -> dict[str, str]:
    """What the settings form shows for a campaign's `sender`."""
    sender = sender or {}
    kind = "member" if sender.get("user_id") else "other" if sender.get("email") else "company"
    return {"sender": kind, "sender_user_id": str(sender.get("user_id") or ""),
            "sender_name": str(sender.get("name") or ""), "sender_email": str(sender.get("email") or "")}


def sender_body(values: dict[str, str], members: dict[str, str]) -> dict | None:
    """The `sender` the form stands for (None: the company's address). `members`: the team members offered."""
    kind = values["sender"]
    if kind in ("", "company"):
        return None
    if kind == "member":
        if not values["sender_user_id"]:
            raise ValidationError.field("sender_user_id", "choose a team member")
        if values["sender_user_id"] not in members:
            raise ValidationError.field("sender_user_id", "choose a team member from the list")
        return {"user_id": values["sender_user_id"]}
    if kind == "other":
        name = values["sender_name"]
        return {"email": values["sender_email"], **({"name": name} if name.strip() else {})}
    raise ValidationError.field("sender", "the company, a team member or someone else")


def from_line(name: str, email: str) -> str:
    """The From header as the candidate's mail program shows it."""
    return f"{name} <{email}>"


# ---------------------------------------------------------------- the send window

def window_values(window: dict | None) -> dict:
    """What the settings form shows for a campaign's `send_window` (none: a working-day window, not ticked)."""
    window = window or {}
    zone = window.get("timezone") or CANDIDATE
    return {"window": "on" if window else "", "window_start": window.get("start") or "09:00",
            "window_end": window.get("end") or "17:00", "window_days": list(window.get("days") or WORKING_DAYS),
            "window_whose": "candidate" if zone == CANDIDATE else "fixed",
            "window_timezone": "" if zone == CANDIDATE else zone,
            "window_fallback": window.get("fallback_timezone") or ""}


def window_body(values: dict) -> dict | None:
    """The `send_window` the form stands for (None: unticked, send at any time)."""
    if values["window"] != "on":
        return None
    zone = CANDIDATE if values["window_whose"] != "fixed" else values["window_timezone"]
    return {"start": values["window_start"].strip(), "end": values["window_end"].strip(),
            "days": values["window_days"], "timezone": zone, "fallback_timezone": values["window_fallback"] or None}


def window_words(window: dict | None) -> str:
    """ "09:00 to 17:00, Monday to Friday, in each candidate's time (else UTC)" or "Any time"."""
    if not window:
        return "Any time: no send window"
    hours = f"{window['start']} to {window['end']}" + (" (past midnight)" if window["end"] < window["start"] else "")
    return f"{hours}, {days_words(window.get('days') or WORKING_DAYS)}, {zone_words(window)}"


def days_words(days: list[str] | tuple[str, ...]) -> str:
    chosen = [day for day in DAYS if day in days]
    if chosen == list(DAYS):
        return "every day"
    if len(chosen) > 2 and chosen == list(DAYS[DAYS.index(chosen[0]):DAYS.index(chosen[-1]) + 1]):
        return f"{DAY_NAMES[chosen[0]]} to {DAY_NAMES[chosen[-1]]}"  # a run: Monday to Friday
    return ", ".join(DAY_NAMES[day] for day in chosen)


def zone_words(window: dict) -> str:
    if window.get("timezone", CANDIDATE) != CANDIDATE:
        return f"{zone_name(window['timezone'])} time"
    fallback = zone_name(window.get("fallback_timezone") or FALLBACK)
    return f"in each candidate's time (their time zone, else their city's, else {fallback})"


def zone_name(zone: str) -> str:
    return zone.replace("_", " ")


# ---------------------------------------------------------------- a step's subject test

def test_values(step: dict | None = None) -> dict:
    """What a step's subject test form shows (a new step: empty, a winner rule's usual values)."""
    step = step or {}
    subjects = list(step.get("subjects") or [])
    winner = step.get("winner") or {}
    return {"subjects": subjects + [""] * (len(SUBJECT_LETTERS) - len(subjects)),
            "winner_metric": winner.get("metric") or "",
            "winner_share": f"{winner['test_share'] * 100:g}" if winner else DEFAULT_SHARE,
            "winner_after": delay_words(winner["after"]) if winner else DEFAULT_WAIT}


def typed_test(form_text) -> dict:
    """What a step's subject test form sent, as it shows again (`form_text(name)`: a field's text)."""
    return {"subjects": [form_text(f"subject_{letter.lower()}") for letter in SUBJECT_LETTERS],
            "winner_metric": form_text("winner_metric"), "winner_share": form_text("winner_share"),
            "winner_after": form_text("winner_after")}


def test_body(values: dict) -> dict:
    """The step's `subjects` and `winner` the form stands for (none given: neither). ValidationError names the
    form's fields for what is not a share or a wait; the rest is the service's to check."""
    subjects = [subject.strip() for subject in values["subjects"] if subject.strip()]
    body: dict = {"subjects": subjects} if subjects else {}
    if values["winner_metric"]:
        problems = {}
        share = _share(values["winner_share"])
        if share is None:
            problems["winner_share"] = SHARE_PROBLEM
        try:
            after = read_delay(values["winner_after"])
        except ValueError:
            problems["winner_after"] = WAIT_PROBLEM
        if problems:
            raise ValidationError("invalid winner rule", problems)
        body["winner"] = {"metric": values["winner_metric"], "test_share": share, "after": after}
    return body


def _share(text: str) -> float | None:
    """A percent as typed ("20", "20 %", "12.5") as a share (0.2); None: not a percent from 0 to 100."""
    try:
        percent = float(text.strip().removesuffix("%").strip())
    except ValueError:
        return None
    return round(percent / 100, 4) if 0 <= percent <= 100 else None


def test_problem(field: str, text: str) -> str:
    """A service's problem with a winner rule, in the form's units (percent, hours and days)."""
    if field == "winner_share":
        return SHARE_PROBLEM
    if field == "winner_after":
        return WAIT_PROBLEM
    return text


def test_words(step: dict) -> str | None:
    """A step's subject test in a line: "2 subjects; the winner by clicks after 4 hours (20% test first)"."""
    subjects = step.get("subjects") or []
    if not subjects:
        return None
    winner = step.get("winner")
    if not winner:
        return f"{len(subjects)} subjects, each to an equal share"
    return (f"{len(subjects)} subjects; {winner['test_share'] * 100:g}% get them first, the rest get the winner by "
            f"{METRICS.get(winner['metric'], winner['metric']).lower()} after {delay_words(winner['after'])}")
