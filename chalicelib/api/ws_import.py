"""Importing a spreadsheet in the workspace: upload, map columns, preview the failures, import with progress, the error rows.

Pages are server-rendered (chalicelib/web/workspace.py) and pass the gate like every recruiter route (`api.page`).
The page keeps no state on the server: the form's file input keeps its file, so each step posts the same form
(multipart/form-data) again. "Preview" is a dry run (ImportService.check: nothing written); "Import" runs the
file part by part (ImportService.run_part), each answer showing the progress and asking htmx for the next part,
the running totals carried in the form; "Download error rows" answers the failing rows as a CSV.

htmx swaps only 2xx answers: to an htmx request a problem is answered 200 with the problem in the panel; the same
request without htmx gets the page with its 4xx status.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

from chalice import Response

from .. import wiring
from ..domain.csvio import FULL_NAME, MAX_COLUMNS, MAX_RECORDS, MAX_ROWS, TARGETS, ColumnMap, header_fingerprint
from ..domain.errors import Conflict, CrmError, ValidationError
from ..domain.jsonbody import loads as strict_json
from ..http import ALL_TYPES
from . import blueprint, current_principal

routes, api = blueprint(__name__)
IMPORT_LIMIT = 6 * 1024 * 1024  # a Lambda request payload holds about 6 MB (the JSON import's limit too)
MAX_FIELDS = MAX_COLUMNS + 20  # a choice per column, the file and the import's running totals
PART_SIZE = 500  # addresses an "Import" request imports: a second or so on DynamoDB (more on the local emulator)
SHOWN_ERRORS = 100  # failing rows listed on the page; the download has them all
LATE_KEPT = 100  # errors found while importing (not in the dry run) carried from part to part
LATE_CHARS = 300  # of each one's message
LATE_FIELD_CHARS = 8_000  # all of them, as JSON: under a form field's bound (web/uploads.py MAX_VALUE_CHARS)
PREVIEW_ROWS = 5
SECTION = "candidates"
TITLE = "Import candidates"
_COLUMN = re.compile(r"column-(0|[1-9][0-9]{0,2})")
_COUNT = re.compile(r"0|[1-9][0-9]{0,6}")
_FINGERPRINT = re.compile(r"[0-9a-f]{16}")
TOTALS = ("created", "updated", "unchanged", "failed")

# What each field is called on the page (the select's options), in the order they are offered.
LABELS = {"": "Don't import", "email": "Email", FULL_NAME: "Full name (split into first and last)",
          "first_name": "First name", "last_name": "Last name", "phone": "Phone", "city": "City",
          "country": "Country", "timezone": "Time zone", "remote_ok": "Open to remote", "skills": "Skills",
          "roles": "Roles", "tags": "Tags",
          "linkedin_url": "LinkedIn URL", "portfolio_url": "Portfolio URL", "seniority": "Seniority",
          "source": "Source", "stage": "Stage", "status": "Status", "sms_consent": "SMS consent",
          "last_contacted_at": "Last contacted"}


@dataclass
class Submitted:
    """The posted form: the file, the column choices, and an import's running totals."""
    data: bytes
    filename: str
    mapping: ColumnMap
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def run(self) -> str:
        """Names this file with these choices: every part of one import must send the same."""
        choices = json.dumps(sorted(self.mapping.by_index.items())) + (self.mapping.header or "")
        return hashlib.sha256(self.data + b"\x00" + choices.encode()).hexdigest()[:16]


# ---------------------------------------------------------------- routes

@routes.route("/dashboard/import", methods=["GET"])
@api.page
def import_page():
    return _page()


@routes.route("/dashboard/import/preview", methods=["POST"], content_types=ALL_TYPES)
@api.page
def import_preview():
    request = routes.current_request
    submitted = None
    try:
        submitted = _submitted(request)
        dry = wiring.imports().check(submitted.data, mapping=submitted.mapping)
    except CrmError as error:
        return _problem(request, error, submitted)
    return _panel(request, "preview.html", 200, **_preview(dry.report, dry.parsed, submitted))


