"""The typed vocabulary's last words (issue #12, item 4): SMS skip reasons, template categories, goal metrics and
statuses, job and pool statuses and the kinds of hiring outcomes are enums, named once, stored and answered as
their text, and no longer spelled as literals where the code compares, stores or lists them."""
import ast
import typing
from datetime import datetime, timezone
from pathlib import Path

import pytest

from chalicelib.domain import quiet_hours, vocabulary
from chalicelib.domain.analytics import GOAL_METRICS, goal_progress, validate_goal
from chalicelib.domain.campaigns import Decision, decide
from chalicelib.domain.templates import CATEGORIES, validate_template
from chalicelib.domain.vocabulary import (Category, DecisionReason, GoalMetric, GoalStatus, JobStatus, OutcomeKind,
                                          PoolStatus)

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)


def test_no_todo_vocabulary_is_left():
    left = [str(p.relative_to(ROOT)) for p in (ROOT / "chalicelib").rglob("*.py")
            if "TODO vocabulary" in p.read_text(encoding="utf-8")]
    assert left == []


def test_a_decision_gives_a_reason_of_the_vocabulary():
    assert typing.get_type_hints(Decision)["reason"] == DecisionReason | None
    assert set(quiet_hours.SKIP_REASONS) == {DecisionReason.NO_SMS_CONSENT, DecisionReason.NOT_SUBSCRIBED,
                                              DecisionReason.NO_PHONE}
    campaign = {"exit_on": [], "category": Category.JOB_ALERT, "channel": "sms", "steps": [{"template_id": "t"}]}
    person = {"id": "cand_1", "status": "subscribed", "consent": {"marketing": True}, "sms_consent": False}
    decision = decide(candidate=person, campaign=campaign, step_index=0, now=NOW, cap=3)
    assert decision == Decision(vocabulary.DecisionAction.SKIP, DecisionReason.NO_SMS_CONSENT)
    assert type(decision.reason) is DecisionReason
    no_phone = decide(candidate=dict(person, sms_consent=True), campaign=campaign, step_index=0, now=NOW, cap=3)
    assert no_phone.reason is DecisionReason.NO_PHONE


def test_the_values_are_the_texts_the_contract_and_the_stored_data_use():
    assert [c.value for c in Category] == ["company_news", "industry_insights", "career_advice", "job_alert",
                                           "event_invite"]
    assert CATEGORIES == tuple(Category)
    assert [s.value for s in PoolStatus] == ["ready", "rebuilding", "error"]
    assert [s.value for s in JobStatus] == ["open", "filled"]
    assert set(GOAL_METRICS) == set(GoalMetric) and [s.value for s in GoalStatus] == [
        "no_data", "achieved", "on_track", "behind"]
    assert {k.value for k in OutcomeKind} == {"application", "offer_created", "offer_accepted", "offer_declined",
                                              "hire", "job_opened", "job_filled"}


def test_bodies_read_categories_and_metrics_into_the_vocabulary():
    template = validate_template({"name": "News", "category": "company_news", "subject": "Hi", "html": "<p>Hi</p>"})
    assert template["category"] is Category.COMPANY_NEWS
    goal = validate_goal({"metric": "hires_from_pools", "target": 3, "period": {"to": "2026-12-31T00:00:00Z"}}, NOW)
    assert goal["metric"] is GoalMetric.HIRES_FROM_POOLS and type(goal["name"]) is str


@pytest.mark.parametrize("value, target, status", [(None, 3, GoalStatus.NO_DATA), (4.0, 3, GoalStatus.ON_TRACK),
                                                   (1.0, 3, GoalStatus.BEHIND)])
def test_goal_progress_speaks_the_vocabulary(value, target, status):
    goal = {"period": {"from": "2026-01-01T00:00:00Z", "to": "2026-12-31T00:00:00Z"}, "target": target}
    assert goal_progress(goal, value, NOW)["status"] is status


# ---------------------------------------------------------------- no literal left where these are used

SITES = {
    Category: ["domain/templates.py", "domain/campaigns.py", "services/templates.py", "services/campaigns.py",
               "services/tracking.py"],
    GoalMetric: ["domain/analytics.py", "services/analytics.py"],
    GoalStatus: ["domain/analytics.py", "services/analytics.py"],
    JobStatus: ["services/jobs.py", "services/ats.py", "store/jobs.py", "domain/jobs.py"],
    PoolStatus: ["domain/pools.py", "services/pools.py", "store/pools.py"],
    OutcomeKind: ["services/ats.py", "services/analytics.py", "store/outcomes.py"],
    DecisionReason: ["domain/quiet_hours.py", "domain/campaigns.py"],
}


def literals(source: str, values: set[str]) -> list[tuple[int, str]]:
    """(line, text) of each value spelled as a literal where it is compared, given (a dict's value, an argument,
    a keyword), or listed. Not read: a dict's key (a log's "error": ..., a counter's name), a returned text (what
    a webhook answers: "job_filled") and a `builtin=` name (the built-in template "job_alert")."""
    tree = ast.parse(source)
    other = [k for node in ast.walk(tree) if isinstance(node, ast.Dict) for k in node.keys if k is not None]
    other += [node.value for node in ast.walk(tree) if isinstance(node, ast.Return) and node.value is not None]
    other += [node.value for node in ast.walk(tree) if isinstance(node, ast.keyword) and node.arg == "builtin"]
    skipped = {id(node) for node in other}
    return sorted((node.lineno, node.value) for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in values
                  and id(node) not in skipped)


def test_the_scan_finds_what_it_looks_for():
    source = ('if pool["status"] == "error": pass\nlog({"error": problem})\nkind = ("hire", "application")\n'
              'job = dict(job, status="open")\nmake(builtin="open")\nreturn "open"\n')
    assert literals(source, {"error", "hire", "application", "open"}) == [
        (1, "error"), (3, "application"), (3, "hire"), (4, "open")]


@pytest.mark.parametrize("enum", SITES, ids=lambda enum: enum.__name__)
def test_no_value_of_the_new_enums_is_a_literal_where_it_is_used(enum):
    values = {member.value for member in enum}
    found = {path: literals((ROOT / "chalicelib" / path).read_text(encoding="utf-8"), values)
             for path in SITES[enum]}
    assert {path: lines for path, lines in found.items() if lines} == {}
