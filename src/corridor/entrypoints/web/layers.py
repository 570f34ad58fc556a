"""What the dashboard's map draws, as GeoJSON the service can send as it is.

Pure functions from a scenario and a road graph to FeatureCollections. Each feature carries
``properties.layer`` (``zone``, ``hazard``, ``gathering``, ``depot``, ``reception``,
``checkpoint``, ``road``) so that the page styles it without knowing the scenario format, and
hazards with a ``buffer_m`` are drawn as the area they really cover. No personal data here:
places, capacities and head-counts only.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
import shapely.geometry

if TYPE_CHECKING:
    from corridor.routing.graph import RoadGraph
    from corridor.scenario.model import Hazard, Place, Scenario

#: Metres per degree of latitude; good to 0.5 % anywhere, plenty for drawing a buffer.
_M_PER_DEG = 111_320.0
_DECIMALS = 5  # about 1 m: finer than any screen shows, and a third smaller JSON


def _round(coords: Any) -> Any:
    if isinstance(coords, (int, float)):
        return round(float(coords), _DECIMALS)
    return [_round(c) for c in coords]


def _geojson(geom: shapely.Geometry) -> dict[str, Any]:
    mapping = shapely.geometry.mapping(geom)
    return {"type": mapping["type"], "coordinates": _round(mapping["coordinates"])}


def buffered(geom: shapely.Geometry, metres: float) -> shapely.Geometry:
    """``geom`` widened by ``metres`` on the ground (local equirectangular projection)."""
    if metres <= 0:
        return geom
    lat0 = geom.centroid.y
    kx = _M_PER_DEG * math.cos(math.radians(lat0))
    to_m = shapely.transform(geom, lambda xy: xy * np.array([kx, _M_PER_DEG]))
    grown = shapely.buffer(to_m, metres, quad_segs=12)
    return shapely.transform(grown, lambda xy: xy / np.array([kx, _M_PER_DEG]))


def _point(layer: str, place: Place, **props: Any) -> dict[str, Any]:
    lon, lat = place.location
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        "properties": {"layer": layer, "id": place.id, "name": place.name, **props},
    }


def _hazard(h: Hazard) -> dict[str, Any]:
    geom = buffered(h.geometry.shape(), h.buffer_m)
    return {
        "type": "Feature",
        "geometry": _geojson(geom),
        "properties": {
            "layer": "hazard",
            "id": h.id,
            "name": h.name,
            "kind": h.kind,
            "closed": h.closed,
            "penalty": h.penalty,
            "buffer_m": h.buffer_m,
        },
    }


def scenario_layers(s: Scenario) -> dict[str, Any]:
    """Zone, hazards and every place of the scenario as one FeatureCollection."""
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": _geojson(s.zone.shape()),
            "properties": {"layer": "zone", "id": "zone", "name": s.description or s.name},
        }
    ]
    features += [_hazard(h) for h in s.hazards]
    features += [
        _point("gathering", g, people=dict(g.people), needs_kg=g.needs_kg) for g in s.gathering
    ]
    features += [
        _point("depot", d, fleet=dict(d.fleet), supplies_kg=d.supplies_kg) for d in s.depots
    ]
    features += [
        _point("reception", r, capacity=r.capacity, medical=r.medical) for r in s.receptions
    ]
    features += [
        _point(
            "checkpoint",
            k,
            lanes={"in": k.inward.lanes, "out": k.outward.lanes},
            service_min={"in": k.inward.service, "out": k.outward.service},
        )
        for k in s.checkpoints
    ]
    return {"type": "FeatureCollection", "features": features}


def road_layer(graph: RoadGraph) -> dict[str, Any]:
    """The road network as one MultiLineString feature, each street drawn once.

    A two-way street is two directed edges in the graph; it is drawn once. About 30 bytes of
    JSON per street: the Andorra extract is a few hundred kilobytes.
    """
    src = np.asarray(graph.src)
    dst = np.asarray(graph.dst)
    a, b = np.minimum(src, dst), np.maximum(src, dst)
    pairs = np.unique(np.stack([a, b], axis=1), axis=0)
    lon = np.round(np.asarray(graph.lon, dtype=float), _DECIMALS)
    lat = np.round(np.asarray(graph.lat, dtype=float), _DECIMALS)
    lines = [
        [[float(lon[i]), float(lat[i])], [float(lon[j]), float(lat[j])]] for i, j in pairs.tolist()
    ]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "MultiLineString", "coordinates": lines},
                "properties": {"layer": "road", "streets": len(lines)},
            }
        ],
    }


def plan_clock_origin(s: Scenario) -> datetime:
    """The instant a CEP plan's minute 0 stands for: midnight of the window's opening day."""
    return s.window_day()
