"""Reading a large CSV as records with their exact bytes, so it can be sent in chunks.

Row boundaries come from the csv module (a quoted cell may span lines), fed the same lines the
server's parser sees (split at \\n, \\r\\n or a lone \\r), so a chunk's rows are numbered by the server
exactly as they would be in the whole file: the header is row 1 and every record counts, blank or not.
Each record keeps its raw bytes and the byte offset after it: chunks are re-sent byte for byte
(header first) and an import can resume at a record boundary.
A row over the API's bounds (columns, characters a cell or a row) stops the import before anything is
sent, with the row's number: the API would refuse the chunk holding it.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from chalicelib.domain.csvio import MAX_CELL_CHARS, MAX_COLUMNS, MAX_RECORD_CHARS
from .client import CliError

BOM = b"\xef\xbb\xbf"
MAX_ROWS = 10_000             # the API's limit per request
MAX_BYTES = 5 * 1024 * 1024   # under the API's 6 MB body limit
_LONE_CR = re.compile(rb"(?<=\r)(?!\n)(?=.)", re.DOTALL)
_MAX_RECORD_BYTES = 4 * MAX_RECORD_CHARS  # UTF-8: at most 4 bytes a character


@dataclass
class Record:
    raw: bytes
    cells: list[str] | None  # None: the csv module could not read it (the server reports the row)
    end: int                 # byte offset just after this record

    @property
    def blank(self) -> bool:
        return self.cells is not None and not any(cell.strip() for cell in self.cells)


def delimiter_of(first_line: str) -> str:
    """The server's rule (chalicelib.domain.csvio): the commonest of , ; tab in the header line."""
    counts = {sep: first_line.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def sniff_delimiter(handle: BinaryIO) -> str:
    position = handle.tell()
    handle.seek(0)
    first = handle.readline(1024 * 1024)
    handle.seek(position)
    return delimiter_of(first.removeprefix(BOM).decode("utf-8", errors="replace").split("\n", 1)[0])


class Records:
    """Records from `offset` on (the handle is positioned there); `offset` follows what was read.
    `first_row`: the row number of the record at `offset` in the whole file (the header is row 1)."""

    def __init__(self, handle: BinaryIO, offset: int, delimiter: str, name: str = "the file", first_row: int = 1):
        handle.seek(offset)
        self.offset = offset
        self.name = name
        self.row = first_row
        self._handle = handle
        self._pending: list[bytes] = []
        self._chars = 0  # characters of the record being read
        self._reader = csv.reader(self._lines(), delimiter=delimiter)

    def _lines(self) -> Iterator[str]:
        # lines are read at most a record's bound at a time: a one-line file of a gigabyte is not read whole
        for line in iter(lambda: self._handle.readline(_MAX_RECORD_BYTES + 1), b""):
            for piece in _LONE_CR.split(line):
                position = self.offset + sum(map(len, self._pending))
                if position - self.offset + len(piece) > _MAX_RECORD_BYTES:
                    raise self._too_big(f"is longer than {MAX_RECORD_CHARS:,} characters")
                text_piece = piece[len(BOM):] if position == 0 and piece.startswith(BOM) else piece
                try:
                    text = text_piece.decode("utf-8")
                except UnicodeDecodeError as error:
                    raise CliError(f"{self.name} is not UTF-8 text: bad byte at offset "
                                   f"{position + len(piece) - len(text_piece) + error.start}; "
                                   "save it as 'CSV UTF-8' and try again") from None
                self._chars += len(text)
                if self._chars > MAX_RECORD_CHARS:
                    raise self._too_big(f"is longer than {MAX_RECORD_CHARS:,} characters")
                self._pending.append(piece)
                yield text

    def _too_big(self, problem: str) -> CliError:
        return CliError(f"{self.name}: row {self.row:,} {problem}; the API takes at most {MAX_COLUMNS} columns "
                        f"and {MAX_CELL_CHARS:,} characters a cell: split or clean the file, nothing was imported "
                        "from this row on")

    def _cells(self) -> list[str] | None:
        """The next record's cells (None: the csv module could not read it); StopIteration at the end."""
        try:
            cells = next(self._reader)
        except csv.Error as error:
            if "field limit" in str(error):  # the csv module's own bound on a cell, above the API's
                raise self._too_big(f"has a cell longer than {MAX_CELL_CHARS:,} characters") from None
            return None
        if len(cells) > MAX_COLUMNS:
            raise self._too_big(f"has {len(cells):,} cells")
        if any(len(cell) > MAX_CELL_CHARS for cell in cells):
            raise self._too_big(f"has a cell longer than {MAX_CELL_CHARS:,} characters")
        return cells

    def __iter__(self) -> Iterator[Record]:
        while True:
            try:
                cells = self._cells()
            except StopIteration:
                return
            raw = b"".join(self._pending)
            self._pending.clear()
            self._chars = 0
            self.offset += len(raw)
            self.row += 1
            yield Record(raw, cells, self.offset)


def chunks(records: Iterator[Record], max_rows: int, max_bytes: int = MAX_BYTES) -> Iterator[list[Record]]:
    """Consecutive records, at most `max_rows` (blank ones count too) and about `max_bytes` each."""
    chunk: list[Record] = []
    size = 0
    for record in records:
        if chunk and (len(chunk) >= max_rows or size + len(record.raw) > max_bytes):
            yield chunk
            chunk, size = [], 0
        chunk.append(record)
        size += len(record.raw)
    if chunk:
        yield chunk


def count_rows(handle: BinaryIO, offset: int, delimiter: str, name: str, first_row: int = 2) -> int:
    """Non-blank records from `offset` to the end (also checks the rest is UTF-8 and within the API's
    bounds before anything is sent)."""
    return sum(1 for record in Records(handle, offset, delimiter, name, first_row) if not record.blank)
