"""The ``corridor`` command: one Typer app, each command group in its own module.

Entrypoints stay thin: parse, call a service, map a :class:`CorridorError` to a message that
names the field and the value, and an exit code (2 for bad input), never a traceback.
"""

from __future__ import annotations

import sys

import typer

from corridor.adapters.osm_source import osm_road_graph
from corridor.adapters.scenario_files import FileScenarios
from corridor.entrypoints.cli import (
    after_action,
    agreement,
    compile,
    demo,
    keys,
    log,
    plan,
    public,
    registry,
    report,
    routes,
    serve,
    simulate,
)
from corridor.errors import CorridorError
from corridor.services.ports import use_road_graph_source, use_scenario_source

app = typer.Typer(
    name="corridor",
    help="Plan, agree and run humanitarian corridors.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)

use_road_graph_source(osm_road_graph)  # the road-graph port (bootstrap wires the service's)
use_scenario_source(FileScenarios())  # and the scenario files' (corridor.scenario at first read)

for module in (
    compile,
    routes,
    plan,
    report,
    simulate,
    agreement,
    keys,
    log,
    serve,
    registry,
    demo,
    public,
    after_action,
):
    module.register(app)


def run() -> None:
    """Console-script entry: run the app, turning our own errors into a message and a code."""
    try:
        app()
    except CorridorError as exc:
        from rich.console import Console
        from rich.markup import escape

        # The message quotes what was typed ("[lon, lat]", a name with brackets): as text.
        said = escape(str(exc))
        Console(stderr=True).print(f"[bold red]error:[/] {said}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
