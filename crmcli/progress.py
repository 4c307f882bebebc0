"""A progress line on stderr: a redrawn bar on a terminal, plain lines (every few seconds) otherwise."""
from __future__ import annotations

import sys
import time
from typing import TextIO

BAR = 28
PLAIN_EVERY = 5.0  # seconds between plain lines (logs, CI), besides the first and the last


def duration(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    def __init__(self, total: int, done: int = 0, stream: TextIO | None = None, clock=time.monotonic,
                 tty: bool | None = None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.total, self.done, self.clock = total, done, clock
        self.start_done, self.started = done, clock()
        self.last_plain: float | None = None
        self.drawn = False

    def line(self) -> str:
        elapsed = max(self.clock() - self.started, 1e-9)
        rate = (self.done - self.start_done) / elapsed
        share = self.done / self.total if self.total else 1.0
        left = self.total - self.done
        eta = duration(left / rate) if rate > 0 and left > 0 else "0:00" if left <= 0 else "-"
        text = f"{self.done:,}/{self.total:,} rows {share:4.0%}  {rate:,.0f} rows/s  ETA {eta}"
        if self.tty:
            filled = int(BAR * min(share, 1.0))
            return f"[{'#' * filled}{'.' * (BAR - filled)}] {text}"
        return "import: " + text

    def update(self, done: int) -> None:
        self.done = done
        if self.tty:
            self.stream.write("\r" + self.line() + "\x1b[K")
            self.drawn = True
        else:
            now = self.clock()
            if self.last_plain is None or now - self.last_plain >= PLAIN_EVERY or done >= self.total:
                self.stream.write(self.line() + "\n")
                self.last_plain = now
        self.stream.flush()

    def note(self, message: str) -> None:
        """A message that must not be drawn over."""
        self.end()
        self.stream.write(message + "\n")
        self.stream.flush()

    def end(self) -> None:
        if self.tty and self.drawn:
            self.stream.write("\n")
            self.drawn = False
