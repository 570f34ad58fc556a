"""Loads wait outside the zone, empty, not in the out-lane queue with people aboard.

The construction takes a vehicle into the zone at the earliest free in-lane slot and lets it
queue at the out-lanes for as long as they are booked: on medium a bus with fifty people
aboard waited over four hours at a checkpoint, an ambulance with its stretcher cases eight.
:func:`board_late` re-times each zone visit so that the vehicle waits before its in-crossing
instead (outside the zone, nobody aboard who boarded in it) and reaches its out-lane
``ahead`` minutes before its slot (``BUFFER`` unless told); and it waits at the place it
leaves for the crossing (its depot, the reception centre where it set its last load down)
rather than at the checkpoint, coming ``ahead`` minutes before its in-crossing. Nothing else
changes: the same out-crossings, stops, loads, centres and score. An in-crossing moves only
to a time its in-lanes have free, so where they are busy the visit moves less, or not at all.
"""

from __future__ import annotations

import copy
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corridor.planning.instance import Instance

INF = math.inf

#: Minutes a re-timed visit still reaches its out-lane before its slot, so that a visit that
#: runs late keeps it. On medium, 200 simulated days (`corridor simulate --runs 200`) see on
#: average 342 people late with the plan as the search left it, 349 with 30 minutes and 365
#: with 10; the longest wait aboard at an out-lane is then 40 minutes instead of 8 hours.
BUFFER = 30.0

#: Waits shorter than this are left as they are (not worth a new time on a trip sheet).
LEAST_MOVE = 1.0

Stop = dict[str, Any]


def board_late(
    inst: Instance, routes: list[dict[str, Any]], after: float = -INF, ahead: float = BUFFER
) -> list[dict[str, Any]]:
    """A copy of ``routes`` with each zone visit that queues at its out-lane moved later, so
    that it reaches the lane ``ahead`` minutes before its slot (see the module docstring);
    visits whose in-crossing starts at or before ``after`` (a replan's ``now``: they have
    started) stay as they are.

    >>> from corridor.adapters.cep_files import load_instance
    >>> inst = load_instance("data/cep/tiny.json")
    >>> board_late(inst, []) == []
    True
    """
    out = copy.deepcopy(routes)
    lanes = {k.id: k.inward.lanes for k in inst.checkpoints}
    ins: dict[str, list[Stop]] = {}
    for route in out:
        for stop in route["stops"]:
            if stop.get("dir") == "in":
                ins.setdefault(stop["at"], []).append(stop)
    for route in out:
        stops = route["stops"]
        for i, stop in enumerate(stops):
            if stop.get("dir") != "in" or stop["start"] <= after:
                continue
            j = next((j for j in range(i + 1, len(stops)) if "dir" in stops[j]), None)
            if j is None or stops[j]["dir"] != "out":
                continue
            wait = float(stops[j]["start"]) - float(stops[j]["arrive"]) - ahead
            if wait < LEAST_MOVE:
                continue
            shift = _free_shift(stop, ins[stop["at"]], lanes[stop["at"]], wait)
            if shift >= LEAST_MOVE:
                stop["start"] += shift
                stop["end"] += shift
                for inside in stops[i + 1 : j]:
                    inside["arrive"] += shift
                    inside["depart"] += shift
                stops[j]["arrive"] += shift
            _leave_later(stops, i, after, ahead)
    return out


def _leave_later(stops: list[Stop], i: int, after: float, ahead: float) -> None:
    """The vehicle waits where it was (its depot or the reception centre it left) and comes
    to in-crossing ``i`` ``ahead`` minutes before it, not hours before at the checkpoint."""
    prev, stop = stops[i - 1], stops[i]
    if i == 0 or "dir" in prev or float(prev["depart"]) <= after:
        return
    idle = float(stop["start"]) - float(stop["arrive"]) - ahead
    if idle >= LEAST_MOVE:
        prev["depart"] += idle
        stop["arrive"] += idle


def _free_shift(stop: Stop, same: list[Stop], lanes: int, most: float) -> float:
    """The largest shift in [0, most] that keeps ``stop``'s crossing where fewer than
    ``lanes`` other crossings of its checkpoint are in service at any instant."""
    start, end = float(stop["start"]), float(stop["end"])
    near = [
        (float(o["start"]), float(o["end"]))
        for o in same
        if o is not stop and float(o["end"]) > start and float(o["start"]) < end + most
    ]
    tries = {most}
    for b, e in near:  # our start at another's end, or our end at another's start
        for d in (e - start, b - end):
            if 0.0 <= d <= most:
                tries.add(d)
    for d in sorted(tries, reverse=True):
        if _fits(start + d, end + d, near, lanes):
            return d
    return 0.0


def _fits(lo: float, hi: float, others: list[tuple[float, float]], lanes: int) -> bool:
    """Whether fewer than ``lanes`` of ``others`` are in service at every instant of [lo, hi)."""
    events = []
    for b, e in others:
        if e > lo and b < hi:
            events.append((max(b, lo), 1))
            events.append((min(e, hi), -1))
    events.sort(key=lambda ev: (ev[0], ev[1]))  # an end before a start at the same instant
    busy = 0
    for _, step in events:
        busy += step
        if busy >= lanes:
            return False
    return True
