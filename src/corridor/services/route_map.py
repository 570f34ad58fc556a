"""Use case: the routes map of a scenario as a :class:`~corridor.reporting.map_scene.MapScene`.

The main map shows the outside roads, the zone, the hazards, every place (cut-off places
marked) and the corridor candidates (colour per checkpoint: the best route per reception
centre solid, alternatives dashed, a route only some vehicle types may use dotted); the
close-up shows the zone with the gathering points and the way from each to its nearest
checkpoint. The map adapter draws it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from corridor.reporting.map_scene import Area, Line, MapScene, Marker, Panel, box_around
from corridor.services.routes import inside_legs

if TYPE_CHECKING:
    from corridor.routing.graph import RoadGraph
    from corridor.services.network import Network
    from corridor.services.routes import Corridor
    from corridor.services.scenario_check import ScenarioCheck

ROUTE_COLOURS = ["#1b7837", "#2166ac", "#e08214", "#542788", "#c51b7d", "#35978f"]
ATTRIBUTION = "Roads © OpenStreetMap contributors (ODbL)"
LIMIT_WORDS = {
    "max_weight_t": "over {:g} t",
    "max_height_m": "taller than {:g} m",
    "max_width_m": "wider than {:g} m",
}


def routes_scene(
    net: Network, corridors: list[Corridor], check: ScenarioCheck | None = None
) -> MapScene:
    """The routes map: the area with every corridor candidate, and the zone close up."""
    s = net.scenario
    cut = {p.id for p in check.places if p.status == "cut"} if check else set()
    colour = {c.id: ROUTE_COLOURS[i % len(ROUTE_COLOURS)] for i, c in enumerate(s.checkpoints)}
    lines = _corridor_lines(net, corridors, colour)
    markers = _markers(net, cut)
    zone_pts = np.asarray(net.zone.envelope.exterior.coords)
    best = [ln.xy for ln in lines if ln.style == "best"]
    box = box_around(np.concatenate([zone_pts, *best, [[m.x, m.y] for m in markers]]))
    areas = _areas(net)
    main = Panel(box, "", _roads(net.graph, box), areas, lines, markers)
    zx0, zy0, zx1, zy1 = net.zone.bounds
    zbox = box_around([[zx0, zy0], [zx1, zy1]], 0.12, 80)
    x, y = net.graph.xy
    way = "Way from a gathering point to its nearest checkpoint"
    legs = [
        Line(np.stack([x[r.nodes], y[r.nodes]], 1), "inside", way, colour.get(cid, "#4d4d4d"))
        for _gid, cid, r in inside_legs(net)
    ]
    inner = [m for m in markers if m.kind in ("gathering", "checkpoint")]
    close = Panel(zbox, "Zone close-up", _roads(net.graph, zbox), areas, legs, inner)
    table = [
        [f"{c.checkpoint} → {c.reception}", f"{c.route.time_min:.0f}",
         f"{c.route.length_m / 1000:.1f}", f"{c.route.exposure_min:.1f}"]
        for c in corridors if c.rank == 1
    ]  # fmt: skip
    return MapScene(
        title=f"{s.name}: corridor candidates, ceasefire {s.window.open:%Y-%m-%d %H:%M}–"
        f"{s.window.close:%H:%M} (UTC{s.window.open:%z})",
        main=main,
        close_up=close,
        table_title="Best corridor (min, km, exposure min)",
        table=table,
        footer=f"{ATTRIBUTION}  ·  exposure = minutes driven within {s.routing.near_m:g} m "
        "of a hazard",
    )


def _corridor_lines(net: Network, corridors: list[Corridor], colour: dict[str, str]) -> list[Line]:
    """Colour per checkpoint; the best route per reception centre solid, alternatives dashed,
    a route only some vehicle types may use dotted (drawn last, on top)."""
    x, y = net.graph.xy
    every = set(net.fleet_types)
    out = []
    for c in sorted(corridors, key=lambda c: (set(c.types) != every, -c.rank)):
        xy = np.stack([x[c.route.nodes], y[c.route.nodes]], 1)
        if set(c.types) != every:
            who = ", ".join(c.types) or "no vehicle of the fleet"
            style, text = "types", f"Route from {c.checkpoint} for {who} only"
        elif c.rank == 1:
            style, text = "best", f"Best route from {c.checkpoint}"
        else:
            style, text = "alternative", f"Alternative from {c.checkpoint}"
        out.append(Line(xy, style, text, colour[c.checkpoint]))
    return out


def _markers(net: Network, cut: set[str]) -> list[Marker]:
    g = net.graph
    cap = {r.id: r for r in net.scenario.receptions}
    out = []
    for p in net.places.values():
        px, py = g.projection.forward(p.lon, p.lat)
        label = p.id
        if p.kind == "reception":
            r = cap[p.id]
            label = f"{p.id} ({r.capacity}{', medical' if r.medical else ''})"
        out.append(Marker(p.id, float(px), float(py), p.kind, label, p.id in cut))
    return out


def _areas(net: Network) -> list[Area]:
    out = [Area("zone", "zone", rings=_rings(net.zone))]
    for h, area in zip(net.scenario.hazards, net.hazards, strict=True):
        if h.closed_to_some:
            limits = [LIMIT_WORDS[k].format(v) for k, v in h.limits.items()]
            parts = [f"vehicles {' or '.join(limits)}"] if limits else []
            what = " or ".join(parts + list(h.closed_for))
            style, label = f"{h.kind}:some", f"{h.id} (closed to {what})"
        elif h.closed:
            style, label = f"{h.kind}:closed", f"{h.id} (closed)"
        else:
            style, label = f"{h.kind}:risk", f"{h.id} (risk +{h.penalty:g})"
        geom = area.geometry
        if geom.geom_type in ("Polygon", "MultiPolygon"):
            out.append(Area(h.id, style, rings=_rings(geom), label=label))
        else:
            lines: list[Any] = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
            out.append(Area(h.id, style, paths=[np.asarray(p.coords) for p in lines], label=label))
    return out


def _rings(geom: shapely.Geometry) -> list[np.ndarray]:
    polys = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
    return [np.asarray(r.coords) for p in polys for r in (p.exterior, *p.interiors)]


def _roads(g: RoadGraph, box: tuple[float, float, float, float]) -> dict[str, np.ndarray]:
    x, y = g.xy
    x0, x1, y0, y1 = box
    s, d = g.src, g.dst
    once = (s < d) | ~np.isin(d * g.n_nodes + s, s * g.n_nodes + d)  # a two-way road once
    vis = (x[s] > x0) & (x[s] < x1) & (y[s] > y0) & (y[s] < y1) & once
    segs = np.stack([np.stack([x[s], y[s]], 1), np.stack([x[d], y[d]], 1)], 1)
    fast = g.speed_kmh >= 40
    return {"main": segs[vis & fast], "minor": segs[vis & ~fast]}
