"""CLI commands: ``corridor check`` (the plan check) and ``corridor report`` (what people read).

Exit codes: 0 the plan is feasible, 1 it breaks a rule (``report`` then writes nothing), 2 an
input cannot be read or the output folder cannot take the report (the message names the file
and field).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from corridor.planning.check import CheckResult
    from corridor.reporting.times import Clock

InstanceArg = Annotated[Path, typer.Argument(help="CEP instance (JSON, format cep/1)")]
PlanArg = Annotated[Path, typer.Argument(help="CEP plan (JSON, format cep-plan/1)")]


def _human(name: str, fleet: int, r: CheckResult) -> str:
    from corridor.reporting.times import hhmm

    lines = [f"CEP plan for {name}: {'FEASIBLE' if r.feasible else 'INFEASIBLE'}"]
    shown: Counter[str] = Counter()
    for v in r.violations:
        shown[v.rule] += 1
        if shown[v.rule] <= 20:
            lines.append(f"  [{v.rule}] {v.detail}")
    lines += [f"  [{rule}] ... and {n - 20} more" for rule, n in shown.items() if n > 20]
    if r.violations:
        lines.append(f"  {len(r.violations)} violation(s) of {len(shown)} rule(s)")
    ev = r.evacuated
    last = r.last_out
    lines += [
        f"  score          {r.score:g}" + ("" if r.feasible else " (infeasible)"),
        f"  evacuated      {sum(ev.values())}: " + ", ".join(f"{c} {n}" for c, n in ev.items()),
        f"  cargo          {r.cargo_kg:g} kg toward needs",
        f"  vehicles used  {r.vehicles_used} of {fleet}",
        "  last out       " + (f"{hhmm(last)} (t={last:g})" if last is not None else "nobody"),
    ]
    return "\n".join(lines)


def check(
    instance: InstanceArg,
    plan: PlanArg,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Check a plan against the fourteen rules of the CEP format and score it."""
    from corridor.adapters.cep_files import load_instance, load_plan
    from corridor.planning.check import check_routes

    inst = load_instance(instance)
    result = check_routes(inst, load_plan(plan, inst)[1])
    if as_json:
        typer.echo(json.dumps(result.to_json()))
    else:
        typer.echo(_human(inst.name, len(inst.vehicles), result))
    if not result.feasible:
        raise typer.Exit(1)


def report(
    instance: InstanceArg,
    plan: PlanArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="folder for the report files")],
    scenario: Annotated[
        Path | None,
        typer.Option(
            "--scenario",
            help="the scenario the instance was compiled from: trip sheets then name every "
            "stop and address and the streets to drive (from OpenStreetMap)",
        ),
    ] = None,
) -> None:
    """Write summary.md, trip sheets (Markdown, HTML, PDF), trips.csv and gantt.png; print a
    summary."""
    from rich.console import Console

    from corridor.adapters.cep_files import load_instance, load_plan
    from corridor.adapters.files import read_json_file
    from corridor.adapters.report_files import write_report
    from corridor.reporting.summary import summarize
    from corridor.reporting.summary_text import summary_renderable
    from corridor.reporting.times import hhmm

    inst = load_instance(instance)
    raw_plan = load_plan(plan, inst)[0]
    places: Any = None
    directions: Any = None
    clock: Clock = hhmm
    if scenario is not None:
        places, directions, clock = _scenario_directions(
            scenario, read_json_file(instance, "instance"), raw_plan
        )
    console = Console()
    checked = summarize(inst, raw_plan, clock)
    if not checked.feasible:  # no trip sheet of a plan that breaks the rules reaches a driver
        console.print(summary_renderable(checked))
        console.print(
            f"\nnothing written to {out}: the plan breaks {len(checked.violations)} rule(s) "
            "(above); trip sheets are made only of a plan that passes the check",
            highlight=False,
        )
        raise typer.Exit(1)
    summary, files = write_report(inst, raw_plan, out, places, directions, clock, checked)
    console.print(summary_renderable(summary))
    sheets = sum(1 for f in files if f.parent.name == "trips")
    console.print(
        f"\nwrote {out}/summary.md, trip-sheets.html, trip-sheets.pdf, trips.csv, gantt.png "
        f"and {sheets // 2} trip sheets (.md, .html) in {out}/trips/",
        highlight=False,
    )


def _scenario_directions(scenario: Path, instance: dict[str, Any], plan: dict[str, Any]) -> Any:
    from corridor.errors import InputError
    from corridor.services.network import prepare_network
    from corridor.services.ports import scenario_source
    from corridor.services.trip_directions import different_roads, place_infos, plan_directions

    net = prepare_network(scenario_source().load(scenario))
    why = different_roads(net, instance)
    if why is not None:
        raise InputError(
            "--scenario",
            f"{scenario} is not the scenario this instance was compiled from ({why}): its "
            "streets would not be the roads the plan was timed on; give the scenario the "
            "instance came from, or compile the instance again from this one",
            str(scenario),
        )
    return place_infos(net), plan_directions(net, instance, plan), _wall_clock(net.scenario.window)


def _wall_clock(window: Any) -> Clock:
    """The times as the wall clock of the scenario's ``time_zone`` reads them (minute 0 is
    the window's ``day``, as compile counts); without a zone, as counted."""
    from zoneinfo import ZoneInfo

    from corridor.reporting.times import WallClock, hhmm

    if window.time_zone is None:
        return hhmm
    return WallClock(window.day, ZoneInfo(window.time_zone))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``corridor`` app."""
    app.command("check")(check)
    app.command("report")(report)
