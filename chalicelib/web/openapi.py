"""GET /openapi.json: the OpenAPI 3 description of every route, a JSON file shipped beside this module."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

PATH = Path(__file__).resolve().parent / "openapi.json"


@lru_cache(maxsize=1)
def document() -> str:
    """The file's text, read once per process (answered as it is: no parse, no re-serialization)."""
    return PATH.read_text(encoding="utf-8")
