"""The fast engine: each run an event loop compiled with numba, runs one after another.

It computes exactly what :mod:`corridor.simulation.reference` (the SimPy model) computes, with
the same floating-point operations in the same order, so that both give the same outcome for
every run. The rules (``docs/simulation.md``):

- The plan is a timetable: nothing happens earlier than planned. A vehicle leaves a stop at the
  later of its planned departure and the moment it is done there; it starts a crossing at the
  earliest of its planned start and its arrival, when a lane is free.
- A checkpoint direction serves vehicles first come, first served (ties: route order) on its
  lanes; a lane is held until the crossing's end.
- During a suspension nothing moves inside the zone or at a checkpoint: a leg inside, a stop at
  a gathering point and an inspection are frozen and resume when it ends; no crossing starts.
- A trip whose ``"in"`` crossing would start too late to clear its ``"out"`` crossing before
  the close (start + its planned duration > close) is not started, nor any later trip of the
  vehicle.

Vehicles interact only at the checkpoints, so each vehicle's ordinary stops are followed at
once and only its crossings wait in a heap ordered by (eligible time, vehicle).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

from corridor.simulation.draws import Draws
from corridor.simulation.model import CROSS_IN, CROSS_OUT, GATHERING, SimModel

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_F = TypeVar("_F", bound=Callable[..., Any])

#: slack of every comparison of times with the window (the referee's tolerance)
TOL = 1e-6
#: cause categories after the checkpoint directions (0 .. 2K-1)
TRAVEL, BREAKDOWN, SUSPENSION = 0, 1, 2
CAUSES = ("travel", "breakdown", "suspension")


def _compiled(f: _F) -> _F:
    return cast(_F, numba.njit(cache=True, nogil=True)(f))


class Arrays(NamedTuple):
    """The model's arrays as the kernel reads them."""

    first: IntArray
    kind: npt.NDArray[np.int8]
    inside_leg: npt.NDArray[np.bool_]
    travel: FloatArray
    p_arrive: FloatArray
    p_begin: FloatArray
    p_leave: FloatArray
    resource: IntArray
    cargo: npt.NDArray[np.bool_]
    board: IntArray
    alight: IntArray
    point: IntArray
    board_before: IntArray
    trip: IntArray
    trip_duration: FloatArray
    cross_index: IntArray  # [S] position of a crossing among the crossings, else -1
    lanes: IntArray
    close: float
    fixed: float
    per_person: float


class Outcome(NamedTuple):
    """What happened in each run (``R`` runs): the inputs of :mod:`corridor.simulation.tally`."""

    trip_end: FloatArray  # [R, T] end of the trip's "out" crossing; nan: not started
    trip_people: IntArray  # [R, T, C] people aboard when it crossed out
    trip_cause: IntArray  # [R, T] cause of a lost trip (late or not started), else -1
    elig: FloatArray  # [R, X] when each crossing could start; nan: not reached
    start: FloatArray  # [R, X] when it started, or was refused (trip_end is nan); nan: not reached


def arrays(model: SimModel) -> Arrays:
    return Arrays(
        model.first,
        model.kind,
        model.inside_leg,
        model.travel,
        model.p_arrive,
        model.p_begin,
        model.p_leave,
        model.resource,
        model.cargo,
        model.board,
        model.alight,
        model.point,
        model.board_before,
        model.trip,
        model.trip_duration,
        model.cross_index,
        model.lanes,
        model.close,
        model.stop_fixed,
        model.stop_per_person,
    )


def run_batch(model: SimModel, draws: Draws) -> Outcome:
    """Run every run of ``draws`` through the compiled engine."""
    a = arrays(model)
    runs, trips, classes = draws.leg.shape[0], len(model.trips), len(model.classes)
    crossings = model.crossings
    out = Outcome(
        np.full((runs, trips), np.nan),
        np.zeros((runs, trips, classes), dtype=np.int64),
        np.full((runs, trips), -1, dtype=np.int64),
        np.full((runs, crossings), np.nan),
        np.full((runs, crossings), np.nan),
    )
    _batch(
        a,
        draws.leg,
        draws.repair,
        draws.service,
        draws.attend,
        draws.susp_start,
        draws.susp_end,
        out,
    )
    return out


@_compiled
def _warp(t: float, d: float, sa: FloatArray, sb: FloatArray) -> tuple[float, float]:
    """(end, frozen): an activity of ``d`` active minutes from ``t``, frozen by suspensions."""
    cur, rem, frozen = t, d, 0.0
    for k in range(sa.shape[0]):
        a, b = sa[k], sb[k]
        if b <= cur:
            continue
        if a <= cur:
            frozen += b - cur
            cur = b
        elif a < cur + rem:
            rem = rem - (a - cur)
            frozen += b - a
            cur = b
        else:
            break
    return cur + rem, frozen


