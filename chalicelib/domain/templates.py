"""Email templates: Jinja2 in a sandbox, checked when saved, rendered for one person.

Subject and text are rendered without escaping; HTML with autoescaping. Missing values are
undefined (not "None"), so `{{ candidate.first_name | default("there") }}` works as people expect.
Rendering is bounded (time, loops, sizes, numbers: template_sandbox.py); a template that goes over a
limit is a ValidationError (code render_limit) naming the part and the line, at save (a trial render
for a sample person), at preview and at send (the sender records that recipient as failed with the
reason and goes on).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Annotated

from pydantic import BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from . import template_sandbox as sandbox
from .bodies import ABSENT, CHOICE, Body, parse_as, problem_of
from .emails import normalize_email
from .errors import ValidationError
from .vocabulary import Category

CATEGORIES: tuple[Category, ...] = tuple(Category)  # templates, campaigns, preferences and opt-outs use these
CATEGORY_PROBLEM = "one of " + ", ".join(CATEGORIES)
VARIABLES = {
    "candidate": ("first_name", "last_name", "email", "city", "country", "skills", "roles", "tags",
                  "seniority", "remote_ok", "linkedin_url", "portfolio_url", "stage"),
    "job": ("title", "city", "country", "remote", "skills", "description", "seniority", "department",
            "url", "id"),
    "company": ("name", "careers_url", "address"),
    "unsubscribe_url": (),
    "preferences_url": (),
}
PARTS = ("subject", "html", "text")
MAX_SIZES = {"subject": 300, "html": 200_000, "text": 100_000}
MAX_OUTPUT = {"subject": 10_000, "html": 1_000_000, "text": 500_000}  # characters a part renders to
MAX_SUBJECT = 998  # characters of a rendered subject: one header line (RFC 5322)
# Tags that would reach for another template: a template stands alone (there is no loader).
REFUSED_TAGS = {"Include": "include", "Import": "import", "FromImport": "from ... import", "Extends": "extends"}
# Who a template is tried on when saved: every variable filled, so a template that fails for them
# fails for everyone.
SAMPLE: dict[str, dict] = {
    "candidate": {"id": "cand_sample", "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
                  "city": "London", "country": "GB", "skills": ["python", "sql"], "roles": ["engineer"],
                  "tags": ["alumni"], "seniority": "senior", "remote_ok": True, "stage": "sourced",
                  "linkedin_url": "https://www.linkedin.com/in/ada", "portfolio_url": "https://ada.example.com"},
    "job": {"id": "job_sample", "title": "Data engineer", "city": "London", "country": "GB", "remote": True,
            "skills": ["python"], "description": "Pipelines and people.", "seniority": "senior",
            "department": "Data", "url": "https://jobs.example.com/1"},
    "company": {"name": "Example", "careers_url": "https://example.com/careers", "address": "1 Example Street"},
}


@lru_cache(maxsize=2)
def _environment(autoescape: bool):
    return sandbox.environment_class()(autoescape=autoescape, trim_blocks=True, lstrip_blocks=True,
                                       keep_trailing_newline=True)


def _unknown_names(ast) -> list[str]:
    """Top-level names we do not provide, and attributes of ours that do not exist."""
    from jinja2 import meta, nodes

    unknown = sorted(n for n in meta.find_undeclared_variables(ast) if n not in VARIABLES)
    for node in ast.find_all(nodes.Getattr):
        if isinstance(node.node, nodes.Name) and node.node.name in VARIABLES:
            allowed = VARIABLES[node.node.name]
            if node.attr not in allowed:
                unknown.append(f"{node.node.name}.{node.attr}")
    return sorted(dict.fromkeys(unknown))


class TemplatePatch(Body):
    """What a PATCH may change; each part's source is checked as it is saved (syntax, variables, tags)."""
    name: str = Field(ABSENT, description="required text")
    category: Annotated[Category, CHOICE] = Field(ABSENT, description=CATEGORY_PROBLEM)
    subject: str = Field(ABSENT, description="required text")
    html: str = Field(ABSENT, description="required text")
    text: str | None = Field(ABSENT, description="required text")  # null or "": made from the HTML

    @field_validator("name", "subject", "html", "text")
    @classmethod
    def _not_blank(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.field_name == "text" and not value:
            return None  # generated from the HTML
        if value is None or not value.strip():
            raise ValueError("required text")
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if len(value) > 100:
            raise ValueError("at most 100 characters")
        return " ".join(value.split())

    @field_validator("subject", "html", "text")
    @classmethod
    def _source(cls, value: str | None, info: ValidationInfo) -> str | None:
        part = info.field_name or ""
        if value is None:
            return None
        if len(value) > MAX_SIZES[part]:
            raise ValueError(f"at most {MAX_SIZES[part]} characters")
        problem = _source_problem(value, part == "html")
        if problem:
            raise ValueError(problem)
        return value


class TemplateBody(TemplatePatch):
    """A new template: name, category, subject and html required."""
    name: str = Field(description="required text")
    category: Annotated[Category, CHOICE] = Field(description=CATEGORY_PROBLEM)
    subject: str = Field(description="required text")
    html: str = Field(description="required text")


class PreviewBody(Body):
    """POST /templates/{id}/preview: for whom (and for which job, for a job alert); ids that can be keys."""
    model_config = ConfigDict(extra="ignore")  # other fields were always ignored (CONTRACT: additionalProperties)
    candidate_id: str = Field(min_length=1, max_length=100, description="required: the person to preview for")
    job_id: str | None = Field(None, min_length=1, max_length=100, description="the id of a job, or nothing")


class DraftBody(TemplatePatch):
    """A template not saved yet, to preview or test (POST /templates/preview, the workspace's editor): subject and
    html required, checked as when saved; name and category optional; for whom and for which job."""
    subject: str = Field(description="required text")
    html: str = Field(description="required text")
    candidate_id: str | None = Field(None, min_length=1, max_length=100,
                                     description="the id of a person, or nothing (a sample person)")
    candidate_email: Annotated[str, BeforeValidator(problem_of(normalize_email))] | None = Field(
        None, description="the email address of a person, or nothing")
    job_id: str | None = Field(None, min_length=1, max_length=100, description="the id of a job, or nothing")

    @model_validator(mode="after")
    def _one_person(self) -> "DraftBody":
        if self.candidate_id and self.candidate_email:
            raise ValueError("name the person by candidate_id or by candidate_email, not both")
        return self

    def template(self) -> dict:
        return {"subject": self.subject, "html": self.html, "text": self.text or None}


def validate_template(body: object, *, partial: bool = False, current: dict | None = None) -> dict:
    """name, category, subject, html, text?: syntax errors with line numbers, unknown variables listed,
    then a trial render for a sample person (of `current` with the changes, for a PATCH) within the limits.
    Returns the fields sent, normalized."""
    template = parse_as(TemplatePatch if partial else TemplateBody, body, "invalid template")
    result = {name: getattr(template, name) for name in type(template).model_fields if name in template.model_fields_set}
    merged = {**(current or {}), **result}
    if merged.get("subject") and merged.get("html"):
        _trial_render(merged)
    return result


def subject_problem(source: str) -> str | None:
    """Why a subject's source (Jinja2, as a template's subject) cannot be saved, or None."""
    return _source_problem(source, False)


def _source_problem(source: str, autoescape: bool) -> str | None:
    """Why a part's source cannot be saved: syntax (with the line), tags reaching for other
    templates, unknown variables, or what the compiler refuses (unknown filters)."""
    from jinja2 import TemplateSyntaxError, nodes

    try:
        ast = _environment(autoescape).parse(source)
        refused = next(ast.find_all(tuple(getattr(nodes, kind) for kind in REFUSED_TAGS)), None)
        if refused is not None:
            tag = REFUSED_TAGS[type(refused).__name__]
            return f"line {refused.lineno}: {{% {tag} %}} is not allowed: a template stands alone"
        unknown = _unknown_names(ast)
        if unknown:
            return "unknown variables: " + ", ".join(unknown)
        _compiled(source, autoescape)
    except TemplateSyntaxError as exc:
        return f"line {exc.lineno}: {exc.message}"
    except RecursionError:
        return "nested too deeply"
    except Exception as exc:  # noqa: BLE001 - e.g. a number literal too long to read: refused, never a 500
        return f"cannot be read: {str(exc)[:200]}"
    return None


def _trial_render(template: dict) -> None:
    """The template rendered for SAMPLE: ValidationError (render_limit or render_error, by part) if it
    cannot be, so a template that blows the limits is refused when saved rather than at every send.
    With a fifth of the time a send allows: what is saved renders quickly for everyone."""
    render(template, candidate=SAMPLE["candidate"], job=SAMPLE["job"], company=SAMPLE["company"],
           unsubscribe_url="https://example.com/u/sample", preferences_url="https://example.com/u/sample",
           seconds=sandbox.MAX_SECONDS / 5)


@dataclass
class Rendered:
    subject: str
    html: str
    text: str


def _context(candidate: dict, job: dict | None, company: dict, unsubscribe_url: str, preferences_url: str) -> dict:
    def present(data: dict | None, names) -> dict:
        return {k: data[k] for k in names if data and data.get(k) not in (None, "", [])}

    return {
        "candidate": present(candidate, VARIABLES["candidate"]),
        "job": present(job, VARIABLES["job"]),
        "company": present(company, VARIABLES["company"]),
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": preferences_url,
    }


@lru_cache(maxsize=256)
def _compiled(source: str, autoescape: bool):
    return _environment(autoescape).from_string(source)


def render(template: dict, *, candidate: dict, job: dict | None, company: dict, unsubscribe_url: str,
           preferences_url: str, seconds: float = sandbox.MAX_SECONDS) -> Rendered:
    """Subject, HTML (footer added when the template has no unsubscribe link, CSS inlined) and text.

    ValidationError (code render_limit, or render_error) naming the part and the template line if the
    template goes over a limit or fails (`seconds`: the time limit for the whole email)."""
    context = _context(candidate, job, company, unsubscribe_url, preferences_url)
    text_source = template.get("text")
    derived = not text_source
    if derived:
        text_source = _text_template(template["html"])
    parts = [("subject", template["subject"], False), ("html", _inlined(template["html"]), True)]
    if text_source:
        parts.append(("text", text_source, False))
    compiled = [(part, _part_template(part, source, autoescape)) for part, source, autoescape in parts]
    budget = sandbox.begin(seconds)
    try:
        out = []
        for part, template_code in compiled:
            budget.iterations = budget.calls = 0  # counts are per part (a text made from the HTML repeats it)
            try:
                out.append(_render_part(part, template_code, context, derived))
            except ValidationError as exc:
                if part == "html" and parts[1][1] != template["html"]:
                    raise _with_source_lines(exc, template["html"], context) from None
                raise
    finally:
        sandbox.end()
    subject, html, text = " ".join(out[0].split()), out[1], out[2] if len(out) > 2 else None
    if len(subject) > MAX_SUBJECT:
        problem = f"renders to {len(subject)} characters; a subject is at most {MAX_SUBJECT}"
        raise ValidationError(f"template could not be rendered: subject {problem}", {"subject": problem},
                              code="render_limit")
    if unsubscribe_url not in html:
        html = _with_footer(html, company, unsubscribe_url, preferences_url)
    if text is None:
        text = html_to_text(html)
    if unsubscribe_url not in text:
        text = text.rstrip() + (f"\n\n--\nYou get this because you joined the {company.get('name', 'our')} talent "
                                f"community.\nChoose what you get: {preferences_url}\nUnsubscribe: {unsubscribe_url}\n")
    return Rendered(subject=subject, html=html, text=text)


def _with_source_lines(exc: ValidationError, html: str, context: dict) -> ValidationError:
    """The failure told with the lines of the HTML as written, not of the CSS-inlined copy that ran
    (the inliner rewrites the markup): the written HTML is run again to find them. Not for a render
    that ran out of time (that would take as long again)."""
    if "seconds" in exc.message:
        return exc
    sandbox.next_part()
    try:
        _render_part("html", _part_template("html", html, True), context, False)
    except ValidationError as again:
        return again
    return exc


def _part_template(part: str, source: str, autoescape: bool):
    try:
        return _compiled(source, autoescape)
    except Exception as exc:  # noqa: BLE001 - a stored template that no longer compiles
        raise _render_failed(part, exc, None, "render_error") from None


def _render_part(part: str, compiled, context: dict, derived_text: bool) -> str:
    """One part, streamed and counted: at most MAX_OUTPUT[part] characters.

    The render function is driven directly (Template.render would join everything first, generate
    adds a generator per chunk), a few chunks at a time: each chunk is one output of the template (a
    bounded value), so what is held before a count is bounded too."""
    limit, size = MAX_OUTPUT[part], 0
    chunks: list[str] = []
    stream = compiled.root_render_func(compiled.new_context(context))
    try:
        while batch := list(islice(stream, 64)):
            size += sum(map(len, batch))
            if size > limit:
                raise sandbox.RenderLimit(f"renders to more than {limit} characters", _stream_line(stream))
            if len(batch) < 64:  # the usual email: all of it in one batch
                return "".join(chunks + batch if chunks else batch)
            chunks += batch
    except sandbox.RenderLimit as exc:
        raise _render_failed(part, exc, exc.line or _template_line(exc), "render_limit", derived_text) from None
    except (RecursionError, MemoryError) as exc:
        raise _render_failed(part, sandbox.RenderLimit("nested too deeply or too big"), _template_line(exc),
                             "render_limit", derived_text) from None
    except Exception as exc:  # noqa: BLE001 - the sandbox refused something, a division by zero, ...
        raise _render_failed(part, exc, _template_line(exc), "render_error", derived_text) from None
    finally:
        stream.close()
    return "".join(chunks)


def _render_failed(part: str, exc: Exception, line: int | None, code: str,
                   derived_text: bool = False) -> ValidationError:
    problem = str(getattr(exc, "problem", None) or getattr(exc, "message", None) or exc or type(exc).__name__)[:300]
    where = f"line {line}" if line else "the template"
    if part == "text" and derived_text:
        where += " of the text made from the HTML"
    detail = f"{where}: {problem}"
    return ValidationError(f"template could not be rendered: {part} {detail}", {part: detail}, code=code)


def _template_line(exc: BaseException) -> int | None:
    """The template line the exception came from: the innermost frame of template code."""
    line, tb = None, exc.__traceback__
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if template is not None:
            line = template.get_corresponding_lineno(tb.tb_lineno)
        tb = tb.tb_next
    return line


def _stream_line(stream) -> int | None:
    """The template line a suspended render is at (the chunk that went over the output limit)."""
    line = None
    while stream is not None:
        frame = getattr(stream, "gi_frame", None)
        template = frame.f_globals.get("__jinja_template__") if frame is not None else None
        if frame is not None and template is not None:
            line = template.get_corresponding_lineno(frame.f_lineno)
        stream = getattr(stream, "gi_yieldfrom", None)
    return line


def _with_footer(html: str, company: dict, unsubscribe_url: str, preferences_url: str) -> str:
    from markupsafe import escape

    address = f"<br>{escape(company['address'])}" if company.get("address") else ""
    footer = (
        '<div style="margin-top:32px;padding-top:12px;border-top:1px solid #e4e7eb;font-size:12px;color:#616e7c">'
        f"You get this email because you joined the {escape(company.get('name', 'our'))} talent community."
        f'<br><a href="{escape(preferences_url)}">Choose what you get</a> · '
        f'<a href="{escape(unsubscribe_url)}">Unsubscribe</a>{address}</div>'
    )
    lower = html.lower()
    at = lower.rfind("</body>")
    return html[:at] + footer + html[at:] if at >= 0 else html + footer


@lru_cache(maxsize=256)
def _inlined(source: str) -> str:
    """The template's CSS inlined once, into the template itself (Jinja markup passes through)."""
    if "<style" not in source.lower():
        return source
    import css_inline

    try:
        inlined = css_inline.inline(source)
        _environment(True).parse(inlined)
        return inlined
    except Exception:  # CSS or markup the inliner cannot take: render as written
        return source


@lru_cache(maxsize=256)
def _text_template(html_source: str) -> str | None:
    """The text part's template, made once from the HTML template (converting each rendered email
    instead cost more CPU than everything else in a send). None if it would not be valid Jinja."""
    from jinja2 import TemplateSyntaxError

    source = html_to_text(html_source)
    try:
        _environment(False).parse(source)
    except TemplateSyntaxError:
        return None
    return source


def html_to_text(html: str) -> str:
    from markdownify import markdownify

    text = markdownify(html, heading_style="ATX", strip=["img", "style", "script", "head", "title"],
                       escape_underscores=False, escape_asterisks=False, escape_misc=False)
    lines = [line.rstrip() for line in text.splitlines()]
    collapsed: list[str] = []
    blank = False
    for line in lines:
        if not line:
            if not blank and collapsed:
                collapsed.append("")
            blank = True
        else:
            collapsed.append(line)
            blank = False
    return "\n".join(collapsed).strip() + "\n"


# ---------------------------------------------------------------- the editor's helpers

@dataclass(frozen=True)
class MergeField:
    """A variable as the editor offers it: its name, the code that puts it in a template, what it gives."""
    name: str
    code: str
    gives: str

    @property
    def group(self) -> str:
        return {"candidate": "Candidate", "job": "Job", "company": "Company"}.get(self.name.split(".")[0], "Links")


MERGE_FIELDS: tuple[MergeField, ...] = (
    MergeField("candidate.first_name", '{{ candidate.first_name | default("there") }}',
               'the person\'s first name ("there" when it is not known)'),
    MergeField("candidate.last_name", "{{ candidate.last_name }}", "the person's last name"),
    MergeField("candidate.email", "{{ candidate.email }}", "the person's email address"),
    MergeField("candidate.city", "{{ candidate.city }}", "the person's city"),
    MergeField("candidate.country", "{{ candidate.country }}", "the person's country (a two-letter code)"),
    MergeField("candidate.skills", '{{ candidate.skills | join(", ") }}', "the person's skills, as a list"),
    MergeField("candidate.roles", '{{ candidate.roles | join(", ") }}', "the roles the person looks for"),
    MergeField("candidate.tags", '{{ candidate.tags | join(", ") }}', "the person's tags"),
    MergeField("candidate.seniority", "{{ candidate.seniority }}", "the person's seniority"),
    MergeField("candidate.remote_ok", '{% if candidate.remote_ok %}open to remote work{% endif %}',
               "whether the person is open to remote work (true or false)"),
    MergeField("candidate.linkedin_url", "{{ candidate.linkedin_url }}", "the person's LinkedIn address"),
    MergeField("candidate.portfolio_url", "{{ candidate.portfolio_url }}", "the person's portfolio address"),
    MergeField("candidate.stage", "{{ candidate.stage }}", "the person's hiring stage"),
    MergeField("job.title", "{{ job.title }}", "the job's title (job alerts)"),
    MergeField("job.city", "{{ job.city }}", "the job's city"),
    MergeField("job.country", "{{ job.country }}", "the job's country"),
    MergeField("job.remote", '{% if job.remote %}remote friendly{% endif %}', "whether the job may be remote"),
    MergeField("job.skills", '{{ job.skills | join(", ") }}', "the skills the job asks for"),
    MergeField("job.description", "{{ job.description }}", "the job's description"),
    MergeField("job.seniority", "{{ job.seniority }}", "the job's seniority"),
    MergeField("job.department", "{{ job.department }}", "the job's department"),
    MergeField("job.url", "{{ job.url }}", "the job's page"),
    MergeField("job.id", "{{ job.id }}", "the job's id"),
    MergeField("company.name", "{{ company.name }}", "your company's name"),
    MergeField("company.careers_url", "{{ company.careers_url }}", "your careers page"),
    MergeField("company.address", "{{ company.address }}", "your company's postal address"),
    MergeField("unsubscribe_url", "{{ unsubscribe_url }}", "the person's own unsubscribe link"),
    MergeField("preferences_url", "{{ preferences_url }}", "the person's own page to choose what they get"),
)
MERGE_FIELD_NAMES = {field.name: field for field in MERGE_FIELDS}


def with_merge_field(template: dict, part: str, name: str) -> dict:
    """`template` with the merge field `name` added to `part` (no script gives a cursor position): at the end of
    the subject or text, before `</body>` in HTML that has one. ValidationError if either is not one we know."""
    field = MERGE_FIELD_NAMES.get(name)
    if field is None:
        raise ValidationError.field("variable", "choose a merge field")
    if part not in PARTS:
        raise ValidationError.field("part", "one of subject, html, text")
    source = template.get(part) or ""
    if part == "subject":  # one line: a word after the others
        return {**template, part: " ".join(filter(None, (source.rstrip(), field.code)))}
    at = source.lower().rfind("</body>") if part == "html" else -1
    at = len(source) if at < 0 else at
    return {**template, part: source[:at] + field.code + source[at:]}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a template, where it is: the part (a field's name) and the line when known."""
    part: str
    line: int | None
    message: str
    code: str | None = None  # the source line it is on


def located_problems(fields: dict[str, str], template: dict) -> list[Problem]:
    """A ValidationError's fields as problems with their lines: syntax and render errors say their line already;
    unknown variables (said as a list, the API's text) are each found in the part's source."""
    problems: list[Problem] = []
    for part, problem in fields.items():
        source = template.get(part) if part in PARTS else None
        if isinstance(source, str) and problem.startswith("unknown variables: "):
            lines = _variable_lines(source, part == "html")
            problems += [_problem(part, lines.get(name), f"unknown variable {name}", source)
                         for name in problem.removeprefix("unknown variables: ").split(", ")]
            continue
        head, _, rest = problem.partition(": ")
        number = head.removeprefix("line ")
        if head.startswith("line ") and number.isdigit() and rest:
            problems.append(_problem(part, int(number), rest, source))
        else:
            problems.append(Problem(part, None, problem))
    order = {name: index for index, name in enumerate(("name", "category") + PARTS)}
    return sorted(problems, key=lambda p: (order.get(p.part, len(order)), p.line or 0))


def _problem(part: str, line: int | None, message: str, source: str | None) -> Problem:
    lines = source.splitlines() if isinstance(source, str) else []
    code = lines[line - 1].strip()[:160] if line and 0 < line <= len(lines) else None
    return Problem(part, line, message, code or None)


def _variable_lines(source: str, autoescape: bool) -> dict[str, int]:
    """Where each variable of the source is first used: "name" and "name.attribute" as _unknown_names says them."""
    from jinja2 import nodes

    try:
        ast = _environment(autoescape).parse(source)
    except Exception:  # noqa: BLE001 - it parsed when it was checked; if not now, the lines are unknown
        return {}
    lines: dict[str, int] = {}
    for node in ast.find_all((nodes.Name, nodes.Getattr)):
        if isinstance(node, nodes.Name):
            name = node.name
        elif isinstance(node.node, nodes.Name):
            name = f"{node.node.name}.{node.attr}"
        else:
            continue
        lines[name] = min(lines.get(name, node.lineno), node.lineno)
    return lines