@routes.route("/dashboard/import", methods=["POST"], content_types=ALL_TYPES)
@api.page
def import_run():
    request = routes.current_request
    submitted = None
    try:
        submitted = _submitted(request)
        chain = _Chain.read(submitted.fields)
        if _is_htmx(request):
            return _import_part(submitted, chain)
        report = wiring.imports().run(submitted.data, mapping=submitted.mapping)
    except CrmError as error:
        return _problem(request, error, submitted)
    counts = {name: report[name] for name in ("created", "updated", "unchanged")}
    return _panel(request, "results.html", 200, late=_carried(report["errors"]),
                  **_results(submitted, report, counts, report["errors"], len(report["errors"])))


@routes.route("/dashboard/import/errors.csv", methods=["POST"], content_types=ALL_TYPES)
@api.page
def import_error_rows():
    from ..domain.csvio import error_rows_csv

    submitted = _submitted(routes.current_request)
    dry = wiring.imports().check(submitted.data, mapping=submitted.mapping)
    known = {error["row"] for error in dry.report["errors"]}
    errors = dry.report["errors"] + [e for e in _late(submitted.fields) if e["row"] not in known]
    return Response(body=error_rows_csv(dry.parsed, errors), status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
        "Content-Disposition": 'attachment; filename="import-errors.csv"'})


# ---------------------------------------------------------------- importing part by part

@dataclass
class _Chain:
    """Where an import part by part has got to, as the form carries it from part to part."""
    part: int
    totals: dict[str, int]
    late: list[dict]  # errors the parts found that the file alone does not show (LATE_KEPT at most)
    run: str | None

    @classmethod
    def read(cls, fields: dict[str, str]) -> _Chain:
        part = _count(fields, "part", MAX_ROWS)
        totals = {name: _count(fields, name, MAX_ROWS) for name in TOTALS}
        late = _late(fields)
        if not part:  # a new import: whatever an earlier one left in the form does not count
            return cls(0, dict.fromkeys(TOTALS, 0), [], None)
        return cls(part, totals, late, fields.get("run"))


def _import_part(submitted: Submitted, chain: _Chain) -> Response:
    """One part of the import (htmx): the progress and the request for the next part, or the results."""
    if chain.part and chain.run != submitted.run:
        raise Conflict("the file or its columns changed during the import: import it again (nothing is "
                       "imported twice)", code="import_changed")
    report = wiring.imports().run_part(submitted.data, part=chain.part, size=PART_SIZE, mapping=submitted.mapping)
    totals = chain.totals
    for name in ("created", "updated", "unchanged"):
        totals[name] += report[name]
    totals["failed"] += len(report["errors"])
    late = (chain.late + list(report["errors"]))[:LATE_KEPT]
    if report["done"] < report["people"]:
        return _fragment("progress.html", run=submitted.run, next_part=chain.part + 1, done=report["done"],
                         people=report["people"], totals=totals, late=_carried(late), kept=_kept(submitted),
                         announce=f"{report['done']:,} of {report['people']:,} people imported")
    failed = len(report["file_errors"]) + totals["failed"]
    return _fragment("results.html", late=_carried(late), **_results(
        submitted, report, totals, report["file_errors"] + late, failed))


def _carried(errors: list) -> str:
    """Errors as the form carries them to the next step: [[row, error], ...], within a form field's bound."""
    kept: list[list] = []
    size = 2
    for error in errors[:LATE_KEPT]:
        item = [error["row"], error["error"][:LATE_CHARS]]
        size += len(json.dumps(item, ensure_ascii=False)) + 1
        if size > LATE_FIELD_CHARS:
            break
        kept.append(item)
    return json.dumps(kept, ensure_ascii=False, separators=(",", ":"))


