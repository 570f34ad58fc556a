"""CLI command: ``corridor routes`` (corridor candidates, which vehicle types may use them, a map).

Thin: load the scenario, call the services, write the files, print Rich tables. Bad input
raises :class:`~corridor.errors.InputError`, which the runner turns into a message and exit
code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from corridor.entrypoints.cli.scenario_view import (
    STRICT_HELP,
    out,
    prepare,
    print_check,
    write_json,
)

if TYPE_CHECKING:
    from corridor.services.network import Network
    from corridor.services.routes import Corridor


def routes_command(
    scenario: Path = typer.Argument(..., help="Scenario YAML file (docs/scenario.md)."),
    output: Path = typer.Option(..., "-o", "--output", help="GeoJSON file to write."),
    png: Path | None = typer.Option(None, "--png", help="Also draw a static map to this PNG."),
    strict: bool = typer.Option(False, "--strict", help=STRICT_HELP),
) -> None:
    """Find corridor routes from every checkpoint to every reception centre."""
    from corridor.adapters.files import check_writable
    from corridor.services.routes import ATTRIBUTION, corridor_candidates, route_feature
    from corridor.services.scenario_check import check_scenario

    check_writable(output, "--output")  # before the work, not after it
    if png is not None:
        check_writable(png, "--png", ".png")
    sc, net = prepare(scenario)
    check = check_scenario(net)
    print_check(check, sc.file_label, strict)
    with out.status("Routing corridor candidates around the hazards…"):
        cands = corridor_candidates(net)
    doc = {
        "type": "FeatureCollection",
        "name": sc.name,
        "attribution": ATTRIBUTION,
        "features": [route_feature(net, c) for c in cands],
    }
    write_json(output, doc)
    _candidates_table(net, cands)
    _types_table(net, cands)
    out.print(f"wrote {output}", highlight=False)
    if png is not None:
        from corridor.adapters.mapplot import draw_map
        from corridor.services.route_map import routes_scene

        with out.status("Drawing the map…"):
            draw_map(routes_scene(net, cands, check), png)
        out.print(f"wrote {png}", highlight=False)


def _candidates_table(net: Network, cands: list[Corridor]) -> None:
    from rich.table import Table

    table = Table(title=f"Corridor candidates ({len(cands)})", title_justify="left")
    cols = ("checkpoint", "reception", "rank", "minutes", "km", "exposure min", "near", "types")
    for col in cols:
        table.add_column(col, justify="right" if col in ("rank", "minutes", "km") else "left")
    every = set(net.fleet_types)
    for c in cands:
        types = "all" if set(c.types) == every else ", ".join(c.types) or "none"
        table.add_row(
            c.checkpoint,
            c.reception,
            str(c.rank),
            f"{c.route.time_min:.1f}",
            f"{c.route.length_m / 1000:.1f}",
            f"{c.route.exposure_min:.1f}",
            ", ".join(c.hazards_near) or "-",
            types,
        )
    out.print(table)


def _types_table(net: Network, cands: list[Corridor]) -> None:
    """Per checkpoint and reception centre, each fleet type's quickest corridor (minutes)."""
    from rich.table import Table

    pairs = [(cp.id, rc.id) for cp in net.of_kind("checkpoint") for rc in net.of_kind("reception")]
    table = Table(title="Which corridors each vehicle type may use (minutes)", title_justify="left")
    table.add_column("checkpoint → reception")
    for t in net.fleet_types:
        table.add_column(t, justify="right")
    for cp, rc in pairs:
        cells = []
        here = [c for c in cands if (c.checkpoint, c.reception) == (cp, rc)]
        for t in net.fleet_types:
            times = [c.minutes[t] for c in here if t in c.minutes]
            cells.append(f"{min(times):.1f}" if times else "[red]no road[/]")
        table.add_row(f"{cp} → {rc}", *cells)
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``corridor`` app."""
    app.command("routes")(routes_command)
