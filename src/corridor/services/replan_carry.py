"""What a replan carries over from the plan it replaces (docs/live.md, "Replanning from the
live state").

- The closed hazards: every earlier replan's incident stays closed (there is no action that
  lifts one), the new incident's is added.
- The vehicles that plan held where they were (stranded, or held for a recorded state that
  breaks the plan rules): they have no trip sheet, so the live state does not know them, yet
  their stops were made and their people are aboard. They are kept with every stop they made,
  so that the planner holds them again, or brings them out from where they are with their
  people aboard, but never starts them afresh from their depot.
"""

from __future__ import annotations

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
