"""The campaign side's request bodies as declared models (issue #12 item 4): each refuses what does not fit
with the contract's error body, naming the field, whatever the wrong value is (text for a number, a number
for text, null, a nested object, a huge list, an unknown field); an enum-typed field refuses any value outside
its enum; and no status, decision or outcome is spelled as a string literal in the campaign side's code."""
import ast
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import vocabulary
from chalicelib.domain.analytics import GOAL_METRICS, validate_cost, validate_goal
from chalicelib.domain.bodies import parse_body
from chalicelib.domain.campaigns import (EXITS, TRANSITIONS, CampaignBody, CampaignTestBody, check_transition,
                                         validate_campaign)
from chalicelib.domain.errors import Conflict, ValidationError
from chalicelib.domain.jobs import FIELDS, JobBody, validate_job
from chalicelib.domain.templates import CATEGORIES, PreviewBody, validate_template
from chalicelib.domain.vocabulary import CampaignAction, CampaignStatus, Channel, EnrollmentMode, StepCondition

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)
POOL, TEMPLATE = "pool_01j0000000000000000000000a", "tmpl_01j0000000000000000000000a"


def campaign(**changes):
    return {"name": "Digest", "channel": "email", "category": "career_advice", "audience": {"pools": [POOL]},
            "steps": [{"template_id": TEMPLATE, "delay": "P0D", "condition": "always"}], **changes}


def template(**changes):
    return {"name": "Digest", "category": "career_advice", "subject": "Hi {{ candidate.first_name }}",
            "html": "<p>Hello</p>", **changes}


def cost(**changes):
    return {"source": "agency", "amount": 10, "from": "2026-01-01", "to": "2026-02-01", **changes}


def goal(**changes):
    return {"metric": "hires_from_pools", "target": 3, "period": {"to": "2026-12-31T00:00:00Z"}, **changes}


# name -> (what reads the body, a body it takes)
BODIES = {
    "campaign": (validate_campaign, campaign),
    "template": (validate_template, template),
    "template_patch": (lambda b: validate_template(b, partial=True, current=template()), lambda **c: dict(c)),
    "job": (validate_job, lambda **c: {"title": "Data engineer", **c}),
    "cost": (lambda b: validate_cost(b, NOW), cost),
    "goal": (lambda b: validate_goal(b, NOW), goal),
    "test_send": (lambda b: parse_body(CampaignTestBody, b), lambda **c: {"email": "a@example.com", **c}),
    "preview": (lambda b: parse_body(PreviewBody, b), lambda **c: {"candidate_id": "cand_x", **c}),
}


def refused(kind: str, body: object) -> dict[str, str]:
    """The fields a body is refused for, checked to be the contract's 400 error body."""
    read, _ = BODIES[kind]
    with pytest.raises(ValidationError) as caught:
        read(body)
    error = caught.value
    answer = error.to_dict()
    assert error.status == 400 and set(answer) == {"error"}, answer
    assert answer["error"]["code"] == "validation_error" and answer["error"]["message"], answer
    assert json.loads(json.dumps(answer)) == answer  # plain JSON (no enum or exception objects in it)
    assert len(json.dumps(answer)) < 2000, answer  # what was sent is not echoed back at length
    return answer["error"].get("fields") or {}


def test_each_body_takes_its_valid_form():
    for kind, (read, valid) in BODIES.items():
        read(valid())


