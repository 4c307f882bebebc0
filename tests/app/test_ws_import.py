"""Importing a spreadsheet in the workspace over HTTP: the form, the preview (a dry run), the import part by part,
the error rows, and every hostile upload answered with a 4xx (or, to htmx, the problem in the panel), nothing stored."""
import csv
import io
import json
import re
import uuid

from urllib.parse import urlencode

import pytest

from tests.app.helpers import body, workspace_session

CSV = {"Content-Type": "text/csv"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
HTMX = {"HX-Request": "true"}
PEOPLE = ("Full name,E-mail,Skills,Country,Notes\r\n"
          "Ada Lovelace,ada@example.com,\"python, aws\",GB,first\r\n"
          "\"Beethoven, Ludwig van\",ludwig@example.com,go,DE,\r\n"
          "No Address,not-an-email,,GB,\r\n"
          "Grace Hopper,grace@example.com,cobol,Narnia,\r\n"
          "Ada L.,ADA@example.com,terraform,,again\r\n")


def multipart(fields: dict | None = None, files: dict | None = None, boundary: str | None = None) -> tuple[bytes, dict]:
    """A form as a browser posts it with enctype="multipart/form-data"."""
    boundary = boundary or "----form" + uuid.uuid4().hex
    parts = []
    for name, value in (fields or {}).items():
        for one in value if isinstance(value, list) else [value]:
            data = one if isinstance(one, bytes) else str(one).encode()
            parts.append(f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + data)
    for name, (filename, data) in (files or {}).items():
        parts.append(f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f'Content-Type: text/csv\r\n\r\n'.encode() + (data if isinstance(data, bytes) else data.encode()))
    raw = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    raw += b"--" + boundary.encode() + b"--\r\n"
    return raw, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


@pytest.fixture
def session(client):
    return workspace_session(client)


def post(client, session, path, data=PEOPLE, fields=None, htmx=True, filename="people.csv"):
    raw, headers = multipart(fields, {"file": (filename, data)} if data is not None else None)
    return client.http.post(path, headers={**session, **headers, **(HTMX if htmx else {})}, body=raw)


def people(client, auth) -> dict:
    return {p["email"]: p for p in body(client.http.get("/candidates?limit=500", headers=auth))["items"]}


def page_text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.body.decode()).split())


def hidden(response) -> dict:
    """The hidden fields a step's answer put in the form (what the next step posts again)."""
    html = response.body.decode()
    return {name: value.replace("&#34;", '"').replace("&quot;", '"').replace("&#39;", "'").replace("&amp;", "&")
            for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)}


# ---------------------------------------------------------------- the page

def test_the_page_has_the_contract_names_and_a_viewer_cannot_import(client, session):
    answer = client.http.get("/dashboard/import", headers=session)
    html = answer.body.decode()
    assert answer.status_code == 200
    assert '<label for="import-file">CSV file</label>' in html and 'type="file"' in html
    assert re.search(r"<button[^>]*>Import</button>", html) and re.search(r"<button[^>]*>Preview</button>", html)
    assert 'enctype="multipart/form-data"' in html and "/dashboard/assets/import.css" in html
    assert 'aria-current="page">Candidates' in html  # the import belongs to the candidates' section
    assert client.http.get("/dashboard/assets/import.css").status_code == 200
    assert client.http.get("/dashboard/import").status_code == 303  # not signed in: to the sign-in page


def viewer_session(client, auth) -> dict:
    client.http.post("/users", headers=auth, body=json.dumps({"email": "vi@example.com", "name": "Vi", "role": "viewer",
                                                              "temporary_password": "Temporary-pass-1"}))
    first = client.http.post("/dashboard/sign-in", headers=FORM, body=urlencode(
        {"email": "vi@example.com", "password": "Temporary-pass-1"}))
    session_value = first.body.decode().split('name="session" value="')[1].split('"')[0]
    done = client.http.post("/dashboard/new-password", headers=FORM, body=urlencode(
        {"email": "vi@example.com", "session": session_value, "new_password": "Viewer-own-pass-2"}))
    return {"Cookie": done.headers["Set-Cookie"].split(";")[0], "Sec-Fetch-Site": "same-origin"}


