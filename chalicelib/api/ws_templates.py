"""Templates in the workspace: the list, the editor with merge fields, the live preview as a chosen person gets it,
the problems with their lines as you type, and a test send to yourself.

Pages are server-rendered (chalicelib/web/workspace.py) and pass the gate like every recruiter route (`api.page`).
Every rule is the template service's (the API's): saving is its create and patch, the preview and the test send
its draft preview and draft test. Nothing is saved but by "Save template".

The email's HTML is shown in an `<iframe sandbox srcdoc>`: no script runs in it, and it cannot reach the page.
Such a frame inherits the page's Content-Security-Policy, so the editor's pages add to it what an email needs to
look as sent (`_editor_policy`).
"""
from __future__ import annotations

from urllib.parse import urlencode

from chalice import Response

from .. import wiring
from ..domain.errors import CrmError, NotFound, ValidationError
from ..http import ALL_TYPES, content_security_policy, page_params, read_form_or_json
from . import blueprint, current_principal

routes, api = blueprint(__name__)
# The HTML part may be 200,000 characters; a form sends each as up to 9 bytes percent-encoded (3 bytes of UTF-8).
FORM_LIMIT = 2 * 1024 * 1024
TEMPLATE_FIELDS = ("name", "category", "subject", "html", "text")
FIELDS = TEMPLATE_FIELDS + ("candidate", "candidate_email", "template_id", "variable", "part")
PEOPLE = 10  # the people "Preview as" offers (a page of the candidates table), besides the sample person
# How a problem names the field it is about (the service's field names; the person's id is the "candidate" field)
LABELS = {"name": "Name", "category": "Category", "subject": "Subject", "html": "HTML", "text": "Text",
          "candidate": "Preview as", "candidate_email": "Preview as (email)", "job_id": "Job",
          "variable": "Merge field", "part": "Insert into", "email": "Your address", "body": "Form"}


# ---------------------------------------------------------------- pages

@routes.route("/dashboard/templates", methods=["GET"])
@api.page
def template_list():
    from ..web.workspace import page

    items, next_cursor = wiring.templates().list(*page_params(routes.current_request))
    more = "/dashboard/templates?" + urlencode({"cursor": next_cursor}) if next_cursor else None
    return page("templates/list.html", current_principal(), section="templates", title="Templates", items=items,
                more=more, category_label=_category_label)


@routes.route("/dashboard/templates/new", methods=["GET"])
@api.page
def template_new():
    values = dict.fromkeys(FIELDS, "")
    values["candidate"] = _query("candidate")
    return _editor(values, None)


@routes.route("/dashboard/templates/{template_id}", methods=["GET"])
@api.page
def template_edit(template_id):
    template = wiring.templates().get(template_id)
    values = {**dict.fromkeys(FIELDS, ""), **{k: template.get(k) or "" for k in TEMPLATE_FIELDS},
              "candidate": _query("candidate"), "template_id": template_id}
    notice = "Template saved." if _query("saved") == "1" else None
    return _editor(values, template, notice=notice)


# ---------------------------------------------------------------- saving

@routes.route("/dashboard/templates", methods=["POST"], content_types=ALL_TYPES)
@api.page
def template_create():
    values = _form()
    try:
        made = wiring.templates().create(_template(values))
    except ValidationError as error:
        return _editor(values, None, error=error)
    return _saved(made["id"], values)


@routes.route("/dashboard/templates/{template_id}", methods=["POST"], content_types=ALL_TYPES)
@api.page
def template_save(template_id):
    service = wiring.templates()
    template = service.get(template_id)
    values = {**_form(), "template_id": template_id}
    try:
        service.patch(template_id, _template(values))
    except ValidationError as error:
        return _editor(values, template, error=error)
    return _saved(template_id, values)


def _saved(template_id: str, values: dict) -> Response:
    from ..web.workspace import redirect

    chosen = values["candidate"]
    if values["candidate_email"].strip():  # the page comes back as that person's (by id: no address in the URL)
        chosen = wiring.templates().person_id(values["candidate_email"]) or chosen
    query = {"saved": "1", **({"candidate": chosen} if chosen else {})}
    return redirect(f"/dashboard/templates/{template_id}?{urlencode(query)}")


