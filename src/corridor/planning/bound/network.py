"""The time-indexed relaxation: vehicles of each type flow through layers of nodes per cell.

Per vehicle type and cell of ``delta`` minutes: outside a checkpoint ready to cross in (O),
inside a checkpoint ready to cross out after boarding (Q), outside a checkpoint after crossing
out (P), at a reception centre (R). Every zone visit of the network boards someone: a plan's
visits that board nobody are forgotten (docs/planning-bound.md, "Visits that board nobody").
Each arc lasts its type's lower-bound duration rounded down to whole cells (:mod:`.geometry`),
crossings share the lanes of their checkpoint and direction (:mod:`.lanes`), and the people
each type carries are counted on the legs that take them to a centre (:mod:`.people`).
docs/planning-bound.md says why every plan maps onto a feasible point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from corridor.planning.bound.geometry import SLACK, TypeGeometry, cells
from corridor.planning.bound.points import bands, waiting
from corridor.planning.highs import SparseLP

if TYPE_CHECKING:
    from corridor.planning.instance import Instance

IntArray = npt.NDArray[np.int64]
INF = math.inf
#: Where the sizes of load are cut, as shares of the room (besides one below full): most
#: loads are full or nearly, so the cuts crowd towards the top; a third (to whole people)
#: stays, or smaller loads would pay less than with thirds (gen-250's bound rose by 6 without
#: it). On 4-minute cells gen-20's bound falls from 8,084.3 to 8,026.3, gen-60's from
#: 21,364.1 to 21,318.1.
LOAD_CUTS = (1 / 3, 0.5, 0.75, 0.9)


@dataclass(frozen=True)
class Grid:
    """The cells of the window and, per checkpoint, the last cell a crossing may start in."""

    delta: float
    n: int
    span: float
    last_out: list[int]

    @property
    def cells(self) -> IntArray:
        return np.arange(self.n, dtype=np.int64)

    @staticmethod
    def of(instance: Instance, delta: float) -> Grid:
        span = instance.close - instance.open
        n = math.floor((span + SLACK) / delta) + 1
        last_out = [
            min(n - 1, math.floor((span - k.outward.service + 2 * SLACK) / delta + 1e-12))
            if k.outward.lanes
            else -1
            for k in instance.checkpoints
        ]
        return Grid(delta, n, span, last_out)

    def latest_in(self, instance: Instance, geo: TypeGeometry) -> list[float]:
        """Per checkpoint, the latest an in-crossing can start (minutes after the opening)
        and still let the vehicle out somewhere before the close."""
        cps = instance.checkpoints
        return [
            max(
                (
                    self.span - kb.outward.service + 2 * SLACK - geo.loaded[a, b]
                    for b, kb in enumerate(cps)
                    if kb.outward.lanes
                ),
                default=-INF,
            )
            if ka.inward.lanes
            else -INF
            for a, ka in enumerate(cps)
        ]

    def last_in(self, latest_in: list[float]) -> list[int]:
        return [
            min(self.n - 1, math.floor((x + SLACK) / self.delta + 1e-12)) if x > -INF else -1
            for x in latest_in
        ]


@dataclass(frozen=True)
class LoadedArcs:
    """Loaded visits of one size: the most people each carries, the boarding minutes their
    duration already includes (:func:`load_sizes`)."""

    cols: IntArray
    room: float
    paid: float


def load_sizes(room: int, per_person: float) -> list[tuple[float, float]]:
    """(boarding minutes paid in the duration, most people) per size of load.

    A visit that boards ``n`` people lasts ``per_person × n`` longer than its trip. The loads
    are cut at whole numbers ``q_0 = 0 < q_1 < … < q_m = room`` (at :data:`LOAD_CUTS` of the
    room and at ``room − 1``); one that carries more than ``q_i`` people carries at least
    ``q_i + 1`` (people are whole), so it lasts at least ``per_person × (q_i + 1)`` longer,
    and so does its arc, which carries at most ``q_{i+1}``. The smallest size pays
    ``per_person`` too: every segment of the network boards someone, and every alighting leg
    sets someone down. A full load pays its whole boarding.

    >>> load_sizes(4, 0.25)
    [(0.25, 1.0), (0.5, 2.0), (0.75, 3.0), (1.0, 4.0)]
    >>> load_sizes(1, 0.25)
    [(0.25, 1.0)]
    """
    if per_person <= 0 or room <= 0:
        return [(0.0, float(room))]
    cuts = {min(room - 1, max(1, round(room * f))) for f in LOAD_CUTS}
    q = sorted({0, room - 1, room} | cuts)
    return [(per_person * (q[i] + 1), float(q[i + 1])) for i in range(len(q) - 1)]


@dataclass
class TypeArcs:
    """The columns of one vehicle type that the lane and people rows refer to."""

    sources: list[IntArray] = field(default_factory=list)
    loaded: list[LoadedArcs] = field(default_factory=list)
    wait_q: list[IntArray] = field(default_factory=list)
    wait_pr: list[IntArray] = field(default_factory=list)
    final: list[IntArray] = field(default_factory=list)
    returns: list[IntArray] = field(default_factory=list)
    to_rec: list[list[LoadedArcs]] = field(default_factory=list)  # legs to each centre
    alight_paid: list[LoadedArcs] = field(default_factory=list)  # legs that come back
    # per pair (a, b) with point bands: (least trip of the band, its loaded arcs, their room)
    bands: dict[tuple[int, int], list[tuple[float, IntArray, float]]] = field(default_factory=dict)


@dataclass
class LaneUse:
    """Per (checkpoint, direction): the arcs that start a crossing, with their start cells."""

    crossings: dict[tuple[int, str], list[tuple[IntArray, IntArray]]] = field(default_factory=dict)

    def add(self, a: int, direction: str, src: IntArray, cols: IntArray) -> None:
        self.crossings.setdefault((a, direction), []).append((src, cols))


class _Layers:
    """The node rows of one type: O, Q, P per checkpoint and R per centre, by cell."""

    def __init__(self, lp: SparseLP, name: str, kk: int, n_recs: int, n: int, hi: float) -> None:
        fam = f"flow {name}"
        self.lp, self.hi = lp, hi
        self.o = lp.add_rows(kk * n, 0.0, 0.0, fam).reshape(kk, n)
        self.q = lp.add_rows(kk * n, 0.0, 0.0, fam).reshape(kk, n)
        self.p = lp.add_rows(kk * n, 0.0, 0.0, fam).reshape(kk, n)
        self.r = lp.add_rows(n_recs * n, 0.0, 0.0, fam).reshape(n_recs, n)

    def arc(self, tail: IntArray | None, head: IntArray | None, m: int) -> IntArray:
        cols = self.lp.add_cols(m, self.hi)
        if tail is not None:
            self.lp.entries(tail, cols, -1.0)
        if head is not None:
            self.lp.entries(head, cols, 1.0)
        return cols


def add_type_arcs(
    lp: SparseLP,
    instance: Instance,
    grid: Grid,
    name: str,
    geo: TypeGeometry,
    depots: dict[str, int],
    lanes: LaneUse,
    banded: bool = False,
) -> TypeArcs:
    """The flow network of one vehicle type (``depots``: its vehicles per depot); ``banded``:
    loaded arcs in bands by how far the farthest boarding point is (:mod:`.points`)."""
    cps, kk, n_recs, n = (
        instance.checkpoints,
        len(instance.checkpoints),
        len(instance.receptions),
        grid.n,
    )
    nodes = _Layers(lp, name, kk, n_recs, n, float(sum(depots.values())))
    out = TypeArcs(to_rec=[[] for _ in range(n_recs)])
    # Sources: each depot's vehicles of this type start at any checkpoint they can reach.
    for dep, count in depots.items():
        src_row = lp.add_rows(1, 0.0, float(count), f"fleet {dep}/{name}")
        for a, k in enumerate(cps):
            if geo.from_depot[dep][a] < INF and k.inward.lanes > 0:
                col = lp.add_cols(1, float(count))
                lp.entries(src_row, col, 1.0)
                lp.entries(nodes.o[a, :1], col, 1.0)
                out.sources.append(col)
    # Waits (O is free, Q pays boarding, P and R pay alighting) and ends.
    for layer, rows, count in (
        ("O", nodes.o, kk),
        ("Q", nodes.q, kk),
        ("P", nodes.p, kk),
        ("R", nodes.r, n_recs),
    ):
        for x in range(count):
            top = n - 1 if layer != "Q" else grid.last_out[x]
            if top >= 1:
                w = nodes.arc(rows[x, :top], rows[x, 1 : top + 1], top)
                if layer == "Q":
                    out.wait_q.append(w)
                elif layer in ("P", "R"):
                    out.wait_pr.append(w)
    for a in range(kk):
        nodes.arc(nodes.o[a, n - 1 : n], None, 1)
    for b in range(kk):
        nodes.arc(nodes.p[b, n - 1 : n], None, 1)
    vt = instance.vehicle_types[name]
    sizes = load_sizes(vt.seats + vt.stretchers, instance.stop_per_person)
    _add_crossings(instance, grid, geo, nodes, out, lanes, banded, sizes)
    _add_alighting(instance, grid, geo, nodes, out, sizes)
    return out


def _add_crossings(
    instance: Instance, grid: Grid, geo: TypeGeometry, nodes: _Layers, out: TypeArcs,
    lanes: LaneUse, banded: bool, sizes: list[tuple[float, float]],
) -> None:  # fmt: skip
    """In-crossings with a visit that boards, O[a][i] -> Q[b][i + len], and out-crossings
    Q[b][i] -> P[b][i + service]; a visit for each size of load (``sizes``: boarding minutes
    it pays in its duration, most people it carries)."""
    cps, kk, cells_ = instance.checkpoints, len(instance.checkpoints), grid.cells
    last_in = grid.last_in(grid.latest_in(instance, geo))
    people = waiting(instance, geo)
    for a in range(kk):
        if cps[a].inward.lanes == 0 or last_in[a] < 0:
            continue
        for b in range(kk):
            trips = bands(geo, a, b, grid.delta, people) if banded else [float(geo.loaded[a, b])]
            kinds = [(t + paid, t, cap, paid) for t in trips for paid, cap in sizes]
            for dur, trip, cap, paid in kinds:
                step = cells(float(dur), grid.delta)
                if step < 0:
                    continue
                top = min(last_in[a], grid.last_out[b] - step)
                if top < 0:
                    continue
                src = cells_[: top + 1]
                cols = nodes.arc(nodes.o[a, src], nodes.q[b, src + step], top + 1)
                lanes.add(a, "in", src, cols)
                out.loaded.append(LoadedArcs(cols, cap, paid))
                if banded:
                    out.bands.setdefault((a, b), []).append((trip, cols, cap))
    for b in range(kk):
        if grid.last_out[b] < 0:
            continue
        step = cells(cps[b].outward.service, grid.delta)
        src = cells_[: grid.last_out[b] + 1]
        head = src + step
        ok = head < grid.n
        cols = nodes.arc(nodes.q[b, src[ok]], nodes.p[b, head[ok]], int(ok.sum()))
        lanes.add(b, "out", src[ok], cols)


def _add_alighting(
    instance: Instance, grid: Grid, geo: TypeGeometry, nodes: _Layers, out: TypeArcs,
    sizes: list[tuple[float, float]],
) -> None:  # fmt: skip
    """Alighting legs P[b][i] -> R[r][i + len] (or the end, if past the grid) with people
    aboard, one per size of load (its alighting minutes paid in its duration, as for
    boarding), and the drives back R[r][i] -> O[a][i + len]."""
    cps, kk, n_recs, cells_ = (
        instance.checkpoints,
        len(instance.checkpoints),
        len(instance.receptions),
        grid.cells,
    )
    last_in = grid.last_in(grid.latest_in(instance, geo))
    for b, r in ((b, r) for b in range(kk) for r in range(n_recs)):
        for paid, room in sizes:
            step = cells(float(geo.alight[b, r]) + paid, grid.delta)
            if step < 0:
                continue
            head = cells_ + step
            inside = head < grid.n
            if inside.any():
                cols = nodes.arc(
                    nodes.p[b, cells_[inside]], nodes.r[r, head[inside]], int(inside.sum())
                )
                out.to_rec[r].append(LoadedArcs(cols, room, paid))
                out.alight_paid.append(LoadedArcs(cols, room, paid))
            if (~inside).any():
                cols = nodes.arc(nodes.p[b, cells_[~inside]], None, int((~inside).sum()))
                out.to_rec[r].append(LoadedArcs(cols, room, paid))
                out.final.append(cols)
    for r in range(n_recs):
        out.final.append(nodes.arc(nodes.r[r, :], None, grid.n))  # the vehicle's last alighting
        for a in range(kk):
            step = cells(float(geo.back[r, a]), grid.delta)
            if step < 0 or cps[a].inward.lanes == 0:
                continue
            top = last_in[a] - step
            if top < 0:
                continue
            src = cells_[: top + 1]
            out.returns.append(nodes.arc(nodes.r[r, src], nodes.o[a, src + step], top + 1))