def test_a_viewer_sees_no_form_and_may_not_post(client, auth):
    viewer = viewer_session(client, auth)
    page = client.http.get("/dashboard/import", headers=viewer).body.decode()
    assert "a viewer cannot import" in page and 'id="import-form"' not in page
    for path in ("/dashboard/import", "/dashboard/import/preview", "/dashboard/import/errors.csv"):
        assert post(client, viewer, path, htmx=False).status_code == 403
    assert people(client, auth) == {}


# ---------------------------------------------------------------- preview: a dry run

def test_the_preview_maps_columns_splits_full_names_and_lists_failures_without_writing(client, auth, session):
    answer = post(client, session, "/dashboard/import/preview")
    assert answer.status_code == 200
    html, text = answer.body.decode(), page_text(answer)
    assert "<html" not in html  # a fragment for htmx
    selected = dict(re.findall(r'<select id="(column-\d)".*?<option value="([^"]*)" selected', html, re.S))
    assert selected == {"column-0": "full_name", "column-1": "email", "column-2": "skills", "column-3": "country",
                        "column-4": ""}
    assert '<label for="column-0">Full name</label>' in html
    assert "Ada Lovelace" in text  # the example cell
    # the first rows as they would be imported: the full name split, lists normalized
    assert re.search(r"<td[^>]*>Ada</td>\s*<td[^>]*>Lovelace</td>", html)
    assert re.search(r"<td[^>]*>Ludwig</td>\s*<td[^>]*>Beethoven</td>", html) is None  # "Beethoven, Ludwig van"
    assert re.search(r"<td[^>]*>Ludwig van</td>\s*<td[^>]*>Beethoven</td>", html)
    assert "Will fail: email:" in text
    assert "Rows 5 New people 2 Updated 0 Unchanged 0 Will not be imported 2" in text
    assert "Row 6 repeats an earlier row" in text and "Not imported: Notes" in text
    assert re.search(r"<th scope=\"row\" data-label=\"Row\">5</th><td data-label=\"Why\">country:", html)
    assert "Download error rows" in text
    assert 'hx-swap-oob="innerHTML"' in html and "Preview of people.csv: 5 rows, 2 will not be imported." in html
    assert people(client, auth) == {}  # a dry run writes nothing


def test_choosing_the_columns_again_and_clashes_shown_next_to_the_column(client, auth, session):
    header = hidden(post(client, session, "/dashboard/import/preview"))["header"]
    choices = {"header": header, "column-0": "", "column-1": "email", "column-2": "tags", "column-3": "", "column-4": "city"}
    answer = post(client, session, "/dashboard/import/preview", fields=choices)
    html = answer.body.decode()
    assert answer.status_code == 200
    assert re.search(r"<th scope=\"col\">Tags</th>", html) and re.search(r"<th scope=\"col\">City</th>", html)
    assert "<th scope=\"col\">First name</th>" not in html
    clash = post(client, session, "/dashboard/import/preview",
                 fields={**choices, "column-0": "email"})
    html = clash.body.decode()
    assert clash.status_code == 200 and 'aria-invalid="true"' in html
    assert re.search(r'id="column-1-problem" class="field-error">email is already imported from column &#39;Full name&#39;', html)
    whole = post(client, session, "/dashboard/import/preview", htmx=False, fields={**choices, "column-0": "email"})
    assert whole.status_code == 400 and "<html" in whole.body.decode() and "field-error" in whole.body.decode()
    no_email = post(client, session, "/dashboard/import/preview", fields={**choices, "column-1": ""})
    assert "choose the column that holds the email addresses" in no_email.body.decode()
    assert people(client, auth) == {}


def test_a_file_without_an_email_column_offers_the_columns_to_choose_it(client, auth, session):
    data = "Name,Address\r\nAda Lovelace,ada@example.com\r\n"
    answer = post(client, session, "/dashboard/import/preview", data=data)
    html = answer.body.decode()
    assert answer.status_code == 200 and "choose the column that holds the email addresses" in html
    assert '<label for="column-1">Address</label>' in html
    header = hidden(answer)["header"]
    fixed = post(client, session, "/dashboard/import/preview", data=data,
                 fields={"header": header, "column-0": "full_name", "column-1": "email"})
    assert "New people 1" in page_text(fixed)


