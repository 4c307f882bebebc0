"""CSV import parsing and export formatting: spreadsheets as small teams keep them."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from .candidates import PROFILE_FIELDS, validate_profile
from .emails import normalize_email
from .errors import PayloadTooLarge, ValidationError
from .vocabulary import SYSTEM_STATUSES

MAX_ROWS = 10_000
# Bounds on a file's shape, checked before a row is split into cells: a header of a million columns
# or a cell of megabytes is a 400 at once, with a short message (never an echo of the header).
MAX_COLUMNS = 200
MAX_CELL_CHARS = 32 * 1024
MAX_RECORD_CHARS = 256 * 1024  # one row, all its lines (a quoted cell may span lines)
MAX_HEADER_CHARS = 200  # one column name
MAX_RECORDS = 10 * MAX_ROWS  # rows blank or not (a sheet's empty rows below its data come as blank lines)

# Normalized header (lower-case letters and digits only) -> candidate field.
HEADER_ALIASES = {
    "email": "email", "emailaddress": "email", "mail": "email", "workemail": "email",
    "personalemail": "email",
    "firstname": "first_name", "givenname": "first_name", "forename": "first_name",
    "lastname": "last_name", "surname": "last_name", "familyname": "last_name",
    "phone": "phone", "phonenumber": "phone", "mobile": "phone", "mobilephone": "phone",
    "telephone": "phone", "tel": "phone",
    "city": "city", "town": "city",
    "country": "country", "countrycode": "country",
    "remote": "remote_ok", "remoteok": "remote_ok", "opentoremote": "remote_ok",
    "skills": "skills", "skill": "skills", "keyskills": "skills",
    "roles": "roles", "role": "roles", "desiredroles": "roles", "jobtitle": "roles",
    "tags": "tags", "tag": "tags", "labels": "tags",
    "linkedin": "linkedin_url", "linkedinurl": "linkedin_url", "linkedinprofile": "linkedin_url",
    "portfolio": "portfolio_url", "portfoliourl": "portfolio_url", "github": "portfolio_url",
    "seniority": "seniority", "level": "seniority",
    "source": "source", "status": "status", "stage": "stage",
    "smsconsent": "sms_consent",
    "lastcontacted": "last_contacted_at", "lastcontactedat": "last_contacted_at",
    "lastcontact": "last_contacted_at",
}
EXPORT_COLUMNS = (
    "id", "email", "first_name", "last_name", "phone", "city", "country", "remote_ok", "skills",
    "roles", "tags", "linkedin_url", "portfolio_url", "seniority", "source", "status", "stage",
    "sms_consent", "engagement_score", "last_contacted_at", "last_engaged_at", "created_at",
    "updated_at",
)


_PHONE_LIKE = re.compile(r"^[+-]?[0-9][0-9 ().-]*$")


@dataclass
class ParsedRow:
    row: int  # spreadsheet row number: the header is row 1
    email: str | None = None
    profile: dict = field(default_factory=dict)
    error: str | None = None


@dataclass
class ParsedFile:
    rows: list[ParsedRow]
    columns: dict[str, str]  # header as written -> field
    ignored_columns: list[str]


def _header_key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError.field("file", f"must be UTF-8 text (bad byte at {exc.start})") from None


def _delimiter(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


class _Lines:
    """The lines csv.reader reads (split at \\n, \\r\\n or a lone \\r), refusing a row longer than
    MAX_RECORD_CHARS before the csv module splits it into cells, and a file of more than MAX_RECORDS rows."""

    def __init__(self, text: str):
        self._lines = iter(io.StringIO(text, newline=""))
        self.row = 1  # the row being read: the header is row 1
        self._size = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        if self.row > MAX_RECORDS + 1:
            raise PayloadTooLarge(f"at most {MAX_ROWS} rows and {MAX_RECORDS} lines (blank ones too) per import; "
                                  "split the file", code="too_many_rows")
        self._size += len(line)
        if self._size > MAX_RECORD_CHARS:
            raise _shape_error(self.row, f"is longer than {MAX_RECORD_CHARS:,} characters")
        return line

    def next_row(self) -> None:
        self.row += 1
        self._size = 0


def _shape_error(row: int, problem: str) -> ValidationError:
    return ValidationError.field("file", f"row {row} {problem}; split or clean the file "
                                 f"(at most {MAX_COLUMNS} columns and {MAX_CELL_CHARS:,} characters a cell)")


def _read(reader, lines: _Lines) -> list[str]:
    """The next row's cells (StopIteration at the end); csv.Error for a malformed row."""
    try:
        cells = next(reader)
    except csv.Error as exc:
        if "field limit" in str(exc):  # the csv module's own bound on a cell, above ours
            raise _shape_error(lines.row, f"has a cell longer than {MAX_CELL_CHARS:,} characters") from None
        raise
    if len(cells) > MAX_COLUMNS:
        raise _shape_error(lines.row, f"has {len(cells):,} cells")
    if any(len(cell) > MAX_CELL_CHARS for cell in cells):
        raise _shape_error(lines.row, f"has a cell longer than {MAX_CELL_CHARS:,} characters")
    return cells


