"""Import the drivable road graph of an OpenStreetMap extract with pyosmium, cached on disk.

What counts as drivable: ways tagged ``highway`` with a motor-road class (motorway down to
``living_street`` and ``service``), not closed to motor vehicles by ``access`` /
``motor_vehicle`` / ``motorcar``, not ``area=yes``. ``oneway`` (``yes``/``1``/``true``/``-1``,
and the implied one-way of motorways and roundabouts) gives the directions. The speed is the
``maxspeed`` tag where it is a number (km/h, or ``mph``), else the road class's typical speed.
Only the largest strongly connected part is kept, so every node can reach every other one.

The result is cached as a ``.npz`` file named by the extract's sha256 under
``$CORRIDOR_CACHE_DIR`` (default ``~/.cache/corridor``): a second run loads arrays instead of
parsing the extract.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import tempfile
from pathlib import Path

import numpy as np

from corridor.errors import InputError
from corridor.routing.graph import Projection, RoadGraph, build_graph

# Typical free-flow speeds (km/h) when a way has no usable maxspeed.
CLASS_SPEED_KMH: dict[str, float] = {
    "motorway": 100,
    "trunk": 80,
    "primary": 65,
    "secondary": 55,
    "tertiary": 45,
    "unclassified": 35,
    "residential": 25,
    "living_street": 10,
    "service": 15,
    "road": 30,
    "motorway_link": 50,
    "trunk_link": 45,
    "primary_link": 40,
    "secondary_link": 35,
    "tertiary_link": 30,
}
_NO_MOTOR = {"no", "private", "agricultural", "forestry", "delivery", "emergency", "psv", "bus"}
_MAXSPEED = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh)?\s*$")

CACHE_FORMAT = 1  # bump when the import rules change, so that old caches are not reused


def default_cache_dir() -> Path:
    env = os.environ.get("CORRIDOR_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "corridor"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def parse_maxspeed(value: str | None) -> float | None:
    """Km/h from a ``maxspeed`` tag, or None when it is not a plain number (``FR:urban``)."""
    if not value:
        return None
    m = _MAXSPEED.match(value.split(";")[0])
    if not m:
        return None
    speed = float(m.group(1))
    if m.group(2) == "mph":
        speed *= 1.609344
    return speed if speed > 0 else None


def _oneway(tags: dict[str, str]) -> int:
    """+1 forward only, -1 backward only, 0 both ways."""
    v = tags.get("oneway", "").lower()
    if v in {"yes", "1", "true"}:
        return 1
    if v == "-1" or v == "reverse":
        return -1
    if v == "no":
        return 0
    hw = tags.get("highway", "")
    if hw == "motorway" or tags.get("junction") in {"roundabout", "circular"}:
        return 1
    return 0


def _drivable(tags: dict[str, str]) -> bool:
    if tags.get("highway") not in CLASS_SPEED_KMH or tags.get("area") == "yes":
        return False
    for key in ("motor_vehicle", "motorcar", "access"):
        if key in tags:
            return tags[key] not in _NO_MOTOR
    return True


def _read_extract(path: Path) -> RoadGraph:
    import osmium

    node_index: dict[int, int] = {}
    lons: list[float] = []
    lats: list[float] = []
    src: list[int] = []
    dst: list[int] = []
    speeds: list[float] = []

    def index(ref: int, lon: float, lat: float) -> int:
        i = node_index.get(ref)
        if i is None:
            i = len(lons)
            node_index[ref] = i
            lons.append(lon)
            lats.append(lat)
        return i

    fp = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    for way in fp:
        if not isinstance(way, osmium.osm.Way):
            continue
        tags = {t.k: t.v for t in way.tags}
        if not _drivable(tags):
            continue
        speed = parse_maxspeed(tags.get("maxspeed")) or CLASS_SPEED_KMH[tags["highway"]]
        direction = _oneway(tags)
        ids: list[int] = []
        for n in way.nodes:
            loc = n.location
            if not loc.valid():
                continue
            ids.append(index(n.ref, loc.lon, loc.lat))
        for a, b in itertools.pairwise(ids):
            if direction >= 0:
                src.append(a)
                dst.append(b)
                speeds.append(speed)
            if direction <= 0:
                src.append(b)
                dst.append(a)
                speeds.append(speed)
    if not src:
        raise InputError(str(path), "has no drivable roads")
    return build_graph(
        np.array(lons), np.array(lats), np.array(src), np.array(dst), np.array(speeds)
    )


def load_road_graph(path: str | Path, cache_dir: Path | None = None) -> RoadGraph:
    """The drivable road graph of the extract at ``path``, from the cache when it is there.

    Raises :class:`InputError` when the file is missing or not a readable OSM extract.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(str(p), "OSM extract not found")
    digest = file_sha256(p)
    cache = (cache_dir or default_cache_dir()) / f"roads-v{CACHE_FORMAT}-{digest}.npz"
    if cache.is_file():
        try:
            return _load_cache(cache)
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache is rebuilt below
    try:
        graph = _read_extract(p)
    except InputError:
        raise
    except RuntimeError as exc:
        raise InputError(str(p), f"is not a readable OSM extract ({exc})") from exc
    _save_cache(cache, graph)
    return graph


def _save_cache(cache: Path, graph: RoadGraph) -> None:
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            np.savez(
                f,
                lon=graph.lon,
                lat=graph.lat,
                src=graph.src,
                dst=graph.dst,
                length_m=graph.length_m,
                time_min=graph.time_min,
                origin=np.array([graph.projection.lon0, graph.projection.lat0]),
            )
        os.replace(tmp, cache)
    except OSError:
        pass  # no writable cache: the next run parses the extract again, nothing is lost


def _load_cache(cache: Path) -> RoadGraph:
    with np.load(cache) as z:
        origin = z["origin"]
        return RoadGraph(
            z["lon"],
            z["lat"],
            z["src"],
            z["dst"],
            z["length_m"],
            z["time_min"],
            Projection(float(origin[0]), float(origin[1])),
        )
