"""CLI commands: ``corridor routes`` and ``corridor compile``.

Thin: load the scenario, call the services, write the files, print a Rich summary. Bad input
raises :class:`~corridor.errors.InputError`, which the runner turns into a message and exit
code 2.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from corridor.errors import InputError

_out = Console()


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    """Write atomically, so an interrupted run never leaves half a file behind."""
    target = path.resolve()
    if target.is_dir():
        raise InputError(str(path), "is a folder, not a file to write")
    if not target.parent.is_dir():
        raise InputError(str(path), f"folder {target.parent} does not exist")
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1, ensure_ascii=False)
            f.write("\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _prepare(scenario_path: Path) -> Any:
    from corridor.scenario import load_scenario
    from corridor.services.routes import prepare_network

    with _out.status("Reading the scenario and the road network…"):
        scenario = load_scenario(scenario_path)
        net = prepare_network(scenario)
    g = net.graph
    _out.print(
        f"[bold]{scenario.name}[/]: {g.n_nodes:,} road nodes, {g.n_edges:,} road segments; "
        f"{len(scenario.hazards)} hazards close {int((~net.effect.open_edges).sum()):,} segments"
    )
    far = [p for p in net.places.values() if p.distance_m > 100]
    for p in far:
        _out.print(f"[yellow]note:[/] {p.id} is {p.distance_m:.0f} m from its road")
    return scenario, net


def routes_command(
    scenario: Path = typer.Argument(..., help="Scenario YAML file (docs/scenario.md)."),
    output: Path = typer.Option(..., "-o", "--output", help="GeoJSON file to write."),
    png: Path | None = typer.Option(None, "--png", help="Also draw a static map to this PNG."),
) -> None:
    """Find corridor routes from every checkpoint to every reception centre."""
    from corridor.services.routes import (
        ATTRIBUTION,
        corridor_candidates,
        inside_legs,
        route_feature,
    )

    sc, net = _prepare(scenario)
    with _out.status("Routing corridor candidates around the hazards…"):
        cands = corridor_candidates(net)
    doc = {
        "type": "FeatureCollection",
        "name": sc.name,
        "attribution": ATTRIBUTION,
        "features": [route_feature(net, c) for c in cands],
    }
    _write_json(output, doc)

    table = Table(title=f"Corridor candidates ({len(cands)})", title_justify="left")
    for col in ("checkpoint", "reception", "rank", "minutes", "km", "exposure min", "near"):
        table.add_column(col, justify="right" if col in ("rank", "minutes", "km") else "left")
    for c in cands:
        table.add_row(
            c.checkpoint,
            c.reception,
            str(c.rank),
            f"{c.route.time_min:.1f}",
            f"{c.route.length_m / 1000:.1f}",
            f"{c.route.exposure_min:.1f}",
            ", ".join(c.hazards_near) or "-",
        )
    _out.print(table)
    pairs = {(c.checkpoint, c.reception) for c in cands}
    n_cp, n_rc = len(sc.checkpoints), len(sc.receptions)
    if len(pairs) < n_cp * n_rc:
        _out.print(
            f"[yellow]note:[/] {n_cp * n_rc - len(pairs)} checkpoint-reception pairs "
            "have no road around the closed hazards"
        )
    _out.print(f"wrote {output}")
    if png is not None:
        from corridor.adapters.mapplot import draw_map

        with _out.status("Drawing the map…"):
            draw_map(net, cands, png, inside=inside_legs(net))
        _out.print(f"wrote {png}")


def compile_command(
    scenario: Path = typer.Argument(..., help="Scenario YAML file (docs/scenario.md)."),
    output: Path = typer.Option(..., "-o", "--output", help="CEP instance JSON to write."),
) -> None:
    """Compile a scenario into a CEP planning instance (data/cep/FORMAT.md)."""
    from corridor.services.compile_scenario import compile_instance

    sc, net = _prepare(scenario)
    with _out.status("Computing travel times inside and outside the zone…"):
        inst = compile_instance(sc, net)
    _write_json(output, inst)
    people = sum(sum(g["people"].values()) for g in inst["gathering"])
    vehicles = sum(sum(d["fleet"].values()) for d in inst["depots"])
    missing = sum(
        v is None for side in inst["travel"].values() for row in side["minutes"] for v in row
    )
    w = inst["window"]
    _out.print(
        f"window {w['open']:g}–{w['close']:g} min; {len(inst['gathering'])} gathering points, "
        f"{people:,} people; {vehicles} vehicles in {len(inst['depots'])} depots; "
        f"{len(inst['receptions'])} reception centres; {len(inst['checkpoints'])} checkpoints"
    )
    if missing:
        _out.print(f"[yellow]note:[/] {missing} legs have no road (null in the matrices)")
    _out.print(f"wrote {output}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``corridor`` app."""
    app.command("routes")(routes_command)
    app.command("compile")(compile_command)