def test_choices_made_for_another_file_are_not_applied(client, auth, session):
    answer = post(client, session, "/dashboard/import/preview",
                  fields={"header": "0123456789abcdef", "column-0": "", "column-1": "city"})
    selected = dict(re.findall(r'<select id="(column-\d)".*?<option value="([^"]*)" selected', answer.body.decode(), re.S))
    assert selected["column-0"] == "full_name" and selected["column-1"] == "email"


# ---------------------------------------------------------------- import, part by part

def follow(client, session, answer, data, limit=50):
    """Posts the form again as the progress fragment asks (hx-trigger="load"), until the results."""
    steps = []
    while 'hx-trigger="load"' in answer.body.decode():
        html = answer.body.decode()
        assert answer.status_code == 200 and "<progress" in html
        part = json.loads(re.search(r"hx-vals='([^']+)'", html).group(1).replace("&#34;", '"'))["part"]
        steps.append(re.search(r'<progress[^>]*max="(\d+)" value="(\d+)"', html).groups())
        answer = post(client, session, "/dashboard/import", data=data, fields={**hidden(answer), "part": part})
        assert len(steps) < limit
    return answer, steps


MANY = "Name,Email,Skills\r\n" + "".join(f"Person {i},p{i}@example.com,go\r\n" for i in range(5)) + "X,bad,\r\n"


def test_import_runs_part_by_part_with_a_real_progress_bar(client, auth, session, monkeypatch):
    from chalicelib.api import ws_import

    monkeypatch.setattr(ws_import, "PART_SIZE", 2)
    client.http.post("/candidates", headers=auth, body=json.dumps({"email": "p1@example.com", "first_name": "One"}))
    first = post(client, session, "/dashboard/import", data=MANY, fields={"part": "0"})
    assert first.status_code == 200 and '<label for="import-bar" class="import-bar-label">2 of 5 people imported' in \
        first.body.decode()
    assert "So far 1 added, 1 updated, 0 unchanged" in page_text(first)
    results, steps = follow(client, session, first, MANY)
    assert steps == [("5", "2"), ("5", "4")]
    text = page_text(results)
    assert "Import finished" in text and "Added 4 Updated 1 Unchanged 0 Not imported 1" in text, text
    assert "autofocus" in results.body.decode() and "Import finished: 4 added" in results.body.decode()
    found = people(client, auth)
    assert len(found) == 5 and (found["p3@example.com"]["first_name"], found["p3@example.com"]["last_name"]) == (
        "Person", "3")
    assert found["p1@example.com"]["first_name"] == "Person"  # a full name in the file wins over the stored one
    again, _ = follow(client, session, post(client, session, "/dashboard/import", data=MANY, fields={"part": "0"}), MANY)
    assert "Added 0 Updated 0 Unchanged 5 Not imported 1" in page_text(again)


def test_errors_found_while_importing_are_carried_to_the_results_and_the_download(client, auth, session, monkeypatch):
    from chalicelib.api import ws_import

    monkeypatch.setattr(ws_import, "PART_SIZE", 1)
    made = body(client.http.post("/candidates", headers=auth, body=json.dumps({"email": "ludwig@example.com"})))
    assert client.http.delete(f"/candidates/{made['id']}", headers=auth).status_code == 200
    results, steps = follow(client, session, post(client, session, "/dashboard/import", fields={"part": "0"}), PEOPLE)
    assert steps == [("2", "1")]
    html = results.body.decode()
    assert re.search(r'data-label="Row">3</th><td data-label="Why">email: erased', html)
    assert "Not imported 3" in page_text(results)
    download = post(client, session, "/dashboard/import/errors.csv", fields=hidden(results), htmx=False)
    rows = list(csv.reader(io.StringIO(download.body.decode())))
    assert [row[0] for row in rows] == ["row", "3", "4", "5"]


