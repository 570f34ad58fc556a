"""What the planner benchmark's peers share: their reading of a CEP instance and the replay.

Both peers (``peer_pyvrp.py``, ``peer_ortools.py``) see the instance the same way
(:class:`PeerRoads`: every leg between outside and inside through the checkpoint that makes it
quickest, its service included; people in vehicle-load chunks of one class) and plan trips
that neither library can check against the checkpoint lanes shared by all vehicles nor the
reception capacities. :func:`replay` turns those trips into a CEP plan the referee accepts:
trips are taken first-come-first-served by their arrival at the inward checkpoint; each books
the first free lane of its inward and outward crossings, and a trip that cannot clear the
checkpoints before the window closes (or finds no centre with room) is dropped, with every
later trip of that vehicle. :func:`finish` and :func:`main` are the peers' common ending and
command line.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from corridor.planning.instance import Instance

PeerPlan = Callable[[dict[str, Any], float, int], tuple[dict[str, Any], dict[str, Any]]]


@dataclass
class Chunk:
    gathering: str
    cls: str
    people: int


@dataclass
class Leg:
    """The quickest way from an outside place to an inside one or back, through checkpoint k."""

    k: str
    minutes: float  # drive + service


@dataclass
class Trip:
    vehicle: str
    start_at: str  # where the vehicle is when the trip begins (depot or reception)
    chunks: list[Chunk]
    reception: str
    planned_in: float  # when PyVRP would have it reach the inward checkpoint


@dataclass
class Lanes:
    """Booked [start, end) intervals of each lane of one checkpoint direction."""

    service: float
    lanes: list[list[tuple[float, float]]] = field(default_factory=list)

    def earliest(self, ready: float) -> tuple[float, int]:
        """Earliest start >= ready at which some lane is free for one crossing, and that lane."""
        best = (math.inf, -1)
        for n, booked in enumerate(self.lanes):
            t = ready
            for s, e in sorted(booked):
                if t + self.service <= s:
                    break
                t = max(t, e)
            best = min(best, (t, n))
        return best

    def book(self, start: float, lane: int) -> None:
        self.lanes[lane].append((start, start + self.service))

    def unbook(self, start: float, lane: int) -> None:
        self.lanes[lane].remove((start, start + self.service))


def _nan_min(values: list[tuple[float, str]]) -> tuple[float, str] | None:
    ok = [v for v in values if not math.isnan(v[0])]
    return min(ok) if ok else None


class PeerRoads:
    """The peers' reading of an instance: quickest legs through one checkpoint, chunks."""

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.oi, self.ii = inst.outside_index, inst.inside_index
        self.ks = {k.id: k for k in inst.checkpoints}
        self.medical = {r.id for r in inst.receptions if r.medical}

    def out_min(self, a: str, b: str) -> float:
        return float(self.inst.outside[self.oi[a], self.oi[b]])

    def in_min(self, a: str, b: str) -> float:
        return float(self.inst.inside[self.ii[a], self.ii[b]])

    def enter(self, outside: str, g: str) -> Leg | None:
        """Quickest way from an outside place to gathering point g."""
        best = _nan_min(
            [
                (self.out_min(outside, k) + c.inward.service + self.in_min(k, g), k)
                for k, c in self.ks.items()
                if c.inward.lanes > 0
            ]
        )
        return None if best is None else Leg(best[1], best[0])

    def leave(self, g: str, outside: str) -> Leg | None:
        best = _nan_min(
            [
                (self.in_min(g, k) + c.outward.service + self.out_min(k, outside), k)
                for k, c in self.ks.items()
                if c.outward.lanes > 0
            ]
        )
        return None if best is None else Leg(best[1], best[0])

    def chunks(self) -> list[Chunk]:
        vt = self.inst.vehicle_types.values()
        seats = max((v.seats for v in vt), default=0)
        stretchers = max((v.stretchers for v in vt), default=0)
        out = []
        for g in self.inst.gathering:
            for c, n in g.people.items():
                size = stretchers if self.inst.classes[c].stretcher else seats
                if size <= 0 or self.inst.classes[c].weight <= 0:
                    continue
                while n > 0:
                    out.append(Chunk(g.id, c, min(size, n)))
                    n -= min(size, n)
        return out


def _people(chunks: list[Chunk]) -> dict[str, int]:
    out: dict[str, int] = {}
    for ch in chunks:
        out[ch.cls] = out.get(ch.cls, 0) + ch.people
    return out


