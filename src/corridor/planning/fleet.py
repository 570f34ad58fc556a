"""Which vehicles to use when an agreed limit (``max_vehicles``) is below the fleet.

A vehicle's worth is estimated as the people it could bring out: its seats and stretcher
places times the round trips that fit in the window on its own roads, filled with the heaviest
classes still waiting, within what the checkpoints' out-lanes can pass in the window.
:func:`rank_vehicles` orders the vehicles greedily by that marginal worth (big buses before
two-seat trucks while seats are what is missing, then ambulances for the stretcher cases);
the construction takes them in that order and the improvement search swaps vehicles in and out
of the chosen fleet (:func:`swap_one`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from corridor.planning.partial import PartialPlan
    from corridor.planning.problem import ProblemData

INF = math.inf


def round_trips(data: ProblemData, vi: int) -> float:
    """About how many loads vehicle ``vi`` can bring out in the window (0 if none)."""
    inst, rd = data.inst, data.roads[vi]
    room = int(data.seats[vi] + data.stretchers[vi])
    span = inst.close - inst.open
    pp, fixed = inst.stop_per_person, inst.stop_fixed
    depot = data.d_out[data.vehicles[vi].depot]
    if room <= 0 or not np.isfinite(rd.to_k[depot]).any() or not math.isfinite(rd.min_visit):
        return 0.0
    with np.errstate(invalid="ignore"):
        turn = float(np.min(rd.k_to_r + rd.r_back[None, :], initial=INF)) + fixed
    first = rd.min_visit + pp * room
    if first > span:
        return 0.0
    if not math.isfinite(turn):
        return 1.0
    cycle = first + turn + pp * room
    return 1.0 + math.floor((span - first) / max(cycle, 1e-9))


def lane_trips(data: ProblemData) -> float:
    """How many crossings the out-lanes can pass in the window, in all."""
    span = data.inst.close - data.inst.open
    total = 0.0
    for lanes, service in zip(data.lanes_out, data.svc_out.tolist(), strict=True):
        if lanes > 0:
            total += INF if service <= 0 else lanes * (1.0 + math.floor(span / service))
    return total


def fleet_binds(data: ProblemData) -> bool:
    """Whether the vehicles, on their quickest round trips, could not fill the out-lanes
    twice over in the window (gen-20: 222 loads for 140 crossings; medium, gen-60 and large:
    2.2 to 2.9 times the crossings): then vehicle time, not the lanes, is what is short, and
    the shape of each vehicle's day (near round trips, or one far trip early) decides."""
    loads = sum(round_trips(data, vi) for vi in range(len(data.vehicles)))
    return loads < 2.0 * lane_trips(data)


def _fill(weights: list[float], left: list[float], slots: float, classes: list[int]) -> float:
    """The weighted people ``slots`` places take, heaviest first, from ``left`` (in place)."""
    value = 0.0
    for c in classes:
        take = min(left[c], slots)
        left[c] -= take
        slots -= take
        value += weights[c] * take
        if slots <= 0:
            break
    return value


def rank_vehicles(
    data: ProblemData, b: PartialPlan, rng: np.random.Generator | None = None, noise: float = 0.0
) -> list[int]:
    """The vehicles still at their depot (and not excluded), best first (see the module
    docstring). ``noise`` (relative) perturbs the estimates for the search."""
    w = data
    people = b.people.sum(axis=0).astype(float).tolist()
    weights = w.weight.tolist()
    seated = [c for c in w.order if not w.stretcher[c]]
    lying = [c for c in w.order if w.stretcher[c]]
    crossings = lane_trips(w) - sum(_trips_done(v.stops) for v in b.fleet)
    # Vehicles of one depot and type are alike: rank groups, take one vehicle at a time.
    groups: dict[tuple[str, str], list[int]] = {}
    for vi, v in enumerate(b.fleet):
        if v.fresh and vi not in w.excluded:
            veh = w.vehicles[vi]
            groups.setdefault((veh.depot, veh.type), []).append(vi)
    trips = {key: round_trips(w, members[0]) for key, members in groups.items()}
    order: list[int] = []
    while groups:
        best_key, best_value, best_left = None, -INF, people
        for key, members in groups.items():
            vi = members[0]
            n = min(trips[key], max(crossings, 0.0))
            left = list(people)
            value = _fill(weights, left, n * float(w.stretchers[vi]), lying)
            value += _fill(weights, left, n * float(w.seats[vi]), seated)
            # Ties (nothing left to carry) go to the bigger vehicle.
            value += 1e-6 * n * float(w.seats[vi] + w.stretchers[vi])
            if noise > 0 and rng is not None:
                value *= 1.0 + noise * float(rng.standard_normal())
            if value > best_value:
                best_key, best_value, best_left = key, value, left
        assert best_key is not None
        order.append(groups[best_key].pop(0))
        crossings -= trips[best_key]
        people = best_left
        if not groups[best_key]:
            del groups[best_key]
    return order


def _trips_done(stops: list[dict[str, object]]) -> int:
    return sum(1 for s in stops if s.get("dir") == "out")


def choose(data: ProblemData, b: PartialPlan, order: list[int]) -> set[int]:
    """The first vehicles of ``order`` that fill the cap (with the pinned and the started)."""
    if data.cap is None:
        return set(order)
    room = data.cap - b.n_used - sum(1 for p in data.pinned if b.fleet[p].fresh)
    picked = [vi for vi in order if vi not in data.pinned][: max(room, 0)]
    return set(picked)


def swap_one(
    data: ProblemData, used: set[int], free: list[int], rng: np.random.Generator
) -> tuple[int, int] | None:
    """A random move of the fleet choice: one used vehicle (not pinned) out, one of another
    depot or type in; None when there is nothing to swap."""
    out_of = sorted(vi for vi in used if vi not in data.pinned)
    if not out_of or not free:
        return None
    out = out_of[int(rng.integers(len(out_of)))]
    kind = (data.vehicles[out].depot, data.vehicles[out].type)
    other = [vi for vi in free if (data.vehicles[vi].depot, data.vehicles[vi].type) != kind]
    if not other:
        return None
    return out, other[int(rng.integers(len(other)))]
