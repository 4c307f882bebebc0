"""Email templates: Jinja2 in a sandbox, checked when saved, rendered for one person.

Subject and text are rendered without escaping; HTML with autoescaping. Missing values are
undefined (not "None"), so `{{ candidate.first_name | default("there") }}` works as people expect.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .errors import ValidationError

CATEGORIES = ("company_news", "industry_insights", "career_advice", "job_alert", "event_invite")
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


@lru_cache(maxsize=2)
def _environment(autoescape: bool):
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return ImmutableSandboxedEnvironment(autoescape=autoescape, trim_blocks=True, lstrip_blocks=True,
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


def validate_template(body: object, *, partial: bool = False) -> dict:
    """name, category, subject, html, text?: syntax errors with line numbers, unknown variables listed."""
    from jinja2 import TemplateSyntaxError

    if not isinstance(body, dict):
        raise ValidationError("body must be a JSON object")
    allowed = {"name", "category", "subject", "html", "text"}
    problems = {name: "unknown field" for name in sorted(set(body) - allowed)}
    required = () if partial else ("name", "category", "subject", "html")
    result = {}
    for name in ("name", "category") + PARTS:
        if name not in body:
            if name in required:
                problems[name] = "required"
            continue
        value = body[name]
        if name == "text" and value in (None, ""):
            result[name] = None  # generated from the HTML
            continue
        if not isinstance(value, str) or not value.strip():
            problems[name] = "required text"
            continue
        if name == "name":
            if len(value) > 100:
                problems[name] = "at most 100 characters"
            result[name] = " ".join(value.split())
            continue
        if name == "category":
            if value not in CATEGORIES:
                problems[name] = "one of " + ", ".join(CATEGORIES)
            result[name] = value
            continue
        if len(value) > MAX_SIZES[name]:
            problems[name] = f"at most {MAX_SIZES[name]} characters"
            continue
        try:
            ast = _environment(name == "html").parse(value)
        except TemplateSyntaxError as exc:
            problems[name] = f"line {exc.lineno}: {exc.message}"
            continue
        unknown = _unknown_names(ast)
        if unknown:
            problems[name] = "unknown variables: " + ", ".join(unknown)
            continue
        result[name] = value
    if problems:
        raise ValidationError("invalid template: " + ", ".join(sorted(problems)), problems)
    return result


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
           preferences_url: str) -> Rendered:
    """Subject, HTML (footer added when the template has no unsubscribe link, CSS inlined) and text."""
    from jinja2 import TemplateError

    context = _context(candidate, job, company, unsubscribe_url, preferences_url)
    try:
        subject = " ".join(_compiled(template["subject"], False).render(context).split())
        html = _compiled(_inlined(template["html"]), True).render(context)
        text_source = template.get("text") or _text_template(template["html"])
        text = _compiled(text_source, False).render(context) if text_source else None
    except TemplateError as exc:  # e.g. the sandbox refused an unsafe call
        raise ValidationError(f"template could not be rendered: {exc}", {"template": str(exc)},
                              code="render_error") from None
    if unsubscribe_url not in html:
        html = _with_footer(html, company, unsubscribe_url, preferences_url)
    if text is None:
        text = html_to_text(html)
    if unsubscribe_url not in text:
        text = text.rstrip() + (f"\n\n--\nYou get this because you joined the {company.get('name', 'our')} talent "
                                f"community.\nChoose what you get: {preferences_url}\nUnsubscribe: {unsubscribe_url}\n")
    return Rendered(subject=subject, html=html, text=text)


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
    collapsed, blank = [], False
    for line in lines:
        if not line:
            if not blank and collapsed:
                collapsed.append("")
            blank = True
        else:
            collapsed.append(line)
            blank = False
    return "\n".join(collapsed).strip() + "\n"
