"""What a replan carries over from the plan it replaces (docs/live.md, "Replanning from the
live state").

- The closed hazards: every earlier replan's incident stays closed (there is no action that
  lifts one), the new incident's is added.
- The vehicles that plan held where they were (stranded, or held for a recorded state that
  breaks the plan rules): they have no trip sheet, so the live state does not know them, yet
  their stops were made and their people are aboard. They are kept with every stop they made,
  so that the planner holds them again, or brings them out from where they are with their
  people aboard, but never starts them afresh from their depot.
- The people the check-ins counted aboard: where the kept stops board more at a gathering point
  than the scenario says wait there (people came to the point after the count), the replan's
  instance has that many there (:func:`counted_over`): nobody is left waiting, the extra are
  carried out and reconciled like everyone aboard, and a note names the point and both numbers.
"""

from __future__ import annotations

from collections import Counter
from typing import Any


def hazard_of(incident: dict[str, Any], radius_m: float) -> dict[str, Any]:
    """A closed hazard of ``radius_m`` metres around an incident."""
    return {
        "id": f"INC-{incident['id']}",
        "name": f"incident {incident['id']}: {incident['kind']}",
        "kind": "shelling" if incident["kind"] == "shelling" else "other",
        "closed": True,
        "buffer_m": float(radius_m),
        "geometry": {"type": "Point", "coordinates": [incident["lon"], incident["lat"]]},
    }


def hazards_for(
    params: dict[str, Any] | None, incident: dict[str, Any] | None, radius_m: float
) -> list[dict[str, Any]]:
    """The hazards a replan closes: those of the plan it replaces (``params``: that plan's),
    then the incident's, if it has a place."""
    new = None if incident is None or incident["lat"] is None else hazard_of(incident, radius_m)
    return hazards_after((params or {}).get("hazards"), new)


def hazards_after(
    earlier: list[dict[str, Any]] | None, new: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """The earlier hazards, then the new one; an incident replanned again keeps the wider of
    its two radii (a hazard is never narrowed by a replan)."""
    out = {str(h["id"]): dict(h) for h in earlier or []}
    if new is not None:
        old = out.get(str(new["id"]))
        if old is None or float(new.get("buffer_m", 0)) >= float(old.get("buffer_m", 0)):
            out[str(new["id"])] = dict(new)
    return list(out.values())


def held_routes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The vehicles ``plan`` held where they were, as routes of every stop they made."""
    return [
        {"vehicle": h["vehicle"], "stops": [dict(s) for s in h.get("stops") or []]}
        for h in plan.get("held") or []
        if h.get("stops")
    ]


def keep_since(held: list[dict[str, Any]], before: dict[str, Any]) -> None:
    """A vehicle held again at the same place keeps the time it has been held since."""
    was = {h["vehicle"]: h for h in before.get("held") or []}
    for h in held:
        old = was.get(h["vehicle"])
        if old is not None and old.get("at") == h.get("at"):
            h["since"] = min(float(h["since"]), float(old["since"]))


def odd_notes(held: list[dict[str, Any]]) -> list[str]:
    """One line per vehicle held because its recorded state breaks the plan rules."""
    return [f"{h['vehicle']} at {h['at']}: {h['reason']}" for h in held if h.get("rules")]


def counted_over(
    instance: dict[str, Any], kept: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Where the ``kept`` stops (by vehicle) board more of a class at a gathering point than
    ``instance`` says wait there: ``{at, class, boarded, waiting}``, by point and class."""
    waiting = {str(g["id"]): g.get("people") or {} for g in instance.get("gathering") or []}
    boarded: Counter[tuple[str, str]] = Counter()
    for stops in kept.values():
        for s in stops:
            if s["at"] in waiting:
                for c, n in (s.get("board") or {}).items():
                    boarded[(s["at"], c)] += int(n)
    return [
        {"at": g, "class": c, "boarded": n, "waiting": int(waiting[g].get(c, 0))}
        for (g, c), n in sorted(boarded.items())
        if n > int(waiting[g].get(c, 0))
    ]


def with_counted(instance: dict[str, Any], over: list[dict[str, Any]]) -> dict[str, Any]:
    """``instance`` (not changed) with each point of ``over`` holding the people counted
    boarded there: none of them is left waiting."""
    if not over:
        return instance
    raised = {(o["at"], o["class"]): int(o["boarded"]) for o in over}
    gathering = []
    for g in instance["gathering"]:
        people = dict(g.get("people") or {})
        for (at, c), n in raised.items():
            if at == g["id"]:
                people[c] = max(int(people.get(c, 0)), n)
        gathering.append({**g, "people": people})
    return {**instance, "gathering": gathering}


def counted_notes(over: list[dict[str, Any]]) -> list[str]:
    """One line per point and class where more boarded than the scenario says wait there."""
    return [
        f"{o['at']}: the check-ins count {o['boarded']} {o['class']} boarded there, the "
        f"scenario {o['waiting']} waiting; nobody is left waiting, and the "
        f"{o['boarded'] - o['waiting']} more (come after the count) are carried out and "
        "reconciled on arrival like everyone aboard"
        for o in over
    ]


def idle_notes(
    kept: dict[str, int], routes: list[dict[str, Any]], held: list[dict[str, Any]]
) -> list[str]:
    """One line per vehicle found on its way (``kept``: how many of its stops were made) that
    the new plan neither routes nor holds: it made only stops that board nobody (its depot,
    a checkpoint's queue), and no trip it can still make was found within the roads, lanes and
    window left. Published, the differences say it is no longer used; this says why, so that
    nobody takes it for a vehicle lost."""
    planned = {str(r["vehicle"]) for r in routes} | {str(h["vehicle"]) for h in held}
    return [
        f"{v}: on its way at the replan ({n} stop(s) made, nobody aboard), but the new plan has "
        "no trip for it within the roads, lanes and window left: it is no longer used; send it "
        "back to its depot, or replan again when more is open"
        for v, n in sorted(kept.items())
        if n > 0 and v not in planned
    ]