def _results(submitted: Submitted, report, counts: dict, errors: list, failed: int) -> dict:
    return {"filename": submitted.filename, "rows": report["rows"], "counts": counts, "failed": failed,
            "errors": sorted(errors, key=lambda e: e["row"])[:SHOWN_ERRORS],
            "duplicates": len(report["duplicate_rows"]), "ignored": report["ignored_columns"],
            "kept": _kept(submitted), "announce": _summary(counts, failed)}


def _summary(counts: dict, failed: int) -> str:
    return (f"Import finished: {counts['created']:,} added, {counts['updated']:,} updated, "
            f"{counts['unchanged']:,} unchanged, {failed:,} not imported.")


# ---------------------------------------------------------------- the preview

def _preview(report, parsed, submitted: Submitted) -> dict:
    """The mapping table, the first rows as they would be imported, and what importing would do."""
    sample = parsed.rows[:PREVIEW_ROWS]
    shown = [target for target in parsed.targets if target]
    fields = [name for name in ("email", *_profile_order(shown))]
    failed = len(report["errors"])
    return {"columns": _columns(parsed.headers, parsed.targets, [row.cells for row in sample], {}),
            "header": header_fingerprint(parsed.headers), "options": LABELS, "problem": None,
            "fields": [(name, LABELS[name]) for name in fields],
            "sample": [{"row": row.row, "error": row.error, "shown": _shown(row)} for row in sample],
            "report": report, "failed": failed, "errors": report["errors"][:SHOWN_ERRORS], "duplicates": report["duplicate_rows"], "filename": submitted.filename,
            "announce": (f"Preview of {submitted.filename or 'the file'}: {report['rows']:,} rows, "
                       f"{failed:,} will not be imported.")}


def _profile_order(targets: list[str]) -> list[str]:
    """The profile fields the columns give, in the order of the options (a full name gives first and last)."""
    given = set(targets) | ({"first_name", "last_name"} if FULL_NAME in targets else set())
    return [name for name in LABELS if name in given and name not in ("", "email", FULL_NAME)]


def _shown(row) -> dict[str, str]:
    values = {"email": row.email or ""}
    for name, value in row.profile.items():
        if isinstance(value, bool):
            values[name] = "yes" if value else "no"
        elif isinstance(value, list):
            values[name] = ", ".join(str(item) for item in value)
        else:
            values[name] = str(value)
    return values


def _columns(headers: list[str], targets: list, rows: list[list[str]], problems: dict[int, str]) -> list[dict]:
    """Each column as the mapping table shows it: its name, an example cell, its field, its problem."""
    columns = []
    for index, header in enumerate(headers):
        example = next((cells[index].strip() for cells in rows if index < len(cells) and cells[index].strip()), "")
        columns.append({"index": index, "name": f"column-{index}", "header": " ".join(header.split())
                        or f"Column {index + 1}", "example": example[:80], "target": targets[index] or "",
                        "problem": problems.get(index)})
    return columns


def _mapping_problem(error: ValidationError, submitted: Submitted) -> dict:
    """The mapping table again, with the choices as sent and each column's problem (or the file's)."""
    from ..domain.csvio import MappingError, automatic_targets, peek

    headers, rows = peek(submitted.data, PREVIEW_ROWS)
    targets: list = automatic_targets(headers, full_name=True)
    if submitted.mapping.header in (None, header_fingerprint(headers)):
        for index, target in submitted.mapping.by_index.items():
            if index < len(targets):
                targets[index] = target
    problems = error.columns if isinstance(error, MappingError) else {}
    message = error.fields.get("mapping") or "choose the column that holds the email addresses"
    return {"columns": _columns(headers, targets, rows, problems), "header": header_fingerprint(headers),
            "options": LABELS, "problem": message, "fields": [], "sample": [], "report": None, "failed": 0,
            "errors": [], "duplicates": [], "filename": submitted.filename,
            "announce": f"The columns need a look: {message}."}


