"""Campaigns: what a campaign may say, who may get which step, and when the next step is due.

Everything here is pure: the services feed it people, sends and the time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .clock import is_id, iso, parse_iso
from .durations import parse_duration
from .errors import ValidationError
from .templates import CATEGORIES
from .text import unsafe_reason

CHANNELS = ("email", "sms")
CONDITIONS = ("always", "not_opened", "not_clicked")
ENROLLMENTS = ("once", "continuous")
EXITS = ("unsubscribed", "bounced", "applied", "hired", "clicked")
STATUSES = ("draft", "scheduled", "sending", "sent", "paused", "cancelled")
MAX_STEPS = 10
CAP_WINDOW = timedelta(days=7)

# status -> the actions allowed from it
TRANSITIONS = {
    "draft": {"schedule", "cancel"},
    "scheduled": {"pause", "cancel"},
    "sending": {"pause", "cancel"},
    "paused": {"resume", "cancel"},
    "sent": set(),
    "cancelled": set(),
}


def validate_campaign(body: object) -> dict:
    """The contract's campaign body, normalized. Template and pool ids are checked by the service."""
    if not isinstance(body, dict):
        raise ValidationError("body must be a JSON object")
    allowed = {"name", "channel", "category", "audience", "steps", "send_at", "enrollment", "exit_on"}
    problems = {k: "unknown field" for k in sorted(set(body) - allowed)}
    name = body.get("name")
    if isinstance(name, str) and name.strip() and len(name) <= 200 and not unsafe_reason(name):
        name = " ".join(name.split())
    else:
        problems["name"] = "required text of at most 200 characters, without control characters"
    channel = body.get("channel", "email")
    if channel not in CHANNELS:
        problems["channel"] = "email or sms"
    category = body.get("category")
    if category not in CATEGORIES:
        problems["category"] = "one of " + ", ".join(CATEGORIES)

    audience = body.get("audience")
    pools: list[str] | None = []
    exclude: list[str] | None = []
    if not isinstance(audience, dict) or set(audience) - {"pools", "exclude_pools"}:
        problems["audience"] = "an object with pools and optionally exclude_pools"
    else:
        pools = _ids(audience.get("pools"), "pool")
        exclude = _ids(audience.get("exclude_pools") or [], "pool")
        if not pools:
            problems["audience.pools"] = "a non-empty list of pool ids"
        if exclude is None:
            problems["audience.exclude_pools"] = "a list of pool ids"

    steps = body.get("steps")
    normalized_steps = []
    if not isinstance(steps, list) or not 1 <= len(steps) <= MAX_STEPS:
        problems["steps"] = f"a list of 1 to {MAX_STEPS} steps"
    else:
        for index, step in enumerate(steps):
            where = f"steps[{index}]"
            if not isinstance(step, dict) or set(step) - {"template_id", "delay", "condition"}:
                problems[where] = "an object with template_id, delay and condition"
                continue
            template_id = step.get("template_id")
            if not is_id(template_id, "tmpl"):
                problems[f"{where}.template_id"] = "a template id"
            delay = step.get("delay", "P0D")
            try:
                parse_duration(delay)
            except ValueError as exc:
                problems[f"{where}.delay"] = str(exc)
            condition = step.get("condition", "always")
            if condition not in CONDITIONS:
                problems[f"{where}.condition"] = "one of " + ", ".join(CONDITIONS)
            elif index == 0 and condition != "always":
                problems[f"{where}.condition"] = "the first step has no previous step: use always"
            normalized_steps.append({"template_id": template_id, "delay": delay, "condition": condition})

    send_at = body.get("send_at")
    if send_at is not None:
        try:
            send_at = iso(parse_iso(send_at))  # years 1900..2200: the scheduler's arithmetic stays in range
        except ValueError:
            problems["send_at"] = "an ISO 8601 time such as 2026-12-01T09:00:00Z"
    enrollment = body.get("enrollment", "once")
    if enrollment not in ENROLLMENTS:
        problems["enrollment"] = "once or continuous"
    exit_on = body.get("exit_on", ["unsubscribed", "bounced", "applied", "hired"])
    if not isinstance(exit_on, list) or not all(e in EXITS for e in exit_on):
        problems["exit_on"] = "a list of: " + ", ".join(EXITS)
    if problems:
        raise ValidationError("invalid campaign: " + ", ".join(sorted(problems)), problems)
    return {
        "name": name, "channel": channel, "category": category,
        "audience": {"pools": pools, "exclude_pools": exclude},
        "steps": normalized_steps, "send_at": send_at, "enrollment": enrollment,
        "exit_on": list(dict.fromkeys(exit_on)),
    }


