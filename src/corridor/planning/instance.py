"""The CEP instance (``data/cep/FORMAT.md``) as plain frozen dataclasses and numpy arrays.

:func:`parse_instance` checks a decoded JSON object field by field and raises
:class:`~corridor.errors.InputError` naming the field path and the value; :func:`load_instance`
reads a file first. Travel matrices are numpy arrays with ``nan`` for a missing road, indexed
through ``outside_index`` / ``inside_index``. A vehicle type with its own roads
(``travel.by_type``) has its matrices in :attr:`Instance.by_type`, reordered to the shared ids;
:meth:`Instance.travel_of` gives the matrices any type drives on.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from corridor.errors import InputError

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PeopleClass:
    name: str
    weight: float
    stretcher: bool = False
    medical: bool = False


@dataclass(frozen=True)
class VehicleType:
    name: str
    seats: int
    stretchers: int = 0
    cargo_kg: float = 0.0


@dataclass(frozen=True)
class Depot:
    id: str
    fleet: dict[str, int]
    supplies_kg: float = 0.0


@dataclass(frozen=True)
class Reception:
    id: str
    capacity: float
    medical: bool = False


@dataclass(frozen=True)
class Crossing:
    """One direction of a checkpoint: minutes of service per vehicle and parallel lanes."""

    service: float
    lanes: int


@dataclass(frozen=True)
class Checkpoint:
    id: str
    inward: Crossing
    outward: Crossing

    def direction(self, d: str) -> Crossing:
        return self.inward if d == "in" else self.outward


@dataclass(frozen=True)
class Gathering:
    id: str
    people: dict[str, int]
    needs_kg: float = 0.0


@dataclass(frozen=True)
class Vehicle:
    """A vehicle of the fleet, named ``depot/type/k`` as the format requires."""

    name: str
    depot: str
    type: str


@dataclass(frozen=True)
class TypeTravel:
    """The matrices one vehicle type drives on, over the shared ids in the shared order."""

    outside: FloatArray
    inside: FloatArray


@dataclass(frozen=True)
class Instance:
    name: str
    open: float
    close: float
    classes: dict[str, PeopleClass]
    cargo_weight: float
    stop_fixed: float
    stop_per_person: float
    vehicle_types: dict[str, VehicleType]
    depots: list[Depot]
    receptions: list[Reception]
    checkpoints: list[Checkpoint]
    gathering: list[Gathering]
    outside_ids: list[str]
    outside: FloatArray
    inside_ids: list[str]
    inside: FloatArray
    raw: dict[str, Any] = field(repr=False, compare=False)
    by_type: dict[str, TypeTravel] = field(default_factory=dict, repr=False, compare=False)
    max_vehicles: int | None = None  # at most this many vehicles may leave their depot

    def travel_of(self, vehicle_type: str | None) -> TypeTravel:
        """The matrices vehicles of ``vehicle_type`` drive on (the shared ones by default)."""
        own = self.by_type.get(vehicle_type) if vehicle_type is not None else None
        return own if own is not None else TypeTravel(self.outside, self.inside)

    @property
    def types_with_roads(self) -> list[str | None]:
        """``None`` (the shared matrices) when some type uses them, then each type with its
        own: the distinct road networks a plan may use."""
        shared = any(t not in self.by_type for t in self.vehicle_types)
        return ([None] if shared or not self.vehicle_types else []) + list(self.by_type)

    @property
    def outside_index(self) -> dict[str, int]:
        return {p: i for i, p in enumerate(self.outside_ids)}

    @property
    def inside_index(self) -> dict[str, int]:
        return {p: i for i, p in enumerate(self.inside_ids)}

    @property
    def vehicles(self) -> list[Vehicle]:
        return [
            Vehicle(f"{d.id}/{t}/{k}", d.id, t)
            for d in self.depots
            for t, n in d.fleet.items()
            for k in range(n)
        ]

    def outside_minutes(self, a: str, b: str, vehicle_type: str | None = None) -> float | None:
        """Driving minutes outside the zone from ``a`` to ``b`` for ``vehicle_type`` (the
        shared matrix by default); None where there is no road."""
        idx = self.outside_index
        v = float(self.travel_of(vehicle_type).outside[idx[a], idx[b]])
        return None if math.isnan(v) else v

    def inside_minutes(self, a: str, b: str, vehicle_type: str | None = None) -> float | None:
        """Driving minutes inside the zone from ``a`` to ``b`` for ``vehicle_type`` (the shared
        matrix by default); None where there is no road."""
        idx = self.inside_index
        v = float(self.travel_of(vehicle_type).inside[idx[a], idx[b]])
        return None if math.isnan(v) else v

    def stop_minutes(self, people: int, busy: bool = True) -> float:
        """Minutes a stop must last when ``people`` board or alight (or cargo moves)."""
        if not busy and people == 0:
            return 0.0
        return self.stop_fixed + self.stop_per_person * people


_KINDS = {
    "num": "a number",
    "nonneg": "a number >= 0",
    "count": "a whole number >= 0",
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
            "num": _finite(value),
            "nonneg": _finite(value) and value >= 0,
            "count": _finite(value) and value >= 0 and float(value).is_integer(),
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
    r = _Reader(source)
    r.expect(raw, "(top level)", "obj")
    if raw.get("format") != "cep/1":
        raise r.fail("format", f"expected 'cep/1', got {raw.get('format')!r}")
    name = r.get(raw, "name", "", "str")
    window = r.get(raw, "window", "", "obj")
    w_open = float(r.get(window, "open", "window", "num"))
    w_close = float(r.get(window, "close", "window", "num"))
    if w_close < w_open:
        raise r.fail("window.close", f"{w_close:g} is before window.open {w_open:g}")
    classes = {
        c: PeopleClass(
            c,
            float(r.get(v, "weight", f"classes.{c}", "num")),
            r.get(v, "stretcher", f"classes.{c}", "bool", False),
            r.get(v, "medical", f"classes.{c}", "bool", False),
        )
        for c, v in (
            (c, r.expect(v, f"classes.{c}", "obj"))
            for c, v in r.get(raw, "classes", "", "obj").items()
        )
    }
    stop = r.get(raw, "stop_time", "", "obj", {})
    vtypes = {
        t: VehicleType(
            t,
            r.get(v, "seats", f"vehicle_types.{t}", "count"),
            r.get(v, "stretchers", f"vehicle_types.{t}", "count", 0),
            float(r.get(v, "cargo_kg", f"vehicle_types.{t}", "nonneg", 0)),
        )
        for t, v in (
            (t, r.expect(v, f"vehicle_types.{t}", "obj"))
            for t, v in r.get(raw, "vehicle_types", "", "obj").items()
        )
    }
    kind: dict[str, str] = {}

    def places(key: str) -> list[tuple[str, str, dict[str, Any]]]:
        out = []
        for i, obj in enumerate(r.get(raw, key, "", "list")):
            path = f"{key}[{i}]"
            r.expect(obj, path, "obj")
            pid = r.get(obj, "id", path, "str")
            if pid in kind:
                raise r.fail(f"{path}.id", f"duplicate id {pid!r}")
            kind[pid] = key
            out.append((pid, path, obj))
        return out

    depots = [
        Depot(
            pid,
            r.counts(o, "fleet", p, vtypes, "vehicle type"),
            float(r.get(o, "supplies_kg", p, "nonneg", 0)),
        )
        for pid, p, o in places("depots")
    ]
    receptions = [
        Reception(
            pid, float(r.get(o, "capacity", p, "nonneg")), r.get(o, "medical", p, "bool", False)
        )
        for pid, p, o in places("receptions")
    ]

    def crossing(o: dict[str, Any], p: str, d: str) -> Crossing:
        c = r.get(o, d, p, "obj")
        return Crossing(
            float(r.get(c, "service", f"{p}.{d}", "nonneg")), r.get(c, "lanes", f"{p}.{d}", "count")
        )

    checkpoints = [
        Checkpoint(pid, crossing(o, p, "in"), crossing(o, p, "out"))
        for pid, p, o in places("checkpoints")
    ]
    gathering = [
        Gathering(
            pid,
            r.counts(o, "people", p, classes, "class"),
            float(r.get(o, "needs_kg", p, "nonneg", 0)),
        )
        for pid, p, o in places("gathering")
    ]
    names: set[str] = set()
    for d in depots:
        for t, n in d.fleet.items():
            for k in range(n):
                v = f"{d.id}/{t}/{k}"
                if v in names:
                    raise r.fail("depots", f"two vehicles are named {v!r}")
                names.add(v)
    travel = r.get(raw, "travel", "", "obj")

    def matrix(
        within: dict[str, Any], key: str, kinds: set[str], where: str = "travel"
    ) -> tuple[list[str], FloatArray]:
        path = f"{where}.{key}"
        m = r.get(within, key, where, "obj")
        ids = [
            r.expect(i, f"{path}.ids[{n}]", "str")
            for n, i in enumerate(r.get(m, "ids", path, "list"))
        ]
        wanted = {i for i, k in kind.items() if k in kinds}
        if set(ids) != wanted or len(ids) != len(set(ids)):
            raise r.fail(f"{path}.ids", f"must list each of {sorted(wanted)} once, got {ids}")
        rows = r.get(m, "minutes", path, "list")
        n = len(ids)
        for i, row in enumerate(rows):
            if not isinstance(row, list) or len(row) != n:
                got = f"a row of {len(row)}" if isinstance(row, list) else _shown(row)
                raise r.fail(f"{path}.minutes[{i}]", f"expected a row of {n} numbers, got {got}")
        if len(rows) != n:
            raise r.fail(f"{path}.minutes", f"expected a {n}x{n} matrix, got {len(rows)} rows")
        out = np.full((n, n), np.nan)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if v is not None:
                    out[i, j] = r.expect(v, f"{path}.minutes[{i}][{j}]", "nonneg")
        return ids, out

    outer, inner = {"depots", "receptions", "checkpoints"}, {"checkpoints", "gathering"}
    outside_ids, outside = matrix(travel, "outside", outer)
    inside_ids, inside = matrix(travel, "inside", inner)
    by_type: dict[str, TypeTravel] = {}
    for t, spec in r.get(travel, "by_type", "travel", "obj", {}).items():
        path = f"travel.by_type.{t}"
        if t not in vtypes:
            raise r.fail(path, f"{t!r} is not a vehicle type (known: {sorted(vtypes)})")
        r.expect(spec, path, "obj")
        extra = sorted(set(spec) - {"outside", "inside"})
        if extra:
            raise r.fail(f"{path}.{extra[0]}", "unknown key (a type may give outside, inside)")
        sides = []
        for key, kinds, ids, shared in (
            ("outside", outer, outside_ids, outside),
            ("inside", inner, inside_ids, inside),
        ):
            if key not in spec:
                sides.append(shared)
                continue
            own_ids, own = matrix(spec, key, kinds, path)
            order = [own_ids.index(p) for p in ids]  # to the shared matrix's order
            sides.append(own[np.ix_(order, order)])
        by_type[t] = TypeTravel(sides[0], sides[1])
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
        by_type=by_type,
        max_vehicles=r.get(raw, "max_vehicles", "", "count", None),
    )


def load_instance(path: str | Path) -> Instance:
    """Read and check a CEP instance file; a missing or non-JSON file is an :class:`InputError`."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(str(p), "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(p), f"cannot be read: {exc}") from None
    try:
        raw = json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise InputError(
            str(p), f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except ValueError as exc:
        raise InputError(str(p), str(exc)) from None
    return parse_instance(raw, str(p))


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"the key {k!r} appears twice in one object")
        out[k] = v
    return out
