"""Skill normalization: case, spacing and a small maintained alias table."""
from __future__ import annotations

import re

# Keep sorted by canonical name. Keys are already lower-cased and space-collapsed.
SKILL_ALIASES = {
    "amazon web services": "aws",
    "c sharp": "c#",
    "csharp": "c#",
    "golang": "go",
    "js": "javascript",
    "ecmascript": "javascript",
    "k8s": "kubernetes",
    "kube": "kubernetes",
    "ml": "machine learning",
    "nodejs": "node.js",
    "node": "node.js",
    "node js": "node.js",
    "postgres": "postgresql",
    "psql": "postgresql",
    "py": "python",
    "python3": "python",
    "react.js": "react",
    "reactjs": "react",
    "ts": "typescript",
    "gcp": "google cloud",
    "tf": "terraform",
    "ux": "user experience",
    "ui": "user interface",
}

_SPACES = re.compile(r"\s+")


def normalize_skill(raw: str) -> str:
    key = _SPACES.sub(" ", raw.strip().lower())
    return SKILL_ALIASES.get(key, key)


def normalize_tag(raw: str) -> str:
    return _SPACES.sub(" ", raw.strip().lower())


def split_list(value: object) -> list[str]:
    """A list, or text separated by commas, semicolons or pipes."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        items = [str(v) for v in value if v is not None]
    else:
        items = re.split(r"[,;|]", str(value))
    return [item.strip() for item in items if item and item.strip()]


def normalize_list(values: list[str], normalizer=normalize_tag) -> list[str]:
    """Normalized, de-duplicated, first-seen order."""
    seen: dict[str, None] = {}
    for value in values:
        item = normalizer(value)
        if item:
            seen.setdefault(item, None)
    return list(seen)
