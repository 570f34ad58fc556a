"""Many position reports matched at once, each to its own vehicle's planned route.

The routes of a plan are laid end to end in one set of arrays (segment ``i`` of route ``r`` at
index ``base[r] + i``); route ``r``'s distances along are keyed ``along + r * KEY``, so one
sorted array finds every report's window of segments with a single ``searchsorted``. A report
is then measured against each segment of its window in one numpy pass, however many vehicles
the reports are about. :func:`corridor.routing.matching.advance` is this, for one report.

Which point a report is at where a route passes a road more than once, or with no state yet (a
first report, or the first on a new version): docs/live.md ("Watch"); below, in numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

EARTH_M_PER_DEG = 111_320.0
#: How far back along the route a match may go from the last one (position noise), metres.
BACK_M = 30.0
#: Two points of the route this close in distance to a first report are equally good.
TIE_M = 25.0
#: How far ahead of the last match a report is looked for after just ahead (then everywhere).
AHEAD_M = 6000.0
#: Metres of distance a minute of inconsistency with the vehicle's lateness weighs.
TIME_M_PER_MIN = 100.0
#: A point of the route the plan has the vehicle at this much later (minutes) than it would be
#: there keeping its lateness is not taken for where it is.
JUMP_MIN = 20.0
#: A match in that window this far (minutes) from the expected plan's time is doubted:
#: the whole rest of the route is searched too.
CONSISTENT_MIN = 15.0
#: How far ahead a vehicle with a state is looked for at first, metres; a match there this
#: far (minutes) from the expected plan's time or more, or farther than ``QUICK_NEAR_M`` from
#: the report, is doubted (the next window is searched).
QUICK_M, QUICK_MIN, QUICK_NEAR_M = 500.0, 2.0, 50.0
#: The windows searched in turn (metres ahead, minutes and metres of doubt): a report is
#: matched in the first where a point within reach is consistent with the vehicle's lateness.
STAGES = ((QUICK_M, QUICK_MIN, QUICK_NEAR_M), (AHEAD_M, CONSISTENT_MIN, np.inf), (np.inf,) * 3)
#: Keys of route r's distances along start at r * KEY (longer than any route, in metres).
KEY = 1e9


class Line(Protocol):
    """What :class:`Fleet` reads of a route (:class:`corridor.routing.matching.RouteLine`)."""

    @property
    def lon0(self) -> float: ...

    @property
    def lat0(self) -> float: ...

    @property
    def x(self) -> FloatArray: ...

    @property
    def y(self) -> FloatArray: ...

    @property
    def along(self) -> FloatArray: ...

    @property
    def arrive(self) -> FloatArray: ...

    @property
    def leave(self) -> FloatArray: ...

    @property
    def leg(self) -> IntArray: ...

    @property
    def stop_at(self) -> FloatArray: ...

    @property
    def stop_leave(self) -> FloatArray: ...

    @property
    def stop_arrive(self) -> FloatArray: ...


@dataclass(frozen=True, eq=False)
class Fleet:
    """Routes laid end to end; per vertex ``i`` the segment from it to ``i + 1`` (zero at a
    route's last vertex, never in a window)."""

    base: IntArray
    end: IntArray
    lon0: FloatArray
    lat0: FloatArray
    kx: FloatArray
    length: FloatArray
    key: FloatArray
    x: FloatArray
    y: FloatArray
    dx: FloatArray
    dy: FloatArray
    seg: FloatArray
    along: FloatArray
    arrive: FloatArray
    leave: FloatArray
    arrive_next: FloatArray
    leave_next: FloatArray
    leg: IntArray
    stop_base: IntArray
    stop_count: IntArray
    stop_at: FloatArray
    stop_leave: FloatArray
    stop_arrive: FloatArray
    #: Per vertex, the nearest of its route's stops along it (an index of ``stop_at``).
    stop_near: IntArray


def _nearest_stop(along: FloatArray, stop_at: FloatArray) -> IntArray:
    """Per distance along, the index of the nearest of ``stop_at`` (in route order)."""
    i = np.clip(np.searchsorted(stop_at, along), 1, max(1, len(stop_at) - 1))
    before, after = stop_at[i - 1], stop_at[np.minimum(i, len(stop_at) - 1)]
    return np.where(np.abs(along - before) <= np.abs(after - along), i - 1, i).astype(np.int64)


def fleet(lines: Sequence[Line]) -> Fleet:
    """The routes ``lines`` laid end to end (route ``r`` is ``lines[r]``)."""
    sizes = np.asarray([len(ln.x) for ln in lines], dtype=np.int64)
    base = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)

    def cat(parts: list[FloatArray]) -> FloatArray:
        return np.concatenate(parts) if parts else np.zeros(0)

    def pad(a: FloatArray) -> FloatArray:
        return np.concatenate([a, [0.0]])

    def ints(parts: list[IntArray]) -> IntArray:
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)

    x, y = cat([ln.x for ln in lines]), cat([ln.y for ln in lines])
    along = cat([ln.along for ln in lines])
    nstops = np.asarray([len(ln.stop_at) for ln in lines], dtype=np.int64)
    lat0 = np.asarray([ln.lat0 for ln in lines], dtype=np.float64)
    first = np.concatenate([[0], np.cumsum(nstops)[:-1]]).astype(np.int64)
    return Fleet(
        base=base,
        end=base + sizes - 1,
        lon0=np.asarray([ln.lon0 for ln in lines], dtype=np.float64),
        lat0=lat0,
        kx=EARTH_M_PER_DEG * np.cos(np.radians(lat0)),
        length=np.asarray([float(ln.along[-1]) for ln in lines], dtype=np.float64),
        key=cat([ln.along + r * KEY for r, ln in enumerate(lines)]),
        x=x,
        y=y,
        dx=cat([pad(np.diff(ln.x)) for ln in lines]),
        dy=cat([pad(np.diff(ln.y)) for ln in lines]),
        seg=cat([pad(np.diff(ln.along)) for ln in lines]),
        along=along,
        arrive=cat([ln.arrive for ln in lines]),
        leave=cat([ln.leave for ln in lines]),
        arrive_next=cat([pad(ln.arrive[1:]) for ln in lines]),
        leave_next=cat([pad(ln.leave[1:]) for ln in lines]),
        leg=ints([np.concatenate([ln.leg, ln.leg[-1:]])[: len(ln.x)] for ln in lines]),
        stop_base=first,
        stop_count=nstops,
        stop_at=cat([ln.stop_at for ln in lines]),
        stop_leave=cat([ln.stop_leave for ln in lines]),
        stop_arrive=cat([ln.stop_arrive for ln in lines]),
        stop_near=ints(
            [_nearest_stop(ln.along, ln.stop_at) + first[r] for r, ln in enumerate(lines)]
        ),
    )


