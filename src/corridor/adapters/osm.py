"""Import the drivable road graph of an OpenStreetMap extract with pyosmium, cached on disk.

What counts as drivable: ways tagged ``highway`` with a motor-road class (motorway down to
``living_street`` and ``service``), not closed to motor vehicles by ``access`` /
``motor_vehicle`` / ``motorcar``, not ``area=yes``. ``oneway`` (``yes``/``1``/``true``/``-1``,
and the implied one-way of motorways and roundabouts) gives the directions. The speed is the
``maxspeed`` tag where it is a number (km/h, or ``mph``), else the road class's typical speed.
Only the largest strongly connected part is kept, so every node can reach every other one.

Each edge keeps what vehicle profiles and trip sheets need (:class:`EdgeTags`): the road class,
its name (or ``ref``), the legal limits ``maxweight`` (t), ``maxheight`` and ``maxwidth`` (m),
``hgv``, destination-only ``access``, ``bridge``, ``tunnel`` and the OSM way id.

The result is cached as a ``.npz`` file named by the extract's sha256 under
``$CORRIDOR_CACHE_DIR`` (default ``~/.cache/corridor``): a second run loads arrays instead of
parsing the extract.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import re
from pathlib import Path

import numpy as np

from corridor.adapters.files import write_atomic
from corridor.errors import InputError
from corridor.routing.graph import (
    HGV_DESTINATION,
    HGV_NO,
    HGV_YES,
    ROAD_CLASSES,
    EdgeTags,
    Projection,
    RoadGraph,
    build_graph,
)

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
_DESTINATION = {"destination", "customers"}
_MAXSPEED = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh)?\s*$")
_WEIGHT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(t|kg|lbs|st)?\s*$")
_METRES = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m)?\s*$")
_FEET = re.compile(r"^\s*(\d+)\s*'\s*(?:(\d+(?:\.\d+)?)\s*\"?)?\s*$")

CACHE_FORMAT = 3  # bump when the import rules change, so that old caches are not reused


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


def parse_weight_t(value: str | None) -> float:
    """Tonnes from a ``maxweight`` tag (``7.5``, ``7.5 t``, ``3500 kg``, ``10 st``, ``6000 lbs``);
    ``inf`` when absent or not a plain weight (``none``, conditional values)."""
    m = _WEIGHT.match(value.split(";")[0]) if value else None
    if not m:
        return float("inf")
    w = float(m.group(1))
    factor = {"kg": 0.001, "lbs": 0.000453592, "st": 0.907185}.get(m.group(2) or "t", 1.0)
    return w * factor if w > 0 else float("inf")


def parse_length_m(value: str | None) -> float:
    """Metres from a ``maxheight``/``maxwidth`` tag (``3.5``, ``3.5 m``, ``11'6"``); ``inf`` when
    absent or not a measure (``none``, ``default``, ``below_default``)."""
    if not value:
        return float("inf")
    text = value.split(";")[0]
    m = _METRES.match(text)
    if m:
        v = float(m.group(1))
        return v if v > 0 else float("inf")
    f = _FEET.match(text)
    if f:
        v = int(f.group(1)) * 0.3048 + float(f.group(2) or 0) * 0.0254
        return v if v > 0 else float("inf")
    return float("inf")


def _hgv(tags: dict[str, str]) -> int:
    v = tags.get("hgv", "")
    if v in _NO_MOTOR:
        return HGV_NO
    if v in _DESTINATION or v == "delivery":
        return HGV_DESTINATION
    return HGV_YES


def _road_label(tags: dict[str, str]) -> str:
    """The road's name, its ref, or both: what a driver reads on the signs."""
    name, ref = tags.get("name", "").strip(), tags.get("ref", "").strip()
    if ref.lower() in ("fixme", "unknown", "none", "no"):
        ref = ""
    if name and ref and ref not in name:
        return f"{name} ({ref})"
    return name or ref


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


def _access(tags: dict[str, str]) -> str:
    """The access value that applies to a car: the most specific of the three tags."""
    for key in ("motorcar", "motor_vehicle", "access"):
        if key in tags:
            return tags[key]
    return "yes"


def _drivable(tags: dict[str, str]) -> bool:
    if tags.get("highway") not in CLASS_SPEED_KMH or tags.get("area") == "yes":
        return False
    return _access(tags) not in _NO_MOTOR


class _Edges:
    """Raw directed edges and their tags while the extract is read."""

    def __init__(self) -> None:
        self.src: list[int] = []
        self.dst: list[int] = []
        self.speed: list[float] = []
        self.per_way: list[tuple[int, int, int, float, float, float, int, bool, bool, bool]] = []
        self.way_of: list[int] = []  # index into per_way, per edge
        self.names: dict[str, int] = {}

    def add_way(self, way_id: int, tags: dict[str, str]) -> int:
        label = _road_label(tags)
        name = self.names.setdefault(label, len(self.names)) if label else -1
        self.per_way.append(
            (
                way_id,
                ROAD_CLASSES.index(tags["highway"]),
                name,
                parse_weight_t(tags.get("maxweight")),
                parse_length_m(tags.get("maxheight")),
                parse_length_m(tags.get("maxwidth")),
                _hgv(tags),
                _access(tags) in _DESTINATION,
                tags.get("bridge", "no") not in ("no", ""),
                tags.get("tunnel", "no") not in ("no", "", "building_passage"),
            )
        )
        return len(self.per_way) - 1

    def add(self, a: int, b: int, speed: float, way: int) -> None:
        self.src.append(a)
        self.dst.append(b)
        self.speed.append(speed)
        self.way_of.append(way)

    def tags(self) -> EdgeTags:
        cols = list(zip(*self.per_way, strict=True))
        idx = np.asarray(self.way_of, dtype=np.int64)

        def col(i: int, dtype: type) -> np.ndarray:
            return np.asarray(cols[i], dtype=dtype)[idx]

        return EdgeTags(
            road_class=col(1, np.int8),
            name=col(2, np.int32),
            max_weight_t=col(3, np.float64),
            max_height_m=col(4, np.float64),
            max_width_m=col(5, np.float64),
            hgv=col(6, np.int8),
            destination=col(7, bool),
            bridge=col(8, bool),
            tunnel=col(9, bool),
            way_id=col(0, np.int64),
            names=tuple(self.names),
        )


def _read_extract(path: Path) -> RoadGraph:
    import osmium

    node_index: dict[int, int] = {}
    lons: list[float] = []
    lats: list[float] = []
    edges = _Edges()

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
        w = edges.add_way(way.id, tags)
        ids: list[int] = []
        for n in way.nodes:
            loc = n.location
            if not loc.valid():
                continue
            ids.append(index(n.ref, loc.lon, loc.lat))
        for a, b in itertools.pairwise(ids):
            if direction >= 0:
                edges.add(a, b, speed, w)
            if direction <= 0:
                edges.add(b, a, speed, w)
    if not edges.src:
        raise InputError(str(path), "has no drivable roads")
    return build_graph(
        np.array(lons),
        np.array(lats),
        np.array(edges.src),
        np.array(edges.dst),
        np.array(edges.speed),
        tags=edges.tags(),
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
        arrays = io.BytesIO()
        np.savez(
            arrays,
            lon=graph.lon,
            lat=graph.lat,
            src=graph.src,
            dst=graph.dst,
            length_m=graph.length_m,
            time_min=graph.time_min,
            origin=np.array([graph.projection.lon0, graph.projection.lat0]),
            names=np.array(graph.tags.names, dtype=str),
            **{f"tag_{k}": v for k, v in graph.tags.arrays().items()},
        )
        write_atomic(cache, arrays.getvalue())
    except OSError:
        pass  # no writable cache: the next run parses the extract again, nothing is lost


def _load_cache(cache: Path) -> RoadGraph:
    with np.load(cache) as z:
        origin = z["origin"]
        tags = EdgeTags(
            **{k: z[f"tag_{k}"] for k in EdgeTags.ARRAYS},
            names=tuple(str(n) for n in z["names"]),
        )
        return RoadGraph(
            z["lon"],
            z["lat"],
            z["src"],
            z["dst"],
            z["length_m"],
            z["time_min"],
            Projection(float(origin[0]), float(origin[1])),
            tags,
        )