# ---------------------------------------------------------------- the form

def _submitted(request) -> Submitted:
    from ..web.uploads import read_upload

    upload = read_upload(request, IMPORT_LIMIT, MAX_FIELDS)
    file = upload.files.get("file")
    if file is None or not (file.data or file.filename):
        raise ValidationError.field("file", "choose a CSV file")
    return Submitted(file.data, file.filename, _mapping(upload.fields), upload.fields)


def _mapping(fields: dict[str, str]) -> ColumnMap:
    """The columns' choices the preview's selects sent (column-<n>: a field or "" for not imported)."""
    chosen: dict[int, str] = {}
    for name, value in fields.items():
        if not name.startswith("column-"):
            continue
        if not _COLUMN.fullmatch(name) or int(name[7:]) >= MAX_COLUMNS:
            raise ValidationError.field(name, "no such column")
        if value and value not in TARGETS:
            raise ValidationError.field(name, "not a field a column can be imported as")
        chosen[int(name[7:])] = value
    header = fields.get("header")
    if header is not None and not _FINGERPRINT.fullmatch(header):
        raise ValidationError.field("header", "not a header this page gave out")
    return ColumnMap(by_index=chosen, full_name=True, header=header)


def _kept(submitted: Submitted) -> list[tuple[str, str]]:
    """The choices as hidden fields, so each later step (the next part, the error rows) uses the same."""
    kept = [(f"column-{index}", target) for index, target in sorted(submitted.mapping.by_index.items())]
    return kept + ([("header", submitted.mapping.header)] if submitted.mapping.header else [])


def _count(fields: dict[str, str], name: str, most: int) -> int:
    value = fields.get(name, "0")
    if not _COUNT.fullmatch(value) or int(value) > most:
        raise ValidationError.field(name, f"must be a whole number from 0 to {most}")
    return int(value)


def _late(fields: dict[str, str]) -> list[dict]:
    """The errors earlier parts found, as the page carried them: [[row, error], ...]."""
    raw = fields.get("late")
    if not raw:
        return []
    value = strict_json(raw, field="late")
    if not isinstance(value, list) or len(value) > LATE_KEPT or not all(
            isinstance(item, list) and len(item) == 2 and isinstance(item[0], int) and 2 <= item[0] <= MAX_RECORDS + 1
            and isinstance(item[1], str) and 0 < len(item[1]) <= LATE_CHARS for item in value):
        raise ValidationError.field("late", "not the errors this page carried")
    return [{"row": row, "error": error} for row, error in value]


# ---------------------------------------------------------------- answers

def _is_htmx(request) -> bool:
    from ..web.workspace import is_htmx

    return is_htmx(request)


def _page(status: int = 200, panel: str | None = None, **values) -> Response:
    from ..web.workspace import page

    return page("import/index.html", current_principal(), section=SECTION, title=TITLE, status=status, panel=panel,
                max_rows=MAX_ROWS, max_mb=IMPORT_LIMIT // (1024 * 1024), oob=False, **values)


def _fragment(name: str, **values) -> Response:
    from ..web.workspace import fragment

    return fragment(f"import/{name}", oob=True, **values)


def _panel(request, name: str, status: int, **values) -> Response:
    """A step's answer: the panel alone for htmx (always 200: htmx swaps nothing else), else the whole page."""
    if _is_htmx(request):
        return _fragment(name, **values)
    return _page(status, panel=name, **values)


def _problem(request, error: CrmError, submitted: Submitted | None) -> Response:
    from ..domain.csvio import MappingError, NoEmailColumn

    if isinstance(error, (MappingError, NoEmailColumn)) and submitted is not None:
        return _panel(request, "preview.html", error.status, **_mapping_problem(error, submitted))
    return _panel(request, "problem.html", error.status, error=error, kept=_kept(submitted) if submitted else [],
                  announce=f"The file cannot be imported: {error.message}")
