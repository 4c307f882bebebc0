"""CSV import parsing and export formatting: spreadsheets as small teams keep them.

Columns become fields by their header (HEADER_ALIASES) unless a `ColumnMap` says otherwise: the workspace lets
a person choose each column's field, and a "Full name" column may be split into first and last name.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypedDict

from .candidates import PROFILE_FIELDS, merge_update, validate_profile
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
    "timezone": "timezone", "tz": "timezone",
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
# A column of whole names ("Ada Lovelace") is split into first and last name: chosen by hand, or suggested
# (ColumnMap.full_name) for these headers when no column gives a first or last name.
FULL_NAME = "full_name"
FULL_NAME_HEADERS = frozenset({"name", "fullname", "candidatename", "contactname", "displayname", "candidate"})
# What a column may be imported as: the address, a whole name, or a profile field.
TARGETS = ("email", FULL_NAME, *PROFILE_FIELDS)
EXPORT_COLUMNS = (
    "id", "email", "first_name", "last_name", "phone", "city", "country", "timezone", "remote_ok", "skills",
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
    cells: list[str] = field(default_factory=list)  # as written (the error rows file gives them back)


@dataclass
class ParsedFile:
    rows: list[ParsedRow]
    columns: dict[str, str]  # header as written -> field
    ignored_columns: list[str]
    headers: list[str] = field(default_factory=list)
    targets: list[str | None] = field(default_factory=list)  # per column: what it is imported as (None: not)


@dataclass(frozen=True)
class ColumnMap:
    """Which field each column is imported as, where the header alone does not say it.

    Choices by column number (0-based) or by header as written; "" means "do not import". A choice wins over
    the header's alias; two choices of one field are an error. `header`: the fingerprint (header_fingerprint)
    of the file the numbered choices were made for; another file's columns keep their automatic fields.
    """
    by_index: dict[int, str] = field(default_factory=dict)
    by_name: dict[str, str] = field(default_factory=dict)
    full_name: bool = False  # suggest FULL_NAME for a "Name" column when no column gives first or last name
    header: str | None = None


class NoEmailColumn(ValidationError):
    """No column holds the email addresses (a `file` problem, as the API has always said)."""

    def __init__(self) -> None:
        super().__init__("file: needs an email column (for example 'Email' or 'E-mail')",
                         {"file": "needs an email column (for example 'Email' or 'E-mail')"})


class MappingError(ValidationError):
    """A column mapping that cannot be used; `columns`: each column's problem by column number."""

    def __init__(self, message: str, columns: dict[int, str] | None = None):
        super().__init__(f"mapping: {message}", {"mapping": message})
        self.columns = columns or {}


def _header_key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


# Files people pick by mistake, by their first bytes: what to do instead follows the usual problem text.
_NOT_CSV = ((b"PK\x03\x04", "this is a spreadsheet workbook (.xlsx or .ods)"),
            (b"\xd0\xcf\x11\xe0", "this is an old Excel workbook (.xls)"),
            (b"%PDF", "this is a PDF"),
            (b"\xff\xfe", "this is UTF-16 text"), (b"\xfe\xff", "this is UTF-16 text"))


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        kind = next((what for magic, what in _NOT_CSV if data.startswith(magic)), None)
        row = data.count(b"\n", 0, exc.start) + 1
        hint = f"{kind}: " if kind else f"row {row}: "
        raise ValidationError.field("file", f"must be UTF-8 text (bad byte at {exc.start}); {hint}"
                                    "save it as 'CSV UTF-8' and choose that file") from None


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


def _open(data: bytes | str) -> tuple[_Lines, Iterator[list[str]], list[str]]:
    """The file's lines, a csv reader over them, and its header (the file-level checks made)."""
    text = _decode(data)
    if not text.strip():
        raise ValidationError.field("file", "is empty")
    if "\x00" in text:  # no spreadsheet writes one; a binary file that happens to be valid UTF-8 does
        raise ValidationError.field("file", "is not text (it holds NUL characters); save it as 'CSV UTF-8'")
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=_delimiter(text.split("\n", 1)[0]))
    try:
        headers = _read(reader, lines)
    except csv.Error as exc:
        raise ValidationError.field("file", f"not valid CSV: {exc}") from None
    if any(len(header) > MAX_HEADER_CHARS for header in headers):
        raise ValidationError.field("file", f"a column name in row 1 is longer than {MAX_HEADER_CHARS} characters; "
                                    "is the first row the header?")
    return lines, reader, headers


def peek(data: bytes | str, rows: int = 5) -> tuple[list[str], list[list[str]]]:
    """The header and the first `rows` rows' cells as written (to show a file's columns whatever its mapping)."""
    lines, reader, headers = _open(data)
    first: list[list[str]] = []
    while len(first) < rows:
        lines.next_row()
        try:
            cells = _read(reader, lines)
        except StopIteration:
            break
        except csv.Error:
            continue
        if any(cell.strip() for cell in cells):
            first.append(cells)
    return headers, first


