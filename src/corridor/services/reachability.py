"""Use case: where every place of a scenario sits on the roads and whether it connects as it must.

Connection is judged per direction, by the checkpoints' lanes: a checkpoint with inward lanes
must be reached from a depot or reception centre outside the zone and reach a gathering point
inside; one with outward lanes must be reached from a gathering point inside and reach a
reception centre outside (a checkpoint on a divided road may be an inward gate on one
carriageway and an outward gate on the other). Each gathering point must be reached from an
inward checkpoint and reach an outward one inside the zone; each depot must reach an inward
checkpoint; each reception centre must be reached from an outward checkpoint and lead back to
an inward one. A place that does not is named with the reason (:mod:`corridor.routing.reach`),
first for every vehicle, then for the vehicle types whose roads differ (a bridge closed to heavy
vehicles).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from corridor.reporting.trip_sheets import KIND_WORDS
from corridor.routing.graph import BoolArray, IntArray, RoadGraph
from corridor.routing.profiles import allowed_edges
from corridor.routing.reach import Cut, diagnose, reached
from corridor.services.network import NO_CROSSING, NO_ROAD, Network, SnappedPlace, TypeRoads

IN, OUT = "in", "out"


@dataclass(frozen=True)
class Need:
    """What one kind of place must connect to: on ``side``, ``direction`` ``to`` or ``from``
    places of ``kinds``; ``words`` when it does not (``{checkpoint}`` names the checkpoints that
    count). ``lanes``: only checkpoints with lanes that way count; ``role``: for a checkpoint,
    the need holds only when it has lanes that way."""

    side: str
    direction: str
    kinds: tuple[str, ...]
    words: str
    lanes: str | None = None
    role: str | None = None


NEEDS: dict[str, list[Need]] = {
    "gathering": [
        Need(
            "inside", "to", ("checkpoint",), "cannot get to any {checkpoint} inside the zone", OUT
        ),
        Need("inside", "from", ("checkpoint",), "no {checkpoint} reaches it inside the zone", IN),
    ],
    "checkpoint": [
        Need(
            "outside",
            "from",
            ("depot", "reception"),
            "no depot or reception centre reaches it",
            role=IN,
        ),
        Need("outside", "to", ("reception",), "reaches no reception centre", role=OUT),
        Need("inside", "to", ("gathering",), "reaches no gathering point inside the zone", role=IN),
        Need(
            "inside",
            "from",
            ("gathering",),
            "no gathering point reaches it inside the zone",
            role=OUT,
        ),
    ],
    "depot": [Need("outside", "to", ("checkpoint",), "reaches no {checkpoint}", IN)],
    "reception": [
        Need("outside", "from", ("checkpoint",), "no {checkpoint} reaches it", OUT),
        Need("outside", "to", ("checkpoint",), "cannot get back to any {checkpoint}", IN),
    ],
}
LANE_WORDS = {IN: "checkpoint with an inward lane", OUT: "checkpoint with an outward lane"}

Reason = tuple[str | None, str]  # (the checkpoint role it is about, or None; the sentence)
Link = tuple[str, set[str], str | None, str | None]  # words, places reached, their role, own


@dataclass(frozen=True)
class PlaceReach:
    """One place: where it snapped, and whether (and why not) it connects.

    ``status`` is ``ok``, ``cut`` (for every vehicle) or ``partial`` (for the types named in
    ``by_type``); ``reasons`` are sentences a coordinator reads.
    """

    id: str
    kind: str
    name: str | None
    road: str
    distance_m: float
    status: str
    reasons: list[str] = field(default_factory=list)
    by_type: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
            "road": self.road,
            "distance_m": round(self.distance_m, 1),
            "status": self.status,
            "reasons": self.reasons,
            "by_type": self.by_type,
        }


def reachability(net: Network) -> list[PlaceReach]:
    """The reachability report of every place, gathering points first."""
    lanes = checkpoint_lanes(net)
    reasons: dict[str, list[Reason]] = {}
    links: dict[str, list[Link]] = {}
    by_type: dict[str, dict[str, list[str]]] = {}
    for p in net.places.values():
        reasons[p.id] = [(None, r) for r in _snap_problem(net, p)]
        by_type[p.id] = {}
        if reasons[p.id]:
            continue
        reasons[p.id], links[p.id] = _check(net, p, None, lanes)
        if not reasons[p.id] and _restricted(net):
            for roads in net.type_roads:
                got, _ = _check(net, p, roads, lanes)
                by_type[p.id].update({t: [r for _, r in got] for t in roads.members if got})
    _through_cut_places(reasons, links)
    out = []
    for p in net.places.values():
        why, types = [r for _, r in reasons[p.id]], by_type[p.id]
        status = "cut" if why else "partial" if types else "ok"
        out.append(PlaceReach(p.id, p.kind, p.name, p.road, p.distance_m, status, why, types))
    order = {k: i for i, k in enumerate(("gathering", "checkpoint", "depot", "reception"))}
    return sorted(out, key=lambda r: order[r.kind])


def checkpoint_lanes(net: Network) -> dict[str, set[str]]:
    """The directions (``in``, ``out``) in which each checkpoint has at least one lane."""
    return {
        c.id: {d for d, way in ((IN, c.inward), (OUT, c.outward)) if way.lanes > 0}
        for c in net.scenario.checkpoints
    }


def _cut_for(reasons: list[Reason], role: str | None) -> bool:
    """True when ``reasons`` cut the place off in the role it is needed for (a checkpoint cut
    off inward still serves as an outward gate)."""
    return any(role is None or r is None or r == role for r, _ in reasons)


def _through_cut_places(reasons: dict[str, list[Reason]], links: dict[str, list[Link]]) -> None:
    """A place whose every way in some direction leads only to places that are themselves
    cut off (in the role it needs them for) is cut off too (repeated until nothing changes)."""
    changed = True
    while changed:
        changed = False
        for pid, needs in links.items():
            before = list(reasons[pid])
            for words, got, theirs, own in needs:
                if _cut_for(before, own):
                    continue
                if got and all(_cut_for(reasons[q], theirs) for q in got):
                    names = ", ".join(sorted(got))
                    verb = "does" if len(got) == 1 else "do"
                    reasons[pid].append((own, f"{words} {names}, which {verb} not connect"))
                    changed = True


def _restricted(net: Network) -> bool:
    """True when some fleet type may not use every open road (limits or type closures)."""
    return any(not r.allowed[net.effect.open_edges].all() for r in net.type_roads)


def _snap_problem(net: Network, p: SnappedPlace) -> list[str]:
    limit = net.scenario.routing.snap_max_m
    if p.problem == NO_ROAD:
        side = "inside" if p.kind == "gathering" else "outside"
        road = f" ({p.road})" if p.road else ""
        return [
            f"no road within routing.snap_max_m = {limit:g} m: the nearest road it may use "
            f"{side} the zone{road} is {p.distance_m:,.0f} m away"
        ]
    if p.problem == NO_CROSSING:
        return [
            f"not on a road that crosses the zone boundary: the nearest one is "
            f"{p.distance_m:,.0f} m away (at most routing.snap_max_m = {limit:g} m)"
        ]
    return []


def _check(
    net: Network, p: SnappedPlace, roads: TypeRoads | None, lanes: dict[str, set[str]]
) -> tuple[list[Reason], list[Link]]:
    """Reasons the place does not connect, and per need the places it does connect to."""
    out: list[Reason] = []
    links: list[Link] = []
    for need in NEEDS[p.kind]:
        if need.role is not None and need.role not in lanes.get(p.id, set()):
            continue
        others = [
            q
            for q in net.places.values()
            if q.kind in need.kinds
            and q.on_road
            and (need.lanes is None or need.lanes in lanes.get(q.id, set()))
        ]
        if not others:
            continue
        side, direction = need.side, need.direction
        cut = _diagnose(net, p, roads, side, direction, [q.node for q in others])
        if cut is not None:
            words = need.words.format(checkpoint=_checkpoint_words(need, lanes))
            out.append((need.role, f"{words}: {explain(net, cut, need.kinds, side)}"))
            continue
        keep = _side(net, side) & (net.effect.open_edges if roads is None else roads.allowed)
        got = reached(net.graph, keep, [p.node], reverse=direction == "from")
        words = "reaches only" if direction == "to" else "is reached only from"
        links.append((words, {q.id for q in others if got[q.node]}, need.lanes, need.role))
    return out, links


def _checkpoint_words(need: Need, lanes: dict[str, set[str]]) -> str:
    """``checkpoint``, or ``checkpoint with an inward lane`` when some checkpoint has none."""
    if need.lanes is None or all(need.lanes in way for way in lanes.values()):
        return "checkpoint"
    return LANE_WORDS[need.lanes]


def _side(net: Network, side: str) -> BoolArray:
    return net.sides.inside if side == "inside" else net.sides.outside


def _diagnose(
    net: Network,
    p: SnappedPlace,
    roads: TypeRoads | None,
    side: str,
    direction: str,
    targets: list[int],
) -> Cut | None:
    side_mask = _side(net, side)
    if roads is None:
        usable, legal = net.effect.open_edges, None
        closures = _closures(net, None)
    else:
        usable = roads.allowed
        legal = allowed_edges(net.graph, net.profiles[roads.members[0]])
        closures = _closures(net, roads)
    return diagnose(
        net.graph, side_mask, usable, p.node, targets, direction, legal=legal, closures=closures
    )


def _closures(net: Network, roads: TypeRoads | None) -> list[tuple[str, IntArray]]:
    """The edges each closed hazard takes away (from every vehicle, or from these types)."""
    out = []
    profile = None if roads is None else net.profiles[roads.members[0]]
    for i, h in enumerate(net.hazards):
        applies = h.closed and not h.for_some if profile is None else h.closes_for(profile)
        if applies:
            out.append((h.id, net.effect.edges_of(i)))
    return out


def explain(net: Network, cut: Cut, kinds: tuple[str, ...], side: str) -> str:
    """The reason in words, naming the roads from OSM."""
    graph = net.graph
    targets = " or ".join(KIND_WORDS[k] for k in kinds)
    if cut.kind == "hazard":
        if not cut.hazards:
            return "closed roads cut it off"
        which = ", ".join(cut.hazards)
        return f"closed by hazard{'s' if len(cut.hazards) > 1 else ''} {which}"
    if cut.kind == "restricted":
        return f"its way uses {describe_roads(graph, cut.edges, limits=True)}"
    if cut.kind == "dead_end":
        return (
            f"dead end: its roads ({describe_roads(graph, cut.edges)}, {cut.length_m:,.0f} m) "
            f"lead to no {targets}"
        )
    way, how = ("on", "into") if cut.direction == "to" else ("in", "out of")
    text = "one-way only: " + (
        "it can be reached but not left"
        if cut.direction == "to"
        else "it can be left but not reached"
    )
    if len(cut.exits):
        text += f": the only ways {way} are {describe_roads(graph, cut.exits)}"
        text += f", which {_why_not(net, cut.exits, side)}"
    elif len(cut.edges):
        roads = describe_roads(graph, cut.edges)
        text += f": {roads} only lead{_s(cut.edges, graph)} {how} its streets"
    return text


def _s(edges: IntArray, graph: RoadGraph) -> str:
    """'s' when the edges are on one road (``Unioninkatu only leads``)."""
    names = {graph.tags.road_name(int(e)) for e in edges}
    return "s" if len(names) == 1 else ""


def _why_not(net: Network, exits: IntArray, side: str) -> str:
    """Why the roads out of a place's streets do not count as ways out."""
    own = net.sides.inside if side == "inside" else net.sides.outside
    if not own[exits].all():
        return "cross the zone boundary where there is no checkpoint"
    if not net.effect.open_edges[exits].all():
        return "a hazard closes"
    return "these vehicles may not use"


