#!/usr/bin/env python3
"""The peer the planner is measured against: a PyVRP 0.14.1 model of a CEP instance.

This is the model a competent PyVRP user would write, without the project's own ideas:

- every gathering point's waiting people become optional prize clients, one per
  vehicle-load chunk of one class (a busful of seated people, an ambulance's stretchers),
  worth ``weight x people``;
- seats and stretcher places are two load dimensions, people are *pickups*;
- vehicles start at their depot; reception centres are reload depots (medical ones only for
  ambulances, so that stretcher cases reach a medical centre); a route ends at the reception
  nearest the checkpoints;
- every leg between outside and inside goes through the checkpoint that makes it quickest,
  including that checkpoint's service time;
- client time windows come from the ceasefire window (reachable after it opens, able to get
  out before it closes).

PyVRP cannot see that all vehicles share the checkpoint lanes, nor reception capacities. Its
solution is therefore *replayed*: trips are taken first-come-first-served by their arrival at
the inward checkpoint; each books the first free lane of its inward and outward crossings, and
a trip that cannot clear the checkpoints before the window closes (or whose reception centre is
full) is dropped with every later trip of that vehicle. The replayed plan is a CEP plan the
referee accepts.

    python3 benchmarks/peer_pyvrp.py data/cep/small.json -o /tmp/small.peer.json --seconds 30
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pyvrp import Model
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxRuntime

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from corridor.planning.instance import Instance, parse_instance

SCALE = 100  # PyVRP wants whole numbers: centiminutes
PRIZE = 10000  # per unit of weighted people, against one centiminute of driving
BIG = 10**9


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


class PeerModel:
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

    def solve(self, seconds: float, seed: int) -> list[Trip]:
        inst = self.inst
        m = Model()
        places = (
            [d.id for d in inst.depots]
            + [r.id for r in inst.receptions]
            + [g.id for g in inst.gathering]
        )
        loc = {p: m.add_location(x=0, y=0, name=p) for p in places}
        stop = inst.stop_fixed
        depot = {d.id: m.add_depot(loc[d.id], name=d.id) for d in inst.depots}
        # Unloading a busful takes fixed + per_person x seats at a reception.
        seats = max((v.seats for v in inst.vehicle_types.values()), default=0)
        unload = round((stop + inst.stop_per_person * seats) * SCALE)
        recep = {
            r.id: m.add_depot(loc[r.id], service_duration=unload, name=r.id)
            for r in inst.receptions
        }
        chunks = self.chunks()
        open_, close = inst.open * SCALE, inst.close * SCALE
        clients = []
        for ch in chunks:
            g = ch.gathering
            ins = [self.in_min(k, g) + c.inward.service for k, c in self.ks.items()]
            outs = [self.in_min(g, k) + c.outward.service for k, c in self.ks.items()]
            service = stop + inst.stop_per_person * ch.people
            early = open_ + round(min(ins) * SCALE) if not all(map(math.isnan, ins)) else BIG
            late = close - round((min(outs) + service) * SCALE) if outs else -1
            if late < early:
                continue  # nobody can fetch this chunk inside the window
            stretcher = inst.classes[ch.cls].stretcher
            client = m.add_client(
                loc[g],
                pickup=[0, ch.people] if stretcher else [ch.people, 0],
                service_duration=round(service * SCALE),
                tw_early=early,
                tw_late=late,
                prize=round(inst.classes[ch.cls].weight * ch.people * PRIZE),
                required=False,
                name=g,
            )
            clients.append((client, ch))
        # Edges: outside legs direct, legs across the boundary through the best checkpoint.
        outside_places = [d.id for d in inst.depots] + [r.id for r in inst.receptions]
        for a in outside_places:
            for b in outside_places:
                if a != b and not math.isnan(self.out_min(a, b)):
                    d = round(self.out_min(a, b) * SCALE)
                    m.add_edge(loc[a], loc[b], distance=d, duration=d)
        for g in inst.gathering:
            for o in outside_places:
                if (leg := self.enter(o, g.id)) is not None:
                    d = round(leg.minutes * SCALE)
                    m.add_edge(loc[o], loc[g.id], distance=d, duration=d)
                if (leg := self.leave(g.id, o)) is not None:
                    d = round(leg.minutes * SCALE)
                    m.add_edge(loc[g.id], loc[o], distance=d, duration=d)
            for h in inst.gathering:
                if g.id != h.id and not math.isnan(self.in_min(g.id, h.id)):
                    d = round(self.in_min(g.id, h.id) * SCALE)
                    m.add_edge(loc[g.id], loc[h.id], distance=d, duration=d)
        vtypes = []
        for dp in inst.depots:
            for t, n in dp.fleet.items():
                if n <= 0:
                    continue
                v = inst.vehicle_types[t]
                # Ambulances (stretcher places) unload only at medical centres.
                allowed = [r.id for r in inst.receptions if r.medical or v.stretchers == 0] or [
                    r.id for r in inst.receptions
                ]
                end = min(allowed, key=lambda r: min(self.out_min(k, r) for k in self.ks))
                vtypes.append((dp.id, t))
                m.add_vehicle_type(
                    num_available=n,
                    capacity=[v.seats, v.stretchers],
                    start_depot=depot[dp.id],
                    end_depot=recep[end],
                    reload_depots=[recep[r] for r in allowed],
                    name=f"{dp.id}/{t}",
                )
        with warnings.catch_warnings():
            # Expected here: the model is tight on time windows; the replay judges the result.
            warnings.simplefilter("ignore", PenaltyBoundWarning)
            res = m.solve(MaxRuntime(seconds), seed=seed, display=False)
        sol = res.best
        n_depots = len(inst.depots)
        recep_ids = [r.id for r in inst.receptions]
        trips: list[Trip] = []
        used: dict[int, int] = {}
        for route in sol.routes():
            vt = route.vehicle_type()
            k = used.get(vt, 0)
            used[vt] = k + 1
            dp, t = vtypes[vt]
            name = f"{dp}/{t}/{k}"
            at = dp
            current: list[Chunk] = []
            first_start = 0.0
            for act in route.schedule():
                if act.is_client():
                    if not current:
                        first_start = act.start_time / SCALE
                    current.append(clients[act.idx][1])
                elif act.is_depot() and current:
                    r = recep_ids[act.idx - n_depots]
                    g0 = current[0].gathering
                    leg = self.enter(at, g0)
                    assert leg is not None
                    k_in = leg.k
                    planned = first_start - self.in_min(k_in, g0) - self.ks[k_in].inward.service
                    trips.append(Trip(name, at, current, r, planned))
                    at, current = r, []
        return trips


def _people(chunks: list[Chunk]) -> dict[str, int]:
    out: dict[str, int] = {}
    for ch in chunks:
        out[ch.cls] = out.get(ch.cls, 0) + ch.people
    return out


def replay(inst: Instance, peer: PeerModel, trips: list[Trip]) -> dict[str, Any]:
    """Turn PyVRP's trips into a CEP plan, first come first served at the checkpoints."""
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
            continue  # PyVRP's best solution may carry too much: this vehicle stops here
        last_g = trip.chunks[-1].gathering
        # PyVRP does not know reception capacities: a full centre sends the vehicle to the
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


def peer_plan(
    instance_raw: dict[str, Any], seconds: float = 30.0, seed: int = 1
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Solve the PyVRP model for `seconds` and replay it; returns (plan, facts about the run)."""
    inst = parse_instance(instance_raw)
    peer = PeerModel(inst)
    t0 = time.perf_counter()
    trips = peer.solve(seconds, seed)
    solved = time.perf_counter() - t0
    plan = _round_times(replay(inst, peer, trips))
    kept = sum(1 for r in plan["routes"] for s in r["stops"] if s.get("dir") == "in")
    info = {"trips_planned": len(trips), "trips_kept": kept, "solve_seconds": solved}
    return plan, info


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("instance")
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    raw = json.loads(Path(args.instance).read_text())
    plan, info = peer_plan(raw, args.seconds, args.seed)
    Path(args.out).write_text(json.dumps(plan, indent=1))
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
