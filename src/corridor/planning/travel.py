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


@dataclass(frozen=True)
class Side:
    """The quickest drives of one side: ``minutes[i, j]`` (inf: unreachable) and next hops."""

    ids: list[str]
    minutes: FloatArray
    next_hop: IntArray
    direct: FloatArray  # the instance's own legs (nan: no road), which the referee checks

    def path(self, i: int, j: int) -> list[int]:
        """Indices of the places a quickest drive from ``i`` to ``j`` visits, both ends included."""
        out = [i]
        while out[-1] != j:
            out.append(int(self.next_hop[out[-1], j]))
        return out


def close_side(ids: list[str], direct: FloatArray, via: set[str]) -> Side:
    """Floyd-Warshall over the direct legs, passing only through the places in ``via``."""
    n = len(ids)
    dist = np.where(np.isnan(direct), np.inf, direct)
    np.fill_diagonal(dist, np.minimum(np.diag(dist), 0.0))
    nxt = np.tile(np.arange(n, dtype=np.int64), (n, 1))
    for k in (i for i, p in enumerate(ids) if p in via):
        through = dist[:, k, None] + dist[None, k, :]
        better = through < dist
        dist = np.where(better, through, dist)
        nxt = np.where(better, nxt[:, k, None], nxt)
    return Side(ids, dist, nxt, direct)


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
    for m in range(n):  # Floyd-Warshall, one row-and-column relaxation at a time
        np.minimum(d, d[:, m : m + 1] + d[m : m + 1, :], out=d)
    return oi, ii, d