def test_a_part_of_another_file_is_refused(client, auth, session, monkeypatch):
    from chalicelib.api import ws_import

    monkeypatch.setattr(ws_import, "PART_SIZE", 1)
    first = post(client, session, "/dashboard/import", fields={"part": "0"})
    changed = post(client, session, "/dashboard/import", data=PEOPLE.replace("Grace", "Gracie"),
                   fields={**hidden(first), "part": "1"})
    assert changed.status_code == 200 and "changed during the import" in page_text(changed)
    whole = post(client, session, "/dashboard/import", data=PEOPLE.replace("Grace", "Gracie"), htmx=False)
    assert whole.status_code == 200  # without htmx the whole file is imported at once
    assert set(people(client, auth)) == {"ada@example.com", "ludwig@example.com"}


def test_without_htmx_import_runs_whole_and_answers_the_page(client, auth, session):
    answer = post(client, session, "/dashboard/import", htmx=False)
    assert answer.status_code == 200 and "<html" in answer.body.decode()
    assert "Added 2 Updated 0 Unchanged 0 Not imported 2" in page_text(answer)
    found = people(client, auth)
    assert set(found) == {"ada@example.com", "ludwig@example.com"}
    assert (found["ada@example.com"]["first_name"], found["ada@example.com"]["last_name"]) == ("Ada", "L.")


def test_many_long_row_errors_carried_in_the_form_stay_within_its_bounds(client, session):
    data = "Email,Country,LinkedIn,Phone\r\n" + "".join(
        f"p{i}@example.com,Narnia{i},not a url {'x' * 150},{'9' * 40}\r\n" for i in range(150))
    results = post(client, session, "/dashboard/import", data=data, htmx=False)
    assert results.status_code == 200 and "Not imported 150" in page_text(results)
    kept = hidden(results)
    assert len(kept["late"]) <= 8_000 and json.loads(kept["late"])
    again = post(client, session, "/dashboard/import", data=data, fields={**kept, "part": "0"})
    assert again.status_code == 200 and "Not imported 150" in page_text(again)
    download = post(client, session, "/dashboard/import/errors.csv", data=data, fields=hidden(again), htmx=False)
    assert download.status_code == 200 and len(list(csv.reader(io.StringIO(download.body.decode())))) == 151


# ---------------------------------------------------------------- the error rows

def test_error_rows_download_gives_the_failing_rows_with_an_error_column_defused(client, session):
    data = "Email,First name,City\r\n=cmd|'/C calc'!A0,Eve,X\r\nok@example.com,Ok,London\r\nbad,\"=HYPERLINK(1)\",Y\r\n"
    answer = post(client, session, "/dashboard/import/errors.csv", data=data, htmx=False)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.body.decode())))
    assert rows[0] == ["row", "error", "Email", "First name", "City"]
    assert [row[0] for row in rows[1:]] == ["2", "4"]
    assert rows[1][2].startswith("'=") and rows[2][3] == "'=HYPERLINK(1)"
    assert rows[1][1].startswith("email:")


# ---------------------------------------------------------------- hostile uploads

