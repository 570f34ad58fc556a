"""Quickest drives: the shortest-path closure of the instance's travel matrices.

The format lets a route pass through other places of the same side (a stop where nothing is
done takes no time), so the quickest drive from ``a`` to ``b`` may beat the direct leg or
replace a missing one (``null``). Outside the zone a vehicle may pass through depots and
reception centres, inside through gathering points; never through a checkpoint, since that
would be a crossing. :class:`Drives` keeps, for each side, the closed matrix and the next hop
of every quickest drive, so a plan can spell the drive out stop by stop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from corridor.planning.instance import FloatArray, Instance

IntArray = npt.NDArray[np.int64]


#: Above this many places a side is not closed in full (Floyd-Warshall is cubic): only the
#: drives from and to the places a vehicle may not pass through (the checkpoints) are, by
#: Dijkstra; between two places it may pass through, the direct leg is taken as it is.
FULL_CLOSURE = 400


@dataclass(frozen=True)
class Side:
    """The quickest drives of one side: ``minutes[i, j]`` (inf: unreachable) and how to spell
    each out: next hops (a full closure), or the shortest-path trees from and to each place
    one may not pass through (a partial one; other drives are direct legs)."""

    ids: list[str]
    minutes: FloatArray
    next_hop: IntArray | None
    direct: FloatArray  # the instance's own legs (nan: no road), which the referee checks
    pred_from: dict[int, IntArray] | None = None  # source -> predecessor of each place
    pred_to: dict[int, IntArray] | None = None  # target -> next place toward it

    def path(self, i: int, j: int) -> list[int]:
        """Indices of the places a quickest drive from ``i`` to ``j`` visits, both ends included."""
        if self.next_hop is not None:
            out = [i]
            while out[-1] != j:
                out.append(int(self.next_hop[out[-1], j]))
            return out
        if i == j:
            return [i]
        if self.pred_from is not None and i in self.pred_from:
            back = [j]
            pred = self.pred_from[i]
            while back[-1] != i:
                back.append(int(pred[back[-1]]))
            return back[::-1]
        if self.pred_to is not None and j in self.pred_to:
            out = [i]
            nxt = self.pred_to[j]
            while out[-1] != j:
                out.append(int(nxt[out[-1]]))
            return out
        return [i, j]


def close_side(ids: list[str], direct: FloatArray, via: set[str]) -> Side:
    """The quickest drives over the direct legs, passing only through the places in ``via``:
    Floyd-Warshall up to :data:`FULL_CLOSURE` places, a partial closure beyond."""
    n = len(ids)
    dist = np.where(np.isnan(direct), np.inf, direct)
    np.fill_diagonal(dist, np.minimum(np.diag(dist), 0.0))
    if n > FULL_CLOSURE:
        return _partial_closure(ids, direct, dist, [i for i, p in enumerate(ids) if p not in via])
    nxt = np.tile(np.arange(n, dtype=np.int64), (n, 1))
    for k in (i for i, p in enumerate(ids) if p in via):
        through = dist[:, k, None] + dist[None, k, :]
        better = through < dist
        dist = np.where(better, through, dist)
        nxt = np.where(better, nxt[:, k, None], nxt)
    return Side(ids, dist, nxt, direct)


def _partial_closure(ids: list[str], direct: FloatArray, dist: FloatArray, ends: list[int]) -> Side:
    """Exact quickest drives from and to each place of ``ends`` (which no drive passes
    through), by Dijkstra on a graph where each of them is given a copy that only leaves."""
    out = dist.copy()
    pred_from = _trees(dist, ends)
    pred_to = _trees(dist.T, ends)
    for s, (d, _) in pred_from.items():
        out[s, :] = d
    for t, (d, _) in pred_to.items():
        out[:, t] = d
    return Side(
        ids, out, None, direct,
        {s: p for s, (_, p) in pred_from.items()},
        {t: p for t, (_, p) in pred_to.items()},
    )  # fmt: skip


def _trees(dist: FloatArray, ends: list[int]) -> dict[int, tuple[FloatArray, IntArray]]:
    """Per place s of ``ends``: the quickest drive from s to every place, passing only
    through places not in ``ends``, and each place's predecessor on it (s itself first)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    n, m = dist.shape[0], len(ends)
    if not ends:
        return {}
    blocked = np.zeros(n, dtype=bool)
    blocked[ends] = True
    finite = np.isfinite(dist) & ~np.eye(n, dtype=bool)
    rows, cols = np.nonzero(finite & ~blocked[:, None])  # a blocked place is never left
    src_rows, src_cols = np.nonzero(finite[ends])  # ... except by its own copy
    r = np.concatenate([rows, n + src_rows])
    c = np.concatenate([cols, src_cols])
    w = np.concatenate([dist[rows, cols], dist[np.asarray(ends)[src_rows], src_cols]])
    graph = csr_matrix((w, (r, c)), shape=(n + m, n + m))
    d, pred = dijkstra(graph, indices=np.arange(n, n + m), return_predecessors=True)
    out = {}
    for i, s in enumerate(ends):
        p = pred[i, :n].astype(np.int64)
        p[p >= n] = s  # the copy stands for s
        di = d[i, :n].copy()
        di[s] = 0.0
        out[s] = (di, p)
    return out