def _ids(value: object, prefix: str) -> list[str] | None:
    """The ids in their order, each once; None when `value` is not a list of `prefix` ids."""
    if not isinstance(value, list) or not all(is_id(v, prefix) for v in value):
        return None
    return list(dict.fromkeys(value))


def check_transition(status: str, action: str) -> None:
    if action not in TRANSITIONS.get(status, set()):
        from .errors import Conflict

        raise Conflict(f"a {status} campaign cannot {action}", {"status": status}, code="invalid_state")


# ---------------------------------------------------------------- who gets a step

@dataclass(frozen=True)
class Decision:
    action: str  # send, skip, defer, exit
    reason: str | None = None
    until: str | None = None  # defer: when the person may get it


def recent(times: list[str] | None, now: datetime, window: timedelta = CAP_WINDOW) -> list[str]:
    cutoff = iso(now - window)
    return sorted(t for t in (times or []) if t >= cutoff)


def decide(*, candidate: dict | None, campaign: dict, step_index: int, now: datetime, cap: int,
           previous_send: dict | None = None, clicked_campaign: bool = False, sequence: bool = False) -> Decision:
    """Whether this person gets this step now. The caller re-checks nothing: this is the rule.

    For SMS `cap` is the SMS cap; the person also needs SMS consent and a usable number, and is
    never texted in their local night (the step waits for their morning).
    """
    if candidate is None:
        return Decision("exit", "erased")
    exit_on = set(campaign["exit_on"])
    status = candidate.get("status")
    if status == "unsubscribed":
        return Decision("exit" if "unsubscribed" in exit_on else "skip", "unsubscribed")
    if status in ("bounced", "complained"):
        return Decision("exit" if "bounced" in exit_on or status == "complained" else "skip", status)
    stage = candidate.get("stage")
    if stage == "hired" and "hired" in exit_on:
        return Decision("exit", "hired")
    if stage in ("applied", "interviewing", "offer", "hired") and "applied" in exit_on:
        return Decision("exit", "applied")
    if clicked_campaign and "clicked" in exit_on:
        return Decision("exit", "clicked")
    if status != "subscribed":
        return Decision("skip", "not_subscribed")
    consent = candidate.get("consent") or {}
    if consent.get("marketing") is not True:
        return Decision("skip", "no_consent")
    preferences = candidate.get("preferences") or {}
    opted_out = preferences.get("unsubscribed_categories") or []
    if preferences.get("unsubscribed_all") or campaign["category"] in opted_out:
        return Decision("skip", "category_opt_out")

    step = campaign["steps"][step_index]
    condition = step.get("condition", "always")
    if condition == "not_opened" and previous_send and previous_send.get("opened_at"):
        return Decision("skip", "opened_previous_step")
    if condition == "not_clicked" and previous_send and previous_send.get("clicked_at"):
        return Decision("skip", "clicked_previous_step")

    sms = campaign.get("channel") == "sms"
    if sms:
        from .quiet_hours import DEFER, SKIP, sms_eligibility

        verdict, detail = sms_eligibility(candidate, now)  # detail: the reason to skip, the moment to defer to
        if verdict == SKIP and isinstance(detail, str):
            return Decision("skip", detail)
        if verdict == DEFER and isinstance(detail, datetime):
            return Decision("defer", "quiet_hours", iso(detail))
    sent = recent(candidate.get("sms_sends" if sms else "marketing_sends"), now)
    if len(sent) >= cap:
        if sequence:
            # the moment the oldest send in the window leaves it
            until = parse_iso(sent[len(sent) - cap]) + CAP_WINDOW
            return Decision("defer", "frequency_cap", iso(until))
        return Decision("skip", "frequency_cap")
    return Decision("send")


def next_step_due(campaign: dict, step_index: int, after: datetime) -> tuple[int, str] | None:
    """(next step index, when) after step `step_index` went out (or was skipped); None: finished."""
    following = step_index + 1
    if following >= len(campaign["steps"]):
        return None
    try:
        return following, iso(parse_duration(campaign["steps"][following]["delay"]).after(after))
    except ValueError:  # a delay stored before durations were bounded (over 100 years): that step never comes
        return None


def with_send(times: list[str] | None, now: datetime) -> list[str]:
    """The cap list after one more send now (older entries dropped)."""
    return recent(times, now) + [iso(now)]
