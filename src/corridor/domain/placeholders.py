"""Placeholders in a proposal: text that ``corridor agreement draft`` leaves for the negotiators
to write, which no version may keep (standard library only)."""

from __future__ import annotations

import re
from typing import Any

PLACEHOLDER = "FILL IN"


def fill_in(what: str) -> str:
    return f"{PLACEHOLDER}: {what}"


def placeholders(doc: Any, path: str = "") -> list[str]:
    """The field paths that still hold a placeholder (``checkpoints[0].controlled_by``)."""
    out = []
    if isinstance(doc, str) and doc.startswith(PLACEHOLDER):
        out.append(path)
    elif isinstance(doc, dict):
        for k, v in doc.items():
            out += placeholders(v, f"{path}.{k}" if path else str(k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += placeholders(v, f"{path}[{i}]")
    return out


def value_at(doc: Any, path: str) -> Any:
    """The value at a path made by :func:`placeholders`."""
    for part in re.findall(r"[^.\[\]]+", path):
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


def placeholder_problems(doc: Any) -> list[tuple[str, str]]:
    """(field path, problem) for every placeholder a proposal still holds."""
    return [
        (p, f"is still a placeholder to fill in ({value_at(doc, p)!r})") for p in placeholders(doc)
    ]
