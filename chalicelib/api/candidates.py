"""Candidates (recruiters): upsert, search, CSV import and export, erasure, timeline, touchpoints."""
from __future__ import annotations

from chalice import Response

from .. import wiring
from ..http import ALL_TYPES, json_response, media_type, page, page_params, raw_body, read_json
from . import blueprint

routes, api = blueprint(__name__)
IMPORT_LIMIT = 6 * 1024 * 1024  # a Lambda request payload holds about 6 MB
CSV_TYPES = ("text/csv", "application/csv", "text/plain", "application/vnd.ms-excel")


@routes.route("/candidates", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def candidate_upsert():
    from ..domain.candidates import public_view

    candidate, created = wiring.candidates().upsert(read_json(routes.current_request))
    return json_response(public_view(candidate), 201 if created else 200)


@routes.route("/candidates", methods=["GET"])
@api.recruiter
def candidate_search():
    request = routes.current_request
    limit, cursor = page_params(request)
    found = wiring.candidates().browse(browse_query(request), limit=limit, cursor=cursor)
    return json_response(page(found.items, found.next_cursor))


def browse_query(request) -> dict[str, str]:
    """A list's filters and sort from the query (domain/search.py FILTER_PARAMS), one value each: a repeated one
    is refused rather than guessed at."""
    from ..domain.errors import ValidationError
    from ..domain.search import FILTER_PARAMS

    params = request.query_params or {}
    query = {}
    for name in (*FILTER_PARAMS, "sort"):
        if name not in params:
            continue
        values = params.getlist(name) if hasattr(params, "getlist") else [params[name]]
        if len(values) > 1:
            raise ValidationError.field(name, "give it once")
        if values:
            query[name] = values[0]
    return query


@routes.route("/candidates/import", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def candidate_import():
    """`?dry_run=true`: what the import would do, nothing written; `?mapping={"Column": "field"}`: columns the
    header aliases do not read (or read otherwise), "" not to import one; "full_name" splits first and last name."""
    from ..domain.candidates import parse_bool
    from ..domain.csvio import named_column_map
    from ..domain.errors import UnsupportedMediaType
    from ..domain.jsonbody import loads

    request = routes.current_request
    body = raw_body(request, IMPORT_LIMIT)
    if media_type(request) not in CSV_TYPES:
        raise UnsupportedMediaType("send the file as text/csv")
    params = request.query_params or {}
    mapping = named_column_map(loads(params["mapping"], field="mapping")) if "mapping" in params else None
    if parse_bool(params.get("dry_run"), "dry_run"):
        return json_response({**wiring.imports().check(body, mapping=mapping).report, "dry_run": True})
    return json_response(wiring.imports().run(body, mapping=mapping))


@routes.route("/candidates/export.csv", methods=["GET"])
@api.recruiter
def candidate_export_csv():
    from ..domain.csvio import export_header, export_rows

    pool = (routes.current_request.query_params or {}).get("pool")
    rows = wiring.candidates().export_rows(pool)
    body = export_header() + export_rows(list(rows))
    return Response(body=body, status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": 'attachment; filename="candidates.csv"',
    })


@routes.route("/candidates/{candidate_id}", methods=["GET"])
@api.recruiter
def candidate_get(candidate_id):
    from ..domain.candidates import public_view

    return json_response(public_view(wiring.candidates().get(candidate_id)))


@routes.route("/candidates/{candidate_id}", methods=["PATCH"], content_types=ALL_TYPES)
@api.recruiter
def candidate_patch(candidate_id):
    from ..domain.candidates import public_view

    return json_response(public_view(wiring.candidates().patch(candidate_id, read_json(routes.current_request))))


@routes.route("/candidates/{candidate_id}", methods=["DELETE"])
@api.recruiter
def candidate_erase(candidate_id):
    return json_response(wiring.privacy().erase(candidate_id))


@routes.route("/candidates/{candidate_id}/export", methods=["GET"])
@api.recruiter
def candidate_export(candidate_id):
    return json_response(wiring.privacy().export(candidate_id))


@routes.route("/candidates/{candidate_id}/timeline", methods=["GET"])
@api.recruiter
def candidate_timeline(candidate_id):
    limit, cursor = page_params(routes.current_request)
    return json_response(page(*wiring.candidates().timeline_page(candidate_id, limit, cursor)))


@routes.route("/candidates/{candidate_id}/touchpoints", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def candidate_touchpoint(candidate_id):
    return json_response(wiring.candidates().add_touchpoint(candidate_id, read_json(routes.current_request)), 201)


@routes.route("/candidates/{candidate_id}/lift-suppression", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def candidate_lift_suppression(candidate_id):
    from ..domain.candidates import public_view

    service = wiring.candidates()
    return json_response(public_view(service.lift_suppression(candidate_id, read_json(routes.current_request))))
