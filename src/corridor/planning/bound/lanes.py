"""The lane rows of the time-indexed relaxation: crossings of all vehicle types share the lanes
of their checkpoint and direction.

With ``L`` lanes and service ``s``, "at most L in service at once" splits the crossings of a
direction into ``L`` chains whose starts are ``s - TOL`` apart (interval graphs are perfect).
So the starts in any ``w`` consecutive cells with ``w delta <= m (s - SLACK)`` number at most
``m L``; the starts from a cell to the end fit the real time left before the latest start; the
first cells fit the time since the earliest possible crossing (for an out-crossing, the end of
the quickest visit that boards: every zone visit of the network boards someone).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from corridor.planning.bound.geometry import SLACK, TypeGeometry, lane_chain_count

if TYPE_CHECKING:
    from corridor.planning.bound.network import Grid, LaneUse
    from corridor.planning.highs import IntArray, SparseLP
    from corridor.planning.instance import Crossing, Instance

    Arcs = list[tuple[IntArray, IntArray]]

INF = math.inf


def add_lane_rows(
    lp: SparseLP, instance: Instance, grid: Grid, geos: list[TypeGeometry], use: LaneUse
) -> None:
    """Rows on the crossings of every type, per checkpoint and direction (``geos``: the
    geometry of every type, whose earliest and latest crossings the rows take)."""
    cps, kk = instance.checkpoints, len(instance.checkpoints)
    first_out = [min(float(g.loaded[a, b]) for g in geos for a in range(kk)) for b in range(kk)]
    latest_in = [
        max(vals) for vals in zip(*(grid.latest_in(instance, g) for g in geos), strict=True)
    ]
    for (a, direction), parts in use.crossings.items():
        spec = cps[a].inward if direction == "in" else cps[a].outward
        if spec.service <= SLACK:
            continue  # a crossing that takes no time is limited by nothing but the network
        top = max(int(src.max()) for src, _ in parts if len(src)) if parts else -1
        if top < 0:
            continue
        fam = f"lanes {cps[a].id} {direction}"
        if direction == "out":
            latest = grid.span - spec.service + 2 * SLACK
            earliest = first_out[a] - SLACK
        else:
            latest = latest_in[a] + SLACK
            earliest = -SLACK
        suffix = _suffix_counts(lp, grid, top + 1, parts, latest, earliest, spec, fam)
        _window_rows(lp, grid, top + 1, suffix, spec, fam)
        _head_rows(lp, grid, top + 1, suffix, earliest, spec, fam)


def _suffix_counts(
    lp: SparseLP, grid: Grid, m: int, parts: Arcs, latest: float,
    earliest: float, spec: Crossing, fam: str,
) -> IntArray:  # fmt: skip
    """S[i] = crossings starting in cells i, i+1, ...: at most what one lane fits into the real
    time from the start of cell i to the latest start, times the lanes."""
    service, lanes = spec.service, float(spec.lanes)
    start_of = grid.cells[:m] * grid.delta - SLACK
    cap = lanes * np.array([lane_chain_count(latest - max(s, earliest), service) for s in start_of])
    suf = lp.add_cols(m, cap, family=fam)
    # S[i] - S[i+1] - sum(arcs starting in cell i) = 0
    rows = lp.add_rows(m, 0.0, 0.0, fam)
    lp.entries(rows, suf, 1.0)
    lp.entries(rows[:-1], suf[1:], -1.0)
    for src, used in parts:
        lp.entries(rows[src], used, -1.0)
    return suf


def _window_rows(lp: SparseLP, grid: Grid, m: int, suf: IntArray, spec: Crossing, fam: str) -> None:
    """Starts in cells [i, i + width) fit ``mult`` crossings per lane: S[i] - S[i + width]."""
    s_eff = spec.service - SLACK
    lanes = float(spec.lanes)
    mult = 1
    done: set[int] = set()
    while True:
        width = math.floor(mult * s_eff / grid.delta + 1e-12)
        if width >= m:
            break
        if width >= 1 and width not in done:
            done.add(width)
            body = lp.add_rows(m - width, -INF, mult * lanes, fam)
            lp.entries(body, suf[: m - width], 1.0)
            lp.entries(body, suf[width:], -1.0)
        mult = mult + 1 if mult < 4 else int(mult * 1.5)


def _head_rows(
    lp: SparseLP, grid: Grid, m: int, suf: IntArray, earliest: float, spec: Crossing, fam: str
) -> None:
    """Near the start, starts in cells [0, i] come no earlier than the earliest crossing."""
    service, lanes = spec.service, float(spec.lanes)
    s_eff = service - SLACK
    for i in range(min(m - 1, math.ceil((max(earliest, 0.0) + 4 * service) / grid.delta))):
        e = (i + 1) * grid.delta - SLACK
        cap = lanes * math.ceil(max(e - earliest, 0.0) / s_eff - 1e-12)
        row = lp.add_rows(1, -INF, cap, fam)
        lp.entries(
            np.array([row[0], row[0]]),
            np.array([suf[0], suf[i + 1]]),
            np.array([1.0, -1.0]),
        )
