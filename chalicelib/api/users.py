"""Team accounts: sign-in (public), the signed-in member (`/me`), members (admin) and the audit log (admin).

Who may call what is the gate's rule (chalicelib/api/__init__.py, domain/accounts.py `may`): these routes
only hand over to the services.
"""
from __future__ import annotations

from chalice import Response

from .. import wiring
from ..http import ALL_TYPES, client_ip, json_response, page, page_params, read_json
from . import blueprint, current_principal

routes, api = blueprint(__name__)


@routes.route("/auth/sign-in", methods=["POST"], content_types=ALL_TYPES)
@api.public
def sign_in():
    request = routes.current_request
    return json_response(wiring.auth().sign_in(read_json(request, limit=16 * 1024), client_ip(request)))


@routes.route("/auth/new-password", methods=["POST"], content_types=ALL_TYPES)
@api.public
def new_password():
    request = routes.current_request
    return json_response(wiring.auth().new_password(read_json(request, limit=16 * 1024), client_ip(request)))


@routes.route("/auth/sign-out", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def sign_out():
    wiring.auth().sign_out(current_principal())
    return Response(body="", status_code=204)


@routes.route("/me", methods=["GET"])
@api.recruiter
def me():
    principal = current_principal()
    return json_response({**principal.view(), "via": principal.via})


@routes.route("/users", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def user_create():
    return json_response(wiring.users().create(read_json(routes.current_request, limit=16 * 1024)), 201)


@routes.route("/users", methods=["GET"])
@api.recruiter
def user_list():
    items = wiring.users().list()
    return json_response(page(items, None))


@routes.route("/users/{user_id}", methods=["GET"])
@api.recruiter
def user_get(user_id):
    from ..services.users import view

    return json_response(view(wiring.users().get(user_id)))


@routes.route("/users/{user_id}", methods=["PATCH"], content_types=ALL_TYPES)
@api.recruiter
def user_change(user_id):
    return json_response(wiring.users().change(user_id, read_json(routes.current_request, limit=16 * 1024),
                                               current_principal()))


@routes.route("/users/{user_id}", methods=["DELETE"])
@api.recruiter
def user_delete(user_id):
    wiring.users().delete(user_id, current_principal())
    return Response(body="", status_code=204)


@routes.route("/audit", methods=["GET"])
@api.recruiter
def audit_log():
    request = routes.current_request
    limit, cursor = page_params(request)
    return json_response(page(*wiring.audit().page(dict(request.query_params or {}), limit=limit, cursor=cursor)))


@routes.route("/apikeys", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def apikey_create():
    return json_response(wiring.users().create_key(read_json(routes.current_request, limit=16 * 1024),
                                                   current_principal()), 201)


@routes.route("/apikeys", methods=["GET"])
@api.recruiter
def apikey_list():
    return json_response(page(wiring.api_keys().list(), None))


@routes.route("/apikeys/{key_id}", methods=["DELETE"])
@api.recruiter
def apikey_revoke(key_id):
    from ..domain.errors import NotFound

    if not wiring.api_keys().revoke(key_id):
        raise NotFound(f"no key {key_id}")
    return Response(body="", status_code=204)
