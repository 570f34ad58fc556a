"""What the construction reads about an instance and never changes: :class:`ProblemData`.

Ids become indices, the classes an order (heaviest first), and each vehicle type's quickest
drives (:mod:`corridor.planning.travel`) the arrays a trip is evaluated with (:class:`Roads`):
to and from the checkpoints, between gathering points, the quickest way out of the zone and
back from a reception centre. Under an agreed vehicle limit it also holds the fleet choice the
coordinator imposed (pinned and excluded vehicles).
"""

from __future__ import annotations

import math

import numpy as np

from corridor.planning.instance import Instance
from corridor.planning.travel import Drives, quickest_drives

INF = math.inf


class Roads:
    """The quickest drives of one vehicle type, in the arrays the construction reads."""

    def __init__(self, data: ProblemData, drives: Drives) -> None:
        inst = data.inst
        self.drives = drives
        dout, din = drives.outside.minutes, drives.inside.minutes
        self.to_k = dout[:, data.k_out]  # any outside place -> checkpoint (outer side)
        self.k_to_r = dout[np.ix_(data.k_out, data.r_out)]
        self.k_to_g = din[np.ix_(data.k_in, data.g_in)]
        self.g_to_k = din[np.ix_(data.g_in, data.k_in)]
        self.g_to_g = din[np.ix_(data.g_in, data.g_in)]
        # Quickest way out of the zone from each gathering point (drive + service).
        with np.errstate(invalid="ignore"):
            self.exit_min = np.min(self.g_to_k + data.svc_out[None, :], axis=1, initial=INF)
        # From a reception centre back to the nearest checkpoint: the cost of the next trip.
        self.r_back = np.min(self.to_k[data.r_out], axis=1, initial=INF)
        self.r_back_l: list[float] = self.r_back.tolist()
        self.k_to_r_l: list[list[float]] = self.k_to_r.tolist()
        self.g_to_k_l: list[list[float]] = self.g_to_k.tolist()
        # Per checkpoint, the centres a vehicle can drive to from it and back from.
        self.centres_from = [
            {r for r, (c, b) in enumerate(zip(row, self.r_back_l, strict=True))
             if math.isfinite(c) and math.isfinite(c + b)}
            for row in self.k_to_r_l
        ]  # fmt: skip
        # The shortest zone visit: in, to a gathering point, a stop, and out again.
        with np.errstate(invalid="ignore"):
            into = np.min(data.svc_in[:, None] + self.k_to_g, axis=0, initial=INF)
        self.min_visit = float(np.min(into + inst.stop_fixed + self.exit_min, initial=INF))


class ProblemData:
    """Everything about an instance that the construction reads and never changes."""

    def __init__(
        self,
        inst: Instance,
        drives: Drives | None = None,
        pinned: frozenset[str] = frozenset(),
        excluded: frozenset[str] = frozenset(),
    ) -> None:
        self.inst = inst
        out_ix, in_ix = inst.outside_index, inst.inside_index
        self.classes = list(inst.classes)
        self.weight = np.array([inst.classes[c].weight for c in self.classes])
        self.stretcher = np.array([inst.classes[c].stretcher for c in self.classes])
        self.medical = np.array([inst.classes[c].medical for c in self.classes])
        # Classes in the order a vehicle should take them: heaviest first, worthless never.
        self.order = [int(c) for c in np.argsort(-self.weight, kind="stable") if self.weight[c] > 0]
        # The lightest weight that counts: a head at that weight is what a full slot is sure of.
        self.floor = float(min((self.weight[c] for c in self.order), default=0.0))
        self.g_ids = [g.id for g in inst.gathering]
        self.k_ids = [k.id for k in inst.checkpoints]
        self.r_ids = [r.id for r in inst.receptions]
        self.d_ids = [d.id for d in inst.depots]
        self.g_in = np.array([in_ix[g] for g in self.g_ids], dtype=np.int64)
        self.k_in = np.array([in_ix[k] for k in self.k_ids], dtype=np.int64)
        self.k_out = np.array([out_ix[k] for k in self.k_ids], dtype=np.int64)
        self.r_out = np.array([out_ix[r] for r in self.r_ids], dtype=np.int64)
        self.d_out = {d: out_ix[d] for d in self.d_ids}
        self.g_index = {g: i for i, g in enumerate(self.g_ids)}
        self.r_index = {r: i for i, r in enumerate(self.r_ids)}
        self.d_index = {d: i for i, d in enumerate(self.d_ids)}
        self.c_index = {c: i for i, c in enumerate(self.classes)}
        self.svc_in = np.array([k.inward.service for k in inst.checkpoints])
        self.svc_out = np.array([k.outward.service for k in inst.checkpoints])
        self.lanes_in = [k.inward.lanes for k in inst.checkpoints]
        self.lanes_out = [k.outward.lanes for k in inst.checkpoints]
        self.r_medical = np.array([r.medical for r in inst.receptions])
        self.r_medical_l: list[bool] = self.r_medical.tolist()
        self.svc_out_l: list[float] = self.svc_out.tolist()
        # The roads of each vehicle type: its own where the instance gives them, else shared.
        shared = Roads(self, drives or quickest_drives(inst))
        by_type = {t: Roads(self, quickest_drives(inst, t)) for t in inst.by_type}
        self.vehicles = inst.vehicles
        self.roads = [by_type.get(v.type, shared) for v in self.vehicles]
        self.seats = np.array([inst.vehicle_types[v.type].seats for v in self.vehicles])
        self.stretchers = np.array([inst.vehicle_types[v.type].stretchers for v in self.vehicles])
        self.cargo_cap = np.array([inst.vehicle_types[v.type].cargo_kg for v in self.vehicles])
        self.depot_of = [self.d_ids.index(v.depot) for v in self.vehicles]
        # The fleet the plan may use: at most ``cap`` vehicles leave their depot; the pinned
        # ones take their places first, the excluded ones get no trips.
        self.cap = inst.max_vehicles
        self.v_index = {v.name: i for i, v in enumerate(self.vehicles)}
        self.pinned = frozenset(i for i, v in enumerate(self.vehicles) if v.name in pinned)
        self.excluded = frozenset(i for i, v in enumerate(self.vehicles) if v.name in excluded)
        # A replan: no new inbound crossing starts before this minute (the notification lead).
        self.enter_from: float | None = None
