"""The random numbers of each run, drawn from the seed and the run's index alone.

Run ``r`` of seed ``s`` draws from ``PCG64(SeedSequence(s, spawn_key=(r,)))`` in a fixed order,
so it gets the same numbers in any batch, on any worker, in either engine (common random
numbers): the fast engine and the SimPy model are given the very same :class:`Draws`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from corridor.simulation.model import CROSS_IN, CROSS_OUT, SimModel
from corridor.simulation.params import NoiseParams

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Draws:
    """What chance decided in each run of a batch (``R`` runs, ``S`` steps, ``G`` points)."""

    runs: IntArray  # [R] run indices
    leg: FloatArray  # [R, S] minutes of the leg that reaches each step, any repair included
    repair: FloatArray  # [R, S] minutes of that leg spent on a breakdown (0: none)
    service: FloatArray  # [R, S] minutes of inspection at a crossing (0 elsewhere)
    attend: IntArray  # [R, G, C] people who come to each gathering point, by class
    susp_start: FloatArray  # [R, K] suspensions, sorted, merged where they overlap; +inf pads
    susp_end: FloatArray  # [R, K]

    def run(self, i: int) -> Draws:
        """The draws of the ``i``-th run of this batch, as a batch of one."""
        s = slice(i, i + 1)
        return Draws(
            self.runs[s],
            self.leg[s],
            self.repair[s],
            self.service[s],
            self.attend[s],
            self.susp_start[s],
            self.susp_end[s],
        )


def generator(seed: int, run: int) -> np.random.Generator:
    """The random generator of run ``run`` of ``seed``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(run,))))


def draw(model: SimModel, params: NoiseParams, seed: int, runs: range) -> Draws:
    """The draws of ``runs`` (a contiguous range of run indices) of ``seed``."""
    n, steps, points = len(runs), model.steps, model.registered.shape[0]
    z_leg = np.empty((n, steps))
    u_break = np.empty((n, steps))
    z_repair = np.empty((n, steps))
    z_service = np.empty((n, steps))
    z_attend = np.empty((n, points))
    spans: list[list[tuple[float, float]]] = []
    hours = max(model.close - model.open, 0.0) / 60.0
    for i, r in enumerate(runs):
        g = generator(seed, r)
        z_leg[i] = g.standard_normal(steps)
        u_break[i] = g.random(steps)
        z_repair[i] = g.standard_normal(steps)
        z_service[i] = g.standard_normal(steps)
        z_attend[i] = g.standard_normal(points)
        k = int(g.poisson(params.suspension_per_hour * hours))
        starts = np.sort(g.uniform(model.open, model.close, k))
        lengths = params.suspension_median * np.exp(params.suspension_sigma * g.standard_normal(k))
        spans.append(_merge(starts, lengths))
    leg = model.travel * np.exp(params.travel_sigma * z_leg)
    broke = u_break < -np.expm1(-params.breakdown_per_hour * model.travel / 60.0)
    repair = np.where(broke, params.repair_median * np.exp(params.repair_sigma * z_repair), 0.0)
    crossing = (model.kind == CROSS_IN) | (model.kind == CROSS_OUT)
    service = np.where(crossing, model.service * np.exp(params.service_sigma * z_service), 0.0)
    factor = np.exp(params.attendance_sigma * z_attend)
    attend = np.rint(model.registered[None, :, :] * factor[:, :, None]).astype(np.int64)
    width = max((len(s) for s in spans), default=0) or 1
    susp_start = np.full((n, width), np.inf)
    susp_end = np.full((n, width), np.inf)
    for i, s in enumerate(spans):
        for j, (a, b) in enumerate(s):
            susp_start[i, j], susp_end[i, j] = a, b
    return Draws(
        np.arange(runs.start, runs.stop, dtype=np.int64),
        leg + repair,
        repair,
        service,
        attend,
        susp_start,
        susp_end,
    )


def _merge(starts: FloatArray, lengths: FloatArray) -> list[tuple[float, float]]:
    """Suspensions as disjoint intervals: one that starts during another prolongs it."""
    out: list[tuple[float, float]] = []
    for a, d in zip(starts.tolist(), lengths.tolist(), strict=True):
        b = a + d
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
