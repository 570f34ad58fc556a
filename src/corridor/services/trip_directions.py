"""Use case: what a trip sheet needs from the scenario and its roads: each place's name and
address, and the streets of every drive of a plan, in order, from the road graph's OSM names.

Each drive follows the route the compiled travel times were measured on: the least-cost route
on the vehicle type's own roads, inside the zone between an inward and an outward crossing and
outside it otherwise.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from corridor.planning.instance import parse_instance
from corridor.reporting.trip_sheets import PlaceInfo, Street
from corridor.routing.paths import NoPath, Route, shortest_route
from corridor.services.network import Network


def place_infos(net: Network) -> dict[str, PlaceInfo]:
    """Name and address of every place: the scenario's address, else the road it is on."""
    out = {}
    for p in net.places.values():
        address = p.address or (f"on {p.road}" if p.road else None)
        out[p.id] = PlaceInfo(p.id, p.kind, p.name, address)
    return out


def plan_directions(
    net: Network, instance: dict[str, Any], plan: dict[str, Any]
) -> dict[tuple[str, str, str, str], list[Street]]:
    """The streets of every drive in ``plan``, keyed (from, to, side, vehicle type)."""
    types = {v.name: v.type for v in parse_instance(instance).vehicles}
    out: dict[tuple[str, str, str, str], list[Street]] = {}
    for route in plan.get("routes", []):
        vtype = types.get(route.get("vehicle"), "")
        inside = False
        stops = route.get("stops", [])
        for a, b in itertools.pairwise(stops):
            side = "inside" if inside else "outside"
            key = (a["at"], b["at"], side, vtype)
            if key not in out and a["at"] in net.places and b["at"] in net.places:
                out[key] = streets(net, a["at"], b["at"], side, vtype)
            if "dir" in b:
                inside = b["dir"] == "in"
    return out


def different_roads(net: Network, instance: dict[str, Any]) -> str | None:
    """Why ``instance`` was not compiled from ``net``'s scenario (None: it was): the first
    place or travel time that differs. Trip sheets name the streets of the scenario's roads;
    from another scenario (another hazard, another place), they would send a vehicle along
    roads the plan was not timed on, a closed bridge among them."""
    from corridor.services.compile_scenario import compile_instance

    here = compile_instance(net.scenario, net)["travel"]
    there = instance.get("travel") or {}
    sheets = [("", side, here.get(side), there.get(side)) for side in ("outside", "inside")]
    mine, theirs = here.get("by_type") or {}, there.get("by_type") or {}
    for vtype in sorted(set(mine) | set(theirs)):
        a, b = mine.get(vtype) or {}, theirs.get(vtype) or {}
        sheets += [(vtype, side, a.get(side), b.get(side)) for side in ("outside", "inside")]
    for vtype, side, a, b in sheets:
        what = f"travel{'.by_type.' + vtype if vtype else ''}.{side}"
        if a is None and b is None:
            continue
        if a is None or b is None:
            return f"{what}: only the {'instance' if a is None else 'scenario'} has these times"
        if a.get("ids") != b.get("ids"):
            gone = sorted(set(a["ids"]) ^ set(b.get("ids") or []))
            return f"{what}: other places ({', '.join(gone[:5]) or 'another order'})"
        for i, j in itertools.product(range(len(a["ids"])), repeat=2):
            x, y = a["minutes"][i][j], b["minutes"][i][j]
            if (x is None) != (y is None) or (x is not None and abs(x - y) > 1e-6):
                return (
                    f"{what}: {a['ids'][i]} → {a['ids'][j]} takes {_said(x)} on the scenario's "
                    f"roads, {_said(y)} in the instance"
                )
    return None


def _said(minutes: float | None) -> str:
    return "no road" if minutes is None else f"{minutes:g} min"


def leg_route(net: Network, a: str, b: str, side: str, vehicle_type: str) -> Route | None:
    """The road a vehicle of ``vehicle_type`` takes from place ``a`` to place ``b`` on one
    side: the least-cost route on its own roads (None where it has none)."""
    roads = net.roads_of(vehicle_type) if vehicle_type in net.fleet_types else None
    edges = net.sides.inside if side == "inside" else net.sides.outside
    keep = edges & (roads.allowed if roads else net.effect.open_edges)
    cost = roads.cost if roads else net.effect.cost
    try:
        return shortest_route(net.graph, cost, keep, net.places[a].node, net.places[b].node)
    except NoPath:
        return None


def streets(net: Network, a: str, b: str, side: str, vehicle_type: str) -> list[Street]:
    """The streets from place ``a`` to place ``b`` on one side, merged by name, in order."""
    route = leg_route(net, a, b, side, vehicle_type)
    if route is None:
        return []
    tags, length = net.graph.tags, net.graph.length_m
    out: list[Street] = []
    for e in np.asarray(route.edges, dtype=np.int64).tolist():
        name = tags.road_name(e)
        if out and out[-1].name == name:
            out[-1] = Street(name, out[-1].metres + float(length[e]))
        else:
            out.append(Street(name, float(length[e])))
    return _merge_short(out)


def _merge_short(streets: list[Street], under_m: float = 15.0) -> list[Street]:
    """Fold pieces shorter than ``under_m`` (a junction's corner) into the street before."""
    out: list[Street] = []
    for s in streets:
        if out and s.metres < under_m:
            out[-1] = Street(out[-1].name, out[-1].metres + s.metres)
        elif out and out[-1].name == s.name:
            out[-1] = Street(s.name, out[-1].metres + s.metres)
        else:
            out.append(s)
    return out
