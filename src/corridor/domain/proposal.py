"""The corridor proposal: a versioned document whose every term is explicit.

Practice has shown which terms must be written down, or a corridor fails on the day: the parties
and the intermediary (who is not a guarantor), the route and its checkpoints, the window (start,
duration, time zone), the ceasefire area, who may use the corridor and in which direction,
destinations chosen by the evacuees, what may go in, vehicle markings, the largest number of
vehicles, the notification lead time, the evacuees' rights and what happens on a violation.

A document may be incomplete while it is negotiated (a *draft*); :func:`missing_terms` says
exactly which terms are absent or unacceptable. A term that is present but of the wrong shape is
an error at once (:func:`shape_problems`). Standard library only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from corridor.domain.placeholders import placeholder_problems

ROLES = ("party_a", "party_b", "intermediary")
PARTY_ROLES = ("party_a", "party_b")
USER_KINDS = ("civilians_on_foot", "private_cars", "buses", "ambulances", "aid_trucks")
DIRECTIONS = ("outbound", "inbound", "both")

# field -> the words a liaison officer reads in a checklist or a diff
TERMS: dict[str, str] = {
    "corridor": "corridor identifier",
    "version": "version number",
    "supersedes": "version it supersedes",
    "title": "title",
    "participants": "parties and intermediary",
    "route": "route",
    "checkpoints": "checkpoints",
    "window": "time window",
    "ceasefire_area": "ceasefire area",
    "users": "who may use the corridor",
    "destinations": "destinations",
    "goods_in": "what may go in",
    "vehicle_markings": "vehicle markings",
    "max_vehicles": "largest number of vehicles",
    "notification_lead_minutes": "notification lead time (minutes)",
    "evacuee_rights": "evacuee rights",
    "on_violation": "what happens on a violation",
}
REQUIRED_TERMS = tuple(k for k in TERMS if k not in ("supersedes", "title"))

Doc = dict[str, Any]


def _is_position(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(c, int | float) and not isinstance(c, bool) for c in value)
        and -180 <= value[0] <= 180
        and -90 <= value[1] <= 90
    )


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _check_participants(value: Any) -> str | None:
    if not isinstance(value, dict) or set(value) != set(ROLES):
        return f"must name exactly {', '.join(ROLES)}"
    names = set()
    for role in ROLES:
        who = value[role]
        if not isinstance(who, dict) or not _text(who.get("name")) or not _text(who.get("key")):
            return f"{role} needs a 'name' and a verifier 'key' (name+hash+base64)"
        if not who["key"].startswith(who["name"] + "+"):
            return f"{role}: key {who['key']!r} is not the key of {who['name']!r}"
        names.add(who["name"])
    if len(names) != 3:
        return "the three participants must have three different names"
    guarantor = value["intermediary"].get("guarantor")
    if guarantor is not None and not isinstance(guarantor, bool):
        return "intermediary.guarantor must be true or false"
    return None


def _check_route(value: Any) -> str | None:
    if not isinstance(value, dict) or value.get("type") != "LineString":
        return "must be a GeoJSON LineString"
    coords = value.get("coordinates")
    if not isinstance(coords, list) or len(coords) < 2 or not all(map(_is_position, coords)):
        return "needs at least two [longitude, latitude] positions"
    return None


def _check_area(value: Any) -> str | None:
    if not isinstance(value, dict) or value.get("type") != "Polygon":
        return "must be a GeoJSON Polygon"
    rings = value.get("coordinates")
    if not isinstance(rings, list) or not rings:
        return "needs at least one ring"
    for ring in rings:
        if not isinstance(ring, list) or len(ring) < 4 or not all(map(_is_position, ring)):
            return "each ring needs at least four [longitude, latitude] positions"
        if ring[0] != ring[-1]:
            return "each ring must end where it starts"
    return None


def _check_checkpoints(value: Any) -> str | None:
    if not isinstance(value, list):
        return "must be a list"
    for i, cp in enumerate(value):
        if not isinstance(cp, dict) or not _text(cp.get("name")) or not _is_position(cp.get("at")):
            return f"[{i}] needs a 'name' and 'at': [longitude, latitude]"
        if cp.get("controlled_by") not in (*PARTY_ROLES, None):
            return f"[{i}].controlled_by must be party_a or party_b"
    return None


def _check_window(value: Any) -> str | None:
    if not isinstance(value, dict):
        return "must be an object with start, duration_hours and time_zone"
    start = value.get("start")
    if start is not None:
        try:
            parsed = dt.datetime.fromisoformat(start) if isinstance(start, str) else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is not None:
            return f"start {start!r} must be a local date and time like 2026-12-02T07:00"
    hours = value.get("duration_hours")
    if hours is not None and (
        not isinstance(hours, int | float) or isinstance(hours, bool) or not 0 < hours <= 72
    ):
        return f"duration_hours {hours!r} must be a number of hours between 0 and 72"
    zone = value.get("time_zone")
    if zone is not None:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            return f"time_zone {zone!r} is not an IANA time zone"
    return None


def _check_users(value: Any) -> str | None:
    if not isinstance(value, list):
        return "must be a list of {kind, direction}"
    for i, use in enumerate(value):
        if not isinstance(use, dict) or use.get("kind") not in USER_KINDS:
            return f"[{i}].kind must be one of {', '.join(USER_KINDS)}"
        if use.get("direction") not in DIRECTIONS:
            return f"[{i}].direction must be one of {', '.join(DIRECTIONS)}"
    return None


def _check_destinations(value: Any) -> str | None:
    if not isinstance(value, dict):
        return "must be an object with chosen_by_evacuees and options"
    options = value.get("options", [])
    if not isinstance(options, list) or not all(map(_text, options)):
        return "options must be a list of place names"
    return None


def _check_str_list(value: Any) -> str | None:
    if not isinstance(value, list) or not all(map(_text, value)):
        return "must be a list of words"
    return None


def _check_count(value: Any) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        return f"{value!r} must be a whole number, 0 or more"
    return None


def _check_object(value: Any) -> str | None:
    return None if isinstance(value, dict) else "must be an object"


def _check_text(value: Any) -> str | None:
    return None if isinstance(value, str) else "must be text"


_SHAPES: dict[str, Callable[[Any], str | None]] = {
    "corridor": lambda v: None if _text(v) else "must be a non-empty identifier",
    "version": lambda v: (
        None if isinstance(v, int) and not isinstance(v, bool) and v >= 1 else "must be 1 or more"
    ),
    "supersedes": lambda v: (
        None
        if v is None or (isinstance(v, str) and len(v) == 64)
        else "must be the sha256 (64 hex digits) of the version it supersedes"
    ),
    "title": _check_text,
    "participants": _check_participants,
    "route": _check_route,
    "checkpoints": _check_checkpoints,
    "window": _check_window,
    "ceasefire_area": _check_area,
    "users": _check_users,
    "destinations": _check_destinations,
    "goods_in": _check_str_list,
    "vehicle_markings": _check_text,
    "max_vehicles": _check_count,
    "notification_lead_minutes": _check_count,
    "evacuee_rights": _check_object,
    "on_violation": _check_object,
}


def shape_problems(doc: Any) -> list[tuple[str, str]]:
    """(field, problem) for every placeholder left, every term present with the wrong shape,
    and every unknown field."""
    if not isinstance(doc, dict):
        return [("document", "must be a JSON object")]
    problems = placeholder_problems(doc)
    problems += [(k, "is not a term of a corridor proposal") for k in doc if k not in _SHAPES]
    for key, check in _SHAPES.items():
        if key in doc:
            problem = check(doc[key])
            if problem:
                problems.append((key, problem))
    for key in ("corridor", "version", "participants"):
        if key not in doc:
            problems.append((key, "is required in every version"))
    return problems


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def missing_terms(doc: Doc) -> list[str]:
    """Every term still missing or unacceptable, in words; empty when the document is complete."""
    missing = [f"{TERMS[k]} ({k}) is missing" for k in REQUIRED_TERMS if _empty(doc.get(k))]
    participants = doc.get("participants")
    intermediary = participants.get("intermediary") if isinstance(participants, dict) else None
    if isinstance(intermediary, dict) and intermediary.get("guarantor") is not False:
        missing.append(
            "the intermediary must be stated not to be a guarantor "
            "(participants.intermediary.guarantor: false)"
        )
    window = doc.get("window")
    if isinstance(window, dict):
        for key, words in (
            ("start", "start time"),
            ("duration_hours", "duration"),
            ("time_zone", "time zone"),
        ):
            if _empty(window.get(key)):
                missing.append(f"{words} (window.{key}) is missing")
    destinations = doc.get("destinations")
    if isinstance(destinations, dict):
        if destinations.get("chosen_by_evacuees") is not True:
            missing.append(
                "destinations must be chosen by the evacuees "
                "(destinations.chosen_by_evacuees: true)"
            )
        if _empty(destinations.get("options")):
            missing.append("no destination is named (destinations.options)")
    rights = doc.get("evacuee_rights")
    if isinstance(rights, dict):
        for key, words in (
            ("voluntary", "departure is voluntary"),
            ("family_unity", "families are not separated"),
            ("documents_and_belongings", "evacuees keep their documents and belongings"),
        ):
            if rights.get(key) is not True:
                missing.append(f"evacuee right not granted: {words} (evacuee_rights.{key})")
        if not _text(rights.get("special_care")):
            missing.append(
                "special care for the sick, wounded, elderly and children is not described "
                "(evacuee_rights.special_care)"
            )
    violation = doc.get("on_violation")
    if isinstance(violation, dict):
        for key, words in (
            ("suspension", "what a violation does (suspension)"),
            ("who_may_suspend", "who may call a suspension"),
            ("resumption", "how the corridor resumes"),
        ):
            if _empty(violation.get(key)):
                missing.append(f"{words} (on_violation.{key}) is missing")
    return missing


def window_bounds(doc: Doc) -> tuple[dt.datetime, dt.datetime] | None:
    """Start and end of the window as aware datetimes, or None while incomplete."""
    window = doc.get("window")
    if not isinstance(window, dict) or _check_window(window):
        return None
    try:
        start = dt.datetime.fromisoformat(window["start"]).replace(
            tzinfo=ZoneInfo(window["time_zone"])
        )
        return start, start + dt.timedelta(hours=float(window["duration_hours"]))
    except (KeyError, TypeError, ValueError, ZoneInfoNotFoundError):
        return None


# -- differences in words ----------------------------------------------------------------------


def _say(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict) and value.get("type") in ("LineString", "Polygon"):
        coords = value.get("coordinates") or []
        points = len(coords) if value["type"] == "LineString" else sum(map(len, coords))
        return f"a {value['type']} of {points} points"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value) if value else "nothing"
    if isinstance(value, list) and all(isinstance(v, dict) and "kind" in v for v in value):
        return "; ".join(f"{v.get('kind')} ({v.get('direction')})" for v in value) or "nobody"
    if isinstance(value, list) and all(isinstance(v, dict) and "name" in v for v in value):
        return ", ".join(str(v["name"]) for v in value) or "none"
    if value is None:
        return "not set"
    return str(value)


def _diff(path: str, old: Any, new: Any, out: list[str]) -> None:
    if old == new:
        return
    label = TERMS.get(path, path.replace("_", " ").replace(".", ": "))
    if isinstance(old, dict) and isinstance(new, dict) and old.get("type") == new.get("type"):
        if "type" in old and old.get("type") in ("LineString", "Polygon"):
            out.append(f"{label}: changed from {_say(old)} to {_say(new)}")
            return
        for key in sorted(set(old) | set(new)):
            _diff(f"{path}.{key}", old.get(key), new.get(key), out)
        return
    if old is None:
        out.append(f"{label}: added: {_say(new)}")
    elif new is None:
        out.append(f"{label}: removed (was {_say(old)})")
    elif (
        isinstance(old, list)
        and isinstance(new, list)
        and all(isinstance(v, str) for v in old + new)
    ):
        added = [v for v in new if v not in old]
        removed = [v for v in old if v not in new]
        words = []
        if added:
            words.append("added " + ", ".join(added))
        if removed:
            words.append("removed " + ", ".join(removed))
        out.append(f"{label}: {'; '.join(words) or 'reordered'}")
    elif (
        isinstance(old, list)
        and isinstance(new, list)
        and all(isinstance(v, dict) and "name" in v for v in old + new)
    ):
        old_by = {v["name"]: v for v in old}
        new_by = {v["name"]: v for v in new}
        for name in new_by.keys() - old_by.keys():
            out.append(f"{label}: added {name}")
        for name in old_by.keys() - new_by.keys():
            out.append(f"{label}: removed {name}")
        for name in sorted(old_by.keys() & new_by.keys()):
            if old_by[name] != new_by[name]:
                _diff(f"{path} {name}", old_by[name], new_by[name], out)
    else:
        out.append(f"{label}: changed from {_say(old)} to {_say(new)}")


def diff(old: Doc, new: Doc) -> list[str]:
    """What changed from ``old`` to ``new``, one sentence per field, in document order."""
    out: list[str] = []
    for key in [*TERMS, *sorted((set(old) | set(new)) - set(TERMS))]:
        if key in ("version", "supersedes"):
            continue
        _diff(key, old.get(key), new.get(key), out)
    return out


# The worked example lives in corridor.domain.example; kept importable from here.
from corridor.domain.example import (  # noqa: E402
    EXAMPLE_ORGANISATIONS,
    EXAMPLE_TIME_ZONE,
    example_documents,
    example_window_start,
)

__all__ = [
    "EXAMPLE_ORGANISATIONS",
    "EXAMPLE_TIME_ZONE",
    "PARTY_ROLES",
    "ROLES",
    "diff",
    "example_documents",
    "example_window_start",
    "missing_terms",
    "shape_problems",
    "window_bounds",
]
