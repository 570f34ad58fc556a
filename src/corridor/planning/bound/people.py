"""The people rows of the time-indexed relaxation: who is carried, by which vehicle type, to
which centre, within who waits, the beds, the room on the legs, the vehicles' round trips, the
agreed vehicle limit and the minutes people take to board and alight.

The objective is sum(weight x people) over the columns ``z[type, class, centre]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from corridor.planning.bound.geometry import TypeGeometry, loads_per_vehicle
from corridor.planning.bound.points import add_point_rows

if TYPE_CHECKING:
    from corridor.planning.bound.network import Grid, TypeArcs
    from corridor.planning.highs import IntArray, SparseLP
    from corridor.planning.instance import Instance, VehicleType

INF = math.inf


@dataclass(frozen=True)
class TypeFleet:
    """One vehicle type in the relaxation: its vehicles, roads, arcs and who it can fetch."""

    vtype: VehicleType
    count: int
    geo: TypeGeometry
    arcs: TypeArcs
    avail: dict[str, float]  # people by class at the points this type can fetch from


def add_people_rows(
    lp: SparseLP,
    instance: Instance,
    grid: Grid,
    types: list[TypeFleet],
    avail: dict[str, float],
    cap: int | None,
) -> None:
    """Every row on people (see the module docstring); ``avail`` is who any type can fetch."""
    classes, recs = instance.classes, instance.receptions
    z: dict[tuple[str, str, int], int] = {}
    for tf in types:
        t = tf.vtype
        for c, cls in classes.items():
            room = t.stretchers if cls.stretcher else t.seats
            for r, rec in enumerate(recs):
                if room <= 0 or (cls.medical and not rec.medical) or avail[c] <= 0:
                    continue
                z[t.name, c, r] = int(lp.add_cols(1, avail[c], cls.weight)[0])
    for c in classes:  # who waits
        zc = [col for key, col in z.items() if key[1] == c]
        if zc:
            lp.add_row(avail[c], zc, family=f"people {c}")
    for r, rec in enumerate(recs):  # beds
        zr = [col for key, col in z.items() if key[2] == r]
        if zr:
            lp.add_row(math.floor(rec.capacity + 1e-9), zr, family=f"reception {rec.id}")
    used = _vehicle_limit(lp, types, cap)
    add_point_rows(lp, instance, [
        (tf.vtype.name, tf.geo, tf.arcs.bands,
         [col for key, col in z.items() if key[0] == tf.vtype.name])
        for tf in types
    ])  # fmt: skip
    for tf in types:
        mine = {key: col for key, col in z.items() if key[0] == tf.vtype.name}
        _fleet_rows(lp, instance, grid, tf, mine, used.get(tf.vtype.name))
        _room_rows(lp, instance, tf, mine)
        _time_rows(lp, instance, grid, tf, mine, avail)
        for c, n in tf.avail.items():  # this type's roads may not reach everyone
            zc = [col for key, col in mine.items() if key[1] == c]
            if zc and n < avail[c]:
                lp.add_row(n, zc, family=f"people {c} by {tf.vtype.name}")


def _vehicle_limit(lp: SparseLP, types: list[TypeFleet], cap: int | None) -> dict[str, int]:
    """Under ``max_vehicles``, a column per type for the vehicles of it that leave their depot
    (at least its flow out of the depots), summing to at most the cap."""
    if cap is None or cap >= sum(tf.count for tf in types):
        return {}
    used = {}
    for tf in types:
        col = int(lp.add_cols(1, float(tf.count))[0])
        used[tf.vtype.name] = col
        if tf.arcs.sources:
            cols = [int(c) for arr in tf.arcs.sources for c in arr]
            lp.add_row(0.0, [*cols, col], [1.0] * len(cols) + [-1.0], "vehicle limit")
    lp.add_row(float(cap), list(used.values()), family="vehicle limit")
    return used


def _fleet_rows(
    lp: SparseLP,
    instance: Instance,
    grid: Grid,
    tf: TypeFleet,
    mine: dict[tuple[str, str, int], int],
    used: int | None,
) -> None:
    """Each vehicle: m boarding segments take m visits and m - 1 turns inside the window, and
    their boarding minutes too (see geometry.loads_per_vehicle); ``used``: the column of the
    vehicles of this type that leave (the whole fleet of it if None)."""
    t, fam = tf.vtype, f"fleet round trips {tf.vtype.name}"
    loads, most = loads_per_vehicle(
        grid.span, tf.geo.visit_min, tf.geo.turn_min, instance.stop_per_person,
        t.seats + t.stretchers,
    )  # fmt: skip
    parts: list[tuple[list[int], float]] = []
    if mine and math.isfinite(most):
        parts.append((list(mine.values()), most))
    for stretcher, room in ((False, t.seats), (True, t.stretchers)):
        part = [col for key, col in mine.items() if instance.classes[key[1]].stretcher == stretcher]
        if part:
            parts.append((part, float(loads * room)))
    for cols, per_vehicle in parts:
        if used is None:
            lp.add_row(tf.count * per_vehicle, cols, family=fam)
        else:
            lp.add_row(0.0, [*cols, used], [1.0] * len(cols) + [-per_vehicle], fam)


def _room_rows(
    lp: SparseLP, instance: Instance, tf: TypeFleet, mine: dict[tuple[str, str, int], int]
) -> None:
    """A load may alight at several centres on one way back (docs/planning-bound.md,
    "Capacities only grow"): one with a medical class goes whole onto a leg to a medical
    centre, any other is split among its centres' legs in proportion to who alights where, so
    a load always makes one vehicle. Hence seated and stretcher people fit the seats and
    stretchers of all legs, medical ones those of the legs to medical centres, the people of
    each set of centres that holds every medical one fit the room of the legs to the set, and
    every load was boarded in a visit that stopped at a gathering point."""
    t, classes, fam = tf.vtype, instance.classes, f"room {tf.vtype.name}"
    recs = instance.receptions
    medical = [r for r, rec in enumerate(recs) if rec.medical]
    for stretcher, room in ((False, t.seats), (True, t.stretchers)):
        sel = [c for c in classes if classes[c].stretcher == stretcher]
        for subset, only_medical in ((sel, False), ([c for c in sel if classes[c].medical], True)):
            zr = [col for key, col in mine.items() if key[1] in subset]
            if zr:
                legs = [a.cols for r in (medical if only_medical else range(len(recs)))
                        for a in tf.arcs.to_rec[r]]  # fmt: skip
                _bounded_by_arcs(lp, zr, legs, float(room), fam)
        zt = [col for key, col in mine.items() if key[1] in sel]
        if zt:
            _bounded_by_arcs(lp, zt, [a.cols for a in tf.arcs.loaded], float(room), fam)
    # Every load was boarded in a visit that stopped, which carries at most its size.
    zt = list(mine.values())
    if zt:
        row = lp.add_row(0.0, zt, family=fam)
        for arcs in tf.arcs.loaded:
            lp.entries([row] * len(arcs.cols), arcs.cols, -arcs.room)
    # A load with medical people goes whole onto a leg to a medical centre; any other load
    # that alights at several centres is split among their legs in proportion to who alights
    # where. So the people a set of centres takes, with every medical one in it, fit the legs
    # to that set (each leg at the room of its size of load); a type that has no room for any
    # medical class splits every load, and each centre is such a set.
    carries_medical = any(
        cls.medical and (t.stretchers if cls.stretcher else t.seats) > 0 for cls in classes.values()
    )
    if medical and carries_medical:
        sets = [medical] + [[r, *medical] for r in range(len(recs)) if r not in medical]
    else:
        sets = [[r] for r in range(len(recs))]
    for group in sets:
        zr = [col for key, col in mine.items() if key[2] in group]
        if zr:
            row = lp.add_row(0.0, zr, family=fam)
            for r in group:
                for leg in tf.arcs.to_rec[r]:
                    lp.entries([row] * len(leg.cols), leg.cols, -leg.room)


def _bounded_by_arcs(
    lp: SparseLP, cols: list[int], arcs: list[IntArray], per_arc: float, fam: str
) -> None:
    """sum(cols) <= per_arc * (flow on every arc of ``arcs``)."""
    row = lp.add_row(0.0, cols, family=fam)
    for leg in arcs:
        lp.entries([row] * len(leg), leg, -per_arc)


def _time_rows(
    lp: SparseLP,
    instance: Instance,
    grid: Grid,
    tf: TypeFleet,
    mine: dict[tuple[str, str, int], int],
    avail: dict[str, float],
) -> None:
    """Boarding minutes come out of the waits inside (one cell of rounding per visit);
    alighting minutes of vehicles that come back out of the waits outside."""
    pp, info, name = instance.stop_per_person, tf.arcs, tf.vtype.name
    everyone = list(mine.values())
    if pp <= 0 or not everyone:
        return
    row = lp.add_row(0.0, everyone, pp, f"boarding time {name}")
    for arcs in (*info.wait_q, *(loaded.cols for loaded in info.loaded)):
        lp.entries([row] * len(arcs), arcs, -grid.delta)
    for loaded in info.loaded:  # the minutes a visit's duration already includes
        if loaded.paid > 0:
            lp.entries([row] * len(loaded.cols), loaded.cols, -loaded.paid)
    z_fin = lp.add_cols(1, float(sum(avail.values())))
    row = lp.add_row(0.0, [*everyone, int(z_fin[0])], [pp] * len(everyone) + [-pp],
                     f"alighting time {name}")  # fmt: skip
    for arcs in (*info.wait_pr, *info.returns):
        lp.entries([row] * len(arcs), arcs, -grid.delta)
    for leg in info.alight_paid:  # the minutes a leg's duration already includes
        if leg.paid > 0:
            lp.entries([row] * len(leg.cols), leg.cols, -leg.paid)
    row = lp.add_row(0.0, z_fin, family=f"alighting time {name}")
    for arcs in info.final:
        lp.entries([row] * len(arcs), arcs, -float(tf.vtype.seats + tf.vtype.stretchers))