def parse_csv(data: bytes | str, max_rows: int = MAX_ROWS, mapping: ColumnMap | None = None) -> ParsedFile:
    lines, reader, headers = _open(data)
    targets = column_targets(headers, mapping or ColumnMap())
    columns = {index: target for index, target in enumerate(targets) if target}
    named = {headers[index].strip(): target for index, target in columns.items()}
    ignored = [header.strip() for index, header in enumerate(headers) if index not in columns and header.strip()]
    if "email" not in columns.values():
        if mapping is not None and (mapping.by_index or mapping.by_name):
            raise MappingError("choose the column that holds the email addresses")
        raise NoEmailColumn()

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
    return ParsedFile(rows=rows, columns=named, ignored_columns=ignored, headers=headers, targets=targets)


def _parse_row(number: int, cells: list[str], columns: dict[int, str]) -> ParsedRow:
    values = {columns[i]: cell.strip() for i, cell in enumerate(cells) if i in columns}
    if FULL_NAME in values:
        values["first_name"], values["last_name"] = split_full_name(values.pop(FULL_NAME))
    if values.get("status", "").lower() in SYSTEM_STATUSES:
        del values["status"]  # set by opt-in and email events, never by a file (exports round-trip)
    try:
        email = normalize_email(values.pop("email", ""))
        profile = validate_profile({k: v for k, v in values.items() if k in PROFILE_FIELDS and v != ""})
    except ValidationError as exc:
        detail = "; ".join(f"{name}: {problem}" for name, problem in exc.fields.items())
        return ParsedRow(row=number, error=detail or exc.message, cells=cells)
    return ParsedRow(row=number, email=email, profile=profile, cells=cells)


# ---------------------------------------------------------------- columns to fields

def header_fingerprint(headers: list[str]) -> str:
    """Names a header row, so that choices made for one file's columns are not applied to another's."""
    return hashlib.sha256("\x1f".join(headers).encode("utf-8", "replace")).hexdigest()[:16]


def automatic_targets(headers: list[str], *, full_name: bool = False) -> list[str | None]:
    """Each column's field by its header's alias; a field taken by an earlier column is not taken again."""
    targets: list[str | None] = []
    for header in headers:
        target = HEADER_ALIASES.get(_header_key(header))
        targets.append(target if target and target not in targets else None)
    if full_name and not {"first_name", "last_name"} & set(targets):
        whole = next((i for i, h in enumerate(headers) if _header_key(h) in FULL_NAME_HEADERS and not targets[i]), None)
        if whole is not None:
            targets[whole] = FULL_NAME
    return targets


def column_targets(headers: list[str], mapping: ColumnMap) -> list[str | None]:
    """Each column's field: the mapping's choices over the automatic ones (MappingError if they clash)."""
    automatic = automatic_targets(headers, full_name=mapping.full_name)
    chosen = _chosen(headers, mapping)
    taken = {target for target in chosen.values() if target}
    if FULL_NAME in taken:  # a whole name chosen: the automatic first and last name columns give way
        taken |= {"first_name", "last_name"}
    elif taken & {"first_name", "last_name"}:
        taken.add(FULL_NAME)
    targets = [(chosen[i] or None) if i in chosen else (None if target in taken else target)
               for i, target in enumerate(automatic)]
    _check_targets(headers, targets)
    return targets


def named_column_map(value: object) -> ColumnMap:
    """The API's `mapping` parameter: {"column as written in the header": "field", or "" not to import it}."""
    if (not isinstance(value, dict) or len(value) > MAX_COLUMNS
            or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())):
        raise ValidationError.field("mapping", 'must be a JSON object of column names and fields, such as '
                                    '{"Full name": "full_name", "Notes": ""}')
    unknown = next((target for target in value.values() if target and target not in TARGETS), None)
    if unknown is not None:
        raise ValidationError.field("mapping", f"{_quoted(unknown)} is not a field; use one of {', '.join(TARGETS)}")
    return ColumnMap(by_name={name.strip(): target for name, target in value.items()})


def _chosen(headers: list[str], mapping: ColumnMap) -> dict[int, str]:
    """The mapping's choices by column number; unknown fields or columns are a MappingError."""
    problems: dict[int, str] = {}
    chosen: dict[int, str] = {}
    names = {header.strip(): index for index, header in reversed(list(enumerate(headers)))}  # the first of a name
    for name, target in mapping.by_name.items():
        if name not in names:
            raise MappingError(f"the file has no column {_quoted(name)}")
        chosen[names[name]] = target
    if mapping.header is None or mapping.header == header_fingerprint(headers):
        for index, target in mapping.by_index.items():
            if not 0 <= index < len(headers):
                raise MappingError(f"the file has no column {index + 1}")
            chosen[index] = target
    for index, target in chosen.items():
        if target and target not in TARGETS:
            problems[index] = "not a field a column can be imported as"
    if problems:
        raise MappingError(_described(headers, problems), problems)
    return chosen


