"""CLI command ``corridor plan``: plan (or replan) an evacuation for a CEP instance.

    corridor plan INSTANCE.json -o PLAN.json [--time-limit SECONDS] [--seed N]
                  [--keep PLAN.json --now T] [--iterations N] [--pin V]... [--exclude V]...
                  [--ahead MINUTES]

Prints progress while it searches, then the score, the proven upper bound and ``optimal`` or
``gap x%``, and a summary. The plan is written only after it passed the project's own check.
Exit codes: 0 a plan was written, 2 an input (file, field or option) is wrong, 1 otherwise.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from corridor.entrypoints.cli import plan_robust
from corridor.entrypoints.cli.plan_output import print_result, write_plan
from corridor.errors import InputError
from corridor.planning import MAX_TIME_LIMIT
from corridor.planning.retime import BUFFER

if TYPE_CHECKING:
    from corridor.planning.instance import Instance
    from corridor.planning.solver import Progress as SolveProgress
    from corridor.planning.solver import SolveParams, SolveResult

AheadOpt = Annotated[
    float,
    typer.Option(
        "--ahead",
        help="at most this many minutes before its out-lane slot does a loaded vehicle reach "
        "the checkpoint: a longer queue becomes a wait outside the zone, empty (shorter waits "
        "stay as planned)",
    ),
]


def plan(
    instance: Annotated[Path, typer.Argument(help="CEP instance (JSON, format cep/1)")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="where to write the plan (cep-plan/1)")
    ],
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="seconds to search (the best plan so far is kept)")
    ] = 30.0,
    seed: Annotated[int, typer.Option("--seed", help="random seed: same seed, same plan")] = 0,
    keep: Annotated[
        Path | None,
        typer.Option("--keep", help="replan: keep the stops of this plan that started by --now"),
    ] = None,
    now: Annotated[
        float | None, typer.Option("--now", help="replan from this time (minutes, with --keep)")
    ] = None,
    iterations: Annotated[
        int | None,
        typer.Option("--iterations", help="cap on improvement iterations (for repeatable runs)"),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress display")] = False,
    pin: Annotated[
        list[str] | None,
        typer.Option("--pin", help="a vehicle (depot/type/k) the plan may always use; repeat"),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="a vehicle (depot/type/k) that gets no trips; repeat"),
    ] = None,
    ahead: AheadOpt = BUFFER,
    robust: plan_robust.RobustOpt = False,
    target: plan_robust.TargetOpt = 0.05,
    runs: plan_robust.RunsOpt = 2000,
    plans: plan_robust.PlansOpt = 10,
    portfolio: plan_robust.PortfolioOpt = 1,
    scheduler: plan_robust.SchedulerOpt = None,
    workers: plan_robust.WorkersOpt = None,
) -> None:
    """Plan who goes on which vehicle when: the most people out inside the window."""
    started = time.monotonic() - _process_age()
    _check_options(keep is None, now is None, time_limit, seed, ahead, iterations)
    # numpy, scipy and HiGHS load here, not when the CLI starts
    from corridor.adapters.cep_files import load_instance
    from corridor.adapters.files import read_json_file
    from corridor.planning.solver import SolveParams, SolveParamsError

    inst = load_instance(instance)
    _warn_unknown(instance, inst)
    if robust or portfolio != 1:  # docs/simulation.md
        if scheduler is not None:  # refused here, not by Dask hanging or with a traceback
            from corridor.entrypoints.cli.simulate import check_scheduler

            check_scheduler(scheduler)
        chosen = (frozenset(pin or ()), frozenset(exclude or ()))
        how = plan_robust.Options(robust, target, runs, plans, portfolio, scheduler, workers,
                                  quiet, *chosen, ahead)  # fmt: skip
        plan_robust.run(inst, output, keep, time_limit, seed, iterations, how)
        return
    kept = read_json_file(keep, "plan") if keep is not None else None
    if kept is not None and not isinstance(kept, dict):
        raise InputError(str(keep), "expected a CEP plan (a JSON object)")
    try:
        params = SolveParams(
            time_limit=_left(time_limit, started),
            seed=seed,
            keep=kept,
            now=now,
            iterations=iterations,
            pinned_vehicles=frozenset(pin or ()),
            excluded_vehicles=frozenset(exclude or ()),
            ahead=ahead,
            interruptible=True,
        )
        result = _solve_shown(inst, params, quiet)
    except SolveParamsError as exc:  # name the option the user gave, not the field
        option = {"pinned_vehicles": "--pin", "excluded_vehicles": "--exclude", "ahead": "--ahead"}
        raise InputError(option.get(exc.where, exc.where), exc.problem) from None
    write_plan(output, result.plan)
    print_result(inst, output, result)


def _warn_unknown(path: Path, inst: Instance) -> None:
    """Say on stderr which fields of the instance cep/1 does not have (a typo drops a term)."""
    from rich.console import Console
    from rich.markup import escape

    from corridor.planning.instance import unknown_fields

    found = unknown_fields(inst.raw)
    err = Console(stderr=True)
    for line in found[:10]:
        err.print(f"[yellow]warning:[/] {escape(f'{path}: {line}')}", highlight=False)
    if len(found) > 10:
        err.print(f"[yellow]warning:[/] {escape(str(path))}: and {len(found) - 10} more")


def _solve_shown(inst: Instance, params: SolveParams, quiet: bool) -> SolveResult:
    """Solve with a progress bar on stderr (phase, best score, bound, elapsed time)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from corridor.planning.solver import solve

    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("score {task.fields[score]}  bound {task.fields[bound]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=quiet,
    )
    with bar:
        task = bar.add_task("planning", total=1.0, score="-", bound="-")

        def show(p: SolveProgress) -> None:
            bound = f"{p.upper_bound:,.1f}" if p.upper_bound is not None else "-"
            bar.update(task, completed=p.fraction, description=p.phase, score=f"{p.score:,.1f}",
                       bound=bound)  # fmt: skip

        return solve(inst, replace(params, on_progress=show))


