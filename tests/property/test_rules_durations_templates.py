"""Properties over any input: durations, pool rules and templates either refuse with the one error
their callers expect (ValueError, ValidationError) or give something bounded that never fails later."""
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chalicelib.domain.durations import parse_duration
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.rules import FIELD_TYPES, OPS, Rule, parse_rules
from chalicelib.domain.templates import MAX_OUTPUT, MAX_SUBJECT, SAMPLE, render, validate_template

# ---------------------------------------------------------------- durations

numbers = st.integers(0, 10**12) | st.integers(0, 200)
parts = st.tuples(*[st.none() | numbers for _ in range(7)])


def iso_duration(values) -> str:
    years, months, weeks, days, hours, minutes, seconds = values
    date = "".join(f"{v}{unit}" for v, unit in zip((years, months, weeks, days), "YMWD") if v is not None)
    time = "".join(f"{v}{unit}" for v, unit in zip((hours, minutes, seconds), "HMS") if v is not None)
    return "P" + date + ("T" + time if time else "")


duration_texts = parts.map(iso_duration) | st.text(max_size=80) | st.from_regex(r"P[0-9YMWDTHS]{0,30}", fullmatch=True)
anything = st.none() | st.booleans() | st.integers() | st.floats() | st.lists(st.integers(), max_size=3)
realistic = st.datetimes(datetime(1900, 1, 1), datetime(2200, 12, 31), timezones=st.just(timezone.utc))
any_moment = st.datetimes(timezones=st.just(timezone.utc))


@settings(max_examples=500, deadline=None)
@given(text=duration_texts | anything, now=realistic, moment=any_moment)
def test_durations_refuse_with_value_error_and_never_overflow(text, now, moment):
    try:
        duration = parse_duration(text)
    except ValueError:
        return
    assert duration.months <= 1200 and duration.delta <= timedelta(days=36525)
    assert duration.before(now) <= now <= duration.after(now)  # accepted: fine for any realistic moment
    for shift in (duration.before, duration.after):
        try:
            shift(moment)
        except ValueError:
            pass  # near year 1 or 9999: a clear ValueError, never an OverflowError


# ---------------------------------------------------------------- rules

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)
plausible_values = json_values | duration_texts | realistic.map(lambda d: d.isoformat().replace("+00:00", "Z")) \
    | st.lists(st.text(max_size=12), max_size=5)


TYPED = {  # values of the right type for each kind of field, near and past the bounds
    "list": st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=3) | st.text(min_size=1, max_size=300)
    | st.integers(1, 700).map(lambda n: [f"s{i}" for i in range(n)]),
    "text": st.text(min_size=1, max_size=20) | st.integers(150, 300).map(lambda n: "x" * n),
    "bool": st.booleans(),
    "number": st.integers(-(10**12), 10**12) | st.floats(),
    "time": duration_texts | st.integers(0, 100_000).map(lambda n: f"P{n}Y")
    | st.integers(0, 200_000).map(lambda n: f"P{n}D")
    | realistic.map(lambda d: d.isoformat()) | any_moment.map(lambda d: d.isoformat()),
}


def condition():
    def typed(field):
        kind = FIELD_TYPES[field]
        return st.builds(lambda op, value: {"field": field, "op": op, "value": value},
                         st.sampled_from(OPS[kind]), TYPED[kind])

    junk = st.builds(lambda field, op, value, has_value: {"field": field, "op": op,
                                                          **({"value": value} if has_value else {})},
                     st.sampled_from(sorted(FIELD_TYPES)) | st.text(max_size=8),
                     st.sampled_from(sorted({op for ops in OPS.values() for op in ops})) | st.text(max_size=8),
                     plausible_values, st.booleans())
    return st.sampled_from(sorted(FIELD_TYPES)).flatmap(typed) | junk


rule_shaped = st.recursive(
    condition(),
    lambda children: st.lists(children, min_size=1, max_size=3).map(lambda c: {"all": c})
    | st.lists(children, max_size=3).map(lambda c: {"any": c}) | children.map(lambda c: {"not": c}),
    max_leaves=6,
)
candidates = st.fixed_dictionaries({}, optional={field: plausible_values for field in FIELD_TYPES})


