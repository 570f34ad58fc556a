"""Use case: will the plan hold? Simulate a plan many times and summarize (``docs/simulation.md``).

:func:`prepare` checks the plan and flattens it for the engines; :func:`simulate_plan` runs the
simulation on a mapper (in this process, or Dask's) and returns ``summary.json``'s content.
The HTTP service's background jobs are :class:`corridor.services.simulation_jobs.SimulationJobs`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from corridor.errors import InputError

if TYPE_CHECKING:
    from corridor.planning.instance import Instance
    from corridor.simulation.model import SimModel
    from corridor.simulation.params import NoiseParams
    from corridor.simulation.runner import Mapper

#: most runs one request may ask for (a million runs belong on a cluster, not in one call)
MAX_RUNS = 10_000_000


def noise_params(
    instance_raw: dict[str, Any], source: str, *overrides: tuple[dict[str, Any], str]
) -> NoiseParams:
    """The defaults, then the instance's optional ``"simulation"`` object, then each override
    (values, where they come from) in turn; errors name the source and the parameter."""
    from corridor.simulation.params import NoiseParams

    params = NoiseParams()
    if "simulation" in instance_raw:
        params = params.with_overrides(instance_raw["simulation"], f"{source}: simulation")
    for values, where in overrides:
        params = params.with_overrides(values, where)
    return params


def prepare(inst: Instance, plan: dict[str, Any], source: str = "plan") -> SimModel:
    """The plan flattened for the engines, once the project's plan check accepts it."""
    from corridor.planning.check import check_plan
    from corridor.simulation.model import build_model

    if not isinstance(plan, dict):
        raise InputError(source, "expected a CEP plan (a JSON object)")
    if plan.get("instance") != inst.name:
        raise InputError(
            f"{source}: instance", f"{plan.get('instance')!r} is not the instance {inst.name!r}"
        )
    checked = check_plan(inst, plan)
    if not checked.feasible:
        rules = ", ".join(dict.fromkeys(v.rule for v in checked.violations))
        shown = "; ".join(f"{v.rule}: {v.detail}" for v in checked.violations[:2])
        raise InputError(
            source,
            f"is not a feasible plan, so it cannot be simulated (it breaks {rules}): {shown}",
        )
    return build_model(inst, plan)


def check_runs(runs: int, seed: int) -> None:
    if isinstance(runs, bool) or not isinstance(runs, int) or not 1 <= runs <= MAX_RUNS:
        raise InputError("--runs", f"must be a whole number from 1 to {MAX_RUNS:,}, got {runs!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError("--seed", f"must be a whole number >= 0, got {seed!r}")


def simulate_plan(
    model: SimModel,
    params: NoiseParams,
    seed: int,
    runs: int,
    mapper: Mapper | None = None,
    workers: int = 1,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """``summary.json``'s content for ``runs`` runs of ``seed`` (same on any number of workers)."""
    from corridor.simulation.runner import in_process, simulate
    from corridor.simulation.summary import summarize

    check_runs(runs, seed)
    tally = simulate(model, params, seed, runs, mapper or in_process, workers, on_progress)
    return summarize(model, tally, params, seed)
