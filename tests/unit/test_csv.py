import csv
import io

import pytest
from hypothesis import given, settings, strategies as st

from chalicelib.domain.csvio import (MAX_CELL_CHARS, MAX_COLUMNS, MAX_RECORDS, MAX_ROWS,
                                     export_header, export_rows, parse_csv)
from chalicelib.domain.errors import PayloadTooLarge, ValidationError
from chalicelib.domain.skills import normalize_list, normalize_skill


def test_header_aliases_bom_quotes_and_list_separators():
    data = ("\ufeffE-mail,First name,Surname,Skills,Tags,Notes\r\n"
            'ada@example.com,Ada,Lovelace,"Python; k8s | JS","a,b",ignored\r\n').encode("utf-8")
    parsed = parse_csv(data)
    assert parsed.ignored_columns == ["Notes"]
    [row] = parsed.rows
    assert (row.row, row.email, row.error) == (2, "ada@example.com", None)
    assert row.profile == {"first_name": "Ada", "last_name": "Lovelace",
                           "skills": ["python", "kubernetes", "javascript"], "tags": ["a", "b"]}


def test_semicolon_delimited_files_from_european_spreadsheets():
    parsed = parse_csv("Email;First name;Country\nbob@example.com;Bob;de\n")
    assert parsed.rows[0].profile == {"first_name": "Bob", "country": "DE"}


def test_bad_rows_are_numbered_and_do_not_stop_good_ones():
    parsed = parse_csv("email,country,remote\nok@example.com,GB,yes\nnot-an-email,GB,no\n\nx@example.com,Narnia,no\n")
    assert [(r.row, r.error is None) for r in parsed.rows] == [(2, True), (3, False), (5, False)]
    assert "email" in parsed.rows[1].error and "country" in parsed.rows[2].error


def test_system_statuses_are_ignored_so_exports_round_trip():
    parsed = parse_csv("email,status\na@example.com,subscribed\nb@example.com,unsubscribed\n")
    assert "status" not in parsed.rows[0].profile
    assert parsed.rows[1].profile["status"] == "unsubscribed"


def test_file_errors():
    with pytest.raises(ValidationError) as caught:
        parse_csv("name,city\nAda,London\n")
    assert "file" in caught.value.fields
    with pytest.raises(ValidationError):
        parse_csv(b"\xff\xfeE\x00")
    with pytest.raises(PayloadTooLarge):
        parse_csv("email\n" + "".join(f"p{i}@example.com\n" for i in range(MAX_ROWS + 1)))


def wide(columns: int) -> str:
    return "email" + ",c" * (columns - 1) + "\n"


@pytest.mark.parametrize("data, fits", [
    (wide(MAX_COLUMNS) + "a@example.com\n", True),
    (wide(MAX_COLUMNS + 1) + "a@example.com\n", False),
    ("email\na@example.com" + ",x" * (MAX_COLUMNS - 1) + "\n", True),
    ("email\na@example.com" + ",x" * MAX_COLUMNS + "\n", False),
    ('email,notes\na@example.com,"' + "x" * MAX_CELL_CHARS + '"\n', True),
    ('email,notes\na@example.com,"' + "x" * (MAX_CELL_CHARS + 1) + '"\n', False),
    ('email,notes\na@example.com,"' + "é\n" * (MAX_CELL_CHARS // 2 + 1) + '"\n', False),  # over lines
    (wide(10) + "a@example.com" + ("," + "x" * MAX_CELL_CHARS) * 9 + "\n", False),  # each cell fits, the row not
    ("email\n" + "\n" * (MAX_RECORDS - 1) + "a@example.com\n", True),
])
def test_shape_bounds_at_their_edges(data, fits):
    if fits:
        assert [row.email for row in parse_csv(data).rows] == ["a@example.com"]
        return
    with pytest.raises(ValidationError) as caught:
        parse_csv(data)
    assert caught.value.message.startswith("file: row 2 ") or caught.value.message.startswith("file: row 1 ")


def test_lines_beyond_the_bound_are_too_many_rows():
    with pytest.raises(PayloadTooLarge) as caught:
        parse_csv("email\n" + "\n" * MAX_RECORDS + "a@example.com\n")
    assert caught.value.code == "too_many_rows"


def test_export_defuses_formulas_but_keeps_phone_numbers():
    text = export_header() + export_rows([{"email": "a@b.com", "first_name": "=HYPERLINK(1)",
                                           "phone": "+44 20 7946 0958", "skills": ["python", "aws"]}])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["first_name"] == "'=HYPERLINK(1)"
    assert rows[0]["phone"] == "+44 20 7946 0958"
    assert rows[0]["skills"] == "python; aws"


cell = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(names, cell, st.lists(names, max_size=4)), min_size=1, max_size=20),
       st.sampled_from([",", ";"]), st.booleans())
def test_any_written_file_parses_back(rows, delimiter, bom):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(["Email", "First name", "Skills"])
    for user, first, skills in rows:
        writer.writerow([f"{user}@example.com", first, " | ".join(skills)])
    data = ("\ufeff" if bom else "") + buffer.getvalue()
    parsed = parse_csv(data.encode("utf-8"))
    assert len(parsed.rows) == len(rows)
    for (user, first, skills), row in zip(rows, parsed.rows):
        if row.error:  # only text that is not a valid name may fail, never the structure
            assert "first_name" in row.error
            continue
        assert row.email == f"{user}@example.com"
        assert row.profile.get("first_name") == (" ".join(first.split()) or None)  # absent only when blank
        assert row.profile.get("skills", []) == normalize_list(skills, normalize_skill)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_garbage_never_crashes(data):
    try:
        parse_csv(data)
    except (ValidationError, PayloadTooLarge):
        pass
