"""Scenarios on the server: upload (YAML and its side files), validate, compile, map layers.

Compiling is issue 2's work (``load_scenario``, ``compile_instance``, ``corridor_routes``,
``scenario_layers``); this module only gives it files on disk and keeps the results. An OSM
extract is never uploaded: the scenario names one by file name, found in the data directory's
``osm/`` folder or the project's bundled ``data/osm/``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from corridor.domain.access import Principal
from corridor.domain.operations import Event
from corridor.errors import InputError
from corridor.services.accounts import require
from corridor.services.errors import Conflict, NotFound

if TYPE_CHECKING:
    from corridor.services.unit_of_work import UnitOfWork

BUNDLED_OSM = Path(__file__).resolve().parents[3] / "data" / "osm"
SIDE_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}\.(geojson|json)$")


def osm_dirs(data_dir: Path) -> list[Path]:
    return [data_dir / "osm", BUNDLED_OSM]


def _find_osm(name: str, data_dir: Path) -> Path:
    base = Path(name).name
    for folder in osm_dirs(data_dir):
        if (folder / base).is_file():
            return (folder / base).resolve()
    where = ", ".join(str(d) for d in osm_dirs(data_dir))
    raise InputError("source.osm", f"{name!r}: no extract named {base!r} in {where}")


def compile_files(folder: Path, cache_dir: Path) -> dict[str, Any]:
    """Load, check and compile the scenario in ``folder``; raises InputError naming the field."""
    from corridor.scenario import load_scenario
    from corridor.services.compile_scenario import compile_instance
    from corridor.services.network import prepare_network
    from corridor.services.routes import corridor_routes, scenario_layers

    scenario = load_scenario(folder / "scenario.yaml")
    net = prepare_network(scenario, cache_dir=cache_dir)
    instance = compile_instance(scenario, net)
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
        "layers": scenario_layers(scenario, net),
        "origin": origin.isoformat(),
        "places": places,
    }


def upload(
    uow: UnitOfWork,
    who: Principal,
    data_dir: Path,
    source: str,
    files: dict[str, str],
) -> int:
    """Store a scenario and its compiled instance, routes and layers; nothing if it fails."""
    require(who, "scenarios.write")
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
    staging = data_dir / "scenarios" / f"upload-{who.user_id}-{id(files)}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        raw["osm"] = str(_find_osm(osm, data_dir))
        (staging / "scenario.yaml").write_text(
            yaml.safe_dump(raw, sort_keys=False, allow_unicode=True)
        )
        for name, text in files.items():
            (staging / name).write_text(text)
        compiled = compile_files(staging, data_dir / "cache")
        with uow:
            ident = int(uow.scenarios.add(compiled["name"], source, str(staging), who.user_id))
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
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    final = data_dir / "scenarios" / str(ident)
    if final.exists():
        shutil.rmtree(final)
    staging.rename(final)
    with uow:
        uow.scenarios.set_fields(ident, base_dir=str(final))
        uow.commit()
    return ident


def get(uow: UnitOfWork, who: Principal, scenario_id: int) -> dict[str, Any]:
    require(who, "scenarios.read")
    with uow:
        row = uow.scenarios.get(scenario_id)
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
    layers = row["layers"] or {"features": []}
    feats = [f for f in layers["features"] if (f["properties"].get("layer") == "roads") == roads]
    out: dict[str, Any] = {"type": "FeatureCollection", "features": feats}
    if "attribution" in layers:
        out["attribution"] = layers["attribution"]
    return out
