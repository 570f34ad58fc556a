"""The road graph as compact arrays: nodes with coordinates, directed edges sorted by source.

Every edge is one straight road segment between two consecutive OSM nodes of a way, so an
edge's geometry is exactly the segment between its end nodes: hazard and zone tests on
segments are tests on the real road shape.

Coordinates are kept in degrees (``lon``, ``lat``) and in a local metric projection (``x``,
``y``, metres east and north of ``origin``), which is what shapely and the snapping use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

if TYPE_CHECKING:
    import shapely

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

EARTH_RADIUS_M = 6_371_008.8

# OSM ``highway`` classes a vehicle may drive on, in the order of :attr:`EdgeTags.road_class`.
ROAD_CLASSES: tuple[str, ...] = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "unclassified",
    "residential",
    "living_street",
    "service",
    "road",
    "motorway_link",
    "trunk_link",
    "primary_link",
    "secondary_link",
    "tertiary_link",
)
HGV_YES, HGV_DESTINATION, HGV_NO = 0, 1, 2


@dataclass(frozen=True, eq=False)
class EdgeTags:
    """What OSM says about each edge's road, aligned with the graph's edge arrays.

    ``road_class`` indexes :data:`ROAD_CLASSES` (-1: unknown); ``name`` indexes ``names``
    (-1: unnamed); the limits are ``inf`` where the road has none; ``hgv`` is
    :data:`HGV_YES` (or untagged), :data:`HGV_DESTINATION` or :data:`HGV_NO`;
    ``destination`` marks roads open to destination traffic only.
    """

    road_class: npt.NDArray[np.int8]
    name: npt.NDArray[np.int32]
    max_weight_t: FloatArray
    max_height_m: FloatArray
    max_width_m: FloatArray
    hgv: npt.NDArray[np.int8]
    destination: BoolArray
    bridge: BoolArray
    tunnel: BoolArray
    way_id: IntArray
    names: tuple[str, ...] = ()

    ARRAYS = (
        "road_class",
        "name",
        "max_weight_t",
        "max_height_m",
        "max_width_m",
        "hgv",
        "destination",
        "bridge",
        "tunnel",
        "way_id",
    )

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        return {k: getattr(self, k) for k in self.ARRAYS}

    def take(self, index: npt.NDArray[Any]) -> EdgeTags:
        """The tags of the edges at ``index`` (or where a boolean mask is True)."""
        return EdgeTags(**{k: v[index] for k, v in self.arrays().items()}, names=self.names)

    def road_name(self, edge: int) -> str:
        """The edge's road name (or ref), '' when the road has none."""
        i = int(self.name[edge])
        return self.names[i] if i >= 0 else ""

    def class_name(self, edge: int) -> str:
        c = int(self.road_class[edge])
        return ROAD_CLASSES[c] if c >= 0 else "road"

    @classmethod
    def plain(cls, n_edges: int, road_class: str = "residential") -> EdgeTags:
        """Unnamed, unrestricted roads of one class (synthetic graphs)."""
        inf = np.full(n_edges, np.inf)
        return cls(
            np.full(n_edges, ROAD_CLASSES.index(road_class), dtype=np.int8),
            np.full(n_edges, -1, dtype=np.int32),
            inf,
            inf.copy(),
            inf.copy(),
            np.zeros(n_edges, dtype=np.int8),
            np.zeros(n_edges, dtype=bool),
            np.zeros(n_edges, dtype=bool),
            np.zeros(n_edges, dtype=bool),
            np.zeros(n_edges, dtype=np.int64),
        )


