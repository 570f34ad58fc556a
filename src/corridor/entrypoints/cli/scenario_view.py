"""What ``corridor compile`` and ``corridor routes`` print about a scenario before planning:
where each place meets the roads, the warnings, and the legs with no road."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.entrypoints.cli.options import lazy_console

if TYPE_CHECKING:
    from corridor.scenario.model import Scenario
    from corridor.services.network import Network
    from corridor.services.scenario_check import ScenarioCheck

out = lazy_console()
STRICT_HELP = "Treat every warning (a place cut off, too little capacity, ...) as an error."
STATUS = {"ok": "yes", "cut": "[bold red]NO[/]", "partial": "[yellow]not for all[/]"}


def write_json(path: Path, doc: dict[str, Any]) -> None:
    """Write atomically, so an interrupted run never leaves half a file behind."""
    from corridor.adapters.files import write_json_file

    write_json_file(path, doc)


def prepare(scenario_path: Path) -> tuple[Scenario, Network]:
    """Load the scenario and its roads; print what the network is."""
    from rich.markup import escape

    from corridor.services.hazard_check import hazard_closures
    from corridor.services.network import prepare_network
    from corridor.services.ports import scenario_source

    with out.status("Reading the scenario and the road network…"):
        scenario = scenario_source().load(scenario_path)
        net = prepare_network(scenario)
    g = net.graph
    out.print(
        f"[bold]{escape(scenario.name)}[/]: {g.n_nodes:,} road nodes, {g.n_edges:,} road "
        f"segments; {escape(hazard_closures(net).text())}",  # with those closed to some types
        highlight=False,
    )
    return scenario, net


def print_check(check: ScenarioCheck, label: str, strict: bool) -> None:
    """The reachability table, the warnings, the legs with no road; with ``strict`` the
    warnings end the command with exit code 2."""
    from rich.table import Table

    table = Table(title="Where each place meets the roads", title_justify="left")
    for col in ("place", "kind", "name", "snapped to (OSM road)", "m", "connects"):
        table.add_column(col, justify="right" if col == "m" else "left")
    for p in check.places:
        table.add_row(
            p.id, p.kind, p.name or "", p.road or "(unnamed road)", f"{p.distance_m:,.0f}",
            STATUS[p.status],
        )  # fmt: skip
    out.print(table)
    found = check.all_warnings()
    if found:
        warn = Table(title=f"Warnings ({len(found)})", title_justify="left", show_lines=True)
        warn.add_column("about")
        warn.add_column("warning")
        for w in found:
            warn.add_row(", ".join(w.ids) or w.code, w.text)
        out.print(warn)
    if check.no_road:
        out.print(
            f"[yellow]note:[/] {check.null_legs} legs have no road (null in the matrices):",
            highlight=False,
        )
        for n in check.no_road:
            out.print(f"  {n.side:<7} {n.text()}", highlight=False)
    if strict:
        check.raise_if_any(label)
