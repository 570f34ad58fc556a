"""``corridor plan --robust`` and ``--portfolio N``: the planner on a Dask cluster, and plans
that keep their margin (``docs/simulation.md``). Called by :mod:`corridor.entrypoints.cli.plan`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    from corridor.services.robust_planning import PlannerCall
    from corridor.simulation.robust import Candidate, RobustResult

_out = lazy_console()


def _sends_tasks(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
    """``--scheduler`` and ``--workers`` say where the planner's tasks go, and only
    ``--robust`` and ``--portfolio N`` (N of 2 or more) make any: without them the plain
    planner runs in this process, and the option would be ignored. (``--robust`` and
    ``--portfolio`` are eager: taken before this, wherever they stand on the line.)"""
    if value is None or ctx.resilient_parsing:
        return value
    if not ctx.params.get("robust") and ctx.params.get("portfolio", 1) == 1:
        raise InputError(
            str(param.opts[0]),
            f"{value}: needs --robust or --portfolio N (N of 2 or more); without them the "
            f"planner runs once, in this process",
            value,
        )
    return value


def _robust_only(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
    """``--target``, ``--runs`` and ``--plans`` say how ``--robust`` searches: given without
    it, they would be ignored, and the plan taken for one with a margin it does not have."""
    if ctx.resilient_parsing or ctx.params.get("robust"):
        return value
    source = ctx.get_parameter_source(str(param.name))
    if source is not None and source.name == "COMMANDLINE":
        raise InputError(
            str(param.opts[0]),
            f"{value}: needs --robust; without it no plan is simulated, and none is kept for "
            "a margin",
            value,
        )
    return value


RobustOpt = Annotated[
    bool,
    typer.Option(
        "--robust", help="keep a margin: simulate plans until --target holds", is_eager=True
    ),
]
TargetOpt = Annotated[
    float,
    typer.Option(
        "--target", help="--robust: P(vehicle inside after close) at most", callback=_robust_only
    ),
]
RunsOpt = Annotated[
    int, typer.Option("--runs", help="--robust: runs per plan tried", callback=_robust_only)
]
PlansOpt = Annotated[
    int, typer.Option("--plans", help="--robust: planner calls at most", callback=_robust_only)
]
PortfolioOpt = Annotated[
    int,
    typer.Option(
        "--portfolio", help="run the planner with N seeds on Dask, keep the best", is_eager=True
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="--robust/--portfolio: a running Dask cluster, tcp://HOST:PORT",
        callback=_sends_tasks,
    ),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers",
        help="--robust/--portfolio: LocalCluster worker processes (default: cores)",
        callback=_sends_tasks,
    ),
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


class PlanningLost(CorridorError):
    """The cluster went away in the middle of the planning; no plan was written."""

    exit_code = 1


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
    from corridor.entrypoints.cli.plan_output import print_result, write_plan
    from corridor.services.robust_planning import best_of

    check_options(o, keep)
    call = _planner_call(inst, o, time_limit, iterations, seed)
    seeds = list(range(seed, seed + o.portfolio))
    with _cluster(o) as (mapper, n, named):
        if not o.robust:
            with _if_lost(named, lambda: f"{mapper.done:,} of {len(seeds):,} planner runs"):
                result = best_of(inst.raw, call, seeds, mapper)
            write_plan(output, result.plan)
            print_result(inst, output, result)
            return
        found = _search(inst, call, seeds, o, (mapper, n, named))
    _out.print(trade_off_table(found))
    _report(found, o.target, o.runs)
    if found.best is None:
        raise NoRobustPlan(
            f"no plan tried keeps a vehicle inside after the close in at most {100 * o.target:g}% "
            f"of runs; nothing written (allow more plans with --plans, or relax --target)"
        )
    write_plan(output, found.best.plan)
    _out.print(f"[bold]{inst.name}[/]: robust plan written to {output}", highlight=False)


def _planner_call(
    inst: Instance, o: Options, time_limit: float, iterations: int | None, seed: int
) -> PlannerCall:
    """How each planner run is made; what it is given is refused here, before any worker
    starts, naming the option."""
    from corridor.planning.solver import SolveParamsError
    from corridor.services.robust_planning import PlannerCall

    names = {v.name for v in inst.vehicles}
    for option, chosen in (("--pin", o.pinned), ("--exclude", o.excluded)):
        unknown = sorted(chosen - names)
        if unknown:
            raise InputError(option, f"no vehicle {unknown[0]!r} in the fleet of {inst.name!r}")
    call = PlannerCall(time_limit, iterations, o.pinned, o.excluded, o.ahead)
    try:
        call.params(seed)
    except SolveParamsError as exc:  # name the option the user gave, not the field
        given = {"pinned_vehicles": "--pin", "excluded_vehicles": "--exclude", "ahead": "--ahead"}
        raise InputError(given.get(exc.where, exc.where), exc.problem) from None
    return call


def _search(
    inst: Instance, call: PlannerCall, seeds: list[int], o: Options, on: tuple[Any, int, str]
) -> RobustResult:
    """The robust search on the cluster ``on`` (mapper, workers, its name), each plan it
    tries shown on stderr."""
    from corridor.services.robust_planning import plan_robust

    mapper, n, named = on
    err = lazy_console(stderr=True)
    tried = [0]

    def step(c: Candidate) -> None:
        tried[0] += 1
        if not o.quiet:
            err.print(
                f"  close {c.margin:g} min earlier, out-inspections ×{c.factor:g}, "
                f"{c.dropped} trips dropped: {c.mean:,.1f} people out on average, "
                f"inside after close in {100 * c.p_late:.1f}% of runs",
                highlight=False,
            )

    with _if_lost(named, lambda: f"{tried[0]:,} plan{'' if tried[0] == 1 else 's'} tried"):
        return plan_robust(
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


@contextmanager
def _cluster(o: Options) -> Iterator[tuple[_Tracked, int, str]]:
    """(mapper, workers, name for messages) on the cluster at ``--scheduler`` or a new
    LocalCluster, once it has a worker: with none, ``corridor simulate``'s wait (one line,
    then exit 2 after its :data:`~corridor.entrypoints.cli.simulate.WORKER_WAIT` seconds).
    Dask's own logs of a lost scheduler are kept back: :func:`_if_lost` says it in one line."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from corridor.adapters.dask_cluster import executor
    from corridor.entrypoints.cli.simulate import _await_worker, _quiet_dask

    with _quiet_dask(True), executor(o.scheduler, o.workers, here=False) as (mapper, n, where):
        if not o.quiet:
            lazy_console(stderr=True).print(f"planning on {where}", highlight=False)
        if o.scheduler is not None:
            bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
                disable=o.quiet,
            )
            with bar:
                n = _await_worker(mapper, o.scheduler, bar, bar.add_task("", total=None))
        named = f"--scheduler: {o.scheduler}" if o.scheduler is not None else where
        yield _Tracked(mapper), n, named


