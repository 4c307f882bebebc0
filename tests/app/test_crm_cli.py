"""The `crm` command against the app, without a network server: its transport calls Chalice's test client."""
import csv
import io
import json
import os
import socket
from pathlib import Path

import pytest

from crmcli import commands, importer
from crmcli.client import TransportError
from crmcli.csvchunks import Records, chunks
from tests.app.ats_signing import signed
from tests.app.campaign_helpers import subscriber, template
from tests.app.helpers import outbox, tick


class AppTransport:
    """send(method, path, headers, body) -> (status, headers, body), through the Chalice test client."""

    def __init__(self, client):
        self.client = client
        self.imports: list[bytes] = []

    def send(self, method, path, headers, body):
        if path.startswith("/candidates/import"):
            self.imports.append(body)
        response = self.client.http.request(method, path, headers=headers, body=body)
        return response.status_code, response.headers, response.body


class FailingOn(AppTransport):
    """Loses the connection on the n-th import request (and every one after it)."""

    def __init__(self, client, failing_import):
        super().__init__(client)
        self.failing_import = failing_import

    def send(self, method, path, headers, body):
        if path.startswith("/candidates/import") and len(self.imports) + 1 >= self.failing_import:
            raise TransportError("cannot reach http://127.0.0.1:8000: connection reset by peer")
        return super().send(method, path, headers, body)


@pytest.fixture
def crm(client, capsys):
    """Runs `crm ARGS...` against the app: (exit code, stdout, stderr)."""
    transport = AppTransport(client)

    def run(*argv, via=None):
        capsys.readouterr()
        code = commands.main([str(a) for a in argv], transport=via or transport)
        out, err = capsys.readouterr()
        return code, out, err

    run.transport = transport
    return run


