"""Scenarios on the server: upload (YAML and its side files), validate, compile, map layers.

Compiling is issue 2's work (``compile_instance``, ``corridor_routes``, ``scenario_layers``);
this module has the scenario kept by a :class:`~corridor.services.ports.ScenarioStore`, read back
through the :class:`~corridor.services.ports.ScenarioSource`, and keeps the results, with the
reachability report and the warnings (:mod:`corridor.services.scenario_check`). The scenario
names its OSM extract by file name: one uploaded with ``PUT /v1/osm/{name}``
(:func:`store_extract`) or one bundled with the project, both in the
:class:`~corridor.services.ports.ExtractStore`. Messages name extracts and fields, never a path
on the server.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from corridor.domain.access import Principal
from corridor.domain.operations import Event
from corridor.errors import InputError
from corridor.services.accounts import require
from corridor.services.errors import Conflict, NotFound
from corridor.services.ports import road_graph_source, scenario_source

if TYPE_CHECKING:
    from corridor.scenario.model import Scenario
    from corridor.services.ports import ExtractStore, ScenarioStore
    from corridor.services.unit_of_work import UnitOfWork

SIDE_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}\.(geojson|json)$")
OSM_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}\.(osm\.pbf|osm|osm\.bz2)$")


def _find_osm(name: str, extracts: ExtractStore) -> Path:
    base = Path(name).name
    found = extracts.find(base) if OSM_FILE.match(base) else None
    if found is None:
        raise InputError(
            "source.osm",
            f"{name!r}: this server has no extract named {base!r}; upload it with "
            f"PUT /v1/osm/{base} (GET /v1/osm lists those it has)",
        )
    return found


def list_extracts(who: Principal, extracts: ExtractStore) -> list[dict[str, Any]]:
    """The OSM extracts a scenario may name: uploaded ones first, then the bundled ones."""
    require(who, "scenarios.read")
    return [
        {"name": name, "bytes": size, "origin": origin}
        for name, size, origin in extracts.listing(lambda n: bool(OSM_FILE.match(n)))
    ]


def store_extract(
    who: Principal, extracts: ExtractStore, cache_dir: Path, name: str, data: bytes
) -> dict[str, Any]:
    """Keep an uploaded OSM extract under ``name`` once it reads as a road network.

    The same bytes again are fine; other bytes under a name in use are a conflict (scenarios
    compiled from it must keep meaning what they meant).
    """
    require(who, "scenarios.write")
    if not OSM_FILE.match(name):
        raise InputError(
            "name", f"{name!r} is not an extract file name (x.osm.pbf, .osm, .osm.bz2)"
        )
    digest = hashlib.sha256(data).hexdigest()
    held = extracts.uploaded_digest(name)
    if held is not None and held != digest:
        raise Conflict(f"osm/{name}", "holds another extract; upload this one under another name")

    def check(path: Path) -> Any:
        try:
            return road_graph_source()(path, cache_dir)
        except InputError as exc:
            raise InputError("body", f"{name!r}: {_scrub(exc.problem)}") from None

    graph = extracts.put(name, data, check)
    return {
        "name": name,
        "bytes": len(data),
        "sha256": digest,
        "road_nodes": graph.n_nodes,
        "road_segments": graph.n_edges,
    }


def _scrub(text: str) -> str:
    """A message without the server's paths: absolute paths become their file name."""
    return re.sub(r"(?<![\w./-])(/[^\s'\"(),]+)+/([^/\s'\"(),]+)", r"\2", text)


def _confine_side_files(raw: dict[str, Any], files: dict[str, str]) -> None:
    """Every ``file:`` the YAML names is one of the files uploaded with it (a plain name): an
    absolute path or ``../`` would make the server read its own files."""
    refs: list[tuple[str, Any]] = []
    zone = raw.get("zone")
    if isinstance(zone, dict) and "file" in zone:
        refs.append(("source.zone.file", zone["file"]))
    hazards = raw.get("hazards")
    for i, h in enumerate(hazards if isinstance(hazards, list) else []):
        geometry = h.get("geometry") if isinstance(h, dict) else None
        if isinstance(geometry, dict) and "file" in geometry:
            refs.append((f"source.hazards[{i}].geometry.file", geometry["file"]))
    for where, name in refs:
        if not isinstance(name, str) or not SIDE_FILE.match(name):
            raise InputError(
                where,
                "names a file uploaded with the scenario (a plain .geojson or .json name in "
                "`files`), never a path on the server",
                name,
            )
        if name not in files:
            raise InputError(where, f"{name!r} is not among the uploaded files", name)