@dataclass(frozen=True)
class Matches:
    """Per report: metres off the route, metres along it, the leg, the plan's minute there
    (the planned departure, at a stop) and the stop it is at (-1: none)."""

    off_route_m: FloatArray
    along_m: FloatArray
    leg: IntArray
    planned_min: FloatArray
    at_stop: IntArray


def project(f: Fleet, r: IntArray, lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, ...]:
    """Positions in the metric frame of each one's route."""
    return (lon - f.lon0[r]) * f.kx[r], (lat - f.lat0[r]) * EARTH_M_PER_DEG


def match_many(
    f: Fleet, r: IntArray, lon: FloatArray, lat: FloatArray, since: FloatArray,
    expect: FloatArray, near_m: float, at_min: FloatArray | None = None,
) -> Matches:  # fmt: skip
    """Match report ``k`` (at ``lon[k], lat[k]``) to route ``r[k]``, never back by more than
    :data:`BACK_M` from ``since[k]``; ``expect[k]`` is the plan's minute the vehicle would be
    at keeping its lateness (NaN: no state yet), ``at_min[k]`` the report's own minute (read
    for a vehicle with no state; None or NaN: not known)."""
    at = np.full(len(r), np.nan) if at_min is None else at_min
    px, py = project(f, r, lon, lat)
    off = r * KEY
    lo = np.maximum(np.searchsorted(f.key, since - BACK_M + off, side="right") - 1, f.base[r])
    # The leg of the last match: anywhere along it is consistent with the vehicle's lateness.
    here = np.searchsorted(f.key, since + off, side="right") - 1
    leg0 = f.leg[np.clip(here, f.base[r], np.maximum(f.end[r] - 1, f.base[r]))]
    pick = np.zeros(len(r), dtype=np.int64)
    dist, t = np.zeros(len(r)), np.zeros(len(r))
    # A vehicle with a state first looks just ahead, and a report in doubt further; one
    # without looks along the whole route at once (a first report may be anywhere on it).
    todo = np.flatnonzero(~np.isnan(expect))
    fresh = np.flatnonzero(np.isnan(expect))
    for stage, (ahead, tolerance, close_m) in enumerate(STAGES):
        k = todo
        if stage == len(STAGES) - 1 and len(fresh):
            k = np.sort(np.concatenate([todo, fresh]))
        if len(k):
            ends = f.end[r[k]]
            hi = ends
            if np.isfinite(ahead):
                hi = np.searchsorted(f.key, since[k] + ahead + off[k], side="right")
                hi = np.minimum(np.maximum(hi, lo[k] + 1), ends)
            chosen = _choose(
                f, lo[k], hi, ends, px[k], py[k], since[k], expect[k], at[k], leg0[k], near_m,
                tolerance,
            )  # fmt: skip
            chosen[3][chosen[1] > close_m] = True
            pick[k], dist[k], t[k] = chosen[:3]
            todo = k[chosen[3]]
    a = f.along[pick] + t * f.seg[pick]
    planned = f.leave[pick] + t * (f.arrive_next[pick] - f.leave[pick])
    at_stop = _stop_near(f, r, a)
    # Of stops at one place along (a replan's crossing where it stands): the first not left yet.
    while True:
        s, nxt = f.stop_base[r] + at_stop, np.minimum(at_stop + 1, f.stop_count[r] - 1)
        on = (nxt > at_stop) & (f.stop_at[f.stop_base[r] + nxt] <= f.stop_at[s] + 1e-6)
        if not (on := on & (f.stop_leave[s] < at)).any():
            break
        at_stop = np.where(on, nxt, at_stop)
    gap = np.abs(f.stop_at[s] - a)
    here = (gap <= near_m) & (dist <= near_m)
    waiting = here & (a >= f.stop_at[s] - near_m)
    planned = np.where(waiting, f.stop_leave[s], planned)
    return Matches(dist, a, f.leg[pick], planned, np.where(here, at_stop, -1))