def people_csv(count, bad=None, blank_after=None):
    """UTF-8 with BOM and CRLF; every third person has a multi-line note holding a row-like line."""
    lines = ["\ufeffEmail,First name,Last name,Tags,Notes"]
    for i in range(1, count + 1):
        email = "not-an-email" if i == bad else f"person{i}@example.com"
        note = f'"met at meetup {i}\r\nghost{i}@example.com,Ghost,Row\r\nsaid ""call me"""' if i % 3 == 0 else "-"
        lines.append(f'{email},Person{i},"Multi\r\nLine","crm, cli",{note}' if i == 5 else
                     f'{email},Person{i},Surname{i},"crm, cli",{note}')
        if i == blank_after:
            lines.append("")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def records_of(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


# ------------------------------------------------------------------------------ import

def test_import_in_chunks_with_multiline_cells_and_a_bad_row(crm, client, auth, tmp_path):
    data = people_csv(23, bad=13, blank_after=9)
    source, errors = tmp_path / "people.csv", tmp_path / "errors.csv"
    source.write_bytes(data)

    code, out, err = crm("import", source, "--chunk-rows", 5, "--errors", errors)

    assert code == 0, err
    assert len(crm.transport.imports) == 5  # 24 records (one blank) in chunks of 5
    for body in crm.transport.imports:
        rows = records_of(body)
        assert rows[0] == ["Email", "First name", "Last name", "Tags", "Notes"] and 1 < len(rows) <= 6
        assert not body.startswith(b"\xef\xbb\xbf")
    assert "created" in out and "22" in out.split("created")[1].splitlines()[0]
    assert "errors" in out and "see " in out
    assert "import: 23/23 rows 100%" in err  # plain progress when stderr is not a terminal

    # the errors file names the row as the whole file numbers it, and keeps the row's cells to fix
    [header, row] = list(csv.reader(errors.open(encoding="utf-8", newline="")))
    assert header == ["row", "error", "Email", "First name", "Last name", "Tags", "Notes"]
    whole = json.loads(client.http.post("/candidates/import", headers={**auth, "Content-Type": "text/csv"},
                                        body=data).body)
    assert [e["row"] for e in whole["errors"]] == [int(row[0])] == [15]  # header, 12 people, a blank line
    assert "email" in row[1] and row[2:4] == ["not-an-email", "Person13"]
    assert whole["unchanged"] == 22  # and importing again changed nothing

    code, out, _ = crm("candidates", "search", "--q", "person5@")
    assert code == 0 and "person5@example.com" in out and "Person5 Multi Line" in out
    code, out, _ = crm("candidates", "search", "--q", "ghost", "--json")
    assert json.loads(out)["items"] == []  # lines inside quoted cells never became people


def test_import_resumes_after_the_last_completed_chunk(crm, client, tmp_path):
    source, errors = tmp_path / "people.csv", tmp_path / "errors.csv"
    source.write_bytes(people_csv(18, bad=2))
    failing = FailingOn(client, failing_import=3)

    code, _, err = crm("import", source, "--chunk-rows", 4, "--errors", errors, "--retries", 0, via=failing)

    assert code == 2 and "connection reset" in err and "--resume" in err
    state = json.loads((tmp_path / "people.csv.crm-import.json").read_text())
    assert (state["records"], state["rows"], state["totals"]["created"], state["totals"]["errors"]) == (8, 8, 7, 1)
    assert len(failing.imports) == 2

    resumed = AppTransport(client)
    code, out, err = crm("import", source, "--chunk-rows", 4, "--errors", errors, "--resume", via=resumed)

    assert code == 0, err
    assert "resuming" in err
    sent = [row[0] for body in resumed.imports for row in records_of(body)[1:]]
    assert sent == [f"person{i}@example.com" for i in range(9, 19)]  # nothing of the first two chunks again
    assert "17" in out.split("created")[1].splitlines()[0]  # totals cover both runs
    assert [r[0] for r in csv.reader(errors.open(encoding="utf-8", newline=""))] == ["row", "3"]
    assert not (tmp_path / "people.csv.crm-import.json").exists()


def test_resume_refuses_a_file_that_changed_and_retries_transient_errors(crm, client, tmp_path, monkeypatch):
    source = tmp_path / "people.csv"
    source.write_bytes(people_csv(10))
    assert crm("import", source, "--chunk-rows", 3, "--retries", 0, via=FailingOn(client, 2))[0] == 2
    source.write_bytes(people_csv(10).replace(b"Person1,", b"Persona,"))
    code, _, err = crm("import", source, "--resume")
    assert code == 2 and "changed since the interrupted import" in err

    waits = []
    monkeypatch.setattr(importer.time, "sleep", waits.append)

    class Busy(AppTransport):
        def send(self, method, path, headers, body):
            if path.startswith("/candidates/import") and not waits:
                return 503, {"Retry-After": "7"}, b'{"error": {"code": "unavailable", "message": "try later"}}'
            return super().send(method, path, headers, body)

    code, out, err = crm("import", source, "--chunk-rows", 3, via=Busy(client))
    assert code == 0 and waits == [7] and "retrying in 7 s" in err
    assert "interrupted import" in err  # a fresh start says it is not resuming


def test_records_follow_quotes_lone_carriage_returns_and_bom(tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes(b'\xef\xbb\xbfemail;notes\ra@x.com;"one\rtwo"\rb@x.com;x\r\r')
    with path.open("rb") as handle:
        records = list(Records(handle, 0, ";"))
    assert [r.cells for r in records] == [["email", "notes"], ["a@x.com", "one\rtwo"], ["b@x.com", "x"], []]
    assert records[-1].blank and records[-1].end == path.stat().st_size
    assert [len(c) for c in chunks(iter(records[1:]), 2)] == [2, 1]

    bad = tmp_path / "latin1.csv"
    bad.write_bytes("email,city\nzoe@x.com,Malmö\n".encode("latin-1"))
    code = commands.main(["import", str(bad)], transport=object())
    assert code == 2


@pytest.mark.parametrize("data, row", [
    (b"email" + b",zq" * 1_000_000 + b"\r\nada@example.com\r\n", 1),  # a header of a million columns
    (b"email,name\r\nada@example.com,Ada\r\nbob@example.com" + b",zq" * 300 + b"\r\n", 3),  # 301 cells
    (b"email,notes\r\nada@example.com,\"" + b"zq" * (3 * 1024 * 1024) + b"\"\r\n", 2),  # a cell of 6 MB
    (b"email,notes\r\nada@example.com,\"" + b"zq\r\n" * 20_000 + b"\"\r\n", 2),  # a long cell over many lines
    (b"email" + b"z" * (20 * 1024 * 1024), 1),  # one line of 20 MB, no end of line
])
def test_import_of_a_monstrous_shape_stops_before_sending_anything(crm, tmp_path, data, row):
    source = tmp_path / "monstrous.csv"
    source.write_bytes(data)
    code, out, err = crm("import", source)
    assert code == 2 and crm.transport.imports == [] and not out
    assert f"row {row} " in err and len(err) < 400 and "zq" not in err


def test_a_row_over_the_bounds_is_named_as_the_server_numbers_it(crm, tmp_path):
    source = tmp_path / "people.csv"
    source.write_bytes(people_csv(5) + b"late@example.com" + b",x" * 300 + b"\r\n")
    code, _, err = crm("import", source, "--chunk-rows", 2)
    assert code == 2 and "row 7 " in err and crm.transport.imports == []  # records, not lines (notes span lines)
    from itertools import islice

    from crmcli.client import CliError

    with source.open("rb") as handle:  # read on from a record boundary, as --resume does
        third = list(islice(Records(handle, 0, ","), 3))[-1]
        with pytest.raises(CliError, match="row 7 has 301 cells"):
            list(Records(handle, third.end, ",", first_row=4))


# ------------------------------------------------------------------------------ pools and campaigns

def test_pools_create_and_list(crm, tmp_path):
    code, out, _ = crm("pools", "create", "--name", "Pythonistas", "--rules",
                       '{"field": "skills", "op": "contains_any", "value": ["python"]}')
    assert code == 0 and out.startswith("created pool pool_") and "dynamic" in out
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"all": [{"field": "city", "op": "eq", "value": "London"}]}))
    assert crm("pools", "create", "--name", "Londoners", "--rules", rules)[0] == 0
    code, out, _ = crm("pools", "create", "--name", "Shortlist", "--static")
    assert code == 0 and "(static)" in out

    code, out, _ = crm("pools", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["id", "name", "kind", "status", "size", "updated"]
    shortlist = next(line for line in lines if "Shortlist" in line)
    assert "static" in shortlist and lines[0].index("kind") == shortlist.index("static")
    listed = json.loads(crm("pools", "list", "--json")[1])["items"]
    assert {"Pythonistas", "Londoners", "Shortlist"} <= {p["name"] for p in listed}
    pool_id = next(p["id"] for p in listed if p["name"] == "Londoners")
    code, out, _ = crm("pools", "show", pool_id)
    assert code == 0 and '"London"' in out and "dynamic" in out


def test_campaign_create_schedule_pause_from_a_json_file(crm, client, auth, tmp_path):
    tmpl_file = tmp_path / "template.json"
    tmpl_file.write_text(json.dumps({"name": "Hello", "category": "career_advice", "subject": "Hi",
                                     "html": "<p>Hello {{ candidate.first_name | default('there') }}</p>"}))
    html = tmp_path / "second.html"
    html.write_text("<p>Still looking, {{ candidate.first_name | default('there') }}?</p>")
    code, out, _ = crm("templates", "create", tmpl_file, "--json")
    assert code == 0
    template_id = json.loads(out)["id"]
    code, out, _ = crm("templates", "create", tmpl_file, "--html", html)
    assert code == 0 and out.startswith("created template tmpl_")
    second_id = out.split()[2]
    pool_id = json.loads(crm("pools", "create", "--name", "All", "--rules", '{"field": "skills", "op": "exists"}',
                             "--json")[1])["id"]
    campaign_file = tmp_path / "campaign.json"
    campaign_file.write_text(json.dumps({
        "name": "Autumn news", "channel": "email", "category": "career_advice", "audience": {"pools": [pool_id]},
        "steps": [{"template_id": template_id, "delay": "P0D"},
                  {"template_id": second_id, "delay": "P3D", "condition": "not_opened"}],
        "send_at": "2099-01-01T09:00:00Z"}))

    code, out, _ = crm("campaigns", "create", campaign_file)
    assert code == 0 and "draft, 2 step(s)" in out
    campaign_id = out.split()[2]
    code, out, _ = crm("campaigns", "test", campaign_id, "--email", "me@example.com", "--step", 1)
    assert (code, out) == (0, "sent a test of step 1 to me@example.com: [Test] Hi\n")
    assert "Still looking" in outbox()[0]["raw"]
    assert crm("campaigns", "schedule", campaign_id) == (0, f"campaign {campaign_id} is scheduled\n", "")
    assert crm("campaigns", "pause", campaign_id)[1] == f"campaign {campaign_id} is paused\n"
    code, out, _ = crm("campaigns", "list")
    assert code == 0 and campaign_id in out and "paused" in out and "2099-01-01 09:00" in out
    code, _, err = crm("campaigns", "pause", campaign_id)
    assert code == 1 and "invalid_state" in err and "HTTP 409" in err
    assert json.loads(crm("campaigns", "show", campaign_id, "--json")[1])["status"] == "paused"


def test_stats_campaign_table(crm, client, auth):
    tmpl = template(client, auth)
    pool_id = json.loads(crm("pools", "create", "--name", "Go people", "--rules",
                             '{"field": "skills", "op": "contains_any", "value": ["go"]}', "--json")[1])["id"]
    tick()
    for name in ("ann", "ben"):
        subscriber(f"{name}@example.com", skills=["go"])
    made = json.loads(crm("campaigns", "create", json.dumps({
        "name": "Go meetup", "channel": "email", "category": "event_invite", "audience": {"pools": [pool_id]},
        "steps": [{"template_id": tmpl["id"]}]}), "--json")[1])
    assert crm("campaigns", "schedule", made["id"])[0] == 0
    tick()
    tick()

    code, out, _ = crm("stats", "campaign", made["id"])

    assert code == 0
    title, _, *rest = out.splitlines()
    assert made["id"] in title and "Go meetup" in title and "event_invite" in title
    counts = rest[:rest.index("")]
    assert counts[0].split() == ["total", "step", "0"]
    assert len({len(line) for line in counts}) == 1  # numbers right-aligned under their headings
    assert counts[1].split() == ["audience", "2", "-"]
    assert next(line for line in counts if line.startswith("sent")).split() == ["sent", "2", "2"]
    rates = rest[rest.index("") + 1:]
    assert rates[1].split() == ["open", "rate", "0.0%", "0.0%"]
    assert rates[3].split() == ["reply", "rate", "0.0%", "0.0%"]  # beside open and click
    assert next(line for line in counts if line.startswith("replied")).split() == ["replied", "0", "0"]
    assert json.loads(crm("stats", "campaign", made["id"], "--json")[1])["sent"] == 2

    code, out, _ = crm("stats", "pool", pool_id)
    assert code == 0 and "size" in out and "not contacted in 90 days" in out
    assert crm("stats", "overview", "--from", "2026-01-01T00:00:00Z")[0] == 0
    assert crm("goals", "list") == (0, "(none)\n", "")


def test_cost_per_hire_is_printed_with_its_currency(crm, client, auth):
    """The overview's costs and a cost-per-hire goal read as the API and the workspace write money: "750.00 EUR"."""
    for n in (1, 2):
        answer = signed(client, {"id": f"cli-hire-{n}", "type": "candidate.hired",
                                 "occurred_at": "2026-10-15T00:00:00Z",
                                 "data": {"email": f"hire{n}@example.com", "job_id": f"job-{n}"}})
        assert answer.status_code in (200, 202), answer.body
    cost = {"source": "agency", "amount": 1500, "currency": "EUR", "from": "2026-10-01T00:00:00Z",
            "to": "2026-10-31T23:59:59Z"}
    assert client.http.post("/costs", headers=auth, body=json.dumps(cost)).status_code == 201
    goal = {"metric": "cost_per_hire", "target": 2000, "currency": "EUR",
            "period": {"from": "2026-10-01T00:00:00Z", "to": "2026-10-31T23:59:59Z"}}
    assert client.http.post("/goals", headers=auth, body=json.dumps(goal)).status_code == 201

    code, out, _ = crm("stats", "overview", "--from", "2026-10-01T00:00:00Z", "--to", "2026-10-31T23:59:59Z")
    assert code == 0
    rows = {line.split()[0]: line.split()[1:] for line in out[out.index("cost per hire\n"):].split("\n\n")[0].splitlines()}
    assert rows["agency"] == ["1,500.00", "EUR", "0", "-"]  # no hires from it: no cost per hire
    assert rows["all"] == ["1,500.00", "EUR", "2", "750.00", "EUR"]
    code, out, _ = crm("goals", "list")
    assert code == 0 and "≤ 2,000.00 EUR" in out and "750.00 EUR" in out, out


# ------------------------------------------------------------------------------ errors and keys

def test_api_errors_are_readable_with_exit_code_1(crm):
    code, out, err = crm("pools", "show", "pool_nope")
    assert (code, out) == (1, "")
    assert err.splitlines()[0] == "crm: error: no pool pool_nope (not_found, HTTP 404)"
    code, _, err = crm("pools", "create", "--name", "Bad", "--rules", '{"field": "skills", "op": "gte", "value": 1}')
    assert code == 1 and ("invalid_rules" in err or "validation_error" in err)
    assert any(line.startswith("  rules") for line in err.splitlines())
    code, _, err = crm("pools", "list", "--api-key", "crm_wrong")
    assert code == 1 and "unauthorized" in err and "--api-key" in err
    code, _, err = crm("pools", "create", "--name", "X", "--rules", "{not json")
    assert code == 2 and "not valid JSON" in err
    assert crm("pools", "create", "--name", "X")[0] == 2  # --static or --rules is required
    assert crm("import", "x.csv", "--chunk-rows", "20000")[0] == 2


def test_missing_api_key_exits_2_with_help_then_reads_local_secrets(crm, monkeypatch, tmp_path):
    monkeypatch.delenv("CRM_API_KEY")
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path))
    code, _, err = crm("pools", "list")
    assert code == 2 and "no API key" in err and "--api-key" in err and "CRM_API_KEY" in err
    assert "secrets.json" in err and "make run" in err
    code, _, err = crm("--endpoint", "https://crm.example.com/api", "pools", "list")
    assert code == 2 and "no API key for https://crm.example.com/api" in err

    (tmp_path / "secrets.json").write_text(json.dumps({"CRM_API_KEY": "crm_test_key"}))
    assert crm("pools", "list")[0] == 0