# (body kind, field changed, wrong value, the field the answer names)
WRONG_TYPES = [
    # text where a number goes
    ("cost", "amount", "10", "amount"), ("goal", "target", "3", "target"), ("test_send", "step", "1", "step"),
    # a number where text goes
    ("campaign", "name", 5, "name"), ("campaign", "category", 1, "category"), ("campaign", "send_at", 1.7e9, "send_at"),
    ("campaign", "steps", [{"template_id": 5}], "steps[0].template_id"),
    ("campaign", "steps", [{"template_id": TEMPLATE, "delay": 3}], "steps[0].delay"),
    ("template", "subject", 5, "subject"), ("template_patch", "html", 7, "html"),
    ("cost", "source", 5, "source"), ("cost", "currency", 840, "currency"), ("cost", "from", 20260101, "from"),
    ("goal", "metric", 1, "metric"), ("goal", "name", 7, "name"), ("goal", "period", {"to": 2027}, "period.to"),
    ("test_send", "email", 5, "email"), ("preview", "candidate_id", 5, "candidate_id"),
    ("job", "pools", [5], "pools"), ("job", "url", 5, "url"),
    # true/false where a number or text goes
    ("cost", "amount", True, "amount"), ("test_send", "step", True, "step"), ("campaign", "name", False, "name"),
    # null where a value is required
    ("campaign", "name", None, "name"), ("campaign", "audience", None, "audience"), ("campaign", "steps", None, "steps"),
    ("campaign", "channel", None, "channel"), ("campaign", "enrollment", None, "enrollment"),
    ("campaign", "exit_on", None, "exit_on"), ("template", "html", None, "html"), ("template_patch", "name", None, "name"),
    ("job", "title", None, "title"), ("cost", "amount", None, "amount"), ("cost", "currency", None, "currency"),
    ("goal", "target", None, "target"), ("goal", "period", None, "period"), ("test_send", "email", None, "email"),
    ("preview", "candidate_id", None, "candidate_id"), ("job", "pools", None, "pools"),
    # an object where a value goes
    ("campaign", "name", {"text": "x"}, "name"), ("campaign", "channel", {"email": True}, "channel"),
    ("campaign", "exit_on", {"hired": True}, "exit_on"), ("campaign", "audience", {"pools": {"id": POOL}},
                                                             "audience.pools"),
    ("campaign", "steps", [{"template_id": {"id": TEMPLATE}}], "steps[0].template_id"),
    ("template", "category", {"name": "career_advice"}, "category"), ("job", "title", {"t": 1}, "title"),
    ("cost", "amount", {"value": 1}, "amount"), ("goal", "filters", {"department": {"x": 1}}, "filters.department"),
    ("test_send", "step", {"n": 0}, "step"), ("preview", "job_id", {"id": "job_x"}, "job_id"),
    # a list where one value goes
    ("campaign", "name", ["x"], "name"), ("campaign", "steps", [[TEMPLATE]], "steps[0]"),
    ("cost", "source", ["agency"], "source"), ("goal", "period", ["2026-12-31"], "period"),
    # huge lists: one problem for the list, never one per item
    ("campaign", "steps", [{"template_id": TEMPLATE}] * 10_000, "steps"),
    ("campaign", "exit_on", ["forever"] * 100_000, "exit_on"),
    ("campaign", "audience", {"pools": ["not a pool"] * 100_000}, "audience.pools"),
    ("campaign", "audience", {"pools": [POOL], "exclude_pools": [5] * 100_000}, "audience.exclude_pools"),
    ("job", "skills", [f"skill {i}" for i in range(10_000)], "skills"), ("job", "pools", [None] * 100_000, "pools"),
    # wrong values of the right type: out of bounds, empty, too long
    ("cost", "amount", -1, "amount"), ("cost", "amount", 1e13, "amount"), ("goal", "target", 10**13, "target"),
    ("test_send", "step", -1, "step"), ("test_send", "step", 10, "step"), ("campaign", "steps", [], "steps"),
    ("campaign", "name", "x" * 201, "name"), ("campaign", "name", "   ", "name"), ("campaign", "name", "a\x00b", "name"),
    ("campaign", "send_at", "3000-01-01T00:00:00Z", "send_at"), ("cost", "from", "1800-01-01", "from"),
    ("template", "name", "x" * 101, "name"), ("template", "html", "x" * 200_001, "html"),
    ("preview", "candidate_id", "", "candidate_id"), ("preview", "candidate_id", "c" * 101, "candidate_id"),
    ("campaign", "steps", [{"template_id": TEMPLATE, "delay": "P999Y"}], "steps[0].delay"),
    # an empty list, false or zero is the caller's mistake, not "not given"
    ("campaign", "audience", {"pools": [POOL], "exclude_pools": ""}, "audience.exclude_pools"),
    ("campaign", "audience", {"pools": []}, "audience.pools"), ("goal", "filters", 0, "filters"),
    ("cost", "currency", "", "currency"),
]


