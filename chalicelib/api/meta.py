"""What the API says about itself: health and its OpenAPI description (chalicelib/web/openapi.json)."""
from __future__ import annotations

from chalice import Response

from . import blueprint

routes, api = blueprint(__name__)


@routes.route("/health", methods=["GET"])
@api.public
def health():
    return {"status": "ok"}


@routes.route("/openapi.json", methods=["GET"])
@api.public
def openapi_description():
    from ..web.openapi import document

    return Response(body=document(), status_code=200,
                    headers={"Content-Type": "application/json", "Cache-Control": "public, max-age=300"})
