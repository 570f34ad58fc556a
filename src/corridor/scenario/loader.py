"""Check a scenario given as text: YAML, side GeoJSON files, pydantic validation, cross-checks.

The files themselves are read by the adapters (``adapters/scenario_files.py``: the scenario
file and the side files beside it); this module parses the bytes it is given and asks its
:data:`SideFiles` reader for each side file the YAML names. Every failure is an
:class:`~corridor.errors.InputError` whose ``where`` is ``file: field.path`` and whose
``problem`` names the value; nothing is returned half-loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from pathlib import Path, PurePath
from typing import Any

import shapely
import yaml
from pydantic import ValidationError

from corridor.domain.json_text import parse_strict_json
from corridor.errors import InputError
from corridor.scenario.messages import Loc, did_you_mean, first_error, show, source_texts
from corridor.scenario.model import Hazard, Place, Scenario

MAX_BYTES = 50 * 1024 * 1024
SWAPPED = "; latitude and longitude swapped? (a location is longitude first, then latitude)"

SideFiles = Callable[[str], bytes]
"""The bytes of a side file named (relative, no ``..``) by the scenario; raises
:class:`SideFileRefused` when there is no such file or it may not be read."""


class SideFileRefused(Exception):
    """A side file its reader cannot or will not give; the message names the file and why."""


def read_scenario(
    data: bytes, label: str, side_files: SideFiles, source: Path | None = None
) -> Scenario:
    """Check the scenario whose YAML is ``data`` (``label``: its file name in messages), its
    side files given by ``side_files``; ``source`` is the file it came from (its folder holds a
    relative ``osm``). Raises InputError naming file, field and value."""
    raw, written = _parse_yaml(data, label)
    raw = _resolve_side_files(raw, side_files, label)
    scenario = parse_scenario(raw, label, written)
    scenario._source = source
    return scenario


def parse_scenario(
    raw: Any, label: str = "scenario", written: dict[Loc, str] | None = None
) -> Scenario:
    """Validate a decoded scenario (a mapping); raises InputError. ``written`` has the values
    as the YAML source spells them, so that messages echo them unchanged."""
    if not isinstance(raw, dict):
        raise InputError(label, f"must be a mapping of fields, not {_kind(raw)}")
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise first_error(exc, label, Scenario, written or {}) from None
    check_consistency(scenario, label)
    return scenario


def _kind(v: Any) -> str:
    if isinstance(v, list):
        return "a list"
    if isinstance(v, str):
        return f"the text {show(v)}"
    if v is None:
        return "nothing"
    return f"{type(v).__name__} {show(v)}"


def _parse_yaml(data: bytes, label: str) -> tuple[Any, dict[Loc, str]]:
    if len(data) > MAX_BYTES:
        raise InputError(label, f"is {len(data)} bytes, more than the {MAX_BYTES} allowed")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(label, f"is not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise InputError(label, "is empty")
    try:
        raw = yaml.load(text, Loader=_UniqueKeyLoader)
        written = source_texts(yaml.compose(text, Loader=yaml.SafeLoader), text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise InputError(label, f"is not valid YAML ({at}{exc.problem})") from None
    except yaml.YAMLError as exc:
        raise InputError(label, f"is not valid YAML ({exc})") from None
    if raw is None:
        raise InputError(label, "is empty")
    return raw, written


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses a mapping with the same key twice (YAML silently keeps the
    last one, which would hide a typo)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} appears twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _resolve_side_files(raw: Any, side_files: SideFiles, label: str) -> Any:
    """Replace ``{file: x.geojson[, id: ...]}`` geometries by the geometry they point to."""
    if not isinstance(raw, dict):
        return raw
    out = dict(raw)
    if _is_ref(out.get("zone")):
        out["zone"] = _side_geometry(out["zone"], side_files, f"{label}: zone")
    hazards = out.get("hazards")
    if isinstance(hazards, list):
        new = []
        for i, h in enumerate(hazards):
            if isinstance(h, dict) and _is_ref(h.get("geometry")):
                h = {
                    **h,
                    "geometry": _side_geometry(
                        h["geometry"], side_files, f"{label}: hazards[{i}].geometry"
                    ),
                }
            new.append(h)
        out["hazards"] = new
    return out


def _is_ref(v: Any) -> bool:
    return isinstance(v, dict) and "file" in v and "type" not in v


def _side_geometry(ref: dict[str, Any], side_files: SideFiles, where: str) -> Any:
    extra = set(ref) - {"file", "id"}
    if extra:
        raise InputError(where, f"unknown field {sorted(extra)[0]!r} beside file")
    name = ref["file"]
    if not isinstance(name, str) or not name:
        raise InputError(f"{where}.file", f"{show(name)} is not a file name")
    # A side file lives in the scenario's folder (or below it): never an absolute path, a
    # ``..`` or a link out of it (the reader's check), so that a scenario (an uploaded one above
    # all) cannot make the loader read other files of the machine.
    if PurePath(name).is_absolute() or ".." in PurePath(name).parts:
        raise InputError(
            f"{where}.file",
            f"{name!r}: a side file is named relative to the scenario's folder, inside it",
            name,
        )
    try:
        doc = parse_strict_json(side_files(name), name)
    except SideFileRefused as exc:
        raise InputError(f"{where}.file", str(exc), name) from None
    except InputError as exc:
        raise InputError(
            f"{where}.file", f"{name!r} is not valid GeoJSON ({exc.problem})"
        ) from None
    want = ref.get("id")
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        feats = doc.get("features")
        if not isinstance(feats, list):
            raise InputError(f"{where}.file", f"{name!r} has no features list")
        if want is None:
            if len(feats) != 1:
                raise InputError(
                    f"{where}.id", f"missing: {name!r} has {len(feats)} features, say which one"
                )
            return feats[0]
        for f in feats:
            if isinstance(f, dict):
                fid = f.get("id", (f.get("properties") or {}).get("id"))
                if fid == want:
                    return f
        raise InputError(f"{where}.id", f"{want!r} is not a feature of {name!r}")
    if want is not None:
        raise InputError(f"{where}.id", f"{want!r} given but {name!r} is not a FeatureCollection")
    return doc


# --- checks across fields -----------------------------------------------------------------


def check_consistency(s: Scenario, label: str) -> None:
    """Ids unique, names refer to declared classes and vehicle types, places on the right side
    of the zone (gathering points inside; depots and reception centres outside; checkpoints
    on the boundary)."""
    seen: dict[str, str] = {}
    groups: tuple[tuple[str, Sequence[Place | Hazard]], ...] = (
        ("gathering", s.gathering),
        ("depots", s.depots),
        ("receptions", s.receptions),
        ("checkpoints", s.checkpoints),
        ("hazards", s.hazards),
    )
    for key, items in groups:
        for i, item in enumerate(items):
            here = f"{key}[{i}].id"
            if item.id in seen:
                raise InputError(
                    f"{label}: {here}", f"{item.id!r} is already the id of {seen[item.id]}"
                )
            seen[item.id] = here.removesuffix(".id")
    classes, types = (
        ("a class", "classes", s.classes),
        ("a vehicle type", "vehicle_types", s.vehicle_types),
    )
    for i, g in enumerate(s.gathering):
        for cls in g.people:
            _declared(cls, classes, f"{label}: gathering[{i}].people.{cls}")
    for i, d in enumerate(s.depots):
        for t in d.fleet:
            _declared(t, types, f"{label}: depots[{i}].fleet.{t}")
    for i, h in enumerate(s.hazards):
        for j, t in enumerate(h.closed_for):
            _declared(t, types, f"{label}: hazards[{i}].closed_for[{j}]")
    if not s.classes:
        raise InputError(f"{label}: classes", "is empty (name at least one class of people)")
    if not s.vehicle_types:
        raise InputError(f"{label}: vehicle_types", "is empty (name at least one vehicle type)")
    _check_sides(s, label)


def _declared(name: str, among: tuple[str, str, Collection[str]], where: str) -> None:
    """InputError at ``where`` unless ``name`` is declared in the field ``among`` names."""
    what, field, names = among
    if name not in names:
        raise InputError(
            where,
            f"{name!r} is not {what} in {field} ({', '.join(names)})" + did_you_mean(name, names),
        )


def _check_sides(s: Scenario, label: str) -> None:
    from corridor.routing.graph import Projection

    zone_ll = s.zone.shape()
    c = zone_ll.centroid
    proj = Projection(c.x, c.y)
    zone = to_metres(zone_ll, proj)
    boundary = zone.boundary

    def point(loc: tuple[float, float]) -> shapely.Point:
        x, y = proj.forward(loc[0], loc[1])
        return shapely.Point(float(x), float(y))

    def swapped(loc: tuple[float, float]) -> tuple[float, float]:
        return loc[1], loc[0]

    for i, g in enumerate(s.gathering):
        if not zone.contains(point(g.location)):
            hint = SWAPPED if zone.contains(point(swapped(g.location))) else ""
            raise InputError(
                f"{label}: gathering[{i}].location",
                f"{list(g.location)} is outside the zone (gathering points are inside){hint}",
            )
    for key, items in (("depots", s.depots), ("receptions", s.receptions)):
        for i, p in enumerate(items):
            if zone.contains(point(p.location)):
                raise InputError(
                    f"{label}: {key}[{i}].location",
                    f"{list(p.location)} is inside the zone ({key} are outside)",
                )
    for i, k in enumerate(s.checkpoints):
        d = boundary.distance(point(k.location))
        if d > s.routing.boundary_max_m:
            near = boundary.distance(point(swapped(k.location))) <= s.routing.boundary_max_m
            raise InputError(
                f"{label}: checkpoints[{i}].location",
                f"{list(k.location)} is {d:.0f} m from the zone boundary "
                f"(at most routing.boundary_max_m = {s.routing.boundary_max_m:g} m)"
                + (SWAPPED if near else ""),
            )


def to_metres(geom: shapely.Geometry, proj: Any) -> shapely.Geometry:
    """A lon/lat shapely geometry in a :class:`Projection`'s metres."""

    def fwd(coords: Any) -> Any:
        import numpy as np

        x, y = proj.forward(coords[:, 0], coords[:, 1])
        return np.stack([x, y], 1)

    return shapely.transform(geom, fwd)
