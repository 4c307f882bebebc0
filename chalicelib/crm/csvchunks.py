"""Reading a large CSV as records with their exact bytes, so it can be sent in chunks.

Row boundaries come from the csv module (a quoted cell may span lines), fed the same lines the
server's parser sees (split at \\n, \\r\\n or a lone \\r), so a chunk's rows are numbered by the server
exactly as they would be in the whole file: the header is row 1 and every record counts, blank or not.
Each record keeps its raw bytes and the byte offset after it: chunks are re-sent byte for byte
(header first) and an import can resume at a record boundary.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from .client import CliError

BOM = b"\xef\xbb\xbf"
MAX_ROWS = 10_000             # the API's limit per request
MAX_BYTES = 5 * 1024 * 1024   # under the API's 6 MB body limit
_LONE_CR = re.compile(rb"(?<=\r)(?!\n)(?=.)", re.DOTALL)


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
    """Records from `offset` on (the handle is positioned there); `offset` follows what was read."""

    def __init__(self, handle: BinaryIO, offset: int, delimiter: str, name: str = "the file"):
        handle.seek(offset)
        self.offset = offset
        self.name = name
        self._handle = handle
        self._pending: list[bytes] = []
        self._reader = csv.reader(self._lines(), delimiter=delimiter)

    def _lines(self) -> Iterator[str]:
        for line in self._handle:
            for piece in _LONE_CR.split(line):
                position = self.offset + sum(map(len, self._pending))
                text_piece = piece[len(BOM):] if position == 0 and piece.startswith(BOM) else piece
                try:
                    text = text_piece.decode("utf-8")
                except UnicodeDecodeError as error:
                    raise CliError(f"{self.name} is not UTF-8 text: bad byte at offset "
                                   f"{position + len(piece) - len(text_piece) + error.start}; "
                                   "save it as 'CSV UTF-8' and try again") from None
                self._pending.append(piece)
                yield text

    def __iter__(self) -> Iterator[Record]:
        while True:
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error:
                cells = None
            raw = b"".join(self._pending)
            self._pending.clear()
            self.offset += len(raw)
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


def count_rows(handle: BinaryIO, offset: int, delimiter: str, name: str) -> int:
    """Non-blank records from `offset` to the end (also checks the rest is UTF-8 before anything is sent)."""
    return sum(1 for record in Records(handle, offset, delimiter, name) if not record.blank)
