"""The workspace's rule builder as a plain HTML form, read into the pool rule grammar (domain/rules.py) and
written out from it.

A form field's name says where it sits in the tree: `g0.op` is the top group's match (all, any or none of its
rows), `g0.c1.field`, `g0.c1.op` and `g0.c1.value` are the condition in its row 1, `g0.g2.op` a group in row 2
whose own rows are `g0.g2.c0...`. Rows are ordered by their number and renumbered 0, 1, 2... whenever the
builder is drawn again, so a name always matches what the page shows.

A group maps to the grammar as all -> {"all": [...]}, any -> {"any": [...]}, none -> {"not": {"any": [...]}};
{"not": X} read back is a "none" group holding X. Values are typed as a recruiter says them ("python, go",
"yes", "90 days", "2026-01-31") and become the grammar's lists, booleans, durations and times here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import ValidationError
from .rules import FIELD_LABELS, FIELD_TYPES, MAX_CONDITIONS, duration_words, parse_rules
from .skills import split_list

ROOT = "g0"
MAX_GROUP_DEPTH = 4  # the top group and three levels inside it: a "none" group is two grammar levels, <= 10
MATCHES = (("all", "all of these"), ("any", "any of these"), ("none", "none of these"))
# The builder's operators per field type: the grammar's, with `exists` split into "is set" and "is not set".
OPERATORS: dict[str, tuple[tuple[str, str], ...]] = {
    "list": (("contains_any", "include any of"), ("contains_all", "include all of")),
    "text": (("eq", "is"), ("neq", "is not"), ("in", "is one of")),
    "bool": (("eq", "is"), ("neq", "is not")),
    "number": (("eq", "is"), ("neq", "is not"), ("gte", "is at least"), ("lte", "is at most")),
    "time": (("older_than", "more than … ago"), ("newer_than", "within the last …"), ("gte", "on or after"),
             ("lte", "on or before")),
}
PRESENCE = (("exists", "is set"), ("missing", "is not set"))
NO_VALUE = frozenset({"exists", "missing"})
FIELDS = tuple((name, FIELD_LABELS[name]) for name in FIELD_TYPES)
DEFAULT_FIELD, DEFAULT_OP = "skills", "contains_any"
BLANK = "fill in a value"
LENGTH_OF_TIME = "a length of time such as 90 days, 6 months or 1 year"

_NAME = re.compile(r"g0((?:\.[cg]\d{1,3})*)\.(op|field|value)", re.ASCII)
_ACTION = re.compile(r"(add|group|remove):(g0(?:\.[cg]\d{1,3})*)", re.ASCII)
_NUMBER = re.compile(r"-?\d{1,12}(?:\.\d{1,6})?", re.ASCII)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_MIDNIGHT = re.compile(r"(\d{4}-\d{2}-\d{2})T00:00(?::00(?:\.0+)?)?Z", re.ASCII)
_SPAN = re.compile(r"(\d{1,5})\s*(years?|y|months?|mo|weeks?|w|days?|d|hours?|h)\b", re.ASCII | re.IGNORECASE)
_SPAN_UNITS = {"y": "Y", "mo": "M", "w": "W", "d": "D", "h": "H"}


@dataclass
class Condition:
    path: str
    field: str = DEFAULT_FIELD
    op: str = DEFAULT_OP
    value: str = ""
    focus: bool = False  # just added: the page puts the keyboard here

    @property
    def kind(self) -> str:
        return FIELD_TYPES.get(self.field, "list")

    @property
    def operators(self) -> tuple[tuple[str, str], ...]:
        return OPERATORS[self.kind] + PRESENCE

    @property
    def needs_value(self) -> bool:
        return self.op not in NO_VALUE


@dataclass
class Group:
    path: str
    match: str = "all"
    children: list[Condition | Group] = field(default_factory=list)
    focus: bool = False

    @property
    def depth(self) -> int:
        return self.path.count(".")

    @property
    def may_nest(self) -> bool:
        return self.depth + 1 < MAX_GROUP_DEPTH


def new_builder() -> Group:
    """What a new pool starts with: one empty condition."""
    return Group(ROOT, children=[Condition(f"{ROOT}.c0")])


# ---------------------------------------------------------------- reading the form

def read_builder(form: dict, action: object = None) -> Group:
    """The tree the form describes, with `action` ("add:g0", "group:g0.g1", "remove:g0.c2") applied, rows
    renumbered. Raises ValidationError for what no page of ours sends (a field twice, a tree too deep)."""
    nodes: dict[str, Condition | Group] = {ROOT: Group(ROOT)}
    for name, value in form.items():
        match = _NAME.fullmatch(name) if isinstance(name, str) else None
        if match is None:
            continue
        if not isinstance(value, str):
            raise ValidationError.field(name, "one value, as text")
        path = ROOT + match.group(1)
        node = _node(nodes, path)
        _set(node, match.group(2), value.strip())
    tree = nodes[ROOT]
    assert isinstance(tree, Group)
    if isinstance(action, str) and action:
        _apply(tree, nodes, action)
    _renumber(tree, ROOT)
    if _conditions(tree) > MAX_CONDITIONS:
        raise ValidationError.field(ROOT, f"at most {MAX_CONDITIONS} conditions")
    return tree


def _node(nodes: dict, path: str) -> Condition | Group:
    """The node at `path`, made (with the groups above it) on first sight."""
    if path in nodes:
        return nodes[path]
    parent_path, _, last = path.rpartition(".")
    if parent_path.count(".") + 1 >= MAX_GROUP_DEPTH and last.startswith("g"):
        raise ValidationError.field(path, f"groups nest at most {MAX_GROUP_DEPTH} deep")
    parent = _node(nodes, parent_path)
    if not isinstance(parent, Group):
        raise ValidationError.field(path, "a condition holds no rows")
    node: Condition | Group = Group(path) if last.startswith("g") else Condition(path, field="", op="")
    parent.children.append(node)
    nodes[path] = node
    return node


def _set(node: Condition | Group, part: str, value: str) -> None:
    if isinstance(node, Group):
        if part != "op":
            raise ValidationError.field(f"{node.path}.{part}", "a group has only a match")
        node.match = value if value in dict(MATCHES) else "all"
    elif part == "field":
        node.field = value
    elif part == "op":
        node.op = value
    else:
        node.value = value[:2000]


def _apply(tree: Group, nodes: dict, action: str) -> None:
    match = _ACTION.fullmatch(action)
    if match is None:
        raise ValidationError.field("action", "not an action of this page")
    verb, path = match.groups()
    target = nodes.get(path)
    if target is None:
        raise ValidationError.field("action", "names no row of this builder")
    if verb == "remove":
        if target is tree:
            raise ValidationError.field("action", "the top group stays")
        parent = nodes[path.rpartition(".")[0]]
        parent.children.remove(target)
        parent.focus = True
        return
    if not isinstance(target, Group):
        raise ValidationError.field("action", "rows are added to a group")
    if verb == "add":
        target.children.append(Condition("", focus=True))
    elif target.may_nest:
        target.children.append(Group("", match="any", children=[Condition("")], focus=True))


def _renumber(group: Group, path: str) -> None:
    group.path = path
    group.children.sort(key=lambda child: _row(child.path))
    for index, child in enumerate(group.children):
        child_path = f"{path}.{'g' if isinstance(child, Group) else 'c'}{index}"
        if isinstance(child, Group):
            _renumber(child, child_path)
        else:
            child.path = child_path
            if child.field not in FIELD_TYPES:
                child.field = DEFAULT_FIELD
            if child.op not in dict(child.operators):  # the field changed type: its first operator, a new value
                child.op, child.value = child.operators[0][0], ""
            if child.kind == "bool" and not child.value:  # a yes/no list shows "yes" first
                child.value = "yes"


def _row(path: str) -> int:
    """A row's number (rows added by an action have no path yet: they go last)."""
    return int(path.rpartition(".")[2][1:]) if path else 10**6