def replay(inst: Instance, peer: PeerRoads, trips: list[Trip]) -> dict[str, Any]:
    """Turn a peer's trips into a CEP plan, first come first served at the checkpoints."""
    lanes = {
        (k.id, d): Lanes(k.direction(d).service, [[] for _ in range(k.direction(d).lanes)])
        for k in inst.checkpoints
        for d in ("in", "out")
    }
    left = {r.id: r.capacity for r in inst.receptions}
    by_vehicle: dict[str, list[Trip]] = {}
    for t in trips:
        by_vehicle.setdefault(t.vehicle, []).append(t)
    fleet = {v.name: v for v in inst.vehicles}
    stops: dict[str, list[dict[str, Any]]] = {}
    # Heap of (arrival at the inward checkpoint, vehicle, trip number, ready time, place).
    heap: list[tuple[float, str, int, float, str]] = []

    def push(vehicle: str, n: int, ready: float, at: str) -> None:
        if n >= len(by_vehicle[vehicle]):
            return
        trip = by_vehicle[vehicle][n]
        leg = peer.enter(at, trip.chunks[0].gathering)
        assert leg is not None
        arrive = max(ready + peer.out_min(at, leg.k), trip.planned_in)
        heapq.heappush(heap, (arrive, vehicle, n, ready, at))

    for vehicle in sorted(by_vehicle):
        push(vehicle, 0, -math.inf, fleet[vehicle].depot)
    fixed, pp = inst.stop_fixed, inst.stop_per_person
    while heap:
        arrive, vehicle, n, _ready, at = heapq.heappop(heap)
        trip = by_vehicle[vehicle][n]
        people = _people(trip.chunks)
        total = sum(people.values())
        vt = inst.vehicle_types[fleet[vehicle].type]
        lying = sum(n for c, n in people.items() if inst.classes[c].stretcher)
        medical = any(inst.classes[c].medical for c in people)
        if lying > vt.stretchers or total - lying > vt.seats:
            continue  # a peer's best solution may carry too much: this vehicle stops here
        last_g = trip.chunks[-1].gathering
        # The peers do not know reception capacities: a full centre sends the vehicle to the
        # nearest one that has room (and is medical where the people need it).
        room = [
            r.id
            for r in inst.receptions
            if left[r.id] >= total
            and (r.medical or not medical)
            and peer.leave(last_g, r.id) is not None
        ]
        if not room:
            continue
        reception = (
            trip.reception
            if trip.reception in room
            else min(room, key=lambda r: peer.leave(last_g, r).minutes)  # type: ignore[union-attr]
        )
        k_in = peer.enter(at, trip.chunks[0].gathering)
        assert k_in is not None
        lin = lanes[k_in.k, "in"]
        start_in, lane_in = lin.earliest(max(arrive, inst.open))
        if lane_in < 0:
            continue
        lin.book(start_in, lane_in)
        t = start_in + lin.service
        out: list[dict[str, Any]] = []
        here = k_in.k
        # Consecutive chunks at one gathering point are one stop.
        groups: list[tuple[str, list[Chunk]]] = []
        for ch in trip.chunks:
            if groups and groups[-1][0] == ch.gathering:
                groups[-1][1].append(ch)
            else:
                groups.append((ch.gathering, [ch]))
        for g, chs in groups:
            t += peer.in_min(here, g)
            board = _people(chs)
            depart = t + fixed + pp * sum(board.values())
            out.append({"at": g, "arrive": t, "depart": depart, "board": board})
            t, here = depart, g
        k_out = peer.leave(here, reception)
        assert k_out is not None
        t += peer.in_min(here, k_out.k)
        lout = lanes[k_out.k, "out"]
        start_out, lane_out = lout.earliest(t)
        if lane_out < 0 or start_out + lout.service > inst.close:
            lin.unbook(start_in, lane_in)  # cannot clear before the window closes: drop
            continue
        lout.book(start_out, lane_out)
        end_out = start_out + lout.service
        r_arrive = end_out + peer.out_min(k_out.k, reception)
        r_depart = r_arrive + fixed + pp * total
        left[reception] -= total
        route = stops.setdefault(vehicle, [])
        if not route:
            leave_depot = arrive - peer.out_min(at, k_in.k)
            route.append({"at": at, "arrive": leave_depot, "depart": leave_depot})
        route.append(
            {
                "at": k_in.k,
                "dir": "in",
                "arrive": arrive,
                "start": start_in,
                "end": start_in + lin.service,
            }
        )
        route += out
        route.append({"at": k_out.k, "dir": "out", "arrive": t, "start": start_out, "end": end_out})
        route.append({"at": reception, "arrive": r_arrive, "depart": r_depart, "alight": people})
        push(vehicle, n + 1, r_depart, reception)
    routes = [{"vehicle": v, "stops": s} for v, s in sorted(stops.items())]
    return {"format": "cep-plan/1", "instance": inst.name, "routes": routes}


def _round_times(plan: dict[str, Any]) -> dict[str, Any]:
    """Round every time to 1e-7 minutes: shorter files, well inside the referee's tolerance."""
    for r in plan["routes"]:
        for s in r["stops"]:
            for key in ("arrive", "depart", "start", "end"):
                if key in s:
                    s[key] = round(float(s[key]), 7)
    return plan


def finish(
    inst: Instance, roads: PeerRoads, trips: list[Trip], info: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The replayed plan of a peer's ``trips`` and the facts about the run (``info`` and the
    trips planned and kept)."""
    plan = _round_times(replay(inst, roads, trips))
    kept = sum(1 for r in plan["routes"] for s in r["stops"] if s.get("dir") == "in")
    return plan, {"trips_planned": len(trips), "trips_kept": kept, **info}


def main(description: str, peer_plan: PeerPlan, argv: list[str] | None = None) -> int:
    """The command line of a peer: plan an instance file, write the plan, print the facts."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("instance")
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    plan, info = peer_plan(json.loads(Path(args.instance).read_text()), args.seconds, args.seed)
    Path(args.out).write_text(json.dumps(plan, indent=1))
    print(json.dumps(info))
    return 0
