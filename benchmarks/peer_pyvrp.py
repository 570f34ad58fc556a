#!/usr/bin/env python3
"""The peer the planner is measured against: a PyVRP 0.14.1 model of a CEP instance.

This is the model a competent PyVRP user would write, without the project's own ideas:

- every gathering point's waiting people become optional prize clients, one per
  vehicle-load chunk of one class (a busful of seated people, an ambulance's stretchers),
  worth ``weight x people``;
- seats and stretcher places are two load dimensions, people are *pickups*;
- vehicles start at their depot; reception centres are reload depots (medical ones only for
  ambulances, so that stretcher cases reach a medical centre); a route ends at the reception
  nearest the checkpoints;
- every leg between outside and inside goes through the checkpoint that makes it quickest,
  including that checkpoint's service time;
- client time windows come from the ceasefire window (reachable after it opens, able to get
  out before it closes).

PyVRP cannot see that all vehicles share the checkpoint lanes, nor reception capacities. Its
solution is therefore *replayed* (``benchmarks/peer_replay.py``, shared with the OR-Tools
peer): first come first served at the checkpoints, trips that cannot clear them before the
window closes dropped. The replayed plan is a CEP plan the referee accepts.

    python3 benchmarks/peer_pyvrp.py data/cep/small.json -o /tmp/small.peer.json --seconds 30
"""

from __future__ import annotations

import math
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from pyvrp import Model
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxRuntime

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from peer_replay import Chunk, Lanes, Leg, PeerRoads, Trip, finish, main, replay

from corridor.planning.instance import parse_instance

__all__ = ["Chunk", "Lanes", "Leg", "PeerModel", "Trip", "peer_plan", "replay"]

SCALE = 100  # PyVRP wants whole numbers: centiminutes
PRIZE = 10000  # per unit of weighted people, against one centiminute of driving
BIG = 10**9


class PeerModel(PeerRoads):
    """The PyVRP model of an instance, on the peers' shared reading of it."""

    def solve(self, seconds: float, seed: int) -> list[Trip]:
        inst = self.inst
        m = Model()
        places = (
            [d.id for d in inst.depots]
            + [r.id for r in inst.receptions]
            + [g.id for g in inst.gathering]
        )
        loc = {p: m.add_location(x=0, y=0, name=p) for p in places}
        stop = inst.stop_fixed
        depot = {d.id: m.add_depot(loc[d.id], name=d.id) for d in inst.depots}
        # Unloading a busful takes fixed + per_person x seats at a reception.
        seats = max((v.seats for v in inst.vehicle_types.values()), default=0)
        unload = round((stop + inst.stop_per_person * seats) * SCALE)
        recep = {
            r.id: m.add_depot(loc[r.id], service_duration=unload, name=r.id)
            for r in inst.receptions
        }
        chunks = self.chunks()
        open_, close = inst.open * SCALE, inst.close * SCALE
        clients = []
        for ch in chunks:
            g = ch.gathering
            ins = [self.in_min(k, g) + c.inward.service for k, c in self.ks.items()]
            outs = [self.in_min(g, k) + c.outward.service for k, c in self.ks.items()]
            service = stop + inst.stop_per_person * ch.people
            early = open_ + round(min(ins) * SCALE) if not all(map(math.isnan, ins)) else BIG
            late = close - round((min(outs) + service) * SCALE) if outs else -1
            if late < early:
                continue  # nobody can fetch this chunk inside the window
            stretcher = inst.classes[ch.cls].stretcher
            client = m.add_client(
                loc[g],
                pickup=[0, ch.people] if stretcher else [ch.people, 0],
                service_duration=round(service * SCALE),
                tw_early=early,
                tw_late=late,
                prize=round(inst.classes[ch.cls].weight * ch.people * PRIZE),
                required=False,
                name=g,
            )
            clients.append((client, ch))
        # Edges: outside legs direct, legs across the boundary through the best checkpoint.
        outside_places = [d.id for d in inst.depots] + [r.id for r in inst.receptions]
        for a in outside_places:
            for b in outside_places:
                if a != b and not math.isnan(self.out_min(a, b)):
                    d = round(self.out_min(a, b) * SCALE)
                    m.add_edge(loc[a], loc[b], distance=d, duration=d)
        for g in inst.gathering:
            for o in outside_places:
                if (leg := self.enter(o, g.id)) is not None:
                    d = round(leg.minutes * SCALE)
                    m.add_edge(loc[o], loc[g.id], distance=d, duration=d)
                if (leg := self.leave(g.id, o)) is not None:
                    d = round(leg.minutes * SCALE)
                    m.add_edge(loc[g.id], loc[o], distance=d, duration=d)
            for h in inst.gathering:
                if g.id != h.id and not math.isnan(self.in_min(g.id, h.id)):
                    d = round(self.in_min(g.id, h.id) * SCALE)
                    m.add_edge(loc[g.id], loc[h.id], distance=d, duration=d)
        vtypes = []
        for dp in inst.depots:
            for t, n in dp.fleet.items():
                if n <= 0:
                    continue
                v = inst.vehicle_types[t]
                # Ambulances (stretcher places) unload only at medical centres.
                allowed = [r.id for r in inst.receptions if r.medical or v.stretchers == 0] or [
                    r.id for r in inst.receptions
                ]
                end = min(allowed, key=lambda r: min(self.out_min(k, r) for k in self.ks))
                vtypes.append((dp.id, t))
                m.add_vehicle_type(
                    num_available=n,
                    capacity=[v.seats, v.stretchers],
                    start_depot=depot[dp.id],
                    end_depot=recep[end],
                    reload_depots=[recep[r] for r in allowed],
                    name=f"{dp.id}/{t}",
                )
        with warnings.catch_warnings():
            # Expected here: the model is tight on time windows; the replay judges the result.
            warnings.simplefilter("ignore", PenaltyBoundWarning)
            res = m.solve(MaxRuntime(seconds), seed=seed, display=False)
        sol = res.best
        n_depots = len(inst.depots)
        recep_ids = [r.id for r in inst.receptions]
        trips: list[Trip] = []
        used: dict[int, int] = {}
        for route in sol.routes():
            vt = route.vehicle_type()
            k = used.get(vt, 0)
            used[vt] = k + 1
            dp, t = vtypes[vt]
            name = f"{dp}/{t}/{k}"
            at = dp
            current: list[Chunk] = []
            first_start = 0.0
            for act in route.schedule():
                if act.is_client():
                    if not current:
                        first_start = act.start_time / SCALE
                    current.append(clients[act.idx][1])
                elif act.is_depot() and current:
                    r = recep_ids[act.idx - n_depots]
                    g0 = current[0].gathering
                    leg = self.enter(at, g0)
                    assert leg is not None
                    k_in = leg.k
                    planned = first_start - self.in_min(k_in, g0) - self.ks[k_in].inward.service
                    trips.append(Trip(name, at, current, r, planned))
                    at, current = r, []
        return trips


def peer_plan(
    instance_raw: dict[str, Any], seconds: float = 30.0, seed: int = 1
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Solve the PyVRP model for `seconds` and replay it; returns (plan, facts about the run)."""
    inst = parse_instance(instance_raw)
    peer = PeerModel(inst)
    t0 = time.perf_counter()
    trips = peer.solve(seconds, seed)
    return finish(inst, peer, trips, {"solve_seconds": time.perf_counter() - t0})


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main(__doc__.splitlines()[0], peer_plan))
