"""Use case: a first corridor proposal from a scenario (``corridor agreement draft``).

The route runs from the gathering point with the most people, by the road inside the zone, to
the checkpoint it reaches soonest, and on to the reception centre with the most room that the
checkpoint reaches; the ceasefire area is the zone and a band around that route; the window,
checkpoints, destinations, kinds of vehicle and their number come from the scenario. The terms
only the negotiators can decide are placeholders that ``propose`` refuses until written.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from corridor.domain.proposal_draft import DraftFacts, draft_document
from corridor.errors import InputError
from corridor.routing.paths import NoPath, shortest_route
from corridor.services.network import Network
from corridor.services.reachability import reachability

AREA_BAND_M = 300.0
SIMPLIFY_M = 10.0


def draft_proposal(
    net: Network, keys: dict[str, str | None], time_zone: str | None = None
) -> dict[str, Any]:
    """Version 1 of a proposal for the scenario of ``net`` (a JSON-ready dict)."""
    s = net.scenario
    cut = {p.id for p in reachability(net) if p.status == "cut"}
    route = _main_route(net, cut)
    coords = _lonlat(net, route)
    checkpoints = [
        (c.name or c.id, [c.location[0], c.location[1]]) for c in s.checkpoints if c.id not in cut
    ]
    zone_name = s.window.time_zone or time_zone
    opens = s.window.open if zone_name is None else s.window.open.astimezone(_zone(zone_name))
    facts = DraftFacts(
        corridor=s.name,
        title=(s.description or s.name).strip().split("\n")[0],
        route=coords,
        checkpoints=checkpoints,
        start=opens.strftime("%Y-%m-%dT%H:%M"),  # the wall clock of the zone it names
        duration_hours=round((s.window.close - s.window.open).total_seconds() / 3600, 2),
        time_zone=zone_name,
        area=_area(net, route),
        user_kinds=[s.vehicle_types[t].agreement_kind for t in net.fleet_types],
        destinations=[r.name or r.id for r in s.receptions if r.id not in cut],
        max_vehicles=sum(n for d in s.depots for n in d.fleet.values()),
        cargo=any(g.needs_kg > 0 for g in s.gathering),
    )
    return draft_document(facts, keys)


def _main_route(net: Network, cut: set[str]) -> np.ndarray:
    """Road nodes from the largest gathering point through a checkpoint to a reception centre."""
    s = net.scenario
    gatherings = sorted(
        (g for g in s.gathering if g.id not in cut), key=lambda g: -sum(g.people.values())
    )
    cps = [net.places[c.id] for c in s.checkpoints if c.id not in cut]
    recs = sorted((r for r in s.receptions if r.id not in cut), key=lambda r: -r.capacity)
    for g in gatherings:
        start = net.places[g.id].node
        inside = _quickest(net, net.inside_edges, start, [c.node for c in cps])
        if inside is None:
            continue
        for r in recs:
            outside = _quickest(net, net.outside_edges, int(inside[-1]), [net.places[r.id].node])
            if outside is not None:
                return np.concatenate([inside, outside[1:]])
    raise InputError(
        f"{s.file_label}: gathering",
        "no gathering point connects through a checkpoint to a reception centre: "
        "see the warnings of corridor compile",
    )


def _quickest(net: Network, keep: Any, start: int, ends: list[int]) -> np.ndarray | None:
    best = None
    for end in ends:
        try:
            r = shortest_route(net.graph, net.effect.cost, keep, start, end)
        except NoPath:
            continue
        if best is None or r.cost < best.cost:
            best = r
    return None if best is None else best.nodes


def _lonlat(net: Network, nodes: np.ndarray) -> list[list[float]]:
    x, y = net.graph.xy
    line = shapely.LineString(np.stack([x[nodes], y[nodes]], 1)).simplify(SIMPLIFY_M)
    xy = np.asarray(line.coords)
    lon, lat = net.graph.projection.inverse(xy[:, 0], xy[:, 1])
    return [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lon, lat, strict=True)]


def _area(net: Network, nodes: np.ndarray) -> list[list[float]]:
    """The zone and a band around the route, as one ring (its outline if in pieces)."""
    x, y = net.graph.xy
    band = shapely.LineString(np.stack([x[nodes], y[nodes]], 1)).buffer(AREA_BAND_M)
    area = shapely.union(net.zone, band)
    if area.geom_type != "Polygon":
        area = area.convex_hull
    ring = np.asarray(shapely.Polygon(area.exterior).simplify(SIMPLIFY_M * 3).exterior.coords)
    lon, lat = net.graph.projection.inverse(ring[:, 0], ring[:, 1])
    out = [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lon, lat, strict=True)]
    out[-1] = out[0]
    return out


def _zone(name: str) -> Any:
    """The IANA time zone ``name`` (``--time-zone``), or an error naming it."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            "--time-zone", f"{name!r} is not an IANA time zone (e.g. Europe/Kyiv)"
        ) from None