@dataclass(frozen=True)
class Projection:
    """Local equirectangular projection around ``(lon0, lat0)``; metres, good to ~0.1 % at 50 km."""

    lon0: float
    lat0: float

    def forward(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        lon_a = np.asarray(lon, dtype=np.float64)
        lat_a = np.asarray(lat, dtype=np.float64)
        k = np.pi / 180.0 * EARTH_RADIUS_M
        x = (lon_a - self.lon0) * k * np.cos(np.radians(self.lat0))
        y = (lat_a - self.lat0) * k
        return x, y

    def inverse(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        x_a = np.asarray(x, dtype=np.float64)
        y_a = np.asarray(y, dtype=np.float64)
        k = np.pi / 180.0 * EARTH_RADIUS_M
        lon = x_a / (k * np.cos(np.radians(self.lat0))) + self.lon0
        lat = y_a / k + self.lat0
        return lon, lat


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """Directed road graph. Edges are sorted by ``(src, dst)``, without parallel edges;
    ``indptr`` indexes them per node.

    ``time_min`` is the free-flow driving time of a car on each edge, in minutes; ``tags``
    what OSM says about each edge's road (plain unnamed roads when not given).
    """

    lon: FloatArray
    lat: FloatArray
    src: IntArray
    dst: IntArray
    length_m: FloatArray
    time_min: FloatArray
    projection: Projection
    tags: EdgeTags = field(default=None, repr=False)  # type: ignore[assignment]
    _cache: dict[str, object] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        m = len(self.src)
        if not (len(self.dst) == len(self.length_m) == len(self.time_min) == m):
            raise ValueError("edge arrays differ in length")
        if len(self.lon) != len(self.lat):
            raise ValueError("node arrays differ in length")
        if m and np.any(np.diff(self.src * len(self.lon) + self.dst) <= 0):
            raise ValueError("edges must be sorted by (src, dst) without parallel edges")
        if self.tags is None:
            object.__setattr__(self, "tags", EdgeTags.plain(m))
        elif len(self.tags.road_class) != m:
            raise ValueError("edge tags differ in length from the edges")

    @property
    def speed_kmh(self) -> FloatArray:
        """The car speed of each edge (km/h), from its length and time."""
        return self.length_m / np.maximum(self.time_min, 1e-12) * 0.06

    @property
    def n_nodes(self) -> int:
        return len(self.lon)

    @property
    def n_edges(self) -> int:
        return len(self.src)

    @property
    def xy(self) -> tuple[FloatArray, FloatArray]:
        got = self._cache.get("xy")
        if got is None:
            got = self.projection.forward(self.lon, self.lat)
            self._cache["xy"] = got
        return got  # type: ignore[return-value]

    @property
    def indptr(self) -> IntArray:
        got = self._cache.get("indptr")
        if got is None:
            counts = np.bincount(self.src, minlength=self.n_nodes)
            got = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
            self._cache["indptr"] = got
        return got  # type: ignore[return-value]

    def segments(self) -> npt.NDArray[np.object_]:
        """Shapely line segments of every edge in projected metres (built once, then cached)."""
        got = self._cache.get("segments")
        if got is None:
            import shapely

            x, y = self.xy
            coords = np.stack(
                [np.stack([x[self.src], y[self.src]], 1), np.stack([x[self.dst], y[self.dst]], 1)],
                1,
            )
            got = shapely.linestrings(coords)
            self._cache["segments"] = got
        return got  # type: ignore[return-value]

    def segment_tree(self) -> shapely.STRtree:
        """Spatial index over :meth:`segments` (built once, then cached)."""
        got = self._cache.get("tree")
        if got is None:
            import shapely

            got = shapely.STRtree(self.segments())
            self._cache["tree"] = got
        return got  # type: ignore[return-value]


def csr(graph: RoadGraph, weights: FloatArray, keep: BoolArray | None = None) -> csr_matrix:
    """CSR matrix of ``weights`` over the graph's edges; edges where ``keep`` is False get an
    infinite weight, which Dijkstra never relaxes (same distances and paths as leaving them
    out, without rebuilding the structure: the index arrays are shared between calls)."""
    n = graph.n_nodes
    got = graph._cache.get("csr_index")
    if got is None:
        small = max(n, graph.n_edges) < 2**31 - 1
        itype = np.int32 if small else np.int64
        got = (graph.dst.astype(itype), graph.indptr.astype(itype))
        graph._cache["csr_index"] = got
    indices, indptr = cast("tuple[npt.NDArray[Any], npt.NDArray[Any]]", got)
    data = np.asarray(weights, dtype=np.float64)
    if keep is not None:
        data = np.where(keep, data, np.inf)
    return csr_matrix((data, indices, indptr), shape=(n, n), copy=False)


def build_graph(
    lon: FloatArray,
    lat: FloatArray,
    src: IntArray,
    dst: IntArray,
    speed_kmh: FloatArray,
    *,
    largest_component: bool = True,
    tags: EdgeTags | None = None,
) -> RoadGraph:
    """Build a :class:`RoadGraph` from raw node coordinates and directed edges.

    Edge lengths are great-circle distances; times are ``length / speed``. With
    ``largest_component`` only the largest strongly connected part is kept (so that every
    node can reach every other one) and nodes are renumbered compactly. ``tags`` (one per
    raw edge) follow their edges.
    """
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    speed = np.asarray(speed_kmh, dtype=np.float64)
    if np.any(speed <= 0):
        raise ValueError("speeds must be positive")
    if tags is None:
        tags = EdgeTags.plain(len(src))
    not_loop = src != dst
    src, dst, speed, tags = src[not_loop], dst[not_loop], speed[not_loop], tags.take(not_loop)
    n = len(lon)
    if largest_component and len(src):
        adj = csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
        _, labels = connected_components(adj, directed=True, connection="strong")
        biggest = np.bincount(labels).argmax()
        keep_node = labels == biggest
        keep_edge = keep_node[src] & keep_node[dst]
        new_id = np.cumsum(keep_node) - 1
        src, dst, speed = new_id[src[keep_edge]], new_id[dst[keep_edge]], speed[keep_edge]
        tags = tags.take(keep_edge)
        lon, lat = lon[keep_node], lat[keep_node]
    length = haversine_m(lon[src], lat[src], lon[dst], lat[dst])
    time_min = length / (speed * 1000.0 / 60.0)
    # Sort by (src, dst, time) and keep the quickest of parallel edges.
    order = np.lexsort((time_min, dst, src))
    src, dst, length, time_min = src[order], dst[order], length[order], time_min[order]
    first = np.ones(len(src), dtype=bool)
    first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
    src, dst, length, time_min = src[first], dst[first], length[first], time_min[first]
    tags = tags.take(order).take(first)
    center = (float(lon.mean()), float(lat.mean())) if len(lon) else (0.0, 0.0)
    projection = Projection(*center)
    return RoadGraph(lon, lat, src, dst, length, time_min, projection, tags)


def haversine_m(
    lon1: FloatArray, lat1: FloatArray, lon2: FloatArray, lat2: FloatArray
) -> FloatArray:
    """Great-circle distance in metres."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0))), np.float64)


def grid_graph(side_x: int, side_y: int, spacing_m: float = 100.0, seed: int = 0) -> RoadGraph:
    """A synthetic two-way grid road network (for benchmarks and property tests).

    Speeds vary per edge (20-80 km/h, from ``seed``) so that shortest paths are not trivial.
    """
    rng = np.random.default_rng(seed)
    proj = Projection(0.0, 45.0)
    ix, iy = np.meshgrid(np.arange(side_x), np.arange(side_y), indexing="xy")
    x = ix.ravel() * spacing_m
    y = iy.ravel() * spacing_m
    lon, lat = proj.inverse(x, y)
    node = np.arange(side_x * side_y).reshape(side_y, side_x)
    h = np.stack([node[:, :-1].ravel(), node[:, 1:].ravel()], 1)
    v = np.stack([node[:-1, :].ravel(), node[1:, :].ravel()], 1)
    und = np.concatenate([h, v])
    speed_und = rng.uniform(20, 80, len(und))
    src = np.concatenate([und[:, 0], und[:, 1]])
    dst = np.concatenate([und[:, 1], und[:, 0]])
    speed = np.concatenate([speed_und, speed_und])
    g = build_graph(lon, lat, src, dst, speed, largest_component=False)
    return RoadGraph(g.lon, g.lat, g.src, g.dst, g.length_m, g.time_min, proj, g.tags)