def _check_targets(headers: list[str], targets: list[str | None]) -> None:
    problems: dict[int, str] = {}
    first: dict[str, int] = {}
    for index, target in enumerate(targets):
        if target and target in first:
            problems[index] = f"{_field_name(target)} is already imported from {_column(headers, first[target])}"
        elif target:
            first[target] = index
    whole = first.get(FULL_NAME)
    if whole is not None:
        for part in ("first_name", "last_name"):
            if part in first:
                problems[first[part]] = (f"{_column(headers, whole)} gives the first and last name already "
                                         "(split from the full name)")
    if problems:
        raise MappingError(_described(headers, problems), problems)


def _described(headers: list[str], problems: dict[int, str]) -> str:
    return "; ".join(f"{_column(headers, index)}: {problem}" for index, problem in sorted(problems.items()))


def _column(headers: list[str], index: int) -> str:
    name = headers[index].strip() if index < len(headers) else ""
    return f"column {_quoted(name)}" if name else f"column {index + 1}"


def _quoted(name: str) -> str:
    return "'" + " ".join(name.split())[:60] + "'"


def _field_name(target: str) -> str:
    return target.replace("_", " ")


# Honorifics dropped before a name is split; particles that begin a family name; suffixes that end one.
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame"})
_PARTICLES = frozenset({"van", "von", "de", "da", "di", "del", "della", "der", "den", "du", "la", "le", "dos",
                        "das", "ten", "ter", "bin", "binti", "al", "st", "mac", "ibn"})
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md"})


def _word(token: str) -> str:
    return token.lower().rstrip(".")


def split_full_name(text: str) -> tuple[str, str]:
    """("First", "Last") from a whole name as people write it: "Ada Lovelace", "Lovelace, Ada",
    "Dr. Ada King-Lovelace", "Ludwig van Beethoven", "Martin Luther King Jr.", "Mary Ann Evans" (the last word is
    the family name unless a particle such as "van" or "de" starts it earlier). One word: a first name only."""
    name = " ".join(text.split())
    family, comma, given = name.partition(",")
    if comma and "," not in given and _word(given.strip()) not in _SUFFIXES:  # "Lovelace, Ada"
        return given.strip(), family.strip()
    tokens = name.replace(",", " ").split()
    while len(tokens) > 1 and _word(tokens[0]) in _TITLES:
        tokens = tokens[1:]
    if len(tokens) < 2:
        return (tokens[0] if tokens else ""), ""
    end = len(tokens) - 1
    while end > 1 and _word(tokens[end]) in _SUFFIXES:
        end -= 1  # "King Jr.": the suffix stays with the family name
    start = next((i for i in range(1, end) if _word(tokens[i]) in _PARTICLES), end)
    return " ".join(tokens[:start]), " ".join(tokens[start:])


# ---------------------------------------------------------------- the rows to import

class RowError(TypedDict):
    row: int
    error: str


@dataclass
class ImportPlan:
    """A parsed file as the import sees it: one profile per address (a repeated address merged into its first
    row, later cells winning), the rows that cannot be imported as written, and the repeats."""
    people: dict[str, tuple[int, dict]]  # address -> (its first row, profile), in file order
    errors: list[RowError]
    duplicate_rows: list[int]


def plan_import(parsed: ParsedFile) -> ImportPlan:
    plan = ImportPlan(people={}, errors=[], duplicate_rows=[])
    for row in parsed.rows:
        if row.error or row.email is None:  # parse_csv gives each row either an error or an email
            plan.errors.append({"row": row.row, "error": row.error or "email: missing"})
        elif row.email in plan.people:
            first_row, profile = plan.people[row.email]
            plan.people[row.email] = (first_row, merge_update(profile, row.profile))
            plan.duplicate_rows.append(row.row)
        else:
            plan.people[row.email] = (row.row, row.profile)
    return plan


def error_rows_csv(parsed: ParsedFile, errors: list[RowError]) -> str:
    """The failing rows as a CSV to fix and import again: row, error, then the file's own columns (the extra two
    are ignored on import). Cells a spreadsheet would run as formulas are defused, as in the export."""
    cells_of = {row.row: row.cells for row in parsed.rows}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["row", "error", *(_cell(header) for header in parsed.headers)])
    for error in sorted(errors, key=lambda e: e["row"]):
        writer.writerow([error["row"], _cell(error["error"]), *(_cell(c) for c in cells_of.get(error["row"], []))])
    return buffer.getvalue()


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