def _conditions(group: Group) -> int:
    return sum(_conditions(c) if isinstance(c, Group) else 1 for c in group.children)


# ---------------------------------------------------------------- the tree as rules

def to_rules(tree: Group) -> tuple[dict | None, dict[str, str]]:
    """(the rules, None if any part is wrong; the problems by form field name). A value left empty is
    BLANK: the page says "fill in a value" rather than calling it wrong."""
    problems: dict[str, str] = {}
    rules = _group_rules(tree, problems)
    if problems:
        return None, problems
    try:
        parse_rules(rules)
    except ValidationError as exc:  # the whole tree's bounds
        return None, {ROOT: exc.message}
    return rules, {}


def _group_rules(group: Group, problems: dict[str, str]) -> dict:
    if not group.children:
        problems[group.path] = "add a condition" if group.path == ROOT else "add a condition to this group or remove it"
    children = [_group_rules(c, problems) if isinstance(c, Group) else _condition_rules(c, problems)
                for c in group.children]
    if group.match == "none":
        return {"not": {"any": children}}
    return {group.match: children}


def _condition_rules(condition: Condition, problems: dict[str, str]) -> dict:
    rule: dict = {"field": condition.field, "op": condition.op}
    if condition.op in NO_VALUE:
        rule.update(op="exists", value=condition.op == "exists")
    elif not condition.value:
        problems[f"{condition.path}.value"] = BLANK
        return rule
    else:
        try:
            rule["value"] = _typed(condition)
        except ValueError as exc:
            problems[f"{condition.path}.value"] = str(exc)
            return rule
    try:
        parse_rules(rule, path=condition.path)
    except ValidationError as exc:
        problems.update(exc.fields or {condition.path: exc.message})
    return rule