def surrogate(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


HOSTILE_FILES = [
    ("binary workbook", b"PK\x03\x04" + bytes(range(256)) * 4, "spreadsheet workbook"),
    ("UTF-16", "Email\r\na@example.com\r\n".encode("utf-16"), "UTF-16"),
    ("Latin-1", "Email,City\r\na@example.com,Z\xfcrich\r\n".encode("latin-1"), "row 2"),
    ("NUL bytes", b"Email\x00\r\na@example.com\r\n", "NUL"),
    ("a lone surrogate, encoded", surrogate("Email,City\r\na@example.com,\ud800\r\n"), "UTF-8"),
    ("empty", b"", "choose a CSV file"),
    ("blank", b"\r\n\r\n", "is empty"),
    ("too many rows", b"email\n" + b"".join(b"p%d@example.com\n" % i for i in range(10_001)), "at most 10000 rows"),
    ("a huge cell", b"email,notes\na@example.com," + b"x" * 40_000 + b"\n", "longer than"),
    ("too many columns", b"email" + b",c" * 300 + b"\n", "cells"),
]


@pytest.mark.parametrize("name, data, says", HOSTILE_FILES, ids=[case[0] for case in HOSTILE_FILES])
@pytest.mark.parametrize("path", ["/dashboard/import/preview", "/dashboard/import", "/dashboard/import/errors.csv"])
def test_hostile_files_get_a_clear_answer_and_change_nothing(client, auth, session, path, name, data, says):
    for htmx in (True, False):
        answer = post(client, session, path, data=data, htmx=htmx, filename="" if name == "empty" else "x.csv")
        if htmx and not path.endswith(".csv"):
            assert answer.status_code == 200 and says in page_text(answer), page_text(answer)[:500]
        else:
            assert 400 <= answer.status_code < 500, (answer.status_code, page_text(answer)[:300])
            assert says in page_text(answer), page_text(answer)[:500]
    assert people(client, auth) == {}


def test_ten_thousand_rows_are_previewed_in_one_answer_and_nothing_is_written(client, auth, session):
    data = "Name,Email\r\n" + "".join(f"P{i} Big,big{i}@example.com\r\n" for i in range(10_000))
    answer = post(client, session, "/dashboard/import/preview", data=data)
    assert answer.status_code == 200 and "Rows 10,000 New people 10,000" in page_text(answer)
    assert len(answer.body) < 50_000  # the first rows, not the file
    assert people(client, auth) == {}


def test_cr_in_fields_duplicates_and_formulas_have_a_clear_outcome(client, auth, session):
    data = ('Email,First name,Tags\r"a@example.com","Ann\rMarie",x\r\nb@example.com,=SUM(A1),y\n'
            'A@EXAMPLE.COM,,z\r\n')
    answer = post(client, session, "/dashboard/import", htmx=False, data=data)
    assert answer.status_code == 200 and "Added 2" in page_text(answer)
    assert "1 row repeated an earlier row" in page_text(answer)
    found = people(client, auth)
    assert found["a@example.com"]["first_name"] == "Ann Marie" and found["a@example.com"]["tags"] == ["x", "z"]
    export = client.http.get("/candidates/export.csv", headers=auth).body.decode()
    assert "'=SUM(A1)" in export  # kept as text, never run by a spreadsheet


def raw_post(client, session, raw: bytes, content_type: str, htmx=False):
    return client.http.post("/dashboard/import", headers={**session, "Content-Type": content_type,
                                                          **(HTMX if htmx else {})}, body=raw)


@pytest.mark.parametrize("fields, says", [
    ({"column-0": "password"}, "column-0"),
    ({"column-999": "email"}, "no such column"),
    ({"column-01": "email"}, "no such column"),
    ({"column-7": "email", "header": ""}, "header"),
    ({"column-0": ["email", "city"]}, "more than once"),
    ({"part": "-1"}, "whole number"),
    ({"part": "1e3"}, "whole number"),
    ({"part": "1", "run": "x", "created": "99999999999"}, "whole number"),
    ({"part": "1", "late": "[[1, 2]"}, "late"),
    ({"part": "1", "late": json.dumps([[2, "x"]] * 101)}, "late"),
    ({"part": "1", "late": json.dumps({"a": 1})}, "late"),
    ({"column-0": surrogate("\udc80")}, "not UTF-8"),
    ({"column-0": "email\x00"}, "control"),
    ({"x": "y" * 20_000}, "at most"),
])
def test_hostile_form_fields_are_4xx_never_500(client, auth, session, fields, says):
    for htmx in (True, False):
        answer = post(client, session, "/dashboard/import", fields=fields, htmx=htmx)
        expected = 200 if htmx else range(400, 500)
        assert answer.status_code == expected or answer.status_code in expected, (answer.status_code, fields)
        assert says in page_text(answer), page_text(answer)[:600]
    assert people(client, auth) == {}


def test_hostile_bodies_are_4xx_never_500(client, auth, session):
    raw, headers = multipart(files={"file": ("x.csv", PEOPLE)})
    assert raw_post(client, session, raw, "application/x-www-form-urlencoded").status_code == 415
    assert raw_post(client, session, raw, "text/csv").status_code == 415
    assert raw_post(client, session, raw, "multipart/form-data").status_code == 400  # no boundary
    assert raw_post(client, session, raw, "multipart/form-data; boundary=other").status_code == 400
    assert raw_post(client, session, raw[:-20], headers["Content-Type"]).status_code == 400  # no closing boundary
    assert raw_post(client, session, raw, headers["Content-Type"] + "\u00e9").status_code in (400, 415)
    huge, huge_headers = multipart(files={"file": ("x.csv", b"email\n" + b"a" * (6 * 1024 * 1024))})
    too_big = raw_post(client, session, huge, huge_headers["Content-Type"])
    assert too_big.status_code == 413
    assert "at most" in page_text(raw_post(client, session, huge, huge_headers["Content-Type"], htmx=True))
    many, many_headers = multipart({f"f{i}": "1" for i in range(300)}, {"file": ("x.csv", PEOPLE)})
    assert raw_post(client, session, many, many_headers["Content-Type"]).status_code == 400
    nested = (b"--b\r\nContent-Type: multipart/mixed; boundary=c\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n"
              b"--c\r\nContent-Disposition: file; filename=\"x.csv\"\r\n\r\nemail\r\n--c--\r\n--b--\r\n")
    assert raw_post(client, session, nested, "multipart/form-data; boundary=b").status_code == 400
    unnamed = b"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n"
    assert raw_post(client, session, unnamed, "multipart/form-data; boundary=b").status_code == 400
    one, _ = multipart(files={"file": ("x.csv", PEOPLE)}, boundary="b")
    part = one[:-len(b"--b--\r\n")]
    assert raw_post(client, session, part + part[len(b""):] + b"--b--\r\n", "multipart/form-data; boundary=b").status_code == 400
    cross = client.http.post("/dashboard/import", headers={**session, **headers, "Sec-Fetch-Site": "cross-site"},
                             body=raw)
    assert cross.status_code == 403
    assert people(client, auth) == {}


# ---------------------------------------------------------------- the JSON API: dry run and mapping

def test_json_import_dry_run_and_mapping(client, auth):
    csv_auth = {**auth, **CSV}
    dry = client.http.post("/candidates/import?dry_run=true", headers=csv_auth, body=PEOPLE.encode())
    report = body(dry)
    assert dry.status_code == 200 and report["dry_run"] is True
    assert (report["created"], report["rows"], [e["row"] for e in report["errors"]]) == (2, 5, [4, 5])
    assert report["ignored_columns"] == ["Full name", "Notes"]  # no mapping: as before, a name column is not read
    assert body(client.http.get("/candidates", headers=auth))["items"] == []
    mapping = json.dumps({"Full name": "full_name", "Notes": "tags"})
    done = body(client.http.post("/candidates/import?mapping=" + mapping, headers=csv_auth, body=PEOPLE.encode()))
    assert done["created"] == 2 and done["ignored_columns"] == [] and "dry_run" not in done
    ludwig = body(client.http.get("/candidates?q=ludwig@", headers=auth))["items"][0]
    assert (ludwig["first_name"], ludwig["last_name"]) == ("Ludwig van", "Beethoven")


@pytest.mark.parametrize("query, field", [
    ("dry_run=maybe", "dry_run"), ("mapping=[1]", "mapping"), ("mapping={", "mapping"),
    ('mapping={"Full name": "password"}', "mapping"), ('mapping={"Nope": "email"}', "mapping"),
    ('mapping={"Full name": 1}', "mapping"), ('mapping={"E-mail": "", "Full name": "full_name"}', "mapping"),
])
def test_json_import_refuses_bad_parameters(client, auth, query, field):
    answer = client.http.post("/candidates/import?" + query, headers={**auth, **CSV}, body=PEOPLE.encode())
    assert answer.status_code == 400 and field in body(answer)["error"]["fields"], answer.body
    assert body(client.http.get("/candidates", headers=auth))["items"] == []
