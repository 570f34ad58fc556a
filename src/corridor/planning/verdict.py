"""The verdict on a plan: the rules of ``data/cep/FORMAT.md`` by name, each broken rule with
who, where and when (:class:`Violation`), and what the plan achieves (:class:`CheckResult`),
in the shape of the referee's ``--json`` output."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TOL = 1e-6
RULES: tuple[str, ...] = (
    "vehicle-id",
    "start",
    "sequence",
    "travel",
    "stop-time",
    "crossing",
    "lanes",
    "window",
    "capacity",
    "where",
    "supply",
    "reception",
    "empty",
    "fleet-cap",
)


@dataclass(frozen=True)
class Violation:
    """One broken rule: its name (one of :data:`RULES`) and who, where and when."""

    rule: str
    detail: str


@dataclass
class CheckResult:
    """The verdict on a plan and what it achieves; ``score`` is 0 for an infeasible plan."""

    feasible: bool
    violations: list[Violation]
    score: float
    evacuated: dict[str, int]
    cargo_kg: float
    vehicles_used: int
    last_out: float | None
    unloaded_kg: float = 0.0

    @property
    def rules_broken(self) -> set[str]:
        return {v.rule for v in self.violations}

    def to_json(self) -> dict[str, Any]:
        """The same fields, in the same shape, as the referee's ``--json`` output."""
        return {
            "feasible": self.feasible,
            "violations": [{"rule": v.rule, "detail": v.detail} for v in self.violations],
            "score": self.score,
            "evacuated": dict(self.evacuated),
            "cargo_kg": self.cargo_kg,
            "vehicles_used": self.vehicles_used,
            "last_out": self.last_out,
        }
