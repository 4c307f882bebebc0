"""`crm import FILE.csv`: a large CSV through POST /candidates/import, chunk by chunk, resumable.

Each chunk is the file's header followed by the next records, byte for byte. After every chunk the
state file `FILE.csv.crm-import.json` records the byte offset and row reached, running totals, a
SHA-256 of the bytes already imported (so --resume refuses a file that changed underneath) and the
errors file's size (so a chunk re-sent after a crash does not write its errors twice). The import
is idempotent on the server, so re-sending the chunk that was in flight is harmless.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .client import ApiError, Client, CliError, TransportError
from .csvchunks import BOM, MAX_BYTES, Record, Records, chunks, count_rows, sniff_delimiter
from .progress import Progress, duration
from .tables import key_values

STATE_SUFFIX = ".crm-import.json"
STATE_VERSION = 1
TOTALS = ("created", "updated", "unchanged", "errors", "duplicate_rows")


@dataclass
class State:
    offset: int = 0          # bytes of the file imported (header included)
    records: int = 0         # records after the header imported (blank ones too: they are rows)
    rows: int = 0            # non-blank rows imported
    chunks: int = 0
    prefix_sha256: str = ""
    totals: dict = field(default_factory=lambda: dict.fromkeys(TOTALS, 0))
    errors_file: str | None = None
    errors_file_size: int = 0
    ignored_columns: list = field(default_factory=list)


def state_path(path: Path) -> Path:
    return path.with_name(path.name + STATE_SUFFIX)


class Importer:
    def __init__(self, client: Client, *, sleep=None, clock=None, out=None, err=None):
        self.client = client
        self.sleep, self.clock = sleep or time.sleep, clock or time.monotonic
        self.out, self.err = out or sys.stdout, err or sys.stderr

    def run(self, path: Path, *, chunk_rows: int = 1000, errors: Path | None = None, resume: bool = False,
            retries: int = 3, as_json: bool = False, max_bytes: int = MAX_BYTES) -> int:
        if not path.is_file():
            raise CliError(f"no file {path}")
        started = self.clock()
        with path.open("rb") as handle:
            delimiter = sniff_delimiter(handle)
            header = next(iter(Records(handle, 0, delimiter, str(path))), None)
            if header is None or header.blank or header.cells is None:
                raise CliError(f"{path} is empty or has no header row")
            state, hasher = self._start(path, handle, header, resume, errors)
            total = state.rows + count_rows(handle, state.offset, delimiter, str(path), state.records + 2)
            progress = Progress(total, state.rows, self.err, self.clock)
            writer = ErrorsFile(errors, header.cells, state if resume else None, progress.note)
            state.errors_file = writer.name
            self.errors_shown = str(errors) if errors else None
            head = header.raw.removeprefix(BOM)
            first_row = state.records + 2
            progress.update(state.rows)
            try:
                records = Records(handle, state.offset, delimiter, str(path), state.records + 2)
                for chunk in chunks(iter(records), chunk_rows, max_bytes):
                    first_row = state.records + 2
                    if any(not record.blank for record in chunk):
                        result = self._send(head + b"".join(r.raw for r in chunk), progress, retries)
                        self._apply(result, chunk, state, writer)
                    for record in chunk:
                        hasher.update(record.raw)
                    state.offset, state.records = chunk[-1].end, state.records + len(chunk)
                    state.rows += sum(1 for record in chunk if not record.blank)
                    state.chunks += 1
                    state.prefix_sha256 = hasher.hexdigest()
                    state.errors_file_size = writer.flush()
                    save_state(path, state)
                    progress.update(state.rows)
            except KeyboardInterrupt:
                progress.note(self._stopped(path, state, "interrupted"))
                return 130
            except (ApiError, TransportError) as error:
                progress.note("crm: " + (error.describe() if isinstance(error, ApiError) else str(error)))
                progress.note(self._stopped(path, state, f"stopped at row {first_row}"))
                return error.exit_code
            finally:
                writer.close()
            progress.end()
        state_path(path).unlink(missing_ok=True)
        self._report(path, state, self.clock() - started, as_json)
        return 0

    # ------------------------------------------------------------ state

    def _start(self, path: Path, handle, header: Record, resume: bool, errors: Path | None):
        """The state to go on from, and a SHA-256 of the bytes before it."""
        saved = load_state(path)
        if resume and saved is None:
            self.err.write(f"nothing to resume for {path}: starting from the beginning\n")
        elif not resume and saved is not None:
            self.err.write(f"an interrupted import of {path} stopped after row {saved.records + 1}; "
                           "starting again from the beginning (use --resume to continue after it)\n")
        if not resume or saved is None:
            return State(offset=header.end), self._prefix_hash(handle, header.end)
        hasher = self._prefix_hash(handle, saved.offset)
        if hasher.hexdigest() != saved.prefix_sha256:
            raise CliError(f"{path} changed since the interrupted import (its first {saved.offset:,} bytes differ); "
                           "run without --resume to import the whole file again (nothing is duplicated)")
        same_errors = errors is not None and saved.errors_file == str(errors.resolve())
        if not same_errors:
            saved.errors_file_size = 0
        self.err.write(f"resuming {path} after row {saved.records + 1} ({saved.rows:,} rows already imported)\n")
        return saved, hasher

    @staticmethod
    def _prefix_hash(handle, offset: int):
        hasher = hashlib.sha256()
        handle.seek(0)
        left = offset
        while left:
            block = handle.read(min(left, 1 << 20))
            if not block:
                break
            hasher.update(block)
            left -= len(block)
        return hasher

    # ------------------------------------------------------------ chunks

    def _send(self, body: bytes, progress: Progress, retries: int) -> dict:
        for attempt in range(retries + 1):
            try:
                return self.client.request("POST", "/candidates/import", data=body,
                                           content_type="text/csv; charset=utf-8") or {}
            except (TransportError, ApiError) as error:
                if attempt == retries or (isinstance(error, ApiError) and not error.retryable):
                    raise
                wait = 2 ** attempt
                if isinstance(error, ApiError) and (error.retry_after or "").isdigit():
                    wait = int(error.retry_after)
                wait = min(wait, 60)
                reason = str(error).splitlines()[0]
                progress.note(f"retrying in {wait} s ({attempt + 1}/{retries}): {reason}")
                self.sleep(wait)
        raise AssertionError("unreachable")

    @staticmethod
    def _apply(result: dict, chunk: list[Record], state: State, writer: ErrorsFile) -> None:
        shift = state.records  # chunk row r (header = 1) is row r + shift of the whole file
        for name in ("created", "updated", "unchanged"):
            state.totals[name] += int(result.get(name) or 0)
        for error in result.get("errors") or []:
            row = int(error.get("row") or 0)
            index = row - 2
            cells = chunk[index].cells if 0 <= index < len(chunk) else None
            writer.add(row + shift, str(error.get("error") or ""), cells)
            state.totals["errors"] += 1
        state.totals["duplicate_rows"] += len(result.get("duplicate_rows") or [])
        for column in result.get("ignored_columns") or []:
            if column not in state.ignored_columns:
                state.ignored_columns.append(column)

    # ------------------------------------------------------------ output

    @staticmethod
    def _stopped(path: Path, state: State, why: str) -> str:
        done = f"{state.rows:,} rows imported" if state.chunks else "nothing imported yet"
        return (f"{why}: {done} (progress saved in {state_path(path).name}); "
                f"continue with: crm import {path} --resume")

    def _report(self, path: Path, state: State, elapsed: float, as_json: bool) -> None:
        if as_json:
            self.out.write(json.dumps({"file": str(path), "rows": state.rows, **state.totals,
                                       "ignored_columns": state.ignored_columns, "errors_file": self.errors_shown,
                                       "chunks": state.chunks}, indent=2) + "\n")
            return
        totals = state.totals
        self.out.write(f"imported {path}: {state.rows:,} rows in {state.chunks} chunk(s), {duration(elapsed)}\n")
        self.out.write(key_values([("created", totals["created"]), ("updated", totals["updated"]),
                                   ("unchanged", totals["unchanged"]), ("errors", totals["errors"]),
                                   ("duplicate rows", totals["duplicate_rows"])]) + "\n")
        if state.ignored_columns:
            self.out.write("ignored columns: " + ", ".join(state.ignored_columns) + "\n")
        if totals["errors"]:
            where = f"see {self.errors_shown}" if self.errors_shown else "use --errors FILE.csv to keep them"
            self.out.write(f"{totals['errors']:,} row(s) not imported: {where}\n")


class ErrorsFile:
    """row,error,<the original columns>: fix the cells and import this file again (the extra columns are ignored)."""

    SHOWN_WITHOUT_FILE = 20

    def __init__(self, path: Path | None, header: list[str], resumed: State | None, note=None):
        self.name = str(path.resolve()) if path else None
        self.note = note or (lambda message: sys.stderr.write(message + "\n"))
        self.shown = 0
        self.stream = None
        if path is None:
            return
        keep = resumed.errors_file_size if resumed is not None else 0
        if keep and path.exists() and path.stat().st_size >= keep:
            self.stream = path.open("r+b")
            self.stream.truncate(keep)  # errors of a chunk that was in flight are written again
            self.stream.seek(keep)
        else:
            self.stream = path.open("wb")
            self._write(["row", "error", *header])

    def _write(self, cells: list[Any]) -> None:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow(cells)
        self.stream.write(buffer.getvalue().encode("utf-8"))

    def add(self, row: int, error: str, cells: list[str] | None) -> None:
        if self.stream is not None:
            self._write([row, error, *(cells or [])])
        elif self.shown < self.SHOWN_WITHOUT_FILE:
            self.note(f"row {row}: {error}")
            self.shown += 1

    def flush(self) -> int:
        if self.stream is None:
            return 0
        self.stream.flush()
        os.fsync(self.stream.fileno())
        return self.stream.tell()

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()


def load_state(path: Path) -> State | None:
    try:
        data = json.loads(state_path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise CliError(f"cannot read {state_path(path)}: {error}; delete it to start afresh") from None
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
        raise CliError(f"{state_path(path)} is not a state file this crm understands; delete it to start afresh")
    known = State.__dataclass_fields__
    return State(**{k: v for k, v in data.items() if k in known})


def save_state(path: Path, state: State) -> None:
    target = state_path(path)
    data = {"version": STATE_VERSION, "file": path.name, **state.__dict__,
            "updated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, target)
