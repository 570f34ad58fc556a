"""CLI command: ``corridor after-action --out DIR``, the report of an operation.

It reads the service's database and log (``--data-dir`` / ``--db``, as ``corridor serve``) and
writes ``DIR/after-action.html`` (with its stylesheet and pictures) and ``DIR/after-action.pdf``:
what was agreed against what happened. Heavy imports stay inside the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from corridor.entrypoints.cli.serve import DataDirOpt, DbOpt


def after_action(
    out: Annotated[Path, typer.Option("--out", "-o", help="folder for the report files")],
    corridor: Annotated[
        str | None,
        typer.Option(help="the corridor [default: the one of the latest published plan]"),
    ] = None,
    data_dir: DataDirOpt = None,
    db: DbOpt = None,
) -> None:
    """Write the after-action report (HTML and PDF): what was agreed against what happened."""
    from corridor.bootstrap import bootstrap
    from corridor.entrypoints.cli.data_dir import existing_settings
    from corridor.services.after_action import build_report

    service = bootstrap(existing_settings(data_dir, db))
    try:
        from corridor.adapters.after_action_files import write_after_action

        report, scene = build_report(service, corridor)
        files = write_after_action(report, scene, out)
    finally:
        service.close()
    for line in report.headline:
        typer.echo(line)
    typer.echo(f"wrote {files.html} and {files.pdf}")


def register(app: typer.Typer) -> None:
    """Add this module's command to the ``corridor`` app."""
    app.command("after-action")(after_action)
