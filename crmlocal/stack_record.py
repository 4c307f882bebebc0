"""Where the last local stack started by this user keeps its data: how `crm` finds its API key anywhere.

`make run` and `make demo` write $XDG_CONFIG_HOME/talent-crm/local.json (default ~/.config/...) when
their stack is up: its data folder (secrets.json holds the recruiter API key) and its ports. `crm`,
run from any folder, reads it when CRM_DATA_DIR is not set, for the stack on the port it talks to.
Only paths and ports are in it, yet it is the owner's only (0600, in a 0700 folder) like all local data.
Standard library only: the installed `crm` reads it without the app.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

FILE_NAME = "local.json"


@dataclass(frozen=True)
class StackRecord:
    data_dir: Path
    api_port: int
    aws_port: int


def record_path(environ=os.environ) -> Path:
    base = environ.get("XDG_CONFIG_HOME") or str(Path(environ.get("HOME") or Path.home()) / ".config")
    return Path(base) / "talent-crm" / FILE_NAME


def record_stack(data_dir: Path, api_port: int, aws_port: int, environ=os.environ) -> Path:
    from .private import private_dir, write_private

    path = record_path(environ)
    private_dir(path.parent)
    body = {"data_dir": str(Path(data_dir).resolve()), "api_port": api_port, "aws_port": aws_port}
    write_private(path, json.dumps(body, indent=2).encode())
    return path


def recorded_stack(environ=os.environ) -> StackRecord | None:
    """The record, or None when there is none, it is not one this code wrote, or its folder is gone
    (never an error: the record is only a hint, and the caller says where else it looked)."""
    try:
        body = json.loads(record_path(environ).read_text(encoding="utf-8"))
        record = StackRecord(Path(body["data_dir"]), int(body["api_port"]), int(body["aws_port"]))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    return record if record.data_dir.is_absolute() and record.data_dir.is_dir() else None
