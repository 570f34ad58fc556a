"""Use case: what the hazards do to the roads, in words: how many road segments they close to
every vehicle and how many more to some vehicle types only, and the closed hazards that close
no road at all (a damaged bridge's point off the bridge, coordinates swapped).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from corridor.scenario.preflight import PlanningWarning
from corridor.services.network import Network
from corridor.services.place_bounds import LON_FIRST, SWAPPED, Bounds


@dataclass(frozen=True)
class HazardClosures:
    """``hazards`` close ``to_all`` road segments to every vehicle and ``to_some`` more to the
    fleet types ``types`` only (a bridge closed to heavy vehicles)."""

    hazards: int
    to_all: int
    to_some: int = 0
    types: tuple[str, ...] = ()

    def text(self) -> str:
        """``3 hazards close 40 segments to all, 3 more to truck, bus``."""
        head = (
            f"{self.hazards} hazard closes"
            if self.hazards == 1
            else f"{self.hazards} hazards close"
        )
        if not self.to_some:
            return f"{head} {self.to_all:,} segments"
        return (
            f"{head} {self.to_all:,} segments to all, {self.to_some:,} more to "
            f"{', '.join(self.types)}"
        )


def _types(net: Network) -> list[str]:
    return net.fleet_types or list(net.scenario.vehicle_types)


def hazard_closures(net: Network) -> HazardClosures:
    """How many road segments the scenario's hazards close, to all and to some types."""
    open_edges = net.effect.open_edges
    some = np.zeros(len(open_edges), dtype=bool)
    types = []
    for t in _types(net):
        closed = net.effect.closed_for(net.hazards, net.profiles[t]) & open_edges
        if closed.any():
            types.append(t)
            some |= closed
    return HazardClosures(
        len(net.scenario.hazards), int((~open_edges).sum()), int(some.sum()), tuple(types)
    )


def hazard_warnings(net: Network) -> list[PlanningWarning]:
    """A warning for each closed hazard that closes no road to any vehicle type."""
    out = []
    profiles = [net.profiles[t] for t in _types(net)]
    for i, (h, area) in enumerate(zip(net.scenario.hazards, net.hazards, strict=True)):
        if not h.closed:
            continue
        edges = net.effect.edges_of(i)
        if len(edges) and not area.for_some:
            continue
        if len(edges) and any(area.closes_for(p) for p in profiles):
            continue
        buffer = f"buffer_m = {h.buffer_m:g} m"
        if len(edges):
            text = (
                f"{h.id} closes no road to any vehicle type of the fleet: its "
                f"{len(edges):,} road segments stay open to {', '.join(_types(net))}"
            )
        elif h.bridges_only:
            text = (
                f"{h.id} closes no road: bridges_only, and no bridge (OSM bridge=*) is within "
                f"its geometry and {buffer}"
            )
        else:
            text = f"{h.id} closes no road: no road is within its geometry and {buffer}"
        out.append(PlanningWarning("hazard_closes_nothing", (h.id,), text + _swap_hint(net, i)))
    return out


def _swap_hint(net: Network, i: int) -> str:
    """``; latitude and longitude swapped?`` when the hazard lies outside the extract and
    would lie inside it with its two numbers swapped."""
    shape = net.scenario.hazards[i].geometry.shape()
    bounds = Bounds.of(net.graph)
    box = shapely.box(bounds.west, bounds.south, bounds.east, bounds.north)
    if shape.intersects(box):
        return ""
    swapped = shapely.transform(shape, lambda xy: xy[:, ::-1])
    if not swapped.intersects(box):
        return ""
    return f"; {SWAPPED} With them swapped it lies inside the extract {LON_FIRST}"
