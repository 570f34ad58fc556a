"""Use cases: the planner's portfolio on a cluster, and plans that keep their margin.

:func:`best_of` runs the planner with several seeds as tasks of a mapper (Dask's workers, or
this process) and keeps the best plan. :func:`plan_robust` runs
:func:`corridor.simulation.robust.robust_plan` with that planner and the simulation on the
same mapper.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from corridor.planning.retime import BUFFER

if TYPE_CHECKING:
    from corridor.planning.solver import SolveParams, SolveResult
    from corridor.simulation.robust import Candidate, RobustResult


@dataclass(frozen=True)
class PlannerCall:
    """How each planner run is made (all but its seed)."""

    time_limit: float
    iterations: int | None = None
    pinned: frozenset[str] = frozenset()
    excluded: frozenset[str] = frozenset()
    ahead: float = BUFFER  # at most, minutes a loaded vehicle reaches its out-lane early

    def params(self, seed: int) -> SolveParams:
        """The planner's parameters for ``seed`` (they check themselves: SolveParamsError)."""
        from corridor.planning.solver import SolveParams

        return SolveParams(
            time_limit=self.time_limit,
            seed=seed,
            iterations=self.iterations,
            pinned_vehicles=self.pinned,
            excluded_vehicles=self.excluded,
            ahead=self.ahead,
        )


def solve_seed(instance_raw: dict[str, Any], call: PlannerCall, seed: int) -> SolveResult:
    """One planner run (a task: everything it needs comes in its arguments)."""
    from corridor.planning.instance import parse_instance
    from corridor.planning.solver import solve

    return solve(parse_instance(instance_raw), call.params(seed))


def best_of(
    instance_raw: dict[str, Any], call: PlannerCall, seeds: list[int], mapper: Any
) -> SolveResult:
    """The best plan of the planner run with each seed (ties: the first seed)."""
    call.params(seeds[0])  # a bad parameter is refused here, not on a worker
    if len(seeds) == 1:  # nothing to spread: spare the transfer
        return solve_seed(instance_raw, call, seeds[0])
    results: dict[int, SolveResult] = dict(mapper(partial(solve_seed, instance_raw, call), seeds))
    best = results[0]
    for i in range(1, len(seeds)):
        if results[i].score > best.score + 1e-9:
            best = results[i]
    return best


def plan_robust(
    instance_raw: dict[str, Any],
    *,
    call: PlannerCall,
    seeds: list[int],
    target: float,
    runs: int,
    plans: int,
    mapper: Any,
    workers: int,
    on_step: Callable[[Candidate], None] | None = None,
) -> RobustResult:
    """The robust search (see :mod:`corridor.simulation.robust`), simulating ``runs`` runs of
    seed ``seeds[0]`` under the instance's noise (its ``"simulation"`` object, or the defaults)."""
    from corridor.planning.check import check_plan
    from corridor.planning.instance import parse_instance
    from corridor.services.simulations import noise_params, prepare, simulate_plan
    from corridor.simulation.robust import RobustParams, robust_plan

    inst = parse_instance(instance_raw)
    noise = noise_params(instance_raw, "instance")

    def solve(raw: dict[str, Any]) -> dict[str, Any]:
        return best_of(raw, call, seeds, mapper).plan

    def simulate(plan: dict[str, Any]) -> dict[str, Any]:
        return simulate_plan(prepare(inst, plan), noise, seeds[0], runs, mapper, workers)

    def check(plan: dict[str, Any]) -> list[str]:
        return [f"[{v.rule}] {v.detail}" for v in check_plan(inst, plan).violations]

    return robust_plan(
        instance_raw, solve, simulate, check, RobustParams(target=target, plans=plans), on_step
    )