def parse_csv(data: bytes | str, max_rows: int = MAX_ROWS) -> ParsedFile:
    text = _decode(data)
    if not text.strip():
        raise ValidationError.field("file", "is empty")
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=_delimiter(text.split("\n", 1)[0]))
    try:
        headers = _read(reader, lines)
    except csv.Error as exc:
        raise ValidationError.field("file", f"not valid CSV: {exc}") from None
    if any(len(header) > MAX_HEADER_CHARS for header in headers):
        raise ValidationError.field("file", f"a column name in row 1 is longer than {MAX_HEADER_CHARS} characters; "
                                    "is the first row the header?")
    columns: dict[int, str] = {}
    named: dict[str, str] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        target = HEADER_ALIASES.get(_header_key(header))
        if target and target not in columns.values():
            columns[index] = target
            named[header.strip()] = target
        elif header.strip():
            ignored.append(header.strip())
    if "email" not in columns.values():
        raise ValidationError.field("file", "needs an email column (for example 'Email' or 'E-mail')")

    rows: list[ParsedRow] = []
    while True:
        lines.next_row()
        try:
            cells = _read(reader, lines)
        except StopIteration:
            break
        except csv.Error as exc:
            rows.append(ParsedRow(row=lines.row, error=f"not valid CSV: {exc}"))
            continue
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are not rows
        if len(rows) >= max_rows:
            raise PayloadTooLarge(f"at most {max_rows} rows per import; split the file", code="too_many_rows")
        rows.append(_parse_row(lines.row, cells, columns))
    return ParsedFile(rows=rows, columns=named, ignored_columns=ignored)


def _parse_row(number: int, cells: list[str], columns: dict[int, str]) -> ParsedRow:
    values = {columns[i]: cell.strip() for i, cell in enumerate(cells) if i in columns}
    if values.get("status", "").lower() in SYSTEM_STATUSES:
        del values["status"]  # set by opt-in and email events, never by a file (exports round-trip)
    try:
        email = normalize_email(values.pop("email", ""))
        profile = validate_profile({k: v for k, v in values.items() if k in PROFILE_FIELDS and v != ""})
    except ValidationError as exc:
        detail = "; ".join(f"{name}: {problem}" for name, problem in exc.fields.items())
        return ParsedRow(row=number, error=detail or exc.message)
    return ParsedRow(row=number, email=email, profile=profile)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    text = str(value)
    # Spreadsheets run cells starting with these as formulas (CSV injection); phone numbers are safe.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _PHONE_LIKE.match(text):
        return "'" + text
    return text


def export_header() -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(EXPORT_COLUMNS)
    return buffer.getvalue()


def export_rows(candidates: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for candidate in candidates:
        writer.writerow([_cell(candidate.get(column)) for column in EXPORT_COLUMNS])
    return buffer.getvalue()
