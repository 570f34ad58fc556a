"""Where people board: a loaded visit lasts at least its trip through its farthest point.

A segment (first in-crossing at ``a``, last out-crossing at ``b``) that boards at the points
``S`` lasts at least ``svc_in(a) + d(a, g) + fixed + d(g, b)`` for every ``g`` in ``S`` (quickest
drives obey the triangle inequality), so at least the largest of those. The loaded arcs of a
pair ``(a, b)`` come in *bands*: band ``j`` lasts ``T_j`` (``T_0`` the nearest point), and a
segment goes on the highest band whose ``T_j`` is at most its farthest point's. The people a
type boards at points whose trip is at least ``T_j`` then fit the flow on the bands ``≥ j`` of
that pair, each arc at the room of its size of load (docs/planning-bound.md, "Where people
board").
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from corridor.planning.bound.geometry import TypeGeometry, cells

if TYPE_CHECKING:
    from corridor.planning.highs import IntArray, SparseLP
    from corridor.planning.instance import Instance

#: Per pair of checkpoints (in, out): (the least trip of a band, loaded arcs of it, their room).
Bands = dict[tuple[int, int], list[tuple[float, "IntArray", float]]]

MAX_BANDS = 8
MAX_COLUMNS = 100  # point columns (types x pairs x points) beyond which no bands are made
#: The same limit for a bound refined beside the search (corridor.planning.bound_thread), which
#: has the time of the search to spend: gen-20 (160 columns) gets 0.6% lower on 2-minute cells
#: with bands (8,052.3 -> 8,000.3; 3.5 s -> 13 s alone); gen-60 (1,080) gets nothing in 3.5
#: times as long, and a city (hundreds of thousands) would not fit in memory.
REFINE_COLUMNS = 500


def use_bands(geos: list[TypeGeometry], limit: int | None = None) -> bool:
    """Whether the point rows are small enough to add (else one band: the nearest point).

    The bands copy the loaded arcs (of every size of load) up to MAX_BANDS times: on gen-20
    (160 point columns) they take the bound from 8,084.3 to 8,041.3 but the LP from 5 to
    15-20 s on a loaded machine, beside a 30-s search; on gen-250 they took five times as
    long for the same value. So only the smallest instances get them in the first bound
    (``limit`` None: MAX_COLUMNS); the bound refined beside the search passes REFINE_COLUMNS."""
    total = sum(int(np.isfinite(g.by_point).sum()) for g in geos)
    return total <= (MAX_COLUMNS if limit is None else limit)


def bands_may_help(instance: Instance) -> bool:
    """Whether bands up to REFINE_COLUMNS would be made where MAX_COLUMNS makes none, by the
    most point columns there can be (types x checkpoints squared x points). Where points a
    type cannot reach bring the real count to MAX_COLUMNS or below, the first bound had the
    bands already: the refinement's banded LP is then the same LP, does not lower the bound,
    and ends the refinement one step early (the bound stays valid, only less refined)."""
    types = {v.type for v in instance.vehicles}
    most = len(types) * len(instance.checkpoints) ** 2 * len(instance.gathering)
    return MAX_COLUMNS < most <= REFINE_COLUMNS


def waiting(instance: Instance, geo: TypeGeometry) -> list[float]:
    """The people waiting at each of the points a type reaches (``geo.points``)."""
    return [float(sum(instance.gathering[p].people.values())) for p in geo.points]


def bands(geo: TypeGeometry, a: int, b: int, delta: float, people: list[float]) -> list[float]:
    """The durations of the loaded arcs of pair ``(a, b)``: the nearest point's trip first,
    then at most MAX_BANDS - 1 longer ones, each the trip of some point, distinct in cells.

    Where the points' trips take more cells than that, the bands go where they shorten the
    trips least: each point's people (``people``, per point of ``geo.points``, as
    :func:`waiting` gives them) times the cells by which its band is shorter than its trip,
    summed, is least
    (:func:`place_bands`). Any such choice keeps the bound valid; this one keeps most of what
    every band would give (gen-20 on 2-minute cells: 7,890.3 with 8 in 16.5 s alone, against
    7,899.3 with 8 spread evenly over the cells and 7,877.3 in 26.8 s with every point's trip
    a band)."""
    first = float(geo.loaded[a, b])
    trip = geo.by_point[a, b]
    weight = np.asarray(people, dtype=float)
    by_step: dict[int, float] = {cells(first, delta): first}
    mass: dict[int, float] = {cells(first, delta): 0.0}
    for v, w in sorted(zip(trip[np.isfinite(trip)].tolist(),
                           weight[np.isfinite(trip)].tolist(), strict=True)):  # fmt: skip
        step = cells(v, delta)
        by_step.setdefault(step, v)
        mass[step] = mass.get(step, 0.0) + w
    steps = sorted(by_step)
    chosen = place_bands(steps, [mass[s] for s in steps], MAX_BANDS)
    return [by_step[steps[i]] for i in chosen]


def place_bands(steps: list[int], mass: list[float], most: int) -> list[int]:
    """Indices of at most ``most`` of the increasing ``steps``, the first always among them,
    for which ``sum(mass[t] * (steps[t] - steps[band(t)]))`` is least, ``band(t)`` being the
    last chosen index at or before ``t`` (dynamic programming over where each band starts).

    >>> place_bands([0, 1, 10, 11], [0.0, 5.0, 5.0, 5.0], 2)
    [0, 2]
    """
    m = len(steps)
    if m <= most:
        return list(range(m))
    w = np.concatenate([[0.0], np.cumsum(mass)])
    ws = np.concatenate([[0.0], np.cumsum(np.asarray(mass) * np.asarray(steps, dtype=float))])

    def cost(i: int, j: int) -> float:  # the steps i .. j - 1 on the band that starts at i
        return float(ws[j] - ws[i] - steps[i] * (w[j] - w[i]))

    # rest[c][i]: least cost of steps i .. m - 1 with c bands, the first starting at i
    rest = [[math.inf] * m for _ in range(most + 1)]
    nxt = [[m] * m for _ in range(most + 1)]
    for i in range(m):
        rest[1][i] = cost(i, m)
    for c in range(2, most + 1):
        for i in range(m):
            for j in range(i + 1, m):
                v = cost(i, j) + rest[c - 1][j]
                if v < rest[c][i] - 1e-12:
                    rest[c][i], nxt[c][i] = v, j
    chosen, i, c = [], 0, most
    while i < m and c >= 1:
        chosen.append(i)
        i, c = (nxt[c][i] if c > 1 else m), c - 1
    return chosen


def add_point_rows(
    lp: SparseLP,
    instance: Instance,
    types: list[tuple[str, TypeGeometry, Bands, list[int]]],
) -> None:
    """Per type (name, geometry, loaded arcs by pair and band, its people columns):
    columns ``u[pair, point]`` of the people it boards there; its people fit them, each
    point's people fit what waits there, and the people of points at least ``T_j`` away fit
    the room on bands ``≥ j``."""
    at_point: dict[int, list[int]] = {}
    for name, geo, by_pair, mine in types:
        if not by_pair or not mine:
            continue
        fam = f"boarding points {name}"
        people = waiting(instance, geo)
        everyone: list[int] = []
        for (a, b), band_arcs in by_pair.items():
            trip = geo.by_point[a, b]
            ok = [i for i in range(len(geo.points)) if math.isfinite(trip[i])]
            if not ok:
                continue
            u = lp.add_cols(len(ok), np.array([people[i] for i in ok]))
            everyone.extend(int(c) for c in u)
            for col, i in zip(u, ok, strict=True):
                at_point.setdefault(geo.points[i], []).append(int(col))
            far = [(int(c), float(trip[i])) for c, i in zip(u, ok, strict=True)]
            _band_rows(lp, band_arcs, far, float(sum(people[i] for i in ok)), fam)
        # everyone this type carries boarded at some point, in a segment of some pair
        lp.add_row(0.0, [*mine, *everyone], [1.0] * len(mine) + [-1.0] * len(everyone), fam)
    for p, at_p in at_point.items():
        lp.add_row(float(sum(instance.gathering[p].people.values())), at_p,
                   family=f"people at {instance.gathering[p].id}")  # fmt: skip


def _band_rows(
    lp: SparseLP, band_arcs: list[tuple[float, IntArray, float]], u: list[tuple[int, float]],
    total: float, fam: str,
) -> None:  # fmt: skip
    """The people of the points at least ``T_j`` away (``u``: their columns and trips) fit the
    room on the bands ``≥ j``, through a column ``C_j`` per band that is at most that room
    (``C_j <= C_{j+1} +`` the room on band ``j``; each is at most ``total``, the people of the
    pair's points, which the people it bounds never exceed): each loaded arc then enters one
    row rather than one per band at or below its own, and the LP is the same."""
    levels = sorted({t for t, _, _ in band_arcs}, reverse=True)
    room = lp.add_cols(len(levels), total)
    for j, least in enumerate(levels):
        above = [int(room[j - 1])] if j > 0 else []
        row = lp.add_row(0.0, [int(room[j]), *above], [1.0] + [-1.0] * len(above), fam)
        for t, cols, cap in band_arcs:
            if t == least:
                lp.entries(np.full(len(cols), row), cols, -cap)
        far = [c for c, trip in u if trip >= least]
        if far:
            lp.add_row(0.0, [*far, int(room[j])], [1.0] * len(far) + [-1.0], fam)
