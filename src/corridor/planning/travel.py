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


def quickest_drives(inst: Instance) -> Drives:
    """The closure of both matrices of ``inst`` (see the module docstring)."""
    outer_via = {d.id for d in inst.depots} | {r.id for r in inst.receptions}
    inner_via = {g.id for g in inst.gathering}
    return Drives(
        close_side(inst.outside_ids, inst.outside, outer_via),
        close_side(inst.inside_ids, inst.inside, inner_via),
    )