# ---------------------------------------------------------------- preview, merge fields, test send

@routes.route("/dashboard/templates/preview", methods=["POST"], content_types=ALL_TYPES)
@api.page
def template_preview():
    """The draft as the chosen person gets it: for htmx (as you type) the preview panel, else the whole editor."""
    from ..web.workspace import fragment, is_htmx

    values = _form()
    template = _saved_template(values)
    if not is_htmx(routes.current_request):
        return _editor(values, template)
    # htmx swaps only 2xx answers: problems with what is being typed are the content, shown with a 200
    shown = _preview(values)
    return fragment("templates/_preview.html", oob=True, preview=shown["preview"], problems=shown["problems"],
                    waiting=shown["waiting"])


@routes.route("/dashboard/templates/insert", methods=["POST"], content_types=ALL_TYPES)
@api.page
def template_insert():
    """The editor again with the merge field chosen added to the part chosen (nothing saved)."""
    from ..domain.templates import MERGE_FIELD_NAMES, with_merge_field

    values = _form()
    template = _saved_template(values)
    changed = with_merge_field(values, values["part"], values["variable"])
    notice = f"Added {MERGE_FIELD_NAMES[values['variable']].code} at the end of the {LABELS[values['part']]}."
    return _editor(changed, template, notice=notice)


@routes.route("/dashboard/templates/test", methods=["POST"], content_types=ALL_TYPES)
@api.page
def template_test():
    """The draft, as its preview shows it, sent to the signed-in member's own address (the local outbox in a
    local stack)."""
    from ..web.workspace import fragment, is_htmx

    values = _form()
    template = _saved_template(values)
    me = current_principal().email
    try:
        sent = wiring.templates().test_draft(_draft(values), to=me)
        result, status = {"sent": sent, "problems": []}, 200
    except CrmError as error:
        result, status = {"sent": None, "problems": _problems(error, values)}, error.status
    if is_htmx(routes.current_request):
        return fragment("templates/_test_result.html", test=result, me=me, is_local=wiring.get_settings().is_local)
    return _editor(values, template, test=result, status=status)


# ---------------------------------------------------------------- the editor

def _editor(values: dict, template: dict | None, *, error: CrmError | None = None, notice: str | None = None,
            test: dict | None = None, status: int | None = None) -> Response:
    """The editor page: the form with `values`, each field's problem beside it, and the preview."""
    from ..domain.templates import MERGE_FIELDS, PARTS
    from ..domain.vocabulary import Category
    from ..services.templates import TemplateService
    from ..web.workspace import page

    template = TemplateService.view(template) if template else None
    preview = _preview(values)
    problems = _problems(error, values) if error else []
    problems += [p for p in preview["problems"] if p not in problems]
    title = "New template" if template is None else template.get("name") or "Template"
    answer = status or (error.status if error else preview["status"])
    response = page("templates/editor.html", current_principal(), section="templates", title=title,
                    status=answer, template=template, values=values, problems=problems, notice=notice,
                    test=test, oob=False, people=_people(values["candidate"]), merge_fields=MERGE_FIELDS,
                    parts=[(part, LABELS[part]) for part in PARTS],
                    categories=[(c.value, _category_label(c.value)) for c in Category], me=current_principal().email,
                    action=f"/dashboard/templates/{template['id']}" if template else "/dashboard/templates",
                    preview=preview["preview"], waiting=preview["waiting"])
    response.headers["Content-Security-Policy"] = _editor_policy(str(response.body))
    return response


def _preview(values: dict) -> dict:
    """What the preview panel shows: the rendered parts, or the problems with their lines (and their status).
    While the subject or the HTML is still blank, what is written is checked and the blank part is no problem."""
    blank = {part for part in ("subject", "html") if not values[part].strip()}
    if len(blank) == 2 and not values["text"].strip():
        return {"preview": None, "problems": [], "waiting": True, "status": 200}
    try:
        rendered = wiring.templates().preview_draft(_draft(values))
    except CrmError as error:
        problems = [p for p in _problems(error, values) if p["part"] not in blank]
        status = error.status if problems or not blank else 200
        return {"preview": None, "problems": problems, "waiting": bool(blank), "status": status}
    return {"preview": rendered, "problems": [], "waiting": False, "status": 200}


