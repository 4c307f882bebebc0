"""HTTP side of CSV import and export."""
from __future__ import annotations

from chalice import Response

from .. import wiring
from ..domain.csvio import export_header, export_rows
from ..domain.errors import UnsupportedMediaType
from ..http import json_response, media_type, raw_body

IMPORT_LIMIT = 6 * 1024 * 1024  # a Lambda request payload holds about 6 MB
CSV_TYPES = ("text/csv", "application/csv", "text/plain", "application/vnd.ms-excel")


def import_csv(request) -> Response:
    body = raw_body(request, IMPORT_LIMIT)
    if media_type(request) not in CSV_TYPES:
        raise UnsupportedMediaType("send the file as text/csv")
    return json_response(wiring.imports().run(body))


def export_csv(request) -> Response:
    pool = (request.query_params or {}).get("pool")
    rows = wiring.candidates().export_rows(pool)
    body = export_header() + export_rows(list(rows))
    return Response(body=body, status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": 'attachment; filename="candidates.csv"',
    })