def _stop_near(f: Fleet, r: IntArray, a: FloatArray) -> IntArray:
    """Per report, its route's stop nearest in distance along (the first, on a tie)."""
    n = f.stop_count[r]
    rep = np.repeat(np.arange(len(r)), n)
    first = np.cumsum(n) - n
    local = np.arange(int(n.sum())) - first[rep]
    gap = np.abs(f.stop_at[f.stop_base[r][rep] + local] - a[rep])
    least = np.minimum.reduceat(gap, first)
    return local[_first_where(gap == least[rep], rep, len(r))]


def _choose(
    f: Fleet, lo: IntArray, hi: IntArray, end: IntArray, px: FloatArray, py: FloatArray,
    since: FloatArray, expect: FloatArray, at: FloatArray, leg0: IntArray, near_m: float,
    tolerance: float,
) -> tuple[IntArray, FloatArray, FloatArray, BoolArray]:  # fmt: skip
    """Per report, among segments ``lo..hi-1`` (``end``: its route's end): the segment, the
    distance and the fraction of the point chosen, and whether it is in doubt (not within
    reach, not consistent within ``tolerance`` minutes, or at the window's far end)."""
    cnt = hi - lo
    rep = np.repeat(np.arange(len(lo)), cnt)
    first = np.cumsum(cnt) - cnt
    idx = np.arange(int(cnt.sum())) - first[rep] + lo[rep]
    x0, y0, dx, dy, seg = f.x[idx], f.y[idx], f.dx[idx], f.dy[idx], f.seg[idx]
    qx, qy = px[rep], py[rep]
    ll = seg * seg
    t = ((qx - x0) * dx + (qy - y0) * dy) / np.where(ll > 0, ll, 1.0)
    # Never a point behind the last match (by more than the noise allowed).
    floor = (since[rep] - BACK_M - f.along[idx]) / np.where(seg > 0, seg, 1.0)
    t = np.clip(np.maximum(t, floor), 0.0, 1.0)
    d = np.hypot(x0 + t * dx - qx, y0 + t * dy - qy)
    near = d <= near_m
    if near.any():
        # A point the plan has the vehicle at much later than it would be there is not where
        # it is (a detour passing by a later part of its route): not within reach.
        k = np.flatnonzero(near)
        i, tt, e = idx[k], t[k], expect[rep[k]]
        early = np.where(tt <= 0.0, f.arrive[i], f.leave[i] + tt * (f.arrive_next[i] - f.leave[i]))
        same = f.leg[i] == leg0[rep[k]]  # its own leg: never a jump
        jump = k[(early - e > JUMP_MIN) & ~same]  # (NaN: no state yet, never a jump)
        if len(jump):
            near[jump] = False
            d[jump] = np.maximum(d[jump], np.nextafter(near_m, np.inf))
    # Nothing within reach: the nearest point (the first of equals).
    pair = _first_where(d == np.minimum.reduceat(d, first)[rep], rep, len(lo))
    doubt = np.ones(len(lo), dtype=bool)
    if near.any():
        own = f.leg[idx] == leg0[rep]
        chosen, ok = _best_stretch(f, idx, rep, d, t, near, expect, at, own, tolerance, near_m)
        has = chosen >= 0
        pair[has] = chosen[has]
        doubt = ~ok
    # A point at the far end of a window may have a nearer one just past it.
    seg_at, t_at = idx[pair], t[pair]
    doubt |= (seg_at == hi - 1) & (t_at >= 1.0) & (hi < end)
    return seg_at, d[pair], t_at, doubt