def describe_roads(
    graph: RoadGraph, edges: IntArray, *, limits: bool = False, most: int = 3
) -> str:
    """The roads under ``edges`` by OSM name, longest first: ``Fredrikinkatu (one-way)``."""
    if len(edges) == 0:
        return "no road"
    t = graph.tags
    length: dict[str, float] = {}
    notes: dict[str, str] = {}
    reverse = set((graph.dst * graph.n_nodes + graph.src).tolist())
    for e in np.asarray(edges, dtype=np.int64).tolist():
        name = t.road_name(e) or f"an unnamed {t.class_name(e)} road"
        length[name] = length.get(name, 0.0) + float(graph.length_m[e])
        bits = []
        if int(graph.src[e]) * graph.n_nodes + int(graph.dst[e]) not in reverse:
            bits.append("one-way")
        if limits:
            bits += _limit_words(graph, e)
        if bits:
            notes[name] = ", ".join(bits)
    names = [n for n, _ in sorted(length.items(), key=lambda item: -item[1])]
    shown = [f"{n} ({notes[n]})" if n in notes else n for n in names[:most]]
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(shown) + more


def _limit_words(graph: RoadGraph, e: int) -> list[str]:
    t = graph.tags
    out = []
    if t.bridge[e]:
        out.append("bridge")
    if t.tunnel[e]:
        out.append("tunnel")
    for arr, unit, word in (
        (t.max_weight_t, "t", "maxweight"),
        (t.max_height_m, "m", "maxheight"),
        (t.max_width_m, "m", "maxwidth"),
    ):
        if np.isfinite(arr[e]):
            out.append(f"{word} {float(arr[e]):g} {unit}")
    if t.hgv[e] == 2:
        out.append("hgv=no")
    return out
