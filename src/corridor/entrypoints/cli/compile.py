"""CLI command: ``corridor compile`` (a scenario into a CEP planning instance).

It prints where every place meets the roads and whether it connects, the warnings a coordinator
wants before planning and the legs with no road; ``--strict`` makes the warnings an error (exit
code 2, nothing written).
"""

from __future__ import annotations

from pathlib import Path

import typer

from corridor.entrypoints.cli.scenario_view import (
    STRICT_HELP,
    out,
    prepare,
    print_check,
    write_json,
)


def compile_command(
    scenario: Path = typer.Argument(..., help="Scenario YAML file (docs/scenario.md)."),
    output: Path = typer.Option(..., "-o", "--output", help="CEP instance JSON to write."),
    strict: bool = typer.Option(False, "--strict", help=STRICT_HELP),
) -> None:
    """Compile a scenario into a CEP planning instance (data/cep/FORMAT.md)."""
    from corridor.adapters.files import check_writable
    from corridor.services.compile_scenario import compile_instance
    from corridor.services.scenario_check import check_scenario

    check_writable(output, "--output")  # before the work, not after the whole table
    sc, net = prepare(scenario)
    with out.status("Computing travel times inside and outside the zone…"):
        inst = compile_instance(sc, net)
    print_check(check_scenario(net, inst), sc.file_label, strict)
    write_json(output, inst)
    people = sum(sum(g["people"].values()) for g in inst["gathering"])
    vehicles = sum(sum(d["fleet"].values()) for d in inst["depots"])
    w = inst["window"]
    out.print(
        f"window {w['open']:g}–{w['close']:g} min; {len(inst['gathering'])} gathering points, "
        f"{people:,} people; {vehicles} vehicles in {len(inst['depots'])} depots; "
        f"{len(inst['receptions'])} reception centres; {len(inst['checkpoints'])} checkpoints",
        highlight=False,
    )
    by_type = inst["travel"].get("by_type", {})
    if by_type:
        out.print(f"own travel times for {', '.join(by_type)} (travel.by_type)", highlight=False)
    out.print(f"wrote {output}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``corridor`` app."""
    app.command("compile")(compile_command)