def _first_where(mask: BoolArray, rep: IntArray, n: int) -> IntArray:
    """Per report (``rep``, in order), the first pair where ``mask`` holds (-1: none)."""
    pos = np.flatnonzero(mask)
    who = rep[pos]
    head = np.ones(len(pos), dtype=bool)
    head[1:] = who[1:] != who[:-1]
    out = np.full(n, -1, dtype=np.int64)
    out[who[head]] = pos[head]
    return out


def _best_stretch(
    f: Fleet, idx: IntArray, rep: IntArray, d: FloatArray, t: FloatArray, near: BoolArray,
    expect: FloatArray, at: FloatArray, own: BoolArray, tolerance: float, near_m: float,
) -> tuple[IntArray, BoolArray]:  # fmt: skip
    """Per report, the pair chosen among those within reach (-1: none), and whether it is
    consistent with the expected plan's time."""
    k = np.flatnonzero(near)
    who, dist, i, tt = rep[k], d[k], idx[k], t[k]
    planned = f.leave[i] + tt * (f.arrive_next[i] - f.leave[i])
    early = np.where(tt <= 0.0, f.arrive[i], planned)
    late = np.where(tt >= 1.0, f.leave_next[i], planned)
    e = expect[who]
    fresh = np.isnan(e)
    # Only a point the plan has the vehicle at later than expected is inconsistent (it would
    # have made up time); behind is what waiting and traffic do (and what a stop is).
    ahead = np.where(fresh | own[k], 0.0, np.maximum(early - e, 0.0))
    off_time = np.where(fresh, 0.0, np.maximum(ahead, e - late))
    # No state yet: of the points about as near as the nearest, the one the plan has the
    # vehicle at nearest the report's time (the first, that unknown); else the point of the
    # least distance plus inconsistency with the vehicle's lateness.
    cost = dist + TIME_M_PER_MIN * ahead
    if fresh.any():
        nearest = np.full(len(expect), np.inf)
        np.minimum.at(nearest, who, dist)
        # Near a stop along the route, the vehicle may be there at any time of its wait.
        a, s = f.along[i] + tt * f.seg[i], f.stop_near[i]
        s = np.where(np.abs(f.stop_at[s] - a) <= np.abs(f.stop_at[f.stop_near[i + 1]] - a), s,
                     f.stop_near[i + 1])  # fmt: skip
        at_stop = np.abs(f.stop_at[s] - a) <= near_m
        nearest_at_stop = np.zeros(len(expect), dtype=bool)
        np.logical_or.at(nearest_at_stop, who, at_stop & (dist <= nearest[who]))
        tie = (dist <= nearest[who] + TIE_M) | (at_stop & nearest_at_stop[who])
        now = at[who]
        first, last = np.minimum(early, f.stop_arrive[s]), np.maximum(late, f.stop_leave[s])
        first, last = np.where(at_stop, first, early), np.where(at_stop, last, late)
        gap = np.maximum(np.maximum(first - now, now - last), 0.0)
        # (of equal times, the nearest: a vehicle waiting at a stop is at it, not 200 m before)
        order = np.where(np.isnan(now), k.astype(np.float64), gap + dist * 1e-6)
        cost = np.where(fresh, np.where(tie, order, np.inf), cost)
    head = np.ones(len(k), dtype=bool)
    head[1:] = who[1:] != who[:-1]
    group = np.cumsum(head) - 1
    least = np.minimum.reduceat(cost, np.flatnonzero(head))
    top = _first_where(cost == least[group], who, len(expect))
    has = top >= 0
    chosen = np.full(len(expect), -1, dtype=np.int64)
    chosen[has] = k[top[has]]
    consistent = np.zeros(len(expect), dtype=bool)
    consistent[has] = fresh[top[has]] | (off_time[top[has]] < tolerance)
    return chosen, consistent