@contextmanager
def _if_lost(named: str, how_far: Callable[[], str]) -> Iterator[None]:
    """The cluster lost in the middle of the planning: one line that says how far it got,
    exit 1, no plan written (as ``corridor simulate`` says it, in its words)."""
    from corridor.entrypoints.cli.simulate import _lost, _lost_errors

    try:
        yield
    except _lost_errors(False) as exc:
        raise PlanningLost(
            f"{named}: {_lost(exc)} after {how_far()}; no plan was written "
            f"(run the command again once the cluster is back)"
        ) from None


class _Tracked:
    """The cluster's mapper, counting the tasks that came back. A batch (the portfolio's
    planner runs, a plan's simulation) is not sent once the client has lost its scheduler
    (between batches: the robust search plans in this process with ``--portfolio 1``), which
    Dask would hold for its reconnect timeout, then cancel without a reason."""

    def __init__(self, mapper: Any) -> None:
        self.mapper, self.done = mapper, 0

    def __call__(self, fn: Callable[[Any], Any], items: list[Any]) -> Iterator[tuple[int, Any]]:
        from distributed.comm.core import CommClosedError

        if self.mapper.client.status != "running":
            raise CommClosedError("scheduler-connection-lost")
        for got in self.mapper(fn, items):
            self.done += 1
            yield got


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