@pytest.mark.parametrize("kind, field, value, named", WRONG_TYPES)
def test_a_value_of_the_wrong_kind_is_refused_naming_its_field(kind, field, value, named):
    fields = refused(kind, BODIES[kind][1](**{field: value}))
    assert named in fields, fields
    assert len(fields) <= 2, fields


UNKNOWN = [("campaign", {}, "color"), ("template", {}, "color"), ("template_patch", {}, "color"), ("job", {}, "salary"),
           ("campaign", {"audience": {"pools": [POOL], "segments": []}}, "audience.segments"),
           ("campaign", {"steps": [{"template_id": TEMPLATE, "subject": "x"}]}, "steps[0].subject")]


@pytest.mark.parametrize("kind, changes, named", UNKNOWN)
def test_unknown_fields_are_refused(kind, changes, named):
    body = BODIES[kind][1](**changes)
    if "." not in named and "[" not in named:
        body[named] = 1
    assert refused(kind, body)[named] == "unknown field"


@pytest.mark.parametrize("kind", ["cost", "goal", "test_send", "preview"])
def test_bodies_that_always_ignored_other_fields_still_do(kind):
    """CONTRACT (openapi.json): these bodies allow additional properties; they were never refused."""
    read, valid = BODIES[kind]
    read({**valid(), "note": {"anything": [1, 2]}})


def test_a_body_that_is_not_an_object_is_refused_whole():
    for kind, (read, _) in BODIES.items():
        for body in (None, [], "text", 5, [{"name": "x"}]):
            with pytest.raises(ValidationError) as caught:
                read(body)
            assert caught.value.status == 400 and caught.value.message == "body must be a JSON object", kind


def test_every_problem_is_told_at_once_with_the_texts_callers_read():
    fields = refused("campaign", {"name": "", "channel": "fax", "category": "memes", "audience": {"pools": []},
                                  "steps": [{"template_id": "x", "delay": "soon", "condition": "not_opened"}],
                                  "enrollment": "sometimes", "exit_on": ["forever"], "send_at": "soon", "zz": 1})
    assert fields == {
        "name": "required text of at most 200 characters, without control characters",
        "channel": "email or sms", "category": "one of " + ", ".join(CATEGORIES),
        "audience.pools": "a non-empty list of pool ids", "steps[0].template_id": "a template id",
        "steps[0].delay": "'soon' is not an ISO 8601 duration such as P3D, PT2H or P1Y",
        "steps[0].condition": "the first step has no previous step: use always",
        "enrollment": "once or continuous", "exit_on": "a list of: unsubscribed, bounced, applied, hired, replied, clicked",
        "send_at": "an ISO 8601 time such as 2026-12-01T09:00:00Z", "zz": "unknown field"}
    with pytest.raises(ValidationError) as caught:
        validate_campaign({"name": 5})
    assert caught.value.message.startswith("invalid campaign: ")  # as the hand-written validator answered


# ---------------------------------------------------------------- enum-typed fields

ENUM_FIELDS = [
    # (body kind, the body with `value` in the field, the field named, the values it takes)
    ("campaign", lambda v: campaign(channel=v), "channel", tuple(Channel)),
    ("campaign", lambda v: campaign(enrollment=v), "enrollment", tuple(EnrollmentMode)),
    ("campaign", lambda v: campaign(steps=[{"template_id": TEMPLATE}, {"template_id": TEMPLATE, "condition": v}]),
     "steps[1].condition", tuple(StepCondition)),
    ("campaign", lambda v: campaign(exit_on=[v]), "exit_on", EXITS),
    ("campaign", lambda v: campaign(category=v), "category", CATEGORIES),
    ("template", lambda v: template(category=v), "category", CATEGORIES),
    ("goal", lambda v: goal(metric=v), "metric", tuple(GOAL_METRICS)),
]


@settings(max_examples=60, deadline=None)
@given(data=st.data())
@pytest.mark.parametrize("kind, build, named, allowed", ENUM_FIELDS)
def test_an_enum_field_takes_its_values_and_refuses_any_other(kind, build, named, allowed, data):
    value = data.draw(st.sampled_from(allowed))
    BODIES[kind][0](build(value))  # taken as its text, as stored and answered
    other = data.draw(st.text(max_size=30) | st.sampled_from([v.upper() for v in allowed] + [f" {allowed[0]}"]))
    if other not in allowed:
        assert named in refused(kind, build(other))