def _problems(error: CrmError, values: dict) -> list[dict]:
    """The error's problems, each with its part's label and, where the service said or the source shows, its line."""
    from ..domain.templates import located_problems

    fields = {_part_of(name): problem for name, problem in error.fields.items()} or {"body": error.message}
    return [vars(p) | {"label": LABELS.get(p.part, p.part)} for p in located_problems(fields, values)]


def _part_of(name: str) -> str:
    return "candidate" if name == "candidate_id" else name


def _people(chosen: str) -> list[dict]:
    """Who "Preview as" offers: the sample person, a page of people, and the person chosen (from a link) if not
    among them."""
    from ..domain.templates import SAMPLE

    items, _ = wiring.candidates().search(skill=None, q=None, pool=None, limit=PEOPLE, cursor=None)
    people = [{"id": "", "label": f"A sample person ({SAMPLE['candidate']['first_name']} "
                                  f"{SAMPLE['candidate']['last_name']})"}]
    if 0 < len(chosen) <= 100 and all(p["id"] != chosen for p in items):  # longer: no id (the preview says so)
        try:
            items = [wiring.candidates().get(chosen)] + items
        except NotFound:
            pass  # the preview says so
    return people + sorted(({"id": p["id"], "label": _person_label(p)} for p in items),
                           key=lambda p: p["label"].lower())


def _person_label(person: dict) -> str:
    name = " ".join(filter(None, (person.get("first_name"), person.get("last_name"))))
    return f"{name} <{person.get('email')}>" if name else str(person.get("email") or person.get("id"))


# ---------------------------------------------------------------- reading the form

def _form() -> dict[str, str]:
    """The editor's fields as text; a field sent twice, or not as text, is a 400 (nothing is done)."""
    form = read_form_or_json(routes.current_request, FORM_LIMIT)
    values = {}
    for name in FIELDS:
        value = form.get(name, "")
        if not isinstance(value, str):
            raise ValidationError.field(name, "one text value")
        values[name] = value.replace("\r\n", "\n")  # a browser sends a textarea's line breaks as CRLF
    return values


def _template(values: dict) -> dict:
    """The template's fields as POST /templates takes them (an empty text part is made from the HTML)."""
    return {name: values[name] for name in TEMPLATE_FIELDS}


def _draft(values: dict) -> dict:
    """The draft as the service's DraftBody takes it: what is blank is left out (the category picks a job)."""
    draft = {"subject": values["subject"], "html": values["html"], "text": values["text"] or None}
    if values["candidate_email"].strip():  # typed: it names the person rather than the list's choice
        draft["candidate_email"] = values["candidate_email"]
    elif values["candidate"]:
        draft["candidate_id"] = values["candidate"]
    if values["category"]:
        draft["category"] = values["category"]
    return draft


def _saved_template(values: dict) -> dict | None:
    """The saved template the draft is an edit of (its id in a hidden field), or None for a new one."""
    return wiring.templates().get(values["template_id"]) if values["template_id"] else None


def _query(name: str) -> str:
    params = routes.current_request.query_params
    return (params.get(name) if params else None) or ""


def _category_label(category: str) -> str:
    return str(category).replace("_", " ").capitalize()


def _editor_policy(page: str) -> str:
    """The page's policy (chalicelib/http.py) and what the email in its `<iframe sandbox srcdoc>` needs to look
    as sent: style attributes (CSS is inlined when sent) and images from the web. The frame runs no script
    (sandbox, script-src) and cannot reach the page; the page's own markup has no style attribute."""
    policy = content_security_policy(page)
    return policy.replace("img-src 'self' data:", "img-src 'self' data: https:") + "; style-src-attr 'unsafe-inline'"
