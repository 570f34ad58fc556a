"""A CEP plan (``cep-plan/1``) read and checked for shape: :func:`parse_plan` turns a decoded
plan into :class:`PlanRoute` lists, raising :class:`~corridor.errors.InputError` that names the
field and the value when it cannot be checked at all (a missing field, an unknown id, a wrong
type). Whether the plan keeps the rules is :mod:`corridor.planning.check`'s business.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from corridor.errors import InputError
from corridor.planning.instance import Instance


@dataclass(frozen=True)
class PlanStop:
    """A stop of a route: an ordinary stop (``depart``) or a crossing (``dir``, start, end)."""

    at: str
    kind: str  # depot, reception, checkpoint, gathering
    arrive: float
    depart: float = 0.0
    dir: str = ""
    start: float = 0.0
    end: float = 0.0
    board: dict[str, int] = field(default_factory=dict)
    alight: dict[str, int] = field(default_factory=dict)
    load_kg: float = 0.0
    unload_kg: float = 0.0

    @property
    def inside_after(self) -> bool:
        """Whether the vehicle is inside the zone when it leaves this stop."""
        return self.kind == "gathering" or self.dir == "in"

    @property
    def leave(self) -> float:
        return self.end if self.kind == "checkpoint" else self.depart

    @property
    def people(self) -> int:
        return sum(self.board.values()) + sum(self.alight.values())


@dataclass(frozen=True)
class PlanRoute:
    vehicle: str
    stops: list[PlanStop]


def _fail(path: str, problem: str) -> InputError:
    return InputError(f"plan: {path}", problem)


def _shown(value: Any) -> str:
    try:
        return json.dumps(value)[:40]
    except (TypeError, ValueError):
        return repr(value)[:40]


def _finite(v: Any) -> bool:
    try:
        return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    except OverflowError:
        return False


def _number(obj: dict[str, Any], key: str, path: str, default: float | None = None) -> float:
    if key not in obj:
        if default is None:
            raise _fail(f"{path}.{key}", "missing")
        return default
    v = obj[key]
    if not _finite(v) or (default is not None and v < 0):
        what = "a number >= 0" if default is not None else "a number"
        raise _fail(f"{path}.{key}", f"expected {what}, got {_shown(v)}")
    return float(v)


def _text(obj: dict[str, Any], key: str, path: str) -> str:
    if key not in obj:
        raise _fail(f"{path}.{key}", "missing")
    v = obj[key]
    if not isinstance(v, str):
        raise _fail(f"{path}.{key}", f"expected a string, got {_shown(v)}")
    return v


def _list_of_objects(obj: dict[str, Any], key: str, path: str) -> list[dict[str, Any]]:
    if key not in obj:
        raise _fail(f"{path}.{key}", "missing")
    v = obj[key]
    if not isinstance(v, list):
        raise _fail(f"{path}.{key}", f"expected a list, got {_shown(v)}")
    for i, item in enumerate(v):
        if not isinstance(item, dict):
            raise _fail(f"{path}.{key}[{i}]", f"expected an object, got {_shown(item)}")
    return v


def _people(obj: dict[str, Any], key: str, path: str, classes: set[str]) -> dict[str, int]:
    v = obj.get(key, {})
    if not isinstance(v, dict):
        raise _fail(f"{path}.{key}", f"expected an object, got {_shown(v)}")
    out: dict[str, int] = {}
    for name, n in v.items():
        if name not in classes:
            raise _fail(f"{path}.{key}.{name}", f"unknown class {name!r}")
        if not (_finite(n) and n >= 0 and float(n).is_integer()):
            raise _fail(f"{path}.{key}.{name}", f"expected a whole number >= 0, got {_shown(n)}")
        out[name] = int(n)
    return out


def parse_plan(raw: Any, inst: Instance) -> list[PlanRoute]:
    """Check the shape of a decoded plan for ``inst``; InputError names the field and value."""
    if not isinstance(raw, dict):
        raise _fail("(top level)", f"expected an object, got {_shown(raw)}")
    if raw.get("format") != "cep-plan/1":
        raise _fail("format", f"expected 'cep-plan/1', got {_shown(raw.get('format'))}")
    name = _text(raw, "instance", "plan")
    if name != inst.name:
        raise _fail("instance", f"{name!r} is not the instance {inst.name!r}")
    kinds = _kinds(inst)
    classes = set(inst.classes)
    routes = []
    for i, r in enumerate(_list_of_objects(raw, "routes", "plan")):
        path = f"routes[{i}]"
        stops = [
            _parse_stop(s, f"{path}.stops[{j}]", kinds, classes)
            for j, s in enumerate(_list_of_objects(r, "stops", path))
        ]
        routes.append(PlanRoute(_text(r, "vehicle", path), stops))
    return routes


def _kinds(inst: Instance) -> dict[str, str]:
    kinds = {d.id: "depot" for d in inst.depots}
    kinds.update({r.id: "reception" for r in inst.receptions})
    kinds.update({k.id: "checkpoint" for k in inst.checkpoints})
    kinds.update({g.id: "gathering" for g in inst.gathering})
    return kinds


def _parse_stop(
    raw: dict[str, Any], path: str, kinds: dict[str, str], classes: set[str]
) -> PlanStop:
    at = _text(raw, "at", path)
    if at not in kinds:
        raise _fail(f"{path}.at", f"unknown id {at!r}")
    kind = kinds[at]
    common: dict[str, Any] = {
        "at": at,
        "kind": kind,
        "arrive": _number(raw, "arrive", path),
        "board": _people(raw, "board", path, classes),
        "alight": _people(raw, "alight", path, classes),
        "load_kg": _number(raw, "load_kg", path, 0.0),
        "unload_kg": _number(raw, "unload_kg", path, 0.0),
    }
    if kind == "checkpoint":
        d = _text(raw, "dir", path)
        if d not in ("in", "out"):
            raise _fail(f"{path}.dir", f"expected 'in' or 'out', got {_shown(d)}")
        return PlanStop(
            dir=d, start=_number(raw, "start", path), end=_number(raw, "end", path), **common
        )
    if "dir" in raw:
        raise _fail(f"{path}.dir", f"only a checkpoint crossing has a direction, not {at!r}")
    return PlanStop(depart=_number(raw, "depart", path), **common)
