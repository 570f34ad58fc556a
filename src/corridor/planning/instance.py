"""Reading a CEP instance (``data/cep/FORMAT.md``) into the dataclasses of
:mod:`corridor.planning.model`.

:func:`parse_instance` checks a decoded JSON object field by field and raises
:class:`~corridor.errors.InputError` naming ``source: field.path`` and the value;
:func:`corridor.adapters.cep_files.load_instance` reads a file first (strict JSON). The
dataclasses are importable from here too.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from corridor.errors import InputError
from corridor.planning.model import (
    Checkpoint,
    Crossing,
    Depot,
    FloatArray,
    Gathering,
    Instance,
    PeopleClass,
    Reception,
    TypeTravel,
    Vehicle,
    VehicleType,
)

__all__ = [
    "Checkpoint",
    "Crossing",
    "Depot",
    "FloatArray",
    "Gathering",
    "Instance",
    "PeopleClass",
    "Reception",
    "TypeTravel",
    "Vehicle",
    "VehicleType",
    "parse_instance",
]

#: Beyond these, sums of people, minutes or weights no longer fit the planner's numbers (a
#: score of ``inf``, an integer overflow); no operation comes near them.
MAX_COUNT = 10**9
MAX_NUMBER = 1e12
#: Vehicles in all: beyond this a first plan alone would outlast any sensible time limit.
MAX_FLEET = 50_000
_KINDS = {
    "num": "a number of size at most 1e12",
    "nonneg": "a number >= 0 and at most 1e12",
    "count": "a whole number >= 0 and at most 1,000,000,000",
    "bool": "true or false",
    "str": "a string",
    "obj": "an object",
    "list": "a list",
}


class _Reader:
    """Checks values one field at a time, naming ``source: path`` in every error."""

    _MISSING = object()

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, problem: str) -> InputError:
        return InputError(f"{self.source}: {path}", problem)

    def expect(self, value: Any, path: str, kind: str) -> Any:
        ok = {
            "num": _finite(value) and abs(value) <= MAX_NUMBER,
            "nonneg": _finite(value) and 0 <= value <= MAX_NUMBER,
            "count": _finite(value) and 0 <= value <= MAX_COUNT and float(value).is_integer(),
            "bool": isinstance(value, bool),
            "str": isinstance(value, str) and value != "",
            "obj": isinstance(value, dict),
            "list": isinstance(value, list),
        }[kind]
        if not ok:
            shown = json.dumps(value)[:40] if _jsonable(value) else repr(value)[:40]
            raise self.fail(path, f"expected {_KINDS[kind]}, got {shown}")
        return int(value) if kind == "count" else value

    def get(
        self, obj: dict[str, Any], key: str, path: str, kind: str, default: Any = _MISSING
    ) -> Any:
        if key not in obj:
            if default is self._MISSING:
                raise self.fail(f"{path}.{key}" if path else key, "missing")
            return default
        return self.expect(obj[key], f"{path}.{key}" if path else key, kind)

    def counts(
        self, obj: dict[str, Any], key: str, path: str, known: dict[str, Any], what: str
    ) -> dict[str, int]:
        out: dict[str, int] = {}
        for name, n in self.get(obj, key, path, "obj", {}).items():
            if name not in known:
                raise self.fail(f"{path}.{key}.{name}", f"unknown {what} {name!r}")
            out[name] = self.expect(n, f"{path}.{key}.{name}", "count")
        return out


def _finite(v: Any) -> bool:
    try:
        return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    except OverflowError:
        return False


def _shown(v: Any) -> str:
    return json.dumps(v)[:40] if _jsonable(v) else repr(v)[:40]


def _jsonable(v: Any) -> bool:
    try:
        json.dumps(v)
    except (TypeError, ValueError):
        return False
    return True


def parse_instance(raw: Any, source: str = "instance") -> Instance:
    """Check a decoded CEP instance and return it; errors name ``source: field.path``."""
    r = _InstanceReader(source)
    r.expect(raw, "(top level)", "obj")
    if raw.get("format") != "cep/1":
        raise r.fail("format", f"expected 'cep/1', got {raw.get('format')!r}")
    name = r.get(raw, "name", "", "str")
    window = r.get(raw, "window", "", "obj")
    w_open = float(r.get(window, "open", "window", "num"))
    w_close = float(r.get(window, "close", "window", "num"))
    if w_close < w_open:
        raise r.fail("window.close", f"{w_close:g} is before window.open {w_open:g}")
    classes = r.classes(raw)
    vtypes = r.vehicle_types(raw)
    stop = r.get(raw, "stop_time", "", "obj", {})
    depots = [
        Depot(pid, r.counts(o, "fleet", p, vtypes, "vehicle type"),
              float(r.get(o, "supplies_kg", p, "nonneg", 0)))
        for pid, p, o in r.places(raw, "depots")
    ]  # fmt: skip
    r.unique_vehicle_names(depots)
    receptions = [
        Reception(
            pid, float(r.get(o, "capacity", p, "nonneg")), r.get(o, "medical", p, "bool", False)
        )
        for pid, p, o in r.places(raw, "receptions")
    ]
    checkpoints = [
        Checkpoint(pid, r.crossing(o, p, "in"), r.crossing(o, p, "out"))
        for pid, p, o in r.places(raw, "checkpoints")
    ]
    gathering = [
        Gathering(pid, r.counts(o, "people", p, classes, "class"),
                  float(r.get(o, "needs_kg", p, "nonneg", 0)))
        for pid, p, o in r.places(raw, "gathering")
    ]  # fmt: skip
    travel = r.get(raw, "travel", "", "obj")
    outside_ids, outside = r.matrix(travel, "outside", _OUTER)
    inside_ids, inside = r.matrix(travel, "inside", _INNER)
    return Instance(
        name=name,
        open=w_open,
        close=w_close,
        classes=classes,
        cargo_weight=float(r.get(raw, "cargo_weight", "", "num", 0)),
        stop_fixed=float(r.get(stop, "fixed", "stop_time", "nonneg", 0)),
        stop_per_person=float(r.get(stop, "per_person", "stop_time", "nonneg", 0)),
        vehicle_types=vtypes,
        depots=depots,
        receptions=receptions,
        checkpoints=checkpoints,
        gathering=gathering,
        outside_ids=outside_ids,
        outside=outside,
        inside_ids=inside_ids,
        inside=inside,
        raw=raw,
        by_type=r.by_type(travel, vtypes, (outside_ids, outside), (inside_ids, inside)),
        max_vehicles=r.get(raw, "max_vehicles", "", "count", None),
    )


_OUTER = frozenset({"depots", "receptions", "checkpoints"})
_INNER = frozenset({"checkpoints", "gathering"})


class _InstanceReader(_Reader):
    """Reads the parts of an instance; remembers each place's kind to check the matrices."""

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self.kind: dict[str, str] = {}

    def classes(self, raw: dict[str, Any]) -> dict[str, PeopleClass]:
        out = {}
        for c, v in self.get(raw, "classes", "", "obj").items():
            p = f"classes.{c}"
            self.expect(v, p, "obj")
            out[c] = PeopleClass(
                c,
                float(self.get(v, "weight", p, "num")),
                self.get(v, "stretcher", p, "bool", False),
                self.get(v, "medical", p, "bool", False),
            )
        return out

    def vehicle_types(self, raw: dict[str, Any]) -> dict[str, VehicleType]:
        out = {}
        for t, v in self.get(raw, "vehicle_types", "", "obj").items():
            p = f"vehicle_types.{t}"
            self.expect(v, p, "obj")
            out[t] = VehicleType(
                t,
                self.get(v, "seats", p, "count"),
                self.get(v, "stretchers", p, "count", 0),
                float(self.get(v, "cargo_kg", p, "nonneg", 0)),
            )
        return out

    def places(self, raw: dict[str, Any], key: str) -> list[tuple[str, str, dict[str, Any]]]:
        """(id, path, object) of each place in the list ``raw[key]``; ids are unique."""
        out = []
        for i, obj in enumerate(self.get(raw, key, "", "list")):
            path = f"{key}[{i}]"
            self.expect(obj, path, "obj")
            pid = self.get(obj, "id", path, "str")
            if pid in self.kind:
                raise self.fail(f"{path}.id", f"duplicate id {pid!r}")
            self.kind[pid] = key
            out.append((pid, path, obj))
        return out

    def crossing(self, o: dict[str, Any], p: str, d: str) -> Crossing:
        c = self.get(o, d, p, "obj")
        service = float(self.get(c, "service", f"{p}.{d}", "nonneg"))
        lanes = self.get(c, "lanes", f"{p}.{d}", "count")
        if lanes and service <= 0:  # the planner's lanes and the check need a length
            raise self.fail(
                f"{p}.{d}.service",
                "must be > 0 minutes where the direction has lanes (a crossing takes time; "
                "a wave-through is still half a minute), got 0",
            )
        return Crossing(service, lanes)

    def unique_vehicle_names(self, depots: list[Depot]) -> None:
        total = sum(n for d in depots for n in d.fleet.values())
        if total > MAX_FLEET:
            raise self.fail(
                "depots",
                f"{total:,} vehicles in all; the planner takes at most {MAX_FLEET:,} (a city's "
                "operation has about 2,000): is a fleet's number mistyped?",
            )
        names: set[str] = set()
        for d in depots:
            for t, n in d.fleet.items():
                for k in range(n):
                    v = f"{d.id}/{t}/{k}"
                    if v in names:
                        raise self.fail("depots", f"two vehicles are named {v!r}")
                    names.add(v)

    def matrix(
        self, within: dict[str, Any], key: str, kinds: frozenset[str], where: str = "travel"
    ) -> tuple[list[str], FloatArray]:
        """``within[key]`` as (ids, minutes with nan for no road), over the places of
        ``kinds``."""
        path = f"{where}.{key}"
        m = self.get(within, key, where, "obj")
        ids = [
            self.expect(i, f"{path}.ids[{n}]", "str")
            for n, i in enumerate(self.get(m, "ids", path, "list"))
        ]
        wanted = {i for i, k in self.kind.items() if k in kinds}
        if set(ids) != wanted or len(ids) != len(set(ids)):
            raise self.fail(f"{path}.ids", f"must list each of {sorted(wanted)} once, got {ids}")
        rows = self.get(m, "minutes", path, "list")
        n = len(ids)
        for i, row in enumerate(rows):
            if not isinstance(row, list) or len(row) != n:
                got = f"a row of {len(row)}" if isinstance(row, list) else _shown(row)
                raise self.fail(f"{path}.minutes[{i}]", f"expected a row of {n} numbers, got {got}")
        if len(rows) != n:
            raise self.fail(f"{path}.minutes", f"expected a {n}x{n} matrix, got {len(rows)} rows")
        out = np.full((n, n), np.nan)
        for i, row in enumerate(rows):
            out[i] = self._row(row, f"{path}.minutes[{i}]")
        return ids, out

    def _row(self, row: list[Any], path: str) -> FloatArray:
        """One row of minutes: numbers >= 0, null for no road (nan)."""
        if all(type(v) is float or type(v) is int for v in row):  # the common case, at once
            values = np.asarray(row, dtype=float)
            if np.isfinite(values).all() and (values >= 0).all():
                return values
        out = np.full(len(row), np.nan)
        for j, v in enumerate(row):
            if v is not None:
                out[j] = self.expect(v, f"{path}[{j}]", "nonneg")
        return out

    def by_type(
        self,
        travel: dict[str, Any],
        vtypes: dict[str, VehicleType],
        outside: tuple[list[str], FloatArray],
        inside: tuple[list[str], FloatArray],
    ) -> dict[str, TypeTravel]:
        """``travel.by_type``, each matrix reordered to the shared one's ids."""
        out: dict[str, TypeTravel] = {}
        for t, spec in self.get(travel, "by_type", "travel", "obj", {}).items():
            path = f"travel.by_type.{t}"
            if t not in vtypes:
                raise self.fail(path, f"{t!r} is not a vehicle type (known: {sorted(vtypes)})")
            self.expect(spec, path, "obj")
            extra = sorted(set(spec) - {"outside", "inside"})
            if extra:
                raise self.fail(
                    f"{path}.{extra[0]}", "unknown key (a type may give outside, inside)"
                )
            sides = []
            for key, kinds, (ids, shared) in (
                ("outside", _OUTER, outside),
                ("inside", _INNER, inside),
            ):
                if key not in spec:
                    sides.append(shared)
                    continue
                own_ids, own = self.matrix(spec, key, kinds, path)
                order = [own_ids.index(p) for p in ids]  # to the shared matrix's order
                sides.append(own[np.ix_(order, order)])
            out[t] = TypeTravel(sides[0], sides[1])
        return out


