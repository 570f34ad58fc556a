"""Warnings a coordinator wants before planning, read off a CEP instance (standard library).

Each names the ids and the numbers: reception capacity (and medical capacity) below the people
(and the medical people) waiting, a reception centre with capacity 0, supplies below needs, a
class of people no vehicle in the fleet can carry, a checkpoint direction with no lane, and a
window shorter than the quickest trip through the zone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PlanningWarning:
    """One warning: a short ``code``, the ids it is about, and the sentence to read."""

    code: str
    ids: tuple[str, ...]
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "ids": list(self.ids), "text": self.text}


def _n(x: float) -> str:
    return f"{x:,.0f}"


def preflight(instance: dict[str, Any]) -> list[PlanningWarning]:
    """Every warning about ``instance`` (a ``cep/1`` dict), most serious first."""
    out: list[PlanningWarning] = []
    out += _capacity(instance)
    out += _carriers(instance)
    out += _supplies(instance)
    out += _lanes(instance)
    out += _window(instance)
    return out


def _waiting(inst: dict[str, Any], medical_only: bool = False) -> int:
    classes = inst["classes"]
    return sum(
        int(n)
        for g in inst["gathering"]
        for c, n in g["people"].items()
        if not medical_only or classes.get(c, {}).get("medical")
    )


def _capacity(inst: dict[str, Any]) -> list[PlanningWarning]:
    out = []
    recs = inst["receptions"]
    for r in recs:
        if float(r["capacity"]) <= 0:
            out.append(
                PlanningWarning(
                    "zero_capacity",
                    (r["id"],),
                    f"{r['id']} has capacity 0: nobody can be taken there",
                )
            )
    waiting = _waiting(inst)
    room = sum(float(r["capacity"]) for r in recs)
    if room < waiting:
        each = ", ".join(f"{r['id']} {_n(float(r['capacity']))}" for r in recs)
        out.append(
            PlanningWarning(
                "capacity",
                tuple(r["id"] for r in recs),
                f"reception centres take {_n(room)} people ({each}) but {_n(waiting)} are "
                f"waiting: {_n(waiting - room)} cannot be taken anywhere",
            )
        )
    medical = _waiting(inst, medical_only=True)
    med = [r for r in recs if r.get("medical")]
    med_room = sum(float(r["capacity"]) for r in med)
    if medical and med_room < medical:
        where = ", ".join(f"{r['id']} {_n(float(r['capacity']))}" for r in med) or "none"
        classes = [c for c, spec in inst["classes"].items() if spec.get("medical")]
        out.append(
            PlanningWarning(
                "medical_capacity",
                tuple(r["id"] for r in med) or tuple(classes),
                f"{_n(medical)} people need a medical centre but medical centres take "
                f"{_n(med_room)} ({where})",
            )
        )
    return out


def _fleet(inst: dict[str, Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for d in inst["depots"]:
        for t, n in d["fleet"].items():
            out[t] = out.get(t, 0) + int(n)
    return {t: n for t, n in out.items() if n > 0}


def _carriers(inst: dict[str, Any]) -> list[PlanningWarning]:
    fleet = _fleet(inst)
    types = inst["vehicle_types"]
    if not fleet:
        return [PlanningWarning("no_vehicles", (), "the depots have no vehicles")]
    out = []
    for c, spec in inst["classes"].items():
        people = sum(int(g["people"].get(c, 0)) for g in inst["gathering"])
        if not people:
            continue
        place = "stretchers" if spec.get("stretcher") else "seats"
        if not any(int(types[t].get(place, 0)) > 0 for t in fleet):
            each = ", ".join(f"{t} {int(types[t].get(place, 0))}" for t in fleet)
            where = "a stretcher place" if place == "stretchers" else "a seat"
            out.append(
                PlanningWarning(
                    "no_carrier",
                    (c,),
                    f"{_n(people)} {c} people wait, but no vehicle in the fleet has {where} "
                    f"({place}: {each})",
                )
            )
    return out


def _supplies(inst: dict[str, Any]) -> list[PlanningWarning]:
    need = sum(float(g.get("needs_kg", 0)) for g in inst["gathering"])
    have = sum(float(d.get("supplies_kg", 0)) for d in inst["depots"])
    if need <= have:
        return []
    each = ", ".join(f"{d['id']} {_n(float(d.get('supplies_kg', 0)))}" for d in inst["depots"])
    return [
        PlanningWarning(
            "supplies",
            tuple(d["id"] for d in inst["depots"]),
            f"depots hold {_n(have)} kg of supplies ({each}) but gathering points need "
            f"{_n(need)} kg: {_n(need - have)} kg short",
        )
    ]


def _lanes(inst: dict[str, Any]) -> list[PlanningWarning]:
    out = []
    for k in inst["checkpoints"]:
        for d, word in (("in", "inward"), ("out", "outward")):
            if int(k[d]["lanes"]) <= 0:
                out.append(
                    PlanningWarning(
                        "no_lane", (k["id"],), f"{k['id']} has no lane {word} ({d}.lanes 0)"
                    )
                )
    return out


def _window(inst: dict[str, Any]) -> list[PlanningWarning]:
    """The quickest trip through the zone (in, to a gathering point, out) against the window."""
    span = float(inst["window"]["close"]) - float(inst["window"]["open"])
    inside = inst["travel"]["inside"]
    ids, m = inside["ids"], inside["minutes"]
    at = {i: n for n, i in enumerate(ids)}
    stop = float(inst.get("stop_time", {}).get("fixed", 0))
    best: tuple[float, str] | None = None
    for g in inst["gathering"]:
        for kin in inst["checkpoints"]:
            for kout in inst["checkpoints"]:
                if int(kin["in"]["lanes"]) <= 0 or int(kout["out"]["lanes"]) <= 0:
                    continue
                there, back = m[at[kin["id"]]][at[g["id"]]], m[at[g["id"]]][at[kout["id"]]]
                if there is None or back is None:
                    continue
                total = float(kin["in"]["service"]) + there + stop + back
                total += float(kout["out"]["service"])
                words = (
                    f"in at {kin['id']} {kin['in']['service']:g} + {there:g} to {g['id']} + "
                    f"stop {stop:g} + {back:g} to {kout['id']} + out {kout['out']['service']:g}"
                )
                if best is None or total < best[0]:
                    best = (total, words)
    if best is None or best[0] <= span + 1e-9:
        return []
    return [
        PlanningWarning(
            "window",
            (),
            f"the window is {span:g} min but the quickest trip through the zone takes "
            f"{math.ceil(best[0]):g} min ({best[1]})",
        )
    ]
