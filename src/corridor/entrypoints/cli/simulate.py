"""CLI command ``corridor simulate``: will the plan hold? (``docs/simulation.md``)

    corridor simulate INSTANCE PLAN --runs N --seed S --out DIR [--scheduler tcp://HOST:PORT]
                      [--workers N | --in-process] [--noise FILE] [--set KEY=VALUE ...] [--no-noise]

Runs the plan N times under the noise model on Dask (a LocalCluster of one worker process per
core unless ``--scheduler`` names a running cluster), prints the summary and writes
``DIR/summary.json``, ``DIR/trips.csv`` and three PNG plots. Exit codes: 0 done, 2 bad input.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from corridor.entrypoints.cli.options import lazy_console
from corridor.errors import InputError

if TYPE_CHECKING:
    from corridor.simulation.params import NoiseParams

_out = lazy_console()


def _noise(
    instance_raw: dict[str, Any],
    source: str,
    noise: Path | None,
    settings: list[str],
    no_noise: bool,
) -> NoiseParams:
    from corridor.services.simulations import noise_params
    from corridor.simulation.params import NoiseParams, parse_settings

    if no_noise:
        if noise is not None or settings:
            raise InputError("--no-noise", "goes alone, without --noise or --set")
        return NoiseParams.zero()
    overrides = []
    if noise is not None:
        import yaml

        try:
            values = yaml.safe_load(noise.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(str(noise), "no such file") from None
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise InputError(str(noise), f"cannot be read: {exc}") from None
        overrides.append((values, str(noise)))
    if settings:
        overrides.append((parse_settings(settings), "--set"))
    return noise_params(instance_raw, source, *overrides)


def simulate(
    instance: Annotated[Path, typer.Argument(help="CEP instance (JSON, format cep/1)")],
    plan: Annotated[Path, typer.Argument(help="CEP plan of that instance (cep-plan/1)")],
    out: Annotated[Path, typer.Option("--out", help="folder for summary.json and the plots")],
    runs: Annotated[int, typer.Option("--runs", help="how many runs")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="same seed and runs: same results")] = 0,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="a running Dask cluster: tcp://HOST:PORT")
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="LocalCluster worker processes (default: cores)")
    ] = None,
    in_process: Annotated[
        bool, typer.Option("--in-process", help="no Dask: run everything in this process")
    ] = False,
    noise: Annotated[
        Path | None, typer.Option("--noise", help="noise parameters (YAML or JSON object)")
    ] = None,
    settings: Annotated[
        list[str] | None, typer.Option("--set", help="one noise parameter, KEY=VALUE (repeat)")
    ] = None,
    no_noise: Annotated[
        bool, typer.Option("--no-noise", help="no noise at all: replay the plan exactly")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
) -> None:
    """Simulate a plan many times: people out, vehicles inside after the close, weak points."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from corridor.adapters.cep_files import load_instance
    from corridor.adapters.dask_cluster import executor
    from corridor.adapters.files import read_json_file
    from corridor.services.simulations import check_runs, prepare, simulate_plan

    check_runs(runs, seed)
    if sum((scheduler is not None, workers is not None, in_process)) > 1:
        raise InputError("--scheduler/--workers/--in-process", "give at most one of them")
    if workers is not None and workers < 1:
        raise InputError("--workers", f"must be at least 1, got {workers}")
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "exists and is not a folder")
    inst = load_instance(instance)
    params = _noise(inst.raw, str(instance), noise, settings or [], no_noise)
    model = prepare(inst, read_json_file(plan, "plan"), str(plan))
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=quiet,
    )
    t0 = time.perf_counter()
    with bar, executor(scheduler, workers, in_process) as (mapper, n, where):
        task = bar.add_task(f"simulating on {where}", total=runs)
        summary = simulate_plan(
            model, params, seed, runs, mapper, n, lambda done, _: bar.update(task, completed=done)
        )
    summary["execution"] = {"where": where, "seconds": round(time.perf_counter() - t0, 3)}
    _write(out, summary)
    from corridor.entrypoints.cli.simulate_view import print_summary

    print_summary(_out, summary, out)


def _write(folder: Path, summary: dict[str, Any]) -> None:
    from corridor.adapters.simulation_plots import write_plots

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    rows = [
        "vehicle,trip,in,out,planned_in,planned_out,people,p_late,p_not_started,"
        "lateness_p50,lateness_p90,lateness_p95,lateness_p99"
    ]
    for t in summary["trips"]:
        late = [t["lateness"][q] for q in ("50", "90", "95", "99")]
        cells = [
            t[k]
            for k in (
                "vehicle",
                "trip",
                "in",
                "out",
                "planned_in",
                "planned_out",
                "people",
                "p_late",
                "p_not_started",
            )
        ]
        rows.append(",".join(str(x) for x in (*cells, *("" if v is None else v for v in late))))
    (folder / "trips.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    write_plots(summary, folder)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``corridor`` app."""
    app.command("simulate")(simulate)
