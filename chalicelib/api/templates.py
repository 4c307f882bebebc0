"""Email templates (recruiters): Jinja2 templates, checked when saved, and their preview for a candidate."""
from __future__ import annotations

from .. import wiring
from ..http import ALL_TYPES, json_response, page, page_params, read_json
from . import blueprint

routes, api = blueprint(__name__)


@routes.route("/templates", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def template_create():
    return json_response(wiring.templates().create(read_json(routes.current_request)), 201)


@routes.route("/templates", methods=["GET"])
@api.recruiter
def template_list():
    return json_response(page(*wiring.templates().list(*page_params(routes.current_request))))


@routes.route("/templates/preview", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def template_draft_preview():
    """An unsaved template (POST /templates' body, name and category optional) rendered for a person."""
    return json_response(wiring.templates().preview_draft(read_json(routes.current_request)))


@routes.route("/templates/{template_id}", methods=["GET"])
@api.recruiter
def template_get(template_id):
    service = wiring.templates()
    return json_response(service.view(service.get(template_id)))


@routes.route("/templates/{template_id}", methods=["PATCH"], content_types=ALL_TYPES)
@api.recruiter
def template_patch(template_id):
    return json_response(wiring.templates().patch(template_id, read_json(routes.current_request)))


@routes.route("/templates/{template_id}/preview", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def template_preview(template_id):
    return json_response(wiring.templates().preview(template_id, read_json(routes.current_request)))
