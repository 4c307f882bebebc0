"""Columns to fields (ColumnMap), full names split, the import plan, the error rows file, and the hints for files
that are not CSV."""
import csv
import io
from collections import Counter

import pytest
from hypothesis import given, settings, strategies as st

from chalicelib.domain.csvio import (FULL_NAME, TARGETS, ColumnMap, MappingError, NoEmailColumn, automatic_targets,
                                     column_targets, error_rows_csv, header_fingerprint, named_column_map, parse_csv,
                                     peek, plan_import, split_full_name)
from chalicelib.domain.errors import ValidationError


@pytest.mark.parametrize("whole, first, last", [
    ("Ada Lovelace", "Ada", "Lovelace"),
    ("  Ada   Lovelace ", "Ada", "Lovelace"),
    ("Lovelace, Ada", "Ada", "Lovelace"),
    ("Mary Ann Evans", "Mary Ann", "Evans"),
    ("Ludwig van Beethoven", "Ludwig", "van Beethoven"),
    ("Beethoven, Ludwig van", "Ludwig van", "Beethoven"),
    ("Ursula K. Le Guin", "Ursula K.", "Le Guin"),
    ("Dr. Ada King-Lovelace", "Ada", "King-Lovelace"),
    ("Martin Luther King Jr.", "Martin Luther", "King Jr."),
    ("Ada Lovelace, PhD", "Ada", "Lovelace PhD"),
    ("Cher", "Cher", ""),
    ("Dr.", "Dr.", ""),
    ("", "", ""),
])
def test_full_names_split_as_people_write_them(whole, first, last):
    assert split_full_name(whole) == (first, last)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_a_split_loses_no_word(whole):
    first, last = split_full_name(whole)
    words = Counter(whole.replace(",", " ").split())
    kept = Counter((first + " " + last).replace(",", " ").split())
    assert not kept - words
    assert all(word.lower().rstrip(".") in {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame"}
               for word in (words - kept).elements())  # only titles are dropped


def test_a_full_name_column_is_suggested_only_where_nothing_gives_first_or_last_name():
    assert automatic_targets(["Name", "Email"], full_name=True) == [FULL_NAME, "email"]
    assert automatic_targets(["Name", "Email"]) == [None, "email"]  # the API's default reads no name column
    assert automatic_targets(["Name", "Email", "Surname"], full_name=True) == [None, "email", "last_name"]
    assert automatic_targets(["Email", "E-mail"]) == ["email", None]  # the first column of a field wins


def test_choices_win_over_aliases_and_clashes_name_the_columns():
    headers = ["E-mail", "Work email", "First name", "Full name"]
    assert column_targets(headers, ColumnMap(by_name={"Work email": "email"})) == [None, "email", "first_name", None]
    assert column_targets(headers, ColumnMap(by_index={3: FULL_NAME})) == ["email", None, None, FULL_NAME]
    with pytest.raises(MappingError) as caught:
        column_targets(headers, ColumnMap(by_index={0: "email", 1: "email"}))
    assert caught.value.columns == {1: "email is already imported from column 'E-mail'"}
    assert caught.value.fields == {"mapping": "column 'Work email': email is already imported from column 'E-mail'"}
    with pytest.raises(MappingError) as caught:
        column_targets(headers, ColumnMap(by_index={2: "first_name", 3: FULL_NAME}))
    assert 2 in caught.value.columns and "full name" in caught.value.columns[2]
    with pytest.raises(MappingError):
        column_targets(headers, ColumnMap(by_index={7: "email"}))
    with pytest.raises(MappingError):
        column_targets(headers, ColumnMap(by_index={0: "password"}))
    with pytest.raises(MappingError):
        column_targets(headers, ColumnMap(by_name={"Nope": "city"}))


def test_numbered_choices_apply_only_to_the_file_they_were_made_for():
    headers = ["Name", "Email"]
    mine = ColumnMap(by_index={0: "city"}, header=header_fingerprint(headers))
    assert column_targets(headers, mine) == ["city", "email"]
    assert column_targets(["Email", "Name"], mine) == ["email", None]


def test_no_email_column_is_the_file_problem_it_always_was_unless_columns_were_chosen():
    with pytest.raises(NoEmailColumn) as caught:
        parse_csv("Name,City\nAda,London\n")
    assert caught.value.fields == {"file": "needs an email column (for example 'Email' or 'E-mail')"}
    with pytest.raises(MappingError):
        parse_csv("Email,City\na@example.com,London\n", mapping=ColumnMap(by_index={0: ""}))


def test_parse_with_a_full_name_and_the_plan_merges_repeats():
    parsed = parse_csv("Full name,Email\r\nAda Lovelace,ada@example.com\r\nAda,ADA@example.com\r\nx,bad\r\n",
                       mapping=ColumnMap(full_name=True))
    assert parsed.targets == [FULL_NAME, "email"] and parsed.headers == ["Full name", "Email"]
    assert parsed.rows[0].profile == {"first_name": "Ada", "last_name": "Lovelace"}
    assert parsed.rows[0].cells == ["Ada Lovelace", "ada@example.com"]
    plan = plan_import(parsed)
    assert plan.people == {"ada@example.com": (2, {"first_name": "Ada", "last_name": "Lovelace"})}
    assert plan.duplicate_rows == [3] and [e["row"] for e in plan.errors] == [4]


def test_named_column_map_reads_the_api_parameter_strictly():
    assert named_column_map({" Full name ": FULL_NAME, "Notes": ""}).by_name == {"Full name": FULL_NAME, "Notes": ""}
    for bad in ([], {"a": 1}, {"a": "password"}, {str(i): "" for i in range(201)}):
        with pytest.raises(ValidationError) as caught:
            named_column_map(bad)
        assert "mapping" in caught.value.fields


def test_error_rows_keep_the_cells_and_defuse_formulas():
    parsed = parse_csv("Email,Name\r\nbad,=HYPERLINK(\"x\")\r\nok@example.com,Fine\r\n")
    text = error_rows_csv(parsed, [{"row": 2, "error": "email: not valid"}, {"row": 9, "error": "=1+1"}])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["row", "error", "Email", "Name"], ["2", "email: not valid", "bad", "'=HYPERLINK(\"x\")"],
                    ["9", "'=1+1"]]