def test_enum_values_are_answered_as_their_text():
    made = validate_campaign(campaign(channel="sms", enrollment="continuous", exit_on=["hired", "hired", "clicked"]))
    assert json.loads(json.dumps(made)) == {**made, "channel": "sms", "enrollment": "continuous",
                                            "exit_on": ["hired", "clicked"],
                                            "steps": [{"template_id": TEMPLATE, "delay": "P0D", "condition": "always"}]}


# ---------------------------------------------------------------- any JSON value

json_values = st.recursive(st.none() | st.booleans() | st.integers(-10**15, 10**15)
                           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                      max_size=4), max_leaves=12)


def is_text(value):
    return isinstance(value, str)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# (body kind, field, what the field may hold at all: anything else is refused naming the field)
TYPED = [("campaign", "name", is_text), ("campaign", "channel", is_text), ("campaign", "category", is_text),
         ("campaign", "audience", lambda v: isinstance(v, dict)), ("campaign", "steps", lambda v: isinstance(v, list)),
         ("campaign", "exit_on", lambda v: isinstance(v, list)), ("campaign", "send_at", lambda v: v is None or is_text(v)),
         ("template", "subject", is_text), ("template", "html", is_text), ("template_patch", "category", is_text),
         ("cost", "amount", is_number), ("cost", "source", is_text), ("goal", "target", is_number),
         ("goal", "period", lambda v: isinstance(v, dict)), ("test_send", "step", lambda v: type(v) is int),
         ("test_send", "email", is_text), ("preview", "candidate_id", is_text), ("job", "pools", lambda v: isinstance(v, list))]


@settings(max_examples=40, deadline=None)
@given(value=json_values)
@pytest.mark.parametrize("kind, field, holds", TYPED)
def test_any_json_value_is_taken_or_refused_naming_the_field_never_an_exception(kind, field, holds, value):
    read, valid = BODIES[kind]
    body = valid(**{field: value})
    try:
        read(body)
    except ValidationError as exc:
        assert exc.status == 400 and any(where.split(".")[0].split("[")[0] == field for where in exc.fields), exc.fields
        return
    assert holds(value), (field, value)


# ---------------------------------------------------------------- the models and the vocabulary

def test_transitions_name_every_status_and_refuse_with_invalid_state():
    assert set(TRANSITIONS) == set(CampaignStatus)
    assert all(actions <= set(CampaignAction) for actions in TRANSITIONS.values())
    check_transition("draft", CampaignAction.SCHEDULE)
    with pytest.raises(Conflict) as caught:
        check_transition("sent", CampaignAction.RESUME)
    assert caught.value.code == "invalid_state" and caught.value.message == "a sent campaign cannot resume"


def test_the_models_declare_the_fields_their_callers_read():
    assert tuple(JobBody.model_fields) == FIELDS
    assert {"name", "channel", "category", "audience", "steps", "send_at", "enrollment",
            "exit_on", "sender", "send_window", "kind"} == set(CampaignBody.model_fields)


def test_a_patch_returns_only_what_was_sent():
    assert validate_template({}, partial=True, current=template()) == {}
    assert validate_template({"text": None}, partial=True, current=template()) == {"text": None}
    assert validate_template({"text": ""}, partial=True, current=template()) == {"text": None}
    assert validate_template({"name": "  New   name "}, partial=True, current=template()) == {"name": "New name"}


def test_goals_keep_their_quirks():
    """An absent start is today; a null or empty one the default period's; a target keeps its JSON type."""
    assert validate_goal(goal(), NOW)["period"]["from"] == "2026-06-01T00:00:00.000Z"
    assert validate_goal(goal(period={"from": None, "to": "2026-12-31"}), NOW)["period"]["from"] < "2026-06-01"
    assert type(validate_goal(goal(target=3), NOW)["target"]) is int
    assert validate_goal(goal(filters=None, name=None), NOW)["name"] == "hires_from_pools"
    assert refused("goal", goal(period={"from": "2027-01-01", "to": "2026-12-31"})) == {"period.from": "must be before to"}
    assert refused("cost", cost(**{"from": "2026-03-01"})) == {"from": "must be before to"}


# ---------------------------------------------------------------- no status literal left