#: The fields of ``cep/1`` (../shared/cep/FORMAT.md) and this project's ``simulation`` object.
FIELDS: dict[str, frozenset[str]] = {
    "": frozenset({"format", "name", "window", "classes", "cargo_weight", "stop_time",
                   "vehicle_types", "depots", "receptions", "checkpoints", "gathering", "travel",
                   "max_vehicles", "simulation"}),
    "window": frozenset({"open", "close"}),
    "stop_time": frozenset({"fixed", "per_person"}),
    "classes": frozenset({"weight", "stretcher", "medical"}),
    "vehicle_types": frozenset({"seats", "stretchers", "cargo_kg"}),
    "depots": frozenset({"id", "fleet", "supplies_kg"}),
    "receptions": frozenset({"id", "capacity", "medical"}),
    "checkpoints": frozenset({"id", "in", "out"}),
    "gathering": frozenset({"id", "people", "needs_kg"}),
    "travel": frozenset({"outside", "inside", "by_type"}),
}  # fmt: skip


def unknown_fields(raw: dict[str, Any]) -> list[str]:
    """Each field of a checked instance that ``cep/1`` does not have, with the field meant
    where one is close: the planner and the referee ignore them, so a typo such as
    ``max_vehicle`` silently drops what it was to say (an agreed limit on vehicles)."""
    from difflib import get_close_matches

    found = []
    for part, known in FIELDS.items():
        value = raw if not part else raw.get(part)
        if isinstance(value, list):
            objs = [(f"{part}[{i}]", o) for i, o in enumerate(value)]
        elif part in ("classes", "vehicle_types") and isinstance(value, dict):
            objs = [(f"{part}.{k}", o) for k, o in value.items()]
        else:
            objs = [(part, value)]
        for where, obj in objs:
            for key in obj if isinstance(obj, dict) else ():
                if key not in known:
                    near = get_close_matches(key, sorted(known), n=1)
                    hint = f"; did you mean {near[0]!r}?" if near else ""
                    found.append(f"{where + '.' if where else ''}{key}: not a field of cep/1, "
                                 f"ignored{hint}")  # fmt: skip
    return found