def test_peek_reads_the_header_and_the_first_rows_whatever_the_columns():
    headers, rows = peek("Name,Address\r\n\r\nAda,a@example.com\r\nBob,b@example.com\r\nCy,c@example.com\r\n", rows=2)
    assert headers == ["Name", "Address"] and rows == [["Ada", "a@example.com"], ["Bob", "b@example.com"]]


@pytest.mark.parametrize("data, says", [
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xff", "spreadsheet workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\xff", "old Excel workbook"),
    (b"%PDF-1.7\n\xe2\xe3\xcf\xd3", "PDF"),
    ("Email\r\na@example.com\r\n".encode("utf-16"), "UTF-16"),
    ("Email,City\r\na@example.com,Z\xfcrich\r\n".encode("cp1252"), "row 2"),
    (b"Email\x00,City\r\n", "NUL"),
])
def test_files_that_are_not_utf8_csv_say_what_they_are(data, says):
    with pytest.raises(ValidationError) as caught:
        parse_csv(data)
    problem = caught.value.fields["file"]
    assert says in problem and "CSV UTF-8" in problem


def test_every_target_is_a_profile_field_or_the_address_or_a_whole_name():
    from chalicelib.api.ws_import import LABELS
    from chalicelib.domain.candidates import PROFILE_FIELDS

    assert set(TARGETS) == {"email", FULL_NAME, *PROFILE_FIELDS}
    assert set(LABELS) == {"", *TARGETS}  # the page offers every field, each with its name