def _typed(condition: Condition) -> object:
    """The value as the grammar takes it; ValueError says what to type instead."""
    text, kind, op = condition.value, condition.kind, condition.op
    if kind == "list" or op == "in":
        return split_list(text)
    if kind == "bool":
        answer = {"yes": True, "true": True, "no": False, "false": False}.get(text.lower())
        if answer is None:
            raise ValueError("yes or no")
        return answer
    if kind == "number":
        if not _NUMBER.fullmatch(text):
            raise ValueError("a number such as 10")
        return float(text) if "." in text else int(text)
    if op in ("older_than", "newer_than"):
        return _duration(text)
    if kind == "time":
        if _DAY.fullmatch(text):
            return text + "T00:00:00Z"
        if not _DAY.match(text):  # a time too (2026-01-31T09:00:00Z) is the grammar's to check
            raise ValueError("a day such as 2026-01-31")
        return text
    return text


def _duration(text: str) -> str:
    """ "90 days", "6 months", "1 year 6 months", "2w" or "90" (days) as an ISO 8601 duration; P90D as it is."""
    if text.upper().startswith("P"):
        return text.upper()
    if text.isdigit() and len(text) <= 5:
        return f"P{text}D"
    spans = _SPAN.findall(text)
    if not spans or _SPAN.sub("", text).strip(" ,and"):
        raise ValueError(LENGTH_OF_TIME)
    parts = {"Y": 0, "M": 0, "W": 0, "D": 0, "H": 0}
    for number, unit in spans:
        unit = unit.lower()
        key = "mo" if unit.startswith("mo") else unit[0]
        parts[_SPAN_UNITS[key]] += int(number)
    date = "".join(f"{n}{u}" for u, n in parts.items() if n and u != "H")
    return "P" + date + (f"T{parts['H']}H" if parts["H"] else "")


# ---------------------------------------------------------------- rules into the builder

def from_rules(rules: object) -> Group:
    """A pool's rules as the builder shows them (what cannot be shown is left out: such rules are refused
    by the API, so only a pool written around it has them)."""
    tree = _as_group(rules, 0) if isinstance(rules, dict) else None
    if tree is None:
        return new_builder()
    _renumber(tree, ROOT)
    return tree


def _as_group(node: dict, depth: int) -> Group | None:
    keys = set(node)
    if keys in ({"all"}, {"any"}):
        match = "all" if "all" in node else "any"
        children = node[match] if isinstance(node[match], list) else []
        return Group("", match, _rows(children, depth))
    if keys == {"not"} and isinstance(node["not"], dict):
        inner = node["not"]
        if set(inner) == {"any"} and isinstance(inner["any"], list):
            return Group("", "none", _rows(inner["any"], depth))
        return Group("", "none", _rows([inner], depth))
    if "field" in keys:
        return Group("", "all", _rows([node], depth))
    return None


def _rows(children: list, depth: int) -> list[Condition | Group]:
    rows: list[Condition | Group] = []
    for index, child in enumerate(children[:MAX_CONDITIONS]):
        if not isinstance(child, dict):
            continue
        if "field" in child:
            rows.append(_as_condition(child, index))
        elif depth + 1 < MAX_GROUP_DEPTH and (group := _as_group(child, depth + 1)) is not None:
            group.path = f"{ROOT}.g{index}"
            rows.append(group)
    for index, row in enumerate(rows):  # _renumber orders rows by the number in their path
        row.path = f"{ROOT}.{'g' if isinstance(row, Group) else 'c'}{index}"
    return rows


def _as_condition(node: dict, index: int) -> Condition:
    field_name, op, value = node.get("field"), node.get("op"), node.get("value")
    condition = Condition(f"{ROOT}.c{index}", field=field_name if isinstance(field_name, str) else "",
                          op=op if isinstance(op, str) else "")
    if op == "exists":
        condition.op = "missing" if value is False else "exists"
    elif op in ("older_than", "newer_than"):
        condition.value = duration_words(value)
    else:
        condition.value = _shown(value)
    return condition


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        midnight = _MIDNIGHT.fullmatch(value)
        return midnight.group(1) if midnight else value
    return "" if value is None else str(value)
