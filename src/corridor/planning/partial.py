"""A plan being built: :class:`PartialPlan` holds what is left (people, cargo, beds), the lane
timelines and where each vehicle is, and applies a chosen trip (:meth:`PartialPlan.commit`):
it reserves the lane time, takes the people and cargo off the books and writes the stops.

Trips are *evaluated* elsewhere (:mod:`corridor.planning.trips`) without changing anything
here; a plan is changed only by committing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from corridor.planning.lanes import LaneTimeline

if TYPE_CHECKING:
    from corridor.planning.problem import ProblemData
    from corridor.planning.travel import Side
    from corridor.planning.trips import Trip

IntArray = npt.NDArray[np.int64]
INF = math.inf


@dataclass
class VehicleState:
    """Where a vehicle is (outside, nobody aboard) and from when it may move on."""

    place: int  # outside index
    ready: float  # -inf: not yet started, may leave its depot whenever it likes
    cargo: float = 0.0
    stops: list[dict[str, Any]] = field(default_factory=list)
    fresh: bool = True  # nothing emitted yet: its first stop (the depot) is still to be written
    done: bool = False
    held: dict[str, Any] | None = None  # a replan holds it inside the zone (no road out)


class PartialPlan:
    """The mutable state of one construction: what is left, the lanes and the vehicles."""

    def __init__(self, data: ProblemData) -> None:
        inst = data.inst
        self.data = data
        self.people = np.array(
            [[g.people.get(c, 0) for c in data.classes] for g in inst.gathering], dtype=np.int64
        ).reshape(len(inst.gathering), len(data.classes))
        self.needs = np.array([g.needs_kg for g in inst.gathering], dtype=float)
        self.supplies = np.array([d.supplies_kg for d in inst.depots], dtype=float)
        self.capacity = np.array([r.capacity for r in inst.receptions], dtype=float)
        self.capacity0 = self.capacity.copy()
        self.lanes_in = [LaneTimeline(k.inward.lanes, k.inward.service) for k in inst.checkpoints]
        self.lanes_out = [
            LaneTimeline(k.outward.lanes, k.outward.service) for k in inst.checkpoints
        ]
        # parallel to data.vehicles
        self.fleet = [VehicleState(data.d_out[v.depot], -INF) for v in data.vehicles]
        for vi in data.excluded:
            self.fleet[vi].done = True
        self.n_used = 0  # vehicles that have left their depot
        self.benched: set[int] = set()  # held back by the fleet choice (see bench)

    def clone(self) -> PartialPlan:
        other = PartialPlan.__new__(PartialPlan)
        other.data = self.data
        other.people = self.people.copy()
        other.needs = self.needs.copy()
        other.supplies = self.supplies.copy()
        other.capacity = self.capacity.copy()
        other.capacity0 = self.capacity0
        other.lanes_in = [t.copy() for t in self.lanes_in]
        other.lanes_out = [t.copy() for t in self.lanes_out]
        other.fleet = [
            VehicleState(v.place, v.ready, v.cargo, list(v.stops), v.fresh, v.done, v.held)
            for v in self.fleet
        ]
        other.n_used = self.n_used
        other.benched = set(self.benched)
        return other

    def routes(self) -> list[dict[str, Any]]:
        """The routes as plan JSON (plain floats), vehicles that never moved or are held
        (:meth:`held_vehicles`) left out."""
        for v in self.fleet:
            for stop in v.stops:
                for key, val in stop.items():
                    if isinstance(val, np.floating):
                        stop[key] = float(val)
        return [
            {"vehicle": v.name, "stops": s.stops}
            for v, s in zip(self.data.vehicles, self.fleet, strict=True)
            if len(s.stops) > 1 and s.held is None
        ]

    def held_vehicles(self) -> list[dict[str, Any]]:
        """The vehicles a replan holds where they are (see :mod:`corridor.planning.replan`)."""
        return [v.held for v in self.fleet if v.held is not None]

    def score(self) -> float:
        """The score of everything done so far, by the format's formula."""
        d, inst = self.data, self.data.inst
        people0 = np.array(
            [[g.people.get(c, 0) for c in d.classes] for g in inst.gathering], dtype=np.int64
        ).reshape(self.people.shape)
        needs0 = np.array([g.needs_kg for g in inst.gathering], dtype=float)
        taken = (people0 - self.people).sum(axis=0)
        cargo = np.minimum(needs0, np.maximum(needs0 - self.needs, 0.0)).sum()
        return float(taken @ d.weight + inst.cargo_weight * cargo)

    # ------------------------------------------------------------------ the fleet choice

    def may_start(self, vi: int) -> bool:
        """Whether vehicle ``vi``, still at its depot, may leave it under the vehicle cap: the
        pinned vehicles that have not started keep their places."""
        cap = self.data.cap
        if cap is None:
            return True
        if vi in self.data.pinned:
            return self.n_used < cap
        waiting = sum(1 for p in self.data.pinned if self.fleet[p].fresh and not self.fleet[p].done)
        return self.n_used + waiting < cap

    def bench(self, chosen: set[int]) -> None:
        """Hold back every vehicle at its depot that is not ``chosen`` (nor pinned)."""
        for vi, v in enumerate(self.fleet):
            if v.fresh and not v.done and vi not in chosen and vi not in self.data.pinned:
                v.done = True
                self.benched.add(vi)

    # ------------------------------------------------------------------ commitment

    def commit(self, vi: int, trip: Trip) -> None:
        """Apply ``trip``: reserve its lane time, take people and cargo, write its stops."""
        d, v, rd = self.data, self.fleet[vi], self.data.roads[vi]
        stops = v.stops
        to_k = float(rd.to_k[v.place, trip.k_in])
        if v.fresh:
            self.n_used += 1
            depart = trip.start_in - to_k  # leaves its depot just in time for its crossing
            self._leave_depot(v, trip, depart)
            arrive_in = trip.start_in
            v.fresh = False
        else:
            depart = trip.leave
            arrive_in = depart + to_k
        v.cargo += trip.load_kg
        drive_stops(rd.drives.outside, v.place, int(d.k_out[trip.k_in]), depart, stops)
        end_in = trip.start_in + float(d.svc_in[trip.k_in])
        self.lanes_in[trip.k_in].reserve(trip.lane_in, trip.start_in, end_in)
        stops.append({"at": d.k_ids[trip.k_in], "dir": "in", "arrive": arrive_in,
                      "start": trip.start_in, "end": end_in})  # fmt: skip
        aboard, here, leave = self._visit(vi, trip, int(d.k_in[trip.k_in]), end_in)
        drive_stops(rd.drives.inside, here, int(d.k_in[trip.k_out]), leave, stops)
        end_out = trip.start_out + float(d.svc_out[trip.k_out])
        self.lanes_out[trip.k_out].reserve(trip.lane_out, trip.start_out, end_out)
        stops.append({"at": d.k_ids[trip.k_out], "dir": "out", "arrive": trip.arrive_out,
                      "start": trip.start_out, "end": end_out})  # fmt: skip
        r_place = int(d.r_out[trip.reception])
        drive_stops(rd.drives.outside, int(d.k_out[trip.k_out]), r_place, end_out, stops)
        stop: dict[str, Any] = {
            "at": d.r_ids[trip.reception],
            "arrive": float(trip.arrive_r),
            "depart": float(trip.depart_r),
        }
        alight = {d.classes[c]: int(n) for c, n in enumerate(aboard) if n > 0}
        if alight:
            stop["alight"] = alight
        stops.append(stop)
        self.capacity[trip.reception] -= int(aboard.sum())
        v.place, v.ready = r_place, trip.depart_r

    def _leave_depot(self, v: VehicleState, trip: Trip, depart: float) -> None:
        """The vehicle's first stop, at its depot (loading cargo there if the trip takes any)."""
        d = self.data
        at = d.inst.outside_ids[v.place]
        if trip.load_kg > 0:
            d_ix = next(i for i, dep in enumerate(d.d_ids) if d.d_out[dep] == v.place)
            self.supplies[d_ix] -= trip.load_kg
            v.stops.append({"at": at, "arrive": depart - d.inst.stop_fixed, "depart": depart,
                            "load_kg": trip.load_kg})  # fmt: skip
        else:
            v.stops.append({"at": at, "arrive": depart, "depart": depart})

    def _visit(self, vi: int, trip: Trip, here: int, leave: float) -> tuple[IntArray, int, float]:
        """The trip's stops inside the zone: who boards, what is unloaded. Returns who is
        aboard, and where and when the vehicle leaves the last stop."""
        d, v = self.data, self.fleet[vi]
        inside = d.roads[vi].drives.inside
        aboard = np.zeros(len(d.classes), dtype=np.int64)
        for g, take, unload, arrive, dep in trip.visits:
            drive_stops(inside, here, int(d.g_in[g]), leave, v.stops)
            stop: dict[str, Any] = {"at": d.g_ids[g], "arrive": arrive, "depart": dep}
            board = {d.classes[c]: int(n) for c, n in enumerate(take) if n > 0}
            if board:
                stop["board"] = board
            if unload > 0:
                stop["unload_kg"] = unload
                self.needs[g] -= unload
                v.cargo -= unload
            v.stops.append(stop)
            self.people[g] -= take
            aboard += take
            here, leave = int(d.g_in[g]), dep
        return aboard, here, leave


def drive_stops(side: Side, i: int, j: int, leave: float, stops: list[dict[str, Any]]) -> None:
    """Append the pass-through stops of the quickest drive from ``i`` to ``j``."""
    if i == j:
        return
    path = side.path(i, j)
    t = leave
    for a, b in pairwise(path[:-1]):
        t += float(side.direct[a, b])
        stops.append({"at": side.ids[b], "arrive": t, "depart": t})
