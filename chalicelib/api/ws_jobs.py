"""Jobs in the workspace: open a job, its ranked matches with reasons, a job alert to them.

Pages are server-rendered (chalicelib/web/workspace.py) and pass the gate like every recruiter route (`api.page`).
They call the services the JSON API calls (api/jobs.py): the jobs service's list, create, matches and alert
audience, and the campaigns service's job alert (POST /jobs/{id}/alert); the silver medalists among the matches
and their permission request (api/silver_medalists.py: POST /jobs/{id}/silver-medalists).
"""
from __future__ import annotations

from .. import wiring
from ..http import ALL_TYPES, page_params, read_form_or_json
from . import blueprint, current_principal

routes, api = blueprint(__name__)
FORM_LIMIT = 32 * 1024  # a job's description may hold 10,000 characters
SHOWN_MATCHES = 50
# The job body's fields a form may send (domain/jobs.py JobBody); others in a form are not the job's.
FORM_FIELDS = ("title", "skills", "city", "country", "remote", "department", "seniority", "url", "description",
               "pools")
OPTIONAL = ("country", "url")  # left out when empty: "" is no country and no link


@routes.route("/dashboard/jobs", methods=["GET"])
@api.page
def jobs_list():
    from ..web.workspace import page

    jobs, next_cursor = wiring.jobs().list(*page_params(routes.current_request))
    names = _pool_names()
    return page("jobs/list.html", current_principal(), section="jobs", title="Jobs", jobs=jobs,
                next_cursor=next_cursor, pool_names=names)


@routes.route("/dashboard/jobs/new", methods=["GET"])
@api.page
def job_new():
    return _form({}, {})


@routes.route("/dashboard/jobs", methods=["POST"], content_types=ALL_TYPES)
@api.page
def job_create():
    from ..domain.errors import ValidationError
    from ..web.workspace import redirect

    form = {}  # (read below: a form that cannot be read shows empty)
    try:
        form = read_form_or_json(routes.current_request, FORM_LIMIT)
        job = wiring.jobs().create(job_body(form))
    except ValidationError as error:  # the form again, each problem beside its field
        return _form(form, error.fields or {"body": error.message}, status=400)
    return redirect(f"/dashboard/jobs/{job['id']}")


@routes.route("/dashboard/jobs/{job_id}", methods=["GET"])
@api.page
def job_page(job_id):
    """The job; its ranked matches load after the page (matches_fragment): ranking reads up to MAX_RANKED people."""
    from ..services.jobs import ALERT_MATCHES
    from ..web.workspace import page

    request = routes.current_request
    shown, _ = page_params(request, default=SHOWN_MATCHES, maximum=ALERT_MATCHES)
    service = wiring.jobs()
    job = service.view(service.get(job_id))
    params = request.query_params or {}
    alert, requested = params.get("alert"), params.get("requested")
    return page("jobs/job.html", current_principal(), section="jobs", title=job["title"], job=job, shown=shown,
                pool_names=_pool_names(), alert=alert if _campaign_id(alert) else None,
                requested=requested if _campaign_id(requested) else None)


@routes.route("/dashboard/jobs/{job_id}/matches", methods=["GET"])
@api.page
def matches_fragment(job_id):
    """The job's ranked matches (JobService.ranking: kept a while), the first `limit` of them with reasons."""
    from ..domain.accounts import may
    from ..domain.clock import utcnow
    from ..domain.matching import in_words, not_emailable_reason
    from ..services.jobs import ALERT_MATCHES
    from ..web.workspace import fragment

    shown, _ = page_params(routes.current_request, default=SHOWN_MATCHES, maximum=ALERT_MATCHES)
    service = wiring.jobs()
    job = service.view(service.get(job_id))
    ranking = service.ranked_page(job_id, shown)
    now = utcnow()
    matches = [{**m, "words": in_words(job, m["candidate"], now),
                "why_not": None if m["emailable"] else not_emailable_reason(m["status"])} for m in ranking["matches"]]
    principal = current_principal()
    silver = wiring.silver_medalists().for_job(job_id)  # the same kept ranking: who of it are silver medalists
    return fragment("jobs/_matches.html", job=job, matches=matches, ranked=ranking["ranked"],
                    emailable=ranking["emailable"], as_of=ranking["as_of"], silver=silver,
                    silver_ids={m["candidate_id"] for m in silver["matches"]},
                    can_write=bool(principal and may(principal.role, "POST", "/candidates")),
                    more=min(ALERT_MATCHES, shown + SHOWN_MATCHES) if ranking["ranked"] > shown else None)


@routes.route("/dashboard/jobs/{job_id}/alert", methods=["GET"])
@api.page
def job_alert_review(job_id):
    from ..web.workspace import page

    service = wiring.jobs()
    job = service.view(service.get(job_id))
    audience = service.alert_audience(job_id)
    return page("jobs/alert.html", current_principal(), section="jobs", title=f"Send a job alert: {job['title']}",
                job=job, audience=audience, cap=wiring.get_settings().frequency_cap)


@routes.route("/dashboard/jobs/{job_id}/alert", methods=["POST"], content_types=ALL_TYPES)
@api.page
def job_alert_send(job_id):
    from ..web.workspace import redirect

    read_form_or_json(routes.current_request, FORM_LIMIT)  # the button sends nothing, but a body is still checked
    campaign = wiring.campaigns().job_alert(job_id)
    return redirect(f"/dashboard/jobs/{job_id}?alert={campaign['id']}")


@routes.route("/dashboard/jobs/{job_id}/silver-medalists", methods=["POST"], content_types=ALL_TYPES)
@api.page
def job_silver_medalists(job_id):
    """A draft permission request to the job's silver medalists (POST /jobs/{id}/silver-medalists), then the
    job's page says where to review it."""
    from ..web.workspace import redirect

    read_form_or_json(routes.current_request, FORM_LIMIT)  # the button sends nothing, but a body is still checked
    drafted = wiring.silver_medalists().request_permission(job_id)
    return redirect(f"/dashboard/jobs/{job_id}?requested={drafted['campaign']['id']}")


def job_body(form: dict) -> dict:
    """The job body (POST /jobs) a form means: its known fields, empty optional ones left out, the pools
    checked (one or many), the remote box ticked or not."""
    body = {name: form[name] for name in FORM_FIELDS if name in form}
    for name in OPTIONAL:
        if body.get(name) == "":
            del body[name]
    if isinstance(body.get("pools"), str):
        body["pools"] = [body["pools"]]
    return body


def _form(values: dict, errors: dict, status: int = 200):
    from ..web.workspace import page

    pools, _ = wiring.pools().list(500, None)
    chosen = values.get("pools") or []
    return page("jobs/new.html", current_principal(), section="jobs", title="New job", status=status,
                values=values, errors=errors, pools=pools, chosen=[chosen] if isinstance(chosen, str) else chosen,
                seniorities=_seniorities(), fields=FORM_FIELDS)


def _seniorities() -> tuple[str, ...]:
    from ..domain.candidates import SENIORITIES

    return SENIORITIES


def _pool_names() -> dict[str, str]:
    pools, _ = wiring.pools().list(500, None)
    return {pool["id"]: pool["name"] for pool in pools}


def _campaign_id(value: object) -> bool:
    from ..domain.clock import is_id

    return is_id(value, "camp")