NOW = datetime(2026, 11, 28, tzinfo=timezone.utc)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=rule_shaped | json_values, now=realistic, people=st.lists(candidates, min_size=1, max_size=4))
@example(rules={"field": "created_at", "op": "older_than", "value": "P99999Y"}, now=NOW, people=[{}])
@example(rules={"field": "skills", "op": "contains_any", "value": ["go"]}, now=NOW, people=[{"skills": 5}])
@example(rules={"field": "created_at", "op": "older_than", "value": "P3D"}, now=NOW, people=[{"created_at": 5}])
@example(rules={"field": "engagement_score", "op": "gte", "value": 3}, now=NOW, people=[{"engagement_score": "x"}])
def test_rules_are_a_rule_or_a_validation_error_and_never_raise_on_a_person(rules, now, people):
    try:
        rule = parse_rules(rules)
    except ValidationError as exc:
        assert exc.fields and all(key.startswith("rules") for key in exc.fields)
        return
    assert isinstance(rule, Rule)
    predicate = rule.bind(now)
    for person in people:
        assert predicate(person) in (True, False)


# ---------------------------------------------------------------- templates

atoms = st.sampled_from(["1", "9", "99999", "'x'", "'ab'", "candidate.first_name", "candidate.skills", "[1, 2]",
                         "range(3)", "range(100000)", "job.title", "namespace(n=1)"]) \
    | st.integers(-10, 10**20).map(str)
FILTERS = ["center", "indent", "wordwrap", "truncate", "join", "list", "string", "batch", "format", "upper", "length",
           "e", "sum", "first", "title", "tojson", "slice", "replace('x', 'yy')"]
METHODS = ["ljust", "center", "zfill", "expandtabs", "replace('a', 'bbbb')", "join", "format", "split"]


def _filtered(value, name, argument):
    call = name if "(" in name else f"{name}({argument})" if argument else name
    return f"({value} | {call})"


expressions = st.recursive(atoms, lambda e: st.one_of(
    st.tuples(e, st.sampled_from(["+", "*", "**", "~", "%", "-", "//"]), e).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
    st.builds(_filtered, e, st.sampled_from(FILTERS), st.none() | e),
    st.builds(lambda value, method, arg: f"({value}).{method}" + ("" if "(" in method else f"({arg})"),
              e, st.sampled_from(METHODS), e),
), max_leaves=6)
blocks = st.recursive(
    expressions.map(lambda x: "{{ " + x + " }}") | st.sampled_from(["<p>hi</p>", "\n", "{{ candidate.first_name }}"]),
    lambda b: st.one_of(
        st.lists(b, min_size=1, max_size=3).map("".join),
        st.tuples(expressions, b).map(lambda t: "{% for i in " + t[0] + " %}" + t[1] + "{% endfor %}"),
        b.map(lambda x: "{% macro m() %}" + x + "{{ m() }}{% endmacro %}{{ m() }}"),
        b.map(lambda x: "{% set s %}" + x + "{% endset %}{{ s }}{{ s }}"),
        b.map(lambda x: "{% for i in [1, 2] recursive %}" + x + "{{ loop([i, i]) }}{% endfor %}"),
    ), max_leaves=8)
soup = blocks | st.text(max_size=200)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html=soup, subject=soup)
def test_any_template_text_is_refused_or_renders_within_the_limits(html, subject):
    template = {"name": "t", "category": "career_advice", "subject": subject or "x", "html": html or "x"}
    try:
        fields = validate_template(template)
    except ValidationError as exc:
        assert exc.fields, exc.to_dict()
        return
    saved = {**template, **fields, "text": None}
    for candidate, job in [(SAMPLE["candidate"], SAMPLE["job"]), ({"id": "cand_x", "email": "x@example.com"}, None)]:
        try:
            email = render(saved, candidate=candidate, job=job, company=SAMPLE["company"],
                           unsubscribe_url="https://x.example/u/1", preferences_url="https://x.example/u/1")
        except ValidationError as exc:  # e.g. an attribute of a job this email has none of
            assert exc.code in ("render_error", "render_limit") and exc.fields, exc.to_dict()
            continue
        assert len(email.subject) <= MAX_SUBJECT
        assert len(email.html) <= MAX_OUTPUT["html"] + 1000 and len(email.text) <= MAX_OUTPUT["text"] + 1000