ROOT = Path(__file__).resolve().parents[2]
OWNED = [f"chalicelib/domain/{name}.py" for name in ("campaigns", "templates", "analytics", "jobs", "quiet_hours",
                                                     "campaign_email", "messages")]
OWNED += [f"chalicelib/services/{name}.py" for name in ("campaigns", "sequences", "scheduler", "templates",
                                                        "analytics", "jobs", "daily")]
OWNED += [str(p.relative_to(ROOT)) for p in sorted((ROOT / "chalicelib/services/sending").glob("*.py"))]
OWNED += [f"chalicelib/store/{name}.py" for name in ("campaigns", "sends", "outcomes", "stats", "jobs")]
OWNED += [f"chalicelib/api/{name}.py" for name in ("campaigns", "templates", "analytics", "jobs")]

ENUMS = (vocabulary.CandidateStatus, vocabulary.Stage, vocabulary.CampaignStatus, vocabulary.CampaignAction,
         vocabulary.Channel, vocabulary.StepCondition, vocabulary.EnrollmentMode, vocabulary.EnrollmentStatus,
         vocabulary.SendStatus, vocabulary.DecisionAction, vocabulary.DecisionReason, vocabulary.BatchOutcome)
VALUES = {member.value for enum in ENUMS for member in enum}
# Where a vocabulary value is a status, decision or outcome (and not a counter name, a dict key or an SES tag).
KEYS = {"status", "reason", "channel", "condition", "enrollment", "action", "stage", "paused_from", "exit_on"}
CALLS = {"Decision", "transition", "act", "check_transition"}


def _vocabulary(node) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in VALUES


def _values(node) -> list:
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [element for element in node.elts if _vocabulary(element)]
    return [node] if _vocabulary(node) else []


def status_literals(source: str) -> list[tuple[int, str]]:
    """String constants equal to a vocabulary value used as one: compared, as the value of a status-like key or
    keyword, as a Decision or transition argument, set on a status attribute, or a tuple made only of them."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            found += [v for side in (node.left, *node.comparators) for v in _values(side)]
        elif isinstance(node, ast.Dict):
            found += [value for key, value in zip(node.keys, node.values)
                      if isinstance(key, ast.Constant) and key.value in KEYS and _vocabulary(value)]
        elif isinstance(node, ast.Call):
            found += [keyword.value for keyword in node.keywords if keyword.arg in KEYS and _vocabulary(keyword.value)]
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in CALLS or (name == "set" and isinstance(func, ast.Attribute)
                                 and isinstance(func.value, ast.Attribute) and func.value.attr in KEYS):
                found += [arg for arg in node.args if _vocabulary(arg)]
            if name == "get" and len(node.args) == 2 and getattr(node.args[0], "value", None) in KEYS:
                found += _values(node.args[1])
        elif isinstance(node, ast.Assign) and isinstance(node.value, (ast.Tuple, ast.List, ast.Set)):
            if len(node.value.elts) >= 2 and all(_vocabulary(e) for e in node.value.elts):
                found += node.value.elts
    return sorted((node.lineno, node.value) for node in found)


def test_the_scan_finds_status_literals_of_each_kind():
    """Not vacuous: each way the code spelled statuses before is found."""
    before = '''
STATUSES = ("draft", "scheduled")
if status == "unsubscribed" or stage in ("applied", "hired"):
    decision = Decision("skip", "frequency_cap")
item = {"status": "claimed", "kind": "campaign"}
record = dict(claim, status="sent")
SendModel.status.set("failed")
repository.transition(campaign_id, status, "cancelled")
condition = step.get("condition", "always")
'''
    assert sorted(value for _, value in status_literals(before)) == sorted([
        "draft", "scheduled", "unsubscribed", "applied", "hired", "skip", "frequency_cap", "claimed", "sent", "failed",
        "cancelled", "always"])
    unrelated = 'tags = {"kind": "test"}\ncounts = {"sent": sent}\nif part == "html": pass\nreturn "sent"\n'
    assert status_literals(unrelated) == []


@pytest.mark.parametrize("path", OWNED)
def test_no_status_decision_or_outcome_is_a_string_literal(path):
    assert status_literals((ROOT / path).read_text()) == [], path
