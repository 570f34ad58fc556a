"""What a batch of runs adds up to, in a form that merges exactly.

A :class:`Tally` keeps a few numbers per run (people out by class, whether a vehicle was inside
after the close, when the last one came out) and histograms of whole numbers for the rest
(lateness of each trip, waits and queues at each checkpoint, people out over time). Merging two
tallies concatenates the one and adds the other, so the same runs give the same tally however
they were split between tasks and workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from corridor.simulation.kernel import CAUSES, TOL, Outcome
from corridor.simulation.model import SimModel

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: edges of the minute bins for lateness and waits: exactly on time, then to the minute up to
#: two hours, then five minutes up to eight hours, then everything later
EDGES = np.concatenate([[-np.inf, TOL], np.arange(1.0, 121.0), np.arange(125.0, 481.0, 5.0)])
#: minutes between the points of the time series
STEP = 5.0
#: bins of the people-out-over-time histograms
CURVE_BINS = 500
#: longest queue counted on its own (longer ones share the last bin)
QUEUE_CAP = 100
#: minutes over which a queue is averaged, and the resolution of that average (1/4 vehicle)
QUEUE_STEP = 15.0
QUARTERS = 4


def grid(model: SimModel) -> FloatArray:
    """The times (minutes) of the series: the window and an hour after it."""
    n = int(np.ceil((model.close + 60.0 - model.open) / STEP)) + 1
    out: FloatArray = np.asarray(model.open + STEP * np.arange(n), dtype=np.float64)
    return out


def curve_width(model: SimModel) -> int:
    """People per bin of the people-out-over-time histograms."""
    return max(1, int(np.ceil(int(model.board.sum()) / (CURVE_BINS - 1))))


@dataclass
class Tally:
    """Results of runs ``first .. first + runs - 1`` (see the module docstring)."""

    first: int
    people_out: IntArray  # [R, C] out of the zone before the close
    people_late: IntArray  # [R, C] aboard a vehicle that came out after the close
    trips_late: IntArray  # [R] trips whose "out" crossing ended after the close
    trips_lost: IntArray  # [R] trips not started
    last_out: FloatArray  # [R] end of the last "out" crossing with people aboard (nan: none)
    trip_late: IntArray  # [T] runs in which the trip came out after the close
    trip_lost: IntArray  # [T] runs in which it was not started
    trip_hist: IntArray  # [T, B] its lateness, in the bins of EDGES
    wait_hist: IntArray  # [K2, B] waits at each checkpoint direction
    queue_hist: IntArray  # [K2, Nq, 4 QUEUE_CAP + 1] mean queue over each interval (quarters)
    curve_hist: IntArray  # [N, CURVE_BINS] people out by each time of the grid
    cause_late: IntArray  # [K2 + len(CAUSES) + 1] late trips by cause (last: unknown)
    cause_lost: IntArray  # [same] trips not started by cause

    @property
    def runs(self) -> int:
        return int(self.people_out.shape[0])

    def merge(self, other: Tally) -> Tally:
        """This tally and the one of the runs that follow it."""
        if other.first != self.first + self.runs:
            raise ValueError(f"runs {other.first}.. do not follow runs {self.first}..")
        return Tally(
            self.first,
            _cat(self.people_out, other.people_out),
            _cat(self.people_late, other.people_late),
            _cat(self.trips_late, other.trips_late),
            _cat(self.trips_lost, other.trips_lost),
            _cat(self.last_out, other.last_out),
            self.trip_late + other.trip_late,
            self.trip_lost + other.trip_lost,
            self.trip_hist + other.trip_hist,
            self.wait_hist + other.wait_hist,
            self.queue_hist + other.queue_hist,
            self.curve_hist + other.curve_hist,
            self.cause_late + other.cause_late,
            self.cause_lost + other.cause_lost,
        )


def _cat(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> npt.NDArray[Any]:
    return np.concatenate([a, b])


def bins(minutes: FloatArray) -> IntArray:
    """The bin of EDGES of each value (finite values only)."""
    out: IntArray = np.searchsorted(EDGES, minutes, side="left").astype(np.int64) - 1
    return np.clip(out, 0, len(EDGES) - 1)


def _count(index: IntArray, size: int) -> IntArray:
    out: IntArray = np.bincount(index.ravel(), minlength=size).astype(np.int64)
    return out


def tally(model: SimModel, out: Outcome, first: int) -> Tally:
    """The tally of a batch of runs whose first run index is ``first``."""
    end = out.trip_end
    done = np.isfinite(end)
    late = done & (end > model.close + TOL)
    lost = ~done
    people = out.trip_people
    in_time = (done & ~late)[:, :, None]
    n_bins, k2 = len(EDGES), len(model.resources)
    lateness = np.where(done, end - model.trip_out[None, :], np.nan)
    t_idx = np.broadcast_to(np.arange(end.shape[1]), end.shape)
    trip_hist = _count(t_idx[done] * n_bins + bins(lateness[done]), end.shape[1] * n_bins)
    with_people = done & (people.sum(axis=2) > 0)
    last = np.where(with_people, end, -np.inf).max(axis=1, initial=-np.inf)
    cats = k2 + len(CAUSES) + 1
    cause = np.where(out.trip_cause >= 0, out.trip_cause, cats - 1)
    return Tally(
        first=first,
        people_out=(people * in_time).sum(axis=1),
        people_late=(people * late[:, :, None]).sum(axis=1),
        trips_late=late.sum(axis=1).astype(np.int64),
        trips_lost=lost.sum(axis=1).astype(np.int64),
        last_out=np.where(np.isfinite(last), last, np.nan),
        trip_late=late.sum(axis=0).astype(np.int64),
        trip_lost=lost.sum(axis=0).astype(np.int64),
        trip_hist=trip_hist.reshape(end.shape[1], n_bins),
        wait_hist=_waits(model, out, n_bins),
        queue_hist=_queues(model, out),
        curve_hist=_curve(model, out, done),
        cause_late=_count(cause[late], cats),
        cause_lost=_count(cause[lost], cats),
    )


def _resource_of_crossing(model: SimModel) -> IntArray:
    out: IntArray = model.resource[model.cross_index >= 0]
    return out


def _waits(model: SimModel, out: Outcome, n_bins: int) -> IntArray:
    res = np.broadcast_to(_resource_of_crossing(model), out.elig.shape)
    seen = np.isfinite(out.start)
    wait = (out.start - out.elig)[seen]
    k2 = len(model.resources)
    return _count(res[seen] * n_bins + bins(wait), k2 * n_bins).reshape(k2, n_bins)


def queue_grid(model: SimModel) -> FloatArray:
    """Edges of the intervals over which queues are averaged: the window and an hour after."""
    n = int(np.ceil((model.close + 60.0 - model.open) / QUEUE_STEP))
    out: FloatArray = np.asarray(model.open + QUEUE_STEP * np.arange(n + 1), dtype=np.float64)
    return out


def _queues(model: SimModel, out: Outcome) -> IntArray:
    """Vehicles waiting at each checkpoint direction, on average over each interval of
    :func:`queue_grid`, in quarters of a vehicle: a histogram over runs per interval."""
    edges = queue_grid(model)
    n, runs, k2 = len(edges) - 1, out.elig.shape[0], len(model.resources)
    waited = np.isfinite(out.start) & (out.start > out.elig)
    e, s = out.elig[waited], out.start[waited]
    run = np.broadcast_to(np.arange(runs)[:, None], out.elig.shape)[waited]
    res = np.broadcast_to(_resource_of_crossing(model), out.elig.shape)[waited]
    key = run * k2 + res
    # minutes spent waiting before each edge, summed by (run, checkpoint direction)
    before = np.stack(
        [np.bincount(key, weights=np.clip(t - e, 0.0, s - e), minlength=runs * k2) for t in edges]
    )
    mean = np.diff(before, axis=0) / QUEUE_STEP  # [n, runs * k2]
    top = QUEUE_CAP * QUARTERS
    q = np.minimum(np.rint(mean * QUARTERS), top).astype(np.int64).reshape(n, runs, k2)
    idx = (np.arange(k2)[None, None, :] * n + np.arange(n)[:, None, None]) * (top + 1) + q
    return _count(idx, k2 * n * (top + 1)).reshape(k2, n, top + 1)


def _curve(model: SimModel, out: Outcome, done: npt.NDArray[np.bool_]) -> IntArray:
    """People out by each time of the grid, as a histogram over runs at each time."""
    g = grid(model)
    n, runs = len(g), out.trip_end.shape[0]
    at = np.clip(np.ceil((out.trip_end - g[0]) / STEP), 0, n)
    at = np.where(done, at, n).astype(np.int64)
    people = out.trip_people.sum(axis=2)
    run = np.broadcast_to(np.arange(runs)[:, None], at.shape)
    added = np.bincount(
        (run * (n + 1) + at).ravel(), weights=people.ravel(), minlength=runs * (n + 1)
    )
    curve = np.cumsum(added.reshape(runs, n + 1), axis=1)[:, :n].astype(np.int64)
    idx = np.minimum(curve // curve_width(model), CURVE_BINS - 1)
    return _count(np.arange(n)[None, :] * CURVE_BINS + idx, n * CURVE_BINS).reshape(n, CURVE_BINS)
