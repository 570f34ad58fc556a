"""Greedy construction of a CEP plan with checkpoint lane reservations.

Vehicles are taken in the order they become free (an event queue). For the vehicle at hand
:func:`~corridor.planning.trips.best_trip` evaluates trips against the lane timelines without
changing anything, and the chosen one is committed (the CCRP idea of capacity reservations
over time). A first pass accepts only trips worth at least ``rho`` per minute of out-lane, so
the scarce out-crossings carry full buses; a second fills what is left, biggest vehicles first.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from time import monotonic
from typing import TYPE_CHECKING

import numpy as np

from corridor.planning.fleet import lane_trips
from corridor.planning.trips import best_trip

if TYPE_CHECKING:
    from corridor.planning.partial import PartialPlan

INF = math.inf
RUNNER_FIRST = 1e4  # minutes: fresh far runners come before every other vehicle


class OutOfTime(Exception):
    """A construction passed its deadline (only the improvement loop sets one)."""


@dataclass(frozen=True)
class ConstructionParams:
    """Parameters of one construction (the improvement search varies them).

    ``lam``: value per minute of vehicle time; ``mu``: value per minute of out-lane service;
    ``rho``: least value per minute of out-lane service a trip must bring in the first pass
    (the second pass fills what is left with any trip of positive value);
    ``candidates``: first gathering points tried per trip; ``max_stops``: gathering points per
    trip; ``noise``: relative noise on the preliminary score (diversifies restarts);
    ``slack``: how far out of out-crossing order a trip may be committed (in out-services);
    ``spread``: minutes a farther centre may cost while the out-lanes are booked anyway;
    ``ration``: fraction of the window over which the near centres' beds are released;
    ``back``: price of the drive back, relative to ``lam``; ``flat``: how much of a load's
    value above the lightest class counts (1: only heads count); ``far``: fraction of the window
    from its opening in which loads go to the centres farther than the mean while one of them
    has room (a vehicle that goes far early is back for more; the near beds are kept for
    short round trips later); ``runners``: share of the fleet that goes far once (``salt``
    picks which); ``late``: minutes added to the runners' place in the first queue (0: they
    take the first out-lane slots; more: they come after the vehicles that stay near, which
    then start their round trips early); ``margin``: minutes a runner's far trip must leave
    beyond the shortest zone visit after its return (boarding, queues), else it goes near;
    ``medics``: vehicles with stretchers take the first out-lane slots and any trip of
    theirs counts (where the fleet binds, their few heavy loads are worth the slots).
    """

    lam: float = 0.1
    mu: float = 0.3
    rho: float = 2.5
    candidates: int = 6
    max_stops: int = 3
    noise: float = 0.0
    slack: float = 1e6
    spread: float = 0.0
    ration: float = 0.7
    back: float = 0.0
    flat: float = 0.0
    far: float = 0.0
    runners: float = 0.0
    salt: float = 0.0
    medics: bool = False
    late: float = 0.0
    margin: float = 0.0

    def __post_init__(self) -> None:
        if min(self.lam, self.mu, self.rho, self.noise, self.slack, self.spread, self.ration,
               self.back, self.flat, self.far, self.late, self.margin) < 0:  # fmt: skip
            raise ValueError("every construction parameter must be >= 0")
        if self.candidates < 1 or self.max_stops < 1:
            raise ValueError("candidates and max_stops must be >= 1")

    def runner(self, vi: int) -> bool:
        """Whether vehicle ``vi`` is one of the ``runners`` share of the fleet (spread by the
        golden ratio from ``salt``) that take the first lane slots and go far once."""
        return self.runners > 0 and (vi * 0.6180339887 + self.salt) % 1.0 < self.runners


def construct(
    plan: PartialPlan,
    params: ConstructionParams,
    rng: np.random.Generator | None,
    deadline: float | None = None,
) -> None:
    """Valuable trips first, then anything that still fits, biggest vehicles first."""
    assign_trips(plan, params, rng, params.rho, deadline=deadline)
    # What is left goes to the biggest vehicles first: a slot an ambulance takes is a slot a
    # bus cannot.
    room = plan.data.seats + plan.data.stretchers
    for size in sorted(set(room.tolist()), reverse=True):
        only = {i for i in range(len(room)) if room[i] == size}
        assign_trips(plan, params, rng, 0.0, only, deadline)


def release(
    plan: PartialPlan,
    order: list[int],
    params: ConstructionParams,
    rng: np.random.Generator | None,
    deadline: float | None = None,
) -> None:
    """While the vehicle cap leaves room, let benched vehicles (in ``order``) take what is
    left."""
    for vi in order:
        if plan.data.cap is not None and plan.n_used >= plan.data.cap:
            return
        if vi in plan.benched:
            plan.benched.discard(vi)
            plan.fleet[vi].done = False
            assign_trips(plan, params, rng, 0.0, {vi}, deadline)


def assign_trips(
    plan: PartialPlan,
    params: ConstructionParams,
    rng: np.random.Generator | None,
    rho: float = 0.0,
    only: set[int] | None = None,
    deadline: float | None = None,
) -> None:
    """Give vehicles trips while a trip brings at least ``rho`` per minute of out-lane
    service; a vehicle without one retires.

    Trips are committed in the order of their out-crossings (earliest first), so the out-lanes
    fill from the front without leaving gaps: a queue holds each vehicle under a lower bound
    of its next out-crossing, the front vehicle's trip is evaluated, and it is committed only
    if it still crosses no later than the next bound in the queue."""
    d = plan.data
    order = rng.permutation(len(plan.fleet)) if rng is not None else range(len(plan.fleet))
    heap: list[tuple[float, int, int]] = []
    for rank, vi in enumerate(order):
        v = plan.fleet[vi]
        if not v.done and (only is None or int(vi) in only):
            key = v.ready if math.isfinite(v.ready) else -float(d.roads[vi].to_k[v.place].min())
            heap.append((key + _ahead(plan, params, int(vi)), rank, int(vi)))
    heapq.heapify(heap)
    stocked = _Stocked(plan, [vi for _, _, vi in heap])
    # How far out of order trips may be committed: a trade of speed against lane gaps.
    slack = params.slack * float(np.min(d.svc_out, initial=INF)) if len(d.svc_out) else 0.0
    # Fresh vehicles alike (type, depot, cargo, runner or not) for which nothing fitted: as
    # lanes, people and beds only get scarcer, nothing fits the next one either (on a city,
    # where the lanes bind, most of the fleet would otherwise be tried in vain, one by one).
    idle: set[tuple[object, ...]] = set()
    refused: dict[tuple[object, ...], int] = {}  # by kind: the commits when its trip was refused
    commits = 0
    while heap:
        if deadline is not None and monotonic() > deadline:
            raise OutOfTime
        _, rank, vi = heapq.heappop(heap)
        v = plan.fleet[vi]
        if stocked.defer(vi):
            heapq.heappush(heap, (DEFERRED + _ahead(plan, params, vi), rank, vi))
            continue
        if v.fresh and not plan.may_start(vi):
            v.done = True  # the vehicle cap is reached: it stays at its depot
            continue
        alike = (d.vehicles[vi].type, v.place, v.ready, v.cargo, params.runner(vi))
        if v.fresh and refused.get(alike) == commits:
            continue  # refused as its like was, the plan unchanged since (a fleet of 20,000)
        if (v.fresh and alike in idle) or not _may_get_out(plan, vi):
            v.done = True
            continue
        trip = best_trip(plan, vi, params, rng)
        if trip is None:
            # Nothing fits now, and lanes, people and beds only get scarcer: retire it.
            v.done = True
            if v.fresh:
                idle.add(alike)
            continue
        least = rho * float(d.svc_out[trip.k_out])
        if params.medics and d.stretchers[vi] > 0:
            least = 0.0
        if trip.value <= max(least, 0.0):
            if v.fresh and rng is None:  # no noise: its like gets this trip until a commit
                refused[alike] = commits
            continue
        if heap and trip.start_out > heap[0][0] + slack:
            heapq.heappush(heap, (trip.start_out, rank, vi))
            stocked.back(vi)
            continue
        plan.commit(vi, trip)
        commits += 1
        heapq.heappush(heap, (plan.fleet[vi].ready, rank, vi))


def _ahead(plan: PartialPlan, params: ConstructionParams, vi: int) -> float:
    """How much earlier in the queue a fresh vehicle comes: the far runners take the first
    out-lane slots, or (``late``) the next after the vehicles that stay near; with ``medics``
    the vehicles with stretchers come first of all."""
    if not plan.fleet[vi].fresh:
        return 0.0
    key = 0.0
    if params.runner(vi):
        key += params.late if params.late > 0 else -RUNNER_FIRST
    if params.medics and plan.data.stretchers[vi] > 0:
        key -= 2 * RUNNER_FIRST
    return key


#: The place in the queue of a fresh vehicle whose depot has no supplies left: after every
#: other fresh vehicle (their places are minus their drive to a checkpoint), before the
#: vehicles that have made a trip (their places are times in the window).
DEFERRED = -1e-9


class _Stocked:
    """Cargo leaves a depot only aboard that depot's vehicles. Where the fleet has more
    vehicles than the out-lanes can pass in the window, some stay at their depots whatever
    the plan: let them be the ones without cargo. A fresh vehicle whose depot has run out of
    supplies, while a fresh vehicle of its type still stands at a depot that has some, goes
    after that one (the million-person instance: 2,000 vehicles for about 1,200 crossings; the
    vehicles first in the queue took every slot and left 27% of the cargo that could go in
    behind). With fewer vehicles than crossings every vehicle is needed, and its place in the
    queue is what packs the lanes: the queue is left as it is. Each vehicle is put back once
    per pass, so the queue always moves on."""

    def __init__(self, plan: PartialPlan, queued: list[int]) -> None:
        d = plan.data
        self.plan = plan
        self.on = (
            d.inst.cargo_weight > 0
            and bool(plan.supplies.sum() > 0)
            and len(d.vehicles) > lane_trips(d)
        )
        self.fresh: dict[tuple[str, int], int] = {}
        self.deferred: set[int] = set()
        if self.on:
            for vi in queued:
                self.back(vi)

    def _key(self, vi: int) -> tuple[str, int]:
        d = self.plan.data
        return d.vehicles[vi].type, d.depot_of[vi]

    def back(self, vi: int) -> None:
        """``vi`` is (again) in the queue."""
        v = self.plan.fleet[vi]
        if self.on and v.fresh and self.plan.data.cargo_cap[vi] > v.cargo:
            key = self._key(vi)
            self.fresh[key] = self.fresh.get(key, 0) + 1

    def defer(self, vi: int) -> bool:
        """``vi`` leaves the queue; True when it should rather wait behind the others."""
        plan, v = self.plan, self.plan.fleet[vi]
        if not self.on or not v.fresh or plan.data.cargo_cap[vi] <= v.cargo:
            return False
        typ, depot = key = self._key(vi)
        self.fresh[key] -= 1
        if vi in self.deferred or plan.supplies[depot] > 0 or plan.needs.sum() <= 0:
            return False
        if not any(
            n > 0 and t == typ and plan.supplies[dep] > 0 for (t, dep), n in self.fresh.items()
        ):
            return False
        self.deferred.add(vi)
        self.back(vi)
        return True


def _may_get_out(plan: PartialPlan, vi: int) -> bool:
    """False when no out-lane can take vehicle ``vi`` before the close any more: its next
    out-crossing ends no earlier than its drive to the nearest checkpoint and the shortest
    zone visit (out-service included) after it is ready, and every lane is booked from then
    on. Such a vehicle has no trip left (the test costs far less than looking for one)."""
    d, v = plan.data, plan.fleet[vi]
    rd = d.roads[vi]
    earliest_end = v.ready + float(np.min(rd.to_k[v.place], initial=INF)) + rd.min_visit
    if not math.isfinite(earliest_end):
        return True  # not started yet, or no bound: look for a trip
    close = d.inst.close
    for lanes, service in zip(plan.lanes_out, d.svc_out_l, strict=True):
        start, _ = lanes.earliest(earliest_end - service)
        if start + service <= close + 1e-9:
            return True
    return False