@_compiled
def _unsuspend(t: float, sa: FloatArray, sb: FloatArray) -> float:
    """``t``, or the end of the suspension in progress at ``t``."""
    for k in range(sa.shape[0]):
        if sa[k] <= t < sb[k]:
            return float(sb[k])
    return t


@_compiled
def _overlap(a: float, b: float, sa: FloatArray, sb: FloatArray) -> float:
    """Minutes of [a, b) during which the corridor was suspended."""
    total = 0.0
    for k in range(sa.shape[0]):
        if np.isfinite(sa[k]):
            total += max(0.0, min(sb[k], b) - max(sa[k], a))
    return total


@_compiled
def _push(ht: FloatArray, hv: IntArray, n: int, t: float, v: int) -> int:
    """Push (t, v) on the binary heap of the first ``n`` entries; returns the new size."""
    i = n
    ht[i], hv[i] = t, v
    while i > 0:
        p = (i - 1) // 2
        if ht[p] < ht[i] or (ht[p] == ht[i] and hv[p] < hv[i]):
            break
        ht[p], ht[i] = ht[i], ht[p]
        hv[p], hv[i] = hv[i], hv[p]
        i = p
    return n + 1


@_compiled
def _pop(ht: FloatArray, hv: IntArray, n: int) -> tuple[float, int, int]:
    """(t, v, new size): the smallest (t, v) of the heap, removed."""
    t, v = ht[0], hv[0]
    n -= 1
    ht[0], hv[0] = ht[n], hv[n]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= n:
            break
        if c + 1 < n and (ht[c + 1] < ht[c] or (ht[c + 1] == ht[c] and hv[c + 1] < hv[c])):
            c += 1
        if ht[i] < ht[c] or (ht[i] == ht[c] and hv[i] < hv[c]):
            break
        ht[i], ht[c] = ht[c], ht[i]
        hv[i], hv[c] = hv[c], hv[i]
        i = c
    return t, v, n


@_compiled
def _blame(st: FloatArray, ccat: IntArray, v: int, late: float, grown: float, cat: int) -> None:
    """Keep, per vehicle, the biggest growth of its lateness since it was last on time."""
    if late <= TOL:
        st[v, 2] = 0.0
        ccat[v] = -1
    elif grown > st[v, 2]:
        st[v, 2] = grown
        ccat[v] = cat


@_compiled
def _cause(
    repair: float, frozen: float, travel: float, here: float, here_cat: int, n_res: int
) -> int:
    """The category of the largest delay of a step (ties: the first listed)."""
    best, cat = travel, n_res + TRAVEL
    if repair > best:
        best, cat = repair, n_res + BREAKDOWN
    if frozen > best:
        best, cat = frozen, n_res + SUSPENSION
    if here > best:
        cat = here_cat
    return cat


@_compiled
def _advance(
    m: Arrays,
    leg: FloatArray,
    repair: FloatArray,
    attend: IntArray,
    sa: FloatArray,
    sb: FloatArray,
    v: int,
    pos: IntArray,
    st: FloatArray,
    ccat: IntArray,
    aboard: IntArray,
    ht: FloatArray,
    hv: IntArray,
    n: int,
) -> int:
    """Follow vehicle ``v``'s ordinary stops up to its next crossing, which joins the heap.

    ``st[v]`` holds (time it left its last stop, its lateness, biggest growth of it, and for the
    pending crossing: repair, frozen and travel delay of the leg to it)."""
    n_res = m.lanes.shape[0]
    for s in range(pos[v], m.first[v + 1]):
        if s == m.first[v]:
            arr, frz, rep, trv = m.p_arrive[s], 0.0, 0.0, 0.0
        else:
            rep = repair[s]
            trv = max(leg[s] - rep - m.travel[s], 0.0)
            if m.inside_leg[s]:
                arr, frz = _warp(st[v, 0], leg[s], sa, sb)
            else:
                arr, frz = st[v, 0] + leg[s], 0.0
        if m.kind[s] == CROSS_IN or m.kind[s] == CROSS_OUT:
            st[v, 3], st[v, 4], st[v, 5] = rep, frz, trv
            pos[v] = s
            return _push(ht, hv, n, max(arr, m.p_begin[s]), v)
        a = max(arr, m.p_arrive[s])
        people = 0
        for c in range(m.board.shape[1]):
            got = 0
            if m.point[s] >= 0:
                got = min(max(attend[m.point[s], c] - m.board_before[s, c], 0), m.board[s, c])
            off = min(m.alight[s, c], aboard[v, c] + got)
            aboard[v, c] += got - off
            people += got + off
        need = m.fixed + m.per_person * people if (people > 0 or m.cargo[s]) else 0.0
        if m.kind[s] == GATHERING:
            done, frz2 = _warp(a, need, sa, sb)
            frz += frz2
        else:
            done = a + need
        leave = max(m.p_leave[s], done)
        late = leave - m.p_leave[s]
        _blame(st, ccat, v, late, late - st[v, 1], _cause(rep, frz, trv, 0.0, -1, n_res))
        st[v, 0], st[v, 1] = leave, late
    pos[v] = m.first[v + 1]
    return n


