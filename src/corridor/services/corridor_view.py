"""A corridor as the API shows it: the same words as ``corridor agreement status`` at the same
instant, with its keys, versions and history."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from typing import Any

from corridor.domain.agreement import CorridorState
from corridor.domain.proposal import diff, shape_problems
from corridor.errors import InputError


def describe_corridor(state: CorridorState, now: dt.datetime) -> dict[str, Any]:
    """A corridor as the API shows it at ``now`` (the same words as ``corridor agreement
    status`` at the same instant)."""
    latest = state.latest
    window = state.window
    return {
        "id": state.corridor,
        "as_of": now.isoformat(),
        "status": state.status(now).value,
        "description": state.describe(now),
        "ready": state.ready(now),
        "missing": state.missing(now),
        "checklist": [asdict(i) for i in state.checklist(now)],
        "window": None
        if window is None
        else {
            "opens": window[0].isoformat(),
            "closes": window[1].isoformat(),
            "time_zone": str(window[0].tzinfo),
        },
        "participants": state.participants,
        "organisations": state.organisations,
        "keys": {
            "confirmed": state.keys.current,
            "awaiting_confirmation": dict(state.keys.pending),
            "events": state.keys.events,
        },
        "versions": [
            {
                "number": v.number,
                "hash": v.hash,
                "author": v.author,
                "index": v.index,
                "document": v.document,
                "accepted_by": [r for r, h in state.acceptances.items() if h == v.hash],
            }
            for v in state.versions
        ],
        "latest": latest.number if latest else None,
        "acceptances": state.acceptances,
        "confirmations": state.confirmations,
        "suspension": state.suspension,
        "withdrawal": state.withdrawal,
        "incidents": state.incidents,
        "movements": state.movements,
        "history": state.history,
    }


def version_diff(state: CorridorState, first: int, second: int) -> list[str]:
    a, b = state.version(first), state.version(second)
    if a is None:
        raise InputError("from", f"corridor {state.corridor!r} has no version {first}")
    if b is None:
        raise InputError("to", f"corridor {state.corridor!r} has no version {second}")
    return diff(a.document, b.document)


def check_draft(state: CorridorState, document: Any) -> dict[str, Any]:
    """A draft next version of the corridor, as the CLI's ``propose``/``counter`` would check it:
    every problem naming its field (``document.<path>``) and value, and, when it has none, the
    difference from the latest version, one sentence per term. Nothing is signed or stored."""
    latest = state.latest
    if not isinstance(document, dict):
        return {"problems": [{"field": "document", "problem": "must be a JSON object"}]}
    doc = {k: v for k, v in document.items() if k not in ("participants", "version", "supersedes")}
    doc["participants"] = state.participants or {}
    doc["version"] = 1 if latest is None else latest.number + 1
    doc["supersedes"] = None if latest is None else latest.hash
    problems = [
        {"field": f"document.{where}", "problem": problem}
        for where, problem in shape_problems(doc)
        if not where.startswith("participants")
    ]
    if document.get("corridor") != state.corridor:
        problems.insert(
            0,
            {
                "field": "document.corridor",
                "problem": f"{document.get('corridor')!r} is not this corridor ({state.corridor})",
            },
        )
    changes = [] if problems or latest is None else diff(latest.document, doc)
    return {
        "corridor": state.corridor,
        "version": doc["version"],
        "supersedes": doc["supersedes"],
        "problems": problems,
        "changes": changes,
    }


def parse_envelope(raw: dict[str, Any]) -> bytes:
    """The exact bytes to log: the envelope as the client serialised it is not available in a
    parsed JSON body, so clients post the envelope text in ``envelope`` (a string)."""
    text = raw.get("envelope")
    if not isinstance(text, str):
        raise InputError("envelope", "must be the DSSE envelope's JSON text")
    try:
        json.loads(text)
    except ValueError as exc:
        raise InputError("envelope", f"is not JSON ({exc})") from exc
    return text.encode()
