#!/usr/bin/env python3
"""The second peer of the planner benchmark: an OR-Tools routing model of a CEP instance.

The model a competent OR-Tools user would write (the routing library's own patterns, nothing
of the project's ideas), with the same reading of the instance as the PyVRP peer
(``benchmarks/peer_pyvrp.py``):

- every gathering point's waiting people become optional pickup nodes, one per vehicle-load
  chunk of one class, dropped at a penalty of ``weight x people`` (a disjunction each);
- seats and stretcher places are two capacity dimensions;
- several trips per vehicle: each reception centre is copied as optional *reload* nodes that
  empty the vehicle (demand minus the capacity, with slack: the library's "cvrp_reload"
  pattern); ambulances reload only at medical centres;
- a time dimension: every leg between outside and inside goes through the checkpoint that makes
  it quickest (service included), a pickup can be reached only after the window opens and left
  in time to get out before it closes; each vehicle starts at its depot and ends after a reload;
- first solution by the cheapest arc, then guided local search until the time limit.

Like PyVRP, OR-Tools cannot see the checkpoint lanes shared by all vehicles nor the reception
capacities: its routes are replayed through the checkpoints first-come-first-served by the
replay both peers share (``benchmarks/peer_replay.py``: trips that cannot clear the checkpoints
before the close are dropped, a full centre sends the vehicle to the nearest one with room), so
the plan is one the referee accepts.

    python3 benchmarks/peer_ortools.py data/cep/small.json -o /tmp/small.ortools.json --seconds 30
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from peer_replay import Chunk, PeerRoads, Trip, finish, main

from corridor.planning.instance import Instance, parse_instance

SCALE = 10  # OR-Tools wants whole numbers: tenths of a minute
#: Beyond this many nodes the model is not built: its dense matrix and the routing model's own
#: structures take gigabytes and minutes before the search starts (large: about 4,400 nodes).
MAX_NODES = 2500
PENALTY = 2000  # per unit of weighted people, against a tenth of a minute of driving
FAR = 10**7  # a leg that cannot be driven


class OrToolsModel:
    """Nodes: depots, one end node, pickup chunks, reload copies of each centre."""

    def __init__(self, inst: Instance, peer: PeerRoads) -> None:
        self.inst, self.peer = inst, peer
        self.chunks = [ch for ch in peer.chunks() if self._fetchable(ch)]
        self.depots = [d.id for d in inst.depots]
        self.vehicles = [
            (d.id, t) for d in inst.depots for t, n in d.fleet.items() for _ in range(n)
        ]
        loads = max(1, len(self.chunks))
        per_centre = max(
            2, min(4 * len(self.vehicles), math.ceil(1.5 * loads / len(inst.receptions)))
        )
        self.reloads = [r.id for r in inst.receptions for _ in range(per_centre)]
        # Routes end at a reception centre (a node of its own per centre), where the last load
        # alights: the one nearest the checkpoints, a medical one for ambulances (as PyVRP's).
        self.end = len(self.depots)
        self.ends = [r.id for r in inst.receptions]
        self.first_chunk = self.end + len(self.ends)
        self.first_reload = self.first_chunk + len(self.chunks)
        self.n = self.first_reload + len(self.reloads)

    def _fetchable(self, ch: Chunk) -> bool:
        inst = self.inst
        into = [self.peer.in_min(k, ch.gathering) for k in self.peer.ks]
        out = [self.peer.in_min(ch.gathering, k) for k in self.peer.ks]
        return (
            not all(map(math.isnan, into))
            and not all(map(math.isnan, out))
            and inst.close > inst.open
        )

    def place(self, node: int) -> str:
        if node < self.end:
            return self.depots[node]
        if node < self.first_chunk:
            return self.ends[node - self.end]
        if node < self.first_reload:
            return self.chunks[node - self.first_chunk].gathering
        return self.reloads[node - self.first_reload]

    def matrix(self) -> list[list[int]]:
        """Tenths of a minute from node to node: the drive (through the best checkpoint across
        the boundary) plus the service at the node left; FAR where there is no way."""
        import numpy as np

        inst, peer = self.inst, self.peer
        outside = self.depots + [r.id for r in inst.receptions]
        inside = [g.id for g in inst.gathering]
        places = outside + inside
        pm = np.full((len(places), len(places)), np.nan)
        for i, a in enumerate(places):
            for j, b in enumerate(places):
                a_in, b_in = i >= len(outside), j >= len(outside)
                if a == b:
                    pm[i, j] = 0.0
                elif a_in and b_in:
                    pm[i, j] = peer.in_min(a, b)
                elif not a_in and not b_in:
                    pm[i, j] = peer.out_min(a, b)
                else:
                    leg = peer.enter(a, b) if b_in else peer.leave(a, b)
                    pm[i, j] = math.nan if leg is None else leg.minutes
        where = {p: i for i, p in enumerate(places)}
        nodes = [where[self.place(v) or self.depots[0]] for v in range(self.n)]
        service = np.array([self.service(v) for v in range(self.n)])
        m = pm[np.ix_(nodes, nodes)] + service[:, None]
        m[:, self.end] = np.where(
            (np.arange(self.n) < self.first_chunk) | (np.arange(self.n) >= self.first_reload),
            0.0,
            np.nan,
        )
        m[self.end, :] = np.nan
        m[self.end, self.end] = 0.0
        out = np.where(np.isnan(m), FAR, np.round(m * SCALE)).astype(np.int64)
        return out.tolist()  # type: ignore[no-any-return]

    def service(self, node: int) -> float:
        inst = self.inst
        if self.first_chunk <= node < self.first_reload:
            return (
                inst.stop_fixed + inst.stop_per_person * self.chunks[node - self.first_chunk].people
            )
        if node >= self.first_reload:
            seats = max((v.seats for v in inst.vehicle_types.values()), default=0)
            return inst.stop_fixed + inst.stop_per_person * seats
        return 0.0

    def solve(self, seconds: float, seed: int) -> list[Trip]:
        from ortools.constraint_solver import pywrapcp, routing_enums_pb2

        inst, n = self.inst, self.n
        starts = [self.depots.index(d) for d, _ in self.vehicles]
        ends = self._end_nodes()
        manager = pywrapcp.RoutingIndexManager(n, len(self.vehicles), starts, ends)
        routing = pywrapcp.RoutingModel(manager)
        cost = routing.RegisterTransitMatrix(self.matrix())
        routing.SetArcCostEvaluatorOfAllVehicles(cost)
        horizon = round((inst.close - inst.open + 24 * 60) * SCALE)
        routing.AddDimension(cost, horizon, 10 * horizon, False, "time")
        self._windows(manager, routing, routing.GetDimensionOrDie("time"))
        self._capacities(manager, routing)
        for i, ch in enumerate(self.chunks):
            value = inst.classes[ch.cls].weight * ch.people
            routing.AddDisjunction(
                [manager.NodeToIndex(self.first_chunk + i)], round(value * PENALTY)
            )
        for j in range(len(self.reloads)):
            routing.AddDisjunction([manager.NodeToIndex(self.first_reload + j)], 0)
        for e in set(range(self.end, self.first_chunk)) - set(ends):  # a centre no route ends at
            routing.AddDisjunction([manager.NodeToIndex(e)], 0)
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
        params.time_limit.FromMilliseconds(int(seconds * 1000))
        del seed  # the routing solver is deterministic for a given model and time
        solution = routing.SolveWithParameters(params)
        return [] if solution is None else self._trips(manager, routing, solution)

    def _end_nodes(self) -> list[int]:
        inst, peer = self.inst, self.peer
        medical = [r.id for r in inst.receptions if r.medical]
        out = []
        for _, t in self.vehicles:
            allowed = (medical if inst.vehicle_types[t].stretchers > 0 else []) or self.ends
            best = min(allowed, key=lambda r: min(peer.out_min(k, r) for k in peer.ks))
            out.append(self.end + self.ends.index(best))
        return out

    def _windows(self, manager: Any, routing: Any, time_dim: Any) -> None:
        """A pickup is reached after the window opens and left in time to get out; a vehicle
        leaves its depot when it likes (times count from an hour before the opening)."""
        inst = self.inst
        origin = inst.open - 12 * 60
        for i, ch in enumerate(self.chunks):
            into = min(
                (
                    m
                    for m in (
                        self.peer.in_min(k, ch.gathering) + c.inward.service
                        for k, c in self.peer.ks.items()
                    )
                    if not math.isnan(m)
                ),
                default=math.inf,
            )
            out = min(
                (
                    m
                    for m in (
                        self.peer.in_min(ch.gathering, k) + c.outward.service
                        for k, c in self.peer.ks.items()
                    )
                    if not math.isnan(m)
                ),
                default=math.inf,
            )
            early = inst.open + into
            late = inst.close - out - (inst.stop_fixed + inst.stop_per_person * ch.people)
            index = manager.NodeToIndex(self.first_chunk + i)
            if late < early:
                routing.AddDisjunction([index], 0)  # cannot be fetched in the window
                continue
            time_dim.CumulVar(index).SetRange(
                int((early - origin) * SCALE), int((late - origin) * SCALE)
            )
        self.origin = origin

    def _capacities(self, manager: Any, routing: Any) -> None:
        """Seats and stretcher places; a reload node empties the vehicle (the library's reload
        pattern: demand minus the capacity, the slack takes up what was not aboard)."""
        inst = self.inst
        types = [inst.vehicle_types[t] for _, t in self.vehicles]
        for name, room_of, lying in (
            ("seats", lambda v: v.seats, False),
            ("stretchers", lambda v: v.stretchers, True),
        ):
            rooms = [room_of(v) for v in types]
            top = max(rooms, default=0)

            demand = [0] * self.n
            for i, ch in enumerate(self.chunks):
                demand[self.first_chunk + i] = (
                    ch.people if inst.classes[ch.cls].stretcher == lying else 0
                )
            for j in range(len(self.reloads)):
                demand[self.first_reload + j] = -top
            cb = routing.RegisterUnaryTransitVector(demand)
            routing.AddDimensionWithVehicleCapacity(cb, top, rooms, True, name)
            dim = routing.GetDimensionOrDie(name)
            for node in range(self.n):
                if node < self.first_reload and not self.end <= node < self.first_chunk:
                    index = manager.NodeToIndex(node)
                    if index >= 0:
                        dim.SlackVar(index).SetValue(0)
        medical = {r.id for r in inst.receptions if r.medical}
        ambulances = [i for i, v in enumerate(types) if v.stretchers > 0]
        others = [i for i, v in enumerate(types) if v.stretchers == 0]
        for j, r in enumerate(self.reloads):
            if ambulances and r not in medical and others:
                index = manager.NodeToIndex(self.first_reload + j)
                routing.VehicleVar(index).RemoveValues(ambulances)

    def _trips(self, manager: Any, routing: Any, solution: Any) -> list[Trip]:
        """Each route cut at its reloads into trips: pickups, then the centre."""
        time_dim = routing.GetDimensionOrDie("time")
        counter: dict[tuple[str, str], int] = {}
        trips: list[Trip] = []
        for v, (depot, t) in enumerate(self.vehicles):
            index = routing.Start(v)
            if routing.IsEnd(solution.Value(routing.NextVar(index))):
                continue
            k = counter.get((depot, t), 0)
            counter[depot, t] = k + 1
            name, at = f"{depot}/{t}/{k}", depot
            current: list[Chunk] = []
            first = 0.0
            while not routing.IsEnd(index):
                node = manager.IndexToNode(index)
                if self.first_chunk <= node < self.first_reload:
                    if not current:
                        first = solution.Min(time_dim.CumulVar(index)) / SCALE + self.origin
                    current.append(self.chunks[node - self.first_chunk])
                elif (node >= self.first_reload or self.end <= node < self.first_chunk) and current:
                    r = self.place(node)
                    g0 = current[0].gathering
                    leg = self.peer.enter(at, g0)
                    assert leg is not None
                    k_in = leg.k
                    planned = first - self.peer.in_min(k_in, g0) - self.peer.ks[k_in].inward.service
                    trips.append(Trip(name, at, current, r, planned))
                    at, current = r, []
                index = solution.Value(routing.NextVar(index))
            node = manager.IndexToNode(index)  # the end: the last load alights there
            if current:
                g0 = current[0].gathering
                leg = self.peer.enter(at, g0)
                assert leg is not None
                planned = first - self.peer.in_min(leg.k, g0) - self.peer.ks[leg.k].inward.service
                trips.append(Trip(name, at, current, self.place(node), planned))
        return trips


def peer_plan(
    instance_raw: dict[str, Any], seconds: float = 30.0, seed: int = 1
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Solve the OR-Tools model for ``seconds`` and replay it; (plan, facts about the run)."""
    inst = parse_instance(instance_raw)
    peer = PeerRoads(inst)
    t0 = time.perf_counter()
    model = OrToolsModel(inst, peer)
    if model.n > MAX_NODES:
        plan = {"format": "cep-plan/1", "instance": inst.name, "routes": []}
        why = f"{model.n} nodes, more than {MAX_NODES}"
        return plan, {"trips_planned": 0, "trips_kept": 0, "solve_seconds": 0.0,
                      "nodes": model.n, "not_run": why}  # fmt: skip
    trips = model.solve(seconds, seed)
    return finish(inst, peer, trips, {"solve_seconds": time.perf_counter() - t0, "nodes": model.n})


if __name__ == "__main__":
    sys.exit(main(__doc__.splitlines()[0], peer_plan))