@_compiled
def _lose(m: Arrays, out: Outcome, r: int, v: int, s: int, ccat: IntArray) -> None:
    """Vehicle ``v`` does not start the trip of step ``s``: it and every later trip are lost."""
    for t in range(m.trip[s], m.trip[m.first[v + 1] - 1] + 1):
        out.trip_cause[r, t] = ccat[v]


@_compiled
def _cross(
    m: Arrays,
    service: FloatArray,
    sa: FloatArray,
    sb: FloatArray,
    r: int,
    v: int,
    elig: float,
    pos: IntArray,
    st: FloatArray,
    ccat: IntArray,
    aboard: IntArray,
    free: FloatArray,
    out: Outcome,
) -> bool:
    """Vehicle ``v`` takes (or is refused) its pending crossing; False: its route ends here."""
    s = pos[v]
    k, x = m.resource[s], m.cross_index[s]
    lane = 0
    for j in range(1, m.lanes[k]):
        if free[k, j] < free[k, lane]:
            lane = j
    start = _unsuspend(max(elig, free[k, lane]), sa, sb)
    out.elig[r, x], out.start[r, x] = elig, start
    held = _overlap(elig, start, sa, sb)
    wait = (start - elig) - held
    rep, frz, trv = st[v, 3], st[v, 4] + held, st[v, 5]
    n_res = m.lanes.shape[0]
    if m.kind[s] == CROSS_IN and start + m.trip_duration[m.trip[s]] > m.close + TOL:
        late = start - m.p_begin[s]
        _blame(st, ccat, v, late, late - st[v, 1], _cause(rep, frz, trv, wait, k, n_res))
        _lose(m, out, r, v, s, ccat)
        return False
    done, frz2 = _warp(start, service[s], sa, sb)
    frz = frz + frz2
    end = max(m.p_leave[s], done)
    free[k, lane] = end
    over = max(service[s] - (m.p_leave[s] - m.p_begin[s]), 0.0)
    late = end - m.p_leave[s]
    _blame(st, ccat, v, late, late - st[v, 1], _cause(rep, frz, trv, wait + over, k, n_res))
    st[v, 0], st[v, 1] = end, late
    if m.kind[s] == CROSS_OUT:
        t = m.trip[s]
        out.trip_end[r, t] = end
        for c in range(aboard.shape[1]):
            out.trip_people[r, t, c] = aboard[v, c]
        if end > m.close + TOL:
            out.trip_cause[r, t] = ccat[v]
    pos[v] = s + 1
    return True


@_compiled
def _batch(
    m: Arrays,
    leg: FloatArray,
    repair: FloatArray,
    service: FloatArray,
    attend: IntArray,
    susp_start: FloatArray,
    susp_end: FloatArray,
    out: Outcome,
) -> None:
    vehicles = m.first.shape[0] - 1
    for r in range(leg.shape[0]):
        sa, sb = susp_start[r], susp_end[r]
        pos = m.first[:-1].copy()
        st = np.zeros((vehicles, 6))
        ccat = np.full(vehicles, -1, dtype=np.int64)
        aboard = np.zeros((vehicles, m.board.shape[1]), dtype=np.int64)
        free = np.full((m.lanes.shape[0], max(1, m.lanes.max())), -np.inf)
        ht = np.empty(vehicles + 1)
        hv = np.empty(vehicles + 1, dtype=np.int64)
        n = 0
        for v in range(vehicles):
            n = _advance(
                m, leg[r], repair[r], attend[r], sa, sb, v, pos, st, ccat, aboard, ht, hv, n
            )
        while n > 0:
            elig, v, n = _pop(ht, hv, n)
            if _cross(m, service[r], sa, sb, r, v, elig, pos, st, ccat, aboard, free, out):
                n = _advance(
                    m, leg[r], repair[r], attend[r], sa, sb, v, pos, st, ccat, aboard, ht, hv, n
                )
