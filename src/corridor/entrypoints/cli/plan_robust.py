"""``corridor plan --robust`` and ``--portfolio N``: the planner on a Dask cluster, and plans
that keep their margin (``docs/simulation.md``). Called by :mod:`corridor.entrypoints.cli.plan`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from corridor.entrypoints.cli.options import lazy_console
from corridor.errors import CorridorError, InputError
from corridor.planning.retime import BUFFER

if TYPE_CHECKING:
    from rich.table import Table

    from corridor.planning.instance import Instance
    from corridor.simulation.robust import Candidate, RobustResult

_out = lazy_console()

RobustOpt = Annotated[
    bool, typer.Option("--robust", help="keep a margin: simulate plans until --target holds")
]
TargetOpt = Annotated[
    float, typer.Option("--target", help="--robust: P(vehicle inside after close) at most")
]
RunsOpt = Annotated[int, typer.Option("--runs", help="--robust: runs per plan tried")]
PlansOpt = Annotated[int, typer.Option("--plans", help="--robust: planner calls at most")]
PortfolioOpt = Annotated[
    int, typer.Option("--portfolio", help="run the planner with N seeds on Dask, keep the best")
]
SchedulerOpt = Annotated[
    str | None, typer.Option("--scheduler", help="a running Dask cluster: tcp://HOST:PORT")
]
WorkersOpt = Annotated[
    int | None, typer.Option("--workers", help="LocalCluster worker processes (default: cores)")
]


@dataclass(frozen=True)
class Options:
    """How ``corridor plan`` was asked to plan robustly, or with a portfolio."""

    robust: bool
    target: float
    runs: int
    plans: int
    portfolio: int
    scheduler: str | None
    workers: int | None
    quiet: bool
    pinned: frozenset[str] = frozenset()
    excluded: frozenset[str] = frozenset()
    ahead: float = BUFFER


class NoRobustPlan(CorridorError):
    """No plan tried keeps the probability of a vehicle inside after the close at the target."""


def check_options(o: Options, keep: Path | None) -> None:
    if not 0 <= o.target < 1:
        raise InputError("--target", f"must be a probability from 0 to 1, got {o.target:g}")
    if o.runs < 100:
        raise InputError("--runs", f"must be at least 100 for --robust, got {o.runs}")
    if o.portfolio < 1:
        raise InputError("--portfolio", f"must be at least 1, got {o.portfolio}")
    if o.plans < 1:
        raise InputError("--plans", f"must be at least 1, got {o.plans}")
    if o.workers is not None and o.workers < 1:
        raise InputError("--workers", f"must be at least 1, got {o.workers}")
    if keep is not None:
        raise InputError("--robust/--portfolio", "do not replan (--keep): plan from the start")


def trade_off_table(result: RobustResult) -> Table:
    from rich import box
    from rich.table import Table

    t = Table(
        title="Plans tried, each simulated on the real instance",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for col in ("", "close", "out-insp.", "dropped", "planned", "mean out", "5% out", "inside"):
        t.add_column(col, justify="right", no_wrap=True)
    for c in result.tried:
        mark = "nominal" if c is result.nominal else ("chosen" if c is result.best else "")
        t.add_row(
            mark,
            f"-{c.margin:g} min",
            f"×{c.factor:g}",
            str(c.dropped),
            f"{c.planned:,}",
            f"{c.mean:,.0f}",
            f"{c.p5:,.0f}",
            f"{100 * c.p_late:.1f}%",
        )
    return t


def run(
    inst: Instance,
    output: Path,
    keep: Path | None,
    time_limit: float,
    seed: int,
    iterations: int | None,
    o: Options,
) -> None:
    """Plan with the portfolio (and the robust search), write the plan, print the trade-off."""
    from corridor.adapters.dask_cluster import executor
    from corridor.entrypoints.cli.plan_output import print_result, write_plan
    from corridor.planning.solver import SolveParamsError
    from corridor.services.robust_planning import PlannerCall, best_of, plan_robust

    check_options(o, keep)
    names = {v.name for v in inst.vehicles}
    for option, chosen in (("--pin", o.pinned), ("--exclude", o.excluded)):
        unknown = sorted(chosen - names)
        if unknown:  # refused here, before any worker starts
            raise InputError(option, f"no vehicle {unknown[0]!r} in the fleet of {inst.name!r}")
    call = PlannerCall(time_limit, iterations, o.pinned, o.excluded, o.ahead)
    try:
        call.params(seed)
    except SolveParamsError as exc:  # name the option the user gave, not the field
        given = {"pinned_vehicles": "--pin", "excluded_vehicles": "--exclude", "ahead": "--ahead"}
        raise InputError(given.get(exc.where, exc.where), exc.problem) from None
    seeds = list(range(seed, seed + o.portfolio))
    err = lazy_console(stderr=True)

    def step(c: Candidate) -> None:
        if not o.quiet:
            err.print(
                f"  close {c.margin:g} min earlier, out-inspections ×{c.factor:g}, "
                f"{c.dropped} trips dropped: {c.mean:,.1f} people out on average, "
                f"inside after close in {100 * c.p_late:.1f}% of runs",
                highlight=False,
            )

    with executor(o.scheduler, o.workers, here=False) as (mapper, n, where):
        if not o.quiet:
            err.print(f"planning on {where}", highlight=False)
        if not o.robust:
            result = best_of(inst.raw, call, seeds, mapper)
            write_plan(output, result.plan)
            print_result(inst, output, result)
            return
        found = plan_robust(
            inst.raw,
            call=call,
            seeds=seeds,
            target=o.target,
            runs=o.runs,
            plans=o.plans,
            mapper=mapper,
            workers=n,
            on_step=step,
        )
    _out.print(trade_off_table(found))
    _report(found, o.target, o.runs)
    if found.best is None:
        raise NoRobustPlan(
            f"no plan tried keeps a vehicle inside after the close in at most {100 * o.target:g}% "
            f"of runs; nothing written (allow more plans with --plans, or relax --target)"
        )
    write_plan(output, found.best.plan)
    _out.print(f"[bold]{inst.name}[/]: robust plan written to {output}", highlight=False)


def _report(found: RobustResult, target: float, runs: int) -> None:
    nom, best = found.nominal, found.best
    if best is None:
        return
    lost = nom.mean - best.mean
    lines: list[Any] = [
        f"target: a vehicle inside after the close in at most {100 * target:g}% of {runs:,} runs",
        f"chosen: close {best.margin:g} min earlier, out-inspections ×{best.factor:g}, "
        f"{best.dropped} trips dropped",
        f"  people out on average {best.mean:,.1f} (nominal plan {nom.mean:,.1f}; the margin "
        f"costs {lost:,.1f}), 5th percentile {best.p5:,.0f} (nominal {nom.p5:,.0f})",
        f"  vehicle inside after the close in {100 * best.p_late:.1f}% of runs "
        f"(nominal {100 * nom.p_late:.1f}%)",
    ]
    for line in lines:
        _out.print(line, highlight=False)
