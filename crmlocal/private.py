"""Local data is for its owner only: CRM_DATA_DIR is 0700 and every file the local stack writes
there 0600 (generated secrets, the API key, the emulator's snapshot of every table), also when
they existed before with looser modes.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: str | Path) -> Path:
    """Creates the folder if needed and makes it the owner's only."""
    path = Path(path)
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    if path.stat().st_mode & stat.S_ISVTX:  # /tmp and the like: shared by every user, never ours to close
        raise SystemExit(f"CRM_DATA_DIR {path} is a folder shared by every user; choose a folder of your own, "
                         "e.g. .local (the default)")
    os.chmod(path, DIR_MODE)
    return path


def private_file(path: str | Path) -> None:
    """An existing file, made the owner's only (it may come from before this rule)."""
    try:
        os.chmod(path, FILE_MODE)
    except FileNotFoundError:
        pass


def write_private(path: str | Path, data: bytes) -> None:
    """Writes atomically (a temporary file, then a rename), 0600 from the moment the file exists."""
    path = Path(path)
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        os.fchmod(descriptor, FILE_MODE)  # a left-over temporary file keeps its old mode through O_CREAT
        handle.write(data)
    os.replace(temporary, path)