@dataclass(frozen=True)
class Drives:
    outside: Side
    inside: Side


def quickest_drives(inst: Instance, vehicle_type: str | None = None) -> Drives:
    """The closure of both matrices that ``vehicle_type`` drives on (the shared ones by
    default; see the module docstring)."""
    outer_via = {d.id for d in inst.depots} | {r.id for r in inst.receptions}
    inner_via = {g.id for g in inst.gathering}
    travel = inst.travel_of(vehicle_type)
    return Drives(
        close_side(inst.outside_ids, travel.outside, outer_via),
        close_side(inst.inside_ids, travel.inside, inner_via),
    )


def quickest_minutes(
    instance: Instance, vehicle_type: str | None = None
) -> tuple[dict[str, int], dict[str, int], FloatArray]:
    """All-pairs quickest drives of ``vehicle_type`` over one graph of both sides of the zone.

    Nodes are the outside places and the inside places (a checkpoint appears on both sides);
    a crossing joins the two sides of its checkpoint at its service time (if it has a lane).
    Any sequence of legs, stops and crossings a route makes between two events lasts at least
    the quickest drive between them in this graph, which is why the bound and the exact model
    use it for every duration. Returns (outside index, inside index, matrix) with ``inf``
    where there is no way.
    """
    travel = instance.travel_of(vehicle_type)
    out_ids, in_ids = instance.outside_ids, instance.inside_ids
    n_out = len(out_ids)
    n = n_out + len(in_ids)
    d = np.full((n, n), np.inf)
    d[:n_out, :n_out] = np.where(np.isnan(travel.outside), np.inf, travel.outside)
    d[n_out:, n_out:] = np.where(np.isnan(travel.inside), np.inf, travel.inside)
    oi = {p: i for i, p in enumerate(out_ids)}
    ii = {p: n_out + i for i, p in enumerate(in_ids)}
    for k in instance.checkpoints:
        if k.inward.lanes > 0:
            d[oi[k.id], ii[k.id]] = min(d[oi[k.id], ii[k.id]], k.inward.service)
        if k.outward.lanes > 0:
            d[ii[k.id], oi[k.id]] = min(d[ii[k.id], oi[k.id]], k.outward.service)
    np.fill_diagonal(d, 0.0)
    if n > FULL_CLOSURE:
        return (
            oi,
            ii,
            _from_and_to_ends(d, sorted({*oi.values(), *(ii[k.id] for k in instance.checkpoints)})),
        )
    for m in range(n):  # Floyd-Warshall, one row-and-column relaxation at a time
        np.minimum(d, d[:, m : m + 1] + d[m : m + 1, :], out=d)
    return oi, ii, d


def _from_and_to_ends(d: FloatArray, ends: list[int]) -> FloatArray:
    """Quickest drives from and to each place of ``ends`` (Dijkstra, through any place); the
    drives between two other places (gathering points) are left at 0, a lower bound that
    nothing reads: every duration the bound and the exact model use starts or ends at a
    checkpoint, a depot or a reception centre."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    n = d.shape[0]
    finite = np.isfinite(d) & ~np.eye(n, dtype=bool)
    rows, cols = np.nonzero(finite)
    graph = csr_matrix((d[rows, cols], (rows, cols)), shape=(n, n))
    out = np.zeros((n, n))
    out[ends, :] = dijkstra(graph, indices=ends)
    out[:, ends] = dijkstra(graph.T.tocsr(), indices=ends).T
    return out