@dataclass(frozen=True)
class Reports:
    """One report per vehicle: its route, minute (from the origin), place and speed (NaN:
    none given)."""

    route: IntArray
    at_min: FloatArray
    lon: FloatArray
    lat: FloatArray
    speed_kmh: FloatArray


@dataclass(frozen=True)
class States:
    """Vehicles' states (NaN ``stopped_since_min``: moving; -1 ``at_stop``: at none; ``has``
    False: no state yet, the other fields of such a vehicle are not read)."""

    has: BoolArray
    at_min: FloatArray
    lon: FloatArray
    lat: FloatArray
    along_m: FloatArray
    late_min: FloatArray
    stopped_since_min: FloatArray
    off_route_m: FloatArray
    leg: IntArray
    finished: BoolArray
    at_stop: IntArray


@dataclass(frozen=True)
class Thresholds:
    """What :func:`advance_many` reads of the live operation's thresholds."""

    off_route_m: float
    stop_radius_m: float
    moving_kmh: float


def advance_many(f: Fleet, prev: States, rep: Reports, params: Thresholds) -> States:
    """The states after one report each (the vehicles all different)."""
    has = prev.has
    # Not seen on its route yet (its reports so far all off it, its state at the route's start):
    # matched like a first report, by the time, not taken for the first pass of the road.
    seen = has & ~((prev.along_m <= 0.0) & (prev.off_route_m > params.off_route_m))
    since = np.where(seen, prev.along_m, 0.0)
    expect = np.where(seen, rep.at_min - np.where(seen, prev.late_min, 0.0), np.nan)
    near_m = max(params.off_route_m, params.stop_radius_m)
    m = match_many(f, rep.route, rep.lon, rep.lat, since, expect, near_m, rep.at_min)
    on = m.off_route_m <= params.off_route_m
    along = np.where(on, np.maximum(m.along_m, since - BACK_M), since)
    # As the crow flies, or along the route where the road doubles back.
    px, py = project(f, rep.route, rep.lon, rep.lat)
    qx, qy = project(f, rep.route, prev.lon, prev.lat)
    dist = np.maximum(np.hypot(px - qx, py - qy), np.abs(along - prev.along_m))
    minutes = np.maximum(rep.at_min - prev.at_min, 1e-6)
    kmh = np.where(np.isnan(rep.speed_kmh), dist / 1000 / (minutes / 60), rep.speed_kmh)
    moved = ~has | ((kmh >= params.moving_kmh) & (dist >= 10.0))
    was = np.where(np.isnan(prev.stopped_since_min), prev.at_min, prev.stopped_since_min)
    stopped = np.where(moved, np.nan, np.where(has, was, rep.at_min))
    late = np.where(on, rep.at_min - m.planned_min, np.where(has, prev.late_min, 0.0))
    finished = along >= f.length[rep.route] - params.stop_radius_m
    # Off the route: on the leg of its progress (not of whatever part of the route is nearest).
    r = rep.route
    i = np.searchsorted(f.key, along + r * KEY, side="right") - 1
    leg = np.where(on, m.leg, f.leg[np.clip(i, f.base[r], np.maximum(f.end[r] - 1, f.base[r]))])
    return States(
        np.ones(len(has), dtype=bool), rep.at_min, rep.lon, rep.lat, along, late, stopped,
        m.off_route_m, leg, finished, m.at_stop,
    )  # fmt: skip
