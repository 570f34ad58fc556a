"""CLI commands: ``corridor announce``, ``corridor notices``, ``corridor export`` (docs/public.md).

They work on the coordination service's database (the same ``--data-dir`` or ``--db`` as
``corridor serve``), as the operator on the server.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from corridor.entrypoints.cli.data_dir import existing_settings
from corridor.entrypoints.cli.options import DataDirOpt, DbOpt

ScenarioOpt = Annotated[
    int | None, typer.Option("--scenario", help="scenario id [default: the newest]", min=1)
]


def _corridor_state(service: object, corridor: str) -> object:
    return service.log.corridor(corridor, lambda s: s)  # type: ignore[attr-defined]


def announce(
    out: Annotated[
        Path | None, typer.Option("--out", help="also write every message and feed.atom here")
    ] = None,
    scenario: ScenarioOpt = None,
    data_dir: DataDirOpt = None,
    db: DbOpt = None,
) -> None:
    """Publish a CAP 1.2 message for each public change of a corridor not yet published."""
    from corridor.bootstrap import bootstrap
    from corridor.publishing.cap import feed_id_for, feed_of
    from corridor.services import announcements

    service = bootstrap(existing_settings(data_dir, db))
    try:
        store = service.log.store
        done = announcements.publish(
            service.uow(), None, store.entries(0, store.size), service.clock(), scenario
        )
        for m in done:
            typer.echo(f"{m['msg_type']:6s} {m['identifier']}: {m['headline']}")
        typer.echo(f"{len(done)} new message(s)")
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            rows = announcements.messages(service.uow())
            for row in rows:
                (out / f"{row['identifier']}.xml").write_text(row["xml"], encoding="utf-8")
            feed = feed_of(rows, ".", now=service.clock(), feed_id=feed_id_for(rows))
            (out / "feed.atom").write_bytes(feed)
            typer.echo(f"wrote {len(rows)} message(s) and feed.atom to {out}")
    finally:
        service.close()


def notices(
    corridor: Annotated[str, typer.Argument(help="the corridor's id")],
    out: Annotated[Path, typer.Option("--out", help="folder for the PDFs")],
    scenario: ScenarioOpt = None,
    data_dir: DataDirOpt = None,
    db: DbOpt = None,
) -> None:
    """Printed notices (A4 PDF) of a signed corridor: per gathering point and language,
    and a unit package per party."""
    from rich.progress import Progress

    from corridor.adapters.notices_pdf import write_notice
    from corridor.bootstrap import bootstrap
    from corridor.services import notices as notices_service

    service = bootstrap(existing_settings(data_dir, db))
    try:
        state = _corridor_state(service, corridor)
        with Progress(transient=True) as bar:
            task = bar.add_task("notices", total=None)

            def step(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            written = notices_service.write_all(
                service.uow(),
                None,
                state,
                out,
                scenario,
                step,  # type: ignore[arg-type]
                write_notice=write_notice,
            )
        typer.echo(f"wrote {len(written)} notices to {out}")
    finally:
        service.close()


def export(
    table: Annotated[str, typer.Argument(help="people, arrivals, vehicles, supplies or geojson")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="file [default: stdout]")
    ] = None,
    corridor: Annotated[str | None, typer.Option(help="the corridor (for geojson)")] = None,
    scenario: ScenarioOpt = None,
    data_dir: DataDirOpt = None,
    db: DbOpt = None,
) -> None:
    """An HXL table of non-personal counts, or the signed corridor as GeoJSON."""
    from corridor.bootstrap import bootstrap
    from corridor.errors import InputError
    from corridor.services import exports

    if table not in (*exports.TABLES, "geojson"):
        raise InputError("TABLE", f"{table!r} is not one of {', '.join(exports.TABLES)}, geojson")
    if table == "geojson" and not corridor:
        raise InputError("--corridor", "geojson needs the corridor's id")
    service = bootstrap(existing_settings(data_dir, db))
    try:
        if table == "geojson":
            state = _corridor_state(service, str(corridor))
            text = json.dumps(
                exports.geojson(service.uow(), None, state, scenario), ensure_ascii=False
            )  # type: ignore[arg-type]
        else:
            text = next(
                t for t in exports.tables(service.uow(), None, scenario) if t.name == table
            ).csv()
    finally:
        service.close()
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``corridor`` app."""
    app.command("announce")(announce)
    app.command("notices")(notices)
    app.command("export")(export)