def test_unreachable_endpoint_exits_2(capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = commands.main(["pools", "list", "--endpoint", f"http://127.0.0.1:{port}", "--timeout", "5"])
    assert code == 2 and "cannot reach" in capsys.readouterr().err


def test_apikey_and_dlq_are_the_operator_commands(monkeypatch):
    from crmcli import operators as cli

    calls = []
    monkeypatch.setattr(cli, "main", lambda argv: calls.append(argv) or 0)
    assert commands.main(["apikey", "create", "--name", "Jane"]) == 0
    assert commands.main(["--json", "dlq", "redrive", "--queue", "jobs"]) == 0
    assert calls == [["apikey", "create", "--name", "Jane"], ["dlq", "redrive", "--queue", "jobs"]]


# ------------------------------------------------------------------------------ the local stack's key, from any folder

def _record(config: Path, data_dir, api_port=8000, aws_port=5100) -> dict:
    from crmlocal.stack_record import record_stack

    environ = {"XDG_CONFIG_HOME": str(config)}
    record_stack(Path(data_dir), api_port, aws_port, environ)
    return environ


def _secrets(folder: Path, key: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "secrets.json").write_text(json.dumps({"CRM_API_KEY": key}))
    return folder


def test_the_stack_record_is_private_and_names_the_data_folder(tmp_path):
    from crmlocal.stack_record import record_path, recorded_stack

    environ = _record(tmp_path / "config", _secrets(tmp_path / "data", "crm_a"), 8123, 5123)
    path = record_path(environ)
    assert path == tmp_path / "config" / "talent-crm" / "local.json"
    assert (path.stat().st_mode & 0o777, path.parent.stat().st_mode & 0o777) == (0o600, 0o700)
    record = recorded_stack(environ)
    assert (record.data_dir, record.api_port, record.aws_port) == (tmp_path / "data", 8123, 5123)
    assert record_path({"HOME": str(tmp_path)}) == tmp_path / ".config" / "talent-crm" / "local.json"


@pytest.mark.parametrize("text", ["", "not json", "[]", "{}", '{"data_dir": "data", "api_port": 8000, "aws_port": 1}',
                                  '{"data_dir": "/nowhere/at/all", "api_port": 8000, "aws_port": 5100}',
                                  '{"data_dir": "/", "api_port": "x", "aws_port": 5100}',
                                  '{"data_dir": 7, "api_port": 8000, "aws_port": 5100}'])
def test_a_record_that_is_not_ours_or_whose_folder_is_gone_is_no_record(tmp_path, text):
    from crmlocal.stack_record import record_path, recorded_stack

    environ = {"XDG_CONFIG_HOME": str(tmp_path)}
    record_path(environ).parent.mkdir(parents=True)
    record_path(environ).write_text(text)
    assert recorded_stack(environ) is None


def test_crm_finds_the_key_in_crm_data_dir_then_the_recorded_stack_then_dot_local(tmp_path):
    from crmcli.client import CliError, resolve_api_key

    here = _secrets(tmp_path / "project" / ".local", "crm_here").parent
    environ = _record(tmp_path / "config", _secrets(tmp_path / "recorded", "crm_recorded"), api_port=8000)
    local = "http://127.0.0.1:8000"
    assert resolve_api_key(None, local, environ, cwd=here) == "crm_recorded"  # any folder: the recorded stack
    assert resolve_api_key(None, "http://localhost:8000/", environ, cwd=here) == "crm_recorded"
    assert resolve_api_key(None, local, {**environ, "CRM_DATA_DIR": ".local"}, cwd=here) == "crm_here"
    assert resolve_api_key(None, local, {**environ, "CRM_DATA_DIR": str(tmp_path / "project" / ".local")}) == "crm_here"
    assert resolve_api_key("crm_given", local, environ) == "crm_given"
    assert resolve_api_key(None, local, {**environ, "CRM_API_KEY": "crm_env"}) == "crm_env"
    # the record is for the stack on its own port: another port, no record, or a deployed stage use none of it
    assert resolve_api_key(None, "http://127.0.0.1:8001", environ, cwd=here) == "crm_here"
    assert resolve_api_key(None, local, {"XDG_CONFIG_HOME": str(tmp_path / "empty")}, cwd=here) == "crm_here"
    with pytest.raises(CliError, match="no API key for https://crm.example.com"):
        resolve_api_key(None, "https://crm.example.com:8000", environ, cwd=here)
    with pytest.raises(CliError, match="no API key"):
        resolve_api_key(None, "http://127.0.0.1:8001", environ, cwd=tmp_path)


def test_operator_commands_use_the_recorded_stack_unless_told_otherwise(tmp_path, monkeypatch):
    from crmcli import operators

    recorded = tmp_path / "recorded"
    recorded.mkdir()
    environ = _record(tmp_path / "config", recorded, api_port=8123, aws_port=5123)
    monkeypatch.setenv("XDG_CONFIG_HOME", environ["XDG_CONFIG_HOME"])
    for name in ("CRM_DATA_DIR", "CRM_AWS_PORT"):  # their values now, restored after the test (set below too)
        monkeypatch.setenv(name, "")
    monkeypatch.chdir(tmp_path)
    prepared = []
    monkeypatch.setattr("crmlocal.stack.prepare_environment",
                        lambda root: prepared.append((os.environ.get("CRM_DATA_DIR"), os.environ.get("CRM_AWS_PORT"))))
    for given, expected in [({}, (str(recorded), "5123")),
                            ({"CRM_AWS_PORT": "5123"}, (str(recorded), "5123")),
                            ({"CRM_AWS_PORT": "5999"}, (None, "5999")),
                            ({"CRM_DATA_DIR": "elsewhere"}, ("elsewhere", None))]:
        for name in ("CRM_DATA_DIR", "CRM_AWS_PORT"):
            monkeypatch.delenv(name, raising=False)
        for name, value in given.items():
            monkeypatch.setenv(name, value)
        operators._environment()
        assert prepared.pop() == expected, given