def _check_options(
    no_keep: bool, no_now: bool, time_limit: float, seed: int, ahead: float,
    iterations: int | None,
) -> None:  # fmt: skip
    """Each option's own range; an error names the option and the value."""
    if no_keep != no_now:
        raise InputError("--keep/--now", "give both: --keep PLAN.json --now T")
    if not (math.isfinite(time_limit) and 0 < time_limit <= MAX_TIME_LIMIT):  # inf: no time
        raise InputError(
            "--time-limit",
            f"must be a number of seconds > 0 and at most {MAX_TIME_LIMIT:,} (a week), "
            f"got {time_limit:g}",
        )
    if seed < 0:
        raise InputError("--seed", f"must be >= 0, got {seed}")
    if not (math.isfinite(ahead) and ahead >= 0):
        raise InputError("--ahead", f"must be a number of minutes >= 0, got {ahead:g}")
    if iterations is not None and iterations < 0:
        raise InputError("--iterations", f"must be >= 0, got {iterations}")


def _process_age() -> float:
    """Seconds since this process started (Linux; 0 elsewhere): the time limit counts the
    interpreter's start and the imports too. A process older than half a minute is not a
    command that has just started (the CLI runs inside a test or a longer program): 0."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        age = uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0
    return age if 0.0 <= age <= 30.0 else 0.0


def _left(time_limit: float, started: float) -> float:
    """What the planner may take of the command's time limit: not what reading the instance
    took, nor what writing the plan and its summary will (a twentieth, at least half a
    second), so that the whole command keeps to the limit."""
    spent = time.monotonic() - started
    return max(0.2, time_limit - spent - max(0.5, 0.05 * time_limit))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``corridor`` app."""
    app.command("plan")(plan)
