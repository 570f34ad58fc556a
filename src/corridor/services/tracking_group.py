"""A group of position reports advanced together: each vehicle's reports in their own time
order, the first report of every vehicle matched in one numpy pass, then the second, and so
on (a group from 300 vehicles reporting at once is one pass)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np

from corridor.routing.fleet import Fleet, Reports, States, advance_many
from corridor.routing.matching import state_at, states_of, thresholds

if TYPE_CHECKING:
    from corridor.domain.operations import PositionReport
    from corridor.domain.tracking import LiveParams, TrackState


def advance_group(
    routes: Fleet, index: dict[str, int], origin: dt.datetime, before: dict[str, TrackState],
    reports: list[PositionReport], params: LiveParams,
) -> dict[str, tuple[TrackState, PositionReport]]:  # fmt: skip
    """Each vehicle's state after its reports (``routes``: the plan's, vehicle ``v``'s at
    ``index[v]``; minutes from ``origin``), with the last report that made it; a report older
    than what is known of its vehicle changes nothing (it arrived late), and a vehicle none of
    whose reports changed anything is left out."""

    def minute(at: dt.datetime) -> float:
        return (at - origin).total_seconds() / 60

    queues: dict[str, list[tuple[float, PositionReport]]] = {}
    for r in reports:
        queues.setdefault(r.vehicle, []).append((minute(r.at), r))
    vehicles, rows = [], []
    for v, queue in queues.items():
        queue.sort(key=lambda q: q[0])
        known = before.get(v)
        if known is not None:
            queue = [q for q in queue if q[0] >= known.at_min]
        if queue:
            vehicles.append(v)
            rows.append(queue)
    if not vehicles:
        return {}
    states = states_of([before.get(v) for v in vehicles])
    route = np.asarray([index[v] for v in vehicles], dtype=np.int64)
    th = thresholds(params)
    depth = np.asarray([len(q) for q in rows])
    for j in range(int(depth.max())):
        k = np.flatnonzero(depth > j)
        batch = [rows[i][j] for i in k]
        step = Reports(
            route[k],
            np.asarray([m for m, _ in batch], dtype=np.float64),
            np.asarray([r.lon for _, r in batch], dtype=np.float64),
            np.asarray([r.lat for _, r in batch], dtype=np.float64),
            np.asarray(
                [np.nan if r.speed_kmh is None else r.speed_kmh for _, r in batch],
                dtype=np.float64,
            ),
        )
        states = _put(states, k, advance_many(routes, _take(states, k), step, th))
    out = {}
    for i, v in enumerate(vehicles):
        last = rows[i][-1][1]
        out[v] = (state_at(states, i, last.speed_kmh), last)
    return out


def _take(s: States, k: np.ndarray) -> States:
    if len(k) == len(s.has):
        return s
    return States(*(getattr(s, f)[k] for f in s.__dataclass_fields__))


def _put(s: States, k: np.ndarray, new: States) -> States:
    if len(k) == len(s.has):
        return new
    fields = []
    for f in s.__dataclass_fields__:
        whole = getattr(s, f).copy()
        whole[k] = getattr(new, f)
        fields.append(whole)
    return States(*fields)