def compile_scenario(scenario: Scenario, cache_dir: Path) -> dict[str, Any]:
    """Compile a checked scenario: instance, routes, map layers; raises InputError naming the
    field."""
    from corridor.services.compile_scenario import compile_instance
    from corridor.services.network import prepare_network
    from corridor.services.routes import corridor_routes, scenario_layers
    from corridor.services.scenario_check import check_scenario

    net = prepare_network(scenario, cache_dir=cache_dir)
    instance = compile_instance(scenario, net)
    check = check_scenario(net, instance)
    open_at = scenario.window.open
    origin = open_at.replace(hour=0, minute=0, second=0, microsecond=0)
    places = {
        p.id: {"kind": p.kind, "name": p.name, "lon": p.lon, "lat": p.lat}
        for p in net.places.values()
    }
    return {
        "name": scenario.name,
        "instance": instance,
        "routes": corridor_routes(scenario, net),
        "layers": scenario_layers(scenario, net, check),
        "origin": origin.isoformat(),
        "places": places,
    }


def upload(
    uow: UnitOfWork,
    who: Principal,
    stores: tuple[ScenarioStore, ExtractStore],
    cache_dir: Path,
    source: str,
    files: dict[str, str],
) -> int:
    """Store a scenario and its compiled instance, routes and layers; nothing if it fails."""
    require(who, "scenarios.write")
    folders, extracts = stores
    try:
        raw = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise InputError("source", f"is not valid YAML ({exc})") from None
    if not isinstance(raw, dict):
        raise InputError("source", "must be a YAML mapping of scenario fields")
    osm = raw.get("osm")
    if not isinstance(osm, str):
        raise InputError("source.osm", f"must name an OSM extract file, got {osm!r}")
    for name in files:
        if not SIDE_FILE.match(name):
            raise InputError(f"files.{name}", "a side file is a plain .geojson or .json file name")
    raw["osm"] = str(_find_osm(osm, extracts))
    _confine_side_files(raw, files)
    text = yaml.safe_dump(raw, sort_keys=False, allow_unicode=True)
    staging = folders.stage(f"{who.user_id}-{id(files)}", text, files)
    try:
        try:
            compiled = compile_scenario(
                scenario_source().load(staging / "scenario.yaml"), cache_dir
            )
        except InputError as exc:
            raise InputError(_scrub(exc.where), _scrub(exc.problem), exc.value) from None
        ident = _keep_compiled(uow, who, source, str(staging), compiled)
    except BaseException:
        folders.discard(staging)
        raise
    final = folders.keep(staging, ident)
    with uow:
        uow.scenarios.set_fields(ident, base_dir=str(final))
        uow.commit()
    return ident


def _keep_compiled(
    uow: UnitOfWork, who: Principal, source: str, base_dir: str, compiled: dict[str, Any]
) -> int:
    with uow:
        ident = int(uow.scenarios.add(compiled["name"], source, base_dir, who.user_id))
        uow.scenarios.set_fields(
            ident,
            instance=compiled["instance"],
            routes=compiled["routes"],
            layers=compiled["layers"],
            origin=compiled["origin"],
            places=compiled["places"],
        )
        uow.emit(Event("scenarios", {"id": ident, "name": compiled["name"]}))
        uow.commit()
    return ident


def get(uow: UnitOfWork, who: Principal, scenario_id: int) -> dict[str, Any]:
    require(who, "scenarios.read")
    with uow:
        return compiled_row(uow.scenarios.get(scenario_id), scenario_id)


def compiled_row(row: dict[str, Any] | None, scenario_id: int) -> dict[str, Any]:
    """The row of scenario ``scenario_id``: NotFound when there is none, Conflict when it is not
    compiled."""
    if row is None:
        raise NotFound("scenario", scenario_id)
    if row["instance"] is None:
        raise Conflict(f"scenarios/{scenario_id}", "is not compiled")
    return dict(row)


def list_all(uow: UnitOfWork, who: Principal) -> list[dict[str, Any]]:
    require(who, "scenarios.read")
    with uow:
        return list(uow.scenarios.list())


def map_layers(row: dict[str, Any], roads: bool) -> dict[str, Any]:
    """The map's features (or the roads'); the map carries the reachability ``check``."""
    layers = row["layers"] or {"features": []}
    feats = [f for f in layers["features"] if (f["properties"].get("layer") == "roads") == roads]
    out: dict[str, Any] = {"type": "FeatureCollection", "features": feats}
    if "attribution" in layers:
        out["attribution"] = layers["attribution"]
    if not roads and "check" in layers:
        out["check"] = layers["check"]
    return out


def scenario_check(row: dict[str, Any]) -> dict[str, Any]:
    """Where each place meets the roads, whether it connects, the warnings, legs with no road."""
    layers = row["layers"] or {}
    return dict(layers.get("check") or {"places": [], "warnings": [], "no_road": []})
