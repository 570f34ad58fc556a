"""CLI command ``corridor simulate``: will the plan hold? (``docs/simulation.md``)

    corridor simulate INSTANCE PLAN --runs N --seed S --out DIR [--scheduler tcp://HOST:PORT]
                      [--workers N | --in-process] [--noise FILE] [--set KEY=VALUE ...] [--no-noise]

Runs the plan N times under the noise model on Dask (a LocalCluster of one worker process per
core unless ``--scheduler`` names a running cluster), prints the summary and writes
``DIR/summary.json``, ``DIR/trips.csv`` and three PNG plots, all of them or none. Exit codes:
0 done, 2 bad input (a ``--scheduler`` that is not a Dask scheduler, or one that has no worker
for :data:`WORKER_WAIT` seconds, included), 1 the runs did not finish (the scheduler was lost).
"""

from __future__ import annotations

import json
import shutil
import socket
import struct
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import CancelledError
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

import typer

from corridor.entrypoints.cli.options import lazy_console
from corridor.errors import CorridorError, InputError
from corridor.simulation.address import GIVE, address_problem

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from corridor.simulation.model import SimModel
    from corridor.simulation.params import NoiseParams

_out = lazy_console()

#: seconds to reach the scheduler at ``--scheduler`` and hear it greet as a Dask scheduler does
CONNECT_TIMEOUT = 10.0
#: seconds to wait for a first worker at a scheduler that has none, before giving up
WORKER_WAIT = 60.0
#: the longest greeting (handshake) a Dask scheduler sends first; a longer one is not Dask's
GREETING_MAX = 1 << 16


class RunsLost(CorridorError):
    """The cluster went away before every run came back; nothing was written."""

    exit_code = 1

    def __init__(self, where: str, done: int, runs: int, reason: str) -> None:
        self.where, self.done, self.runs, self.reason = where, done, runs, reason
        super().__init__(
            f"{where}: {reason} after {done:,} of {runs:,} runs; nothing was written "
            f"(run the command again once the cluster is back)"
        )


def _bad(value: str, problem: str) -> InputError:
    return InputError("--scheduler", f"{value}: {problem}", value)


def check_scheduler(value: str) -> None:
    """Refuse, within :data:`CONNECT_TIMEOUT` seconds, a ``--scheduler`` that is not a Dask
    scheduler: a web address, no port, nothing listening, a server that is not Dask's (a web
    server, the dashboard, the corridor service): Dask itself would hang or fail obscurely."""
    if (problem := address_problem(value)) is not None:
        raise _bad(value, problem)
    parts = urlsplit(value)
    if parts.scheme.lower() == "tcp":  # tls and websockets: Dask's own connection checks them
        _greeted(value, str(parts.hostname), int(parts.port or 0), CONNECT_TIMEOUT)


def _greeted(value: str, host: str, port: int, timeout: float) -> None:
    """A Dask scheduler speaks first: a handshake in Dask's framing (8 bytes of length, then
    frames). A web server waits for a request; anything else says something else."""
    deadline = time.monotonic() + timeout
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except socket.gaierror:
        raise _bad(value, f"no such host {host!r}; {GIVE}") from None
    except TimeoutError:
        raise _bad(
            value, f"no answer in {timeout:g} s (a firewall, or the machine is off); {GIVE}"
        ) from None
    except ConnectionRefusedError:
        raise _bad(
            value,
            f"no Dask scheduler answers: nothing listens on port {port} "
            f"(start one: dask scheduler --port {port}); {GIVE}",
        ) from None
    except OSError as exc:
        raise _bad(value, f"cannot connect: {exc.strerror or exc}; {GIVE}") from None
    with sock:
        head = _receive(sock, 8, deadline)
        size = struct.unpack("Q", head)[0] if len(head) == 8 else 0
        if 16 <= size <= GREETING_MAX:
            body = _receive(sock, size, deadline)
            if len(body) == size and 1 <= struct.unpack("Q", body[:8])[0] <= 64:
                return
        elif head:  # enough of what it says to show it
            body = _receive(sock, 32, min(deadline, time.monotonic() + 0.5))
    if not head:
        hint = " (8787 is the Dask dashboard's port)" if port == 8787 else ""
        raise _bad(
            value,
            f"not a Dask scheduler: it sent nothing, where a scheduler greets "
            f"at once (is it a web server?{hint}); {GIVE}",
        )
    said = (head + body)[:40].decode("latin-1").strip()
    said = "".join(c if c.isprintable() else "." for c in said)
    raise _bad(value, f"not a Dask scheduler: it said {said!r}; {GIVE}")


def _receive(sock: socket.socket, n: int, deadline: float) -> bytes:
    """Up to ``n`` bytes, fewer if the peer stops talking or the deadline passes."""
    data = b""
    while len(data) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        sock.settimeout(left)
        try:
            chunk = sock.recv(min(n - len(data), 65536))
        except (TimeoutError, OSError):
            break
        if not chunk:
            break
        data += chunk
    return data


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
    from corridor.adapters.cep_files import load_instance
    from corridor.adapters.files import read_json_file
    from corridor.services.simulations import check_runs, prepare

    check_runs(runs, seed)
    if sum((scheduler is not None, workers is not None, in_process)) > 1:
        raise InputError("--scheduler/--workers/--in-process", "give at most one of them")
    if workers is not None and workers < 1:
        raise InputError("--workers", f"must be at least 1, got {workers}")
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "exists and is not a folder")
    if scheduler is not None:
        check_scheduler(scheduler)
    inst = load_instance(instance)
    params = _noise(inst.raw, str(instance), noise, settings or [], no_noise)
    model = prepare(inst, read_json_file(plan, "plan"), str(plan))
    t0 = time.perf_counter()
    summary, where = _run(model, params, seed, runs, (scheduler, workers, in_process), quiet)
    summary["execution"] = {"where": where, "seconds": round(time.perf_counter() - t0, 3)}
    _write(out, summary)
    from corridor.entrypoints.cli.simulate_view import print_summary

    print_summary(_out, summary, out)


def _run(
    model: SimModel,
    params: NoiseParams,
    seed: int,
    runs: int,
    how: tuple[str | None, int | None, bool],
    quiet: bool,
) -> tuple[dict[str, Any], str]:
    """summary.json's content and where it ran, with a progress bar on stderr."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from corridor.adapters.dask_cluster import executor
    from corridor.services.simulations import simulate_plan

    scheduler, workers, in_process = how
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
    done = [0]

    def progress(n: int, _: int) -> None:
        done[0] = n
        bar.update(task, completed=n)

    with (
        bar,
        _quiet_dask(not in_process),
        executor(scheduler, workers, in_process) as (mapper, n, where),
    ):
        task = bar.add_task(f"simulating on {where}", total=runs)
        if scheduler is not None:
            n = _await_worker(mapper, scheduler, bar, task)
        try:
            return simulate_plan(model, params, seed, runs, mapper, n, progress), where
        except _lost_errors(in_process) as exc:
            named = f"--scheduler: {scheduler}" if scheduler is not None else where
            raise RunsLost(named, done[0], runs, _lost(exc)) from None


def _lost_errors(in_process: bool) -> tuple[type[BaseException], ...]:
    """What Dask raises when its scheduler goes away: the futures cancelled
    (``scheduler-connection-lost``), or the connection found closed."""
    if in_process:
        return ()
    from distributed.comm.core import CommClosedError

    return (CancelledError, CommClosedError)


def _lost(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    if reason == "scheduler-connection-lost" or not isinstance(exc, CancelledError):
        return f"the Dask scheduler was lost ({reason or str(exc) or type(exc).__name__})"
    return f"the runs were cancelled on the cluster ({reason or 'no reason given'})"


def _await_worker(mapper: Any, address: str, bar: Progress, task: TaskID) -> int:
    """The scheduler's workers; with none yet, says so (one line) and waits up to
    :data:`WORKER_WAIT` seconds for one, showing the bar, then gives up (exit 2)."""
    client = mapper.client
    if client.scheduler_info()["workers"]:
        return int(mapper.workers)
    bar.update(task, description=f"waiting for a worker at {address}")
    bar.console.print(
        f"waiting for a Dask worker: {address} has none (giving up after {WORKER_WAIT:g} s)",
        highlight=False,
    )
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT)
    except TimeoutError:
        raise _bad(
            address,
            f"no Dask worker joined it in {WORKER_WAIT:g} s; start some where "
            f"the runs should go: dask worker {address} --nthreads 1",
        ) from None
    bar.update(task, description=f"simulating on {address}")
    return int(mapper.workers)


@contextmanager
def _quiet_dask(dask: bool) -> Iterator[None]:
    """Dask's client logs a lost scheduler itself, with tracebacks; the command says it once,
    in one line. (Loggers Dask's configuration gave a level of their own are set one by one.)"""
    import logging

    if dask:
        import distributed  # noqa: F401  (its logging is set up on import: set it first)
    names = ["distributed"] + [
        n for n in logging.root.manager.loggerDict if n.startswith("distributed.")
    ]
    loggers = [logging.getLogger(n) for n in names]
    levels = [log.level for log in loggers]
    for log in loggers:
        log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for log, level in zip(loggers, levels, strict=True):
            log.setLevel(level)


def _write(folder: Path, summary: dict[str, Any]) -> None:
    """Every file or none: written beside the others first, then moved in."""
    from corridor.adapters.simulation_plots import write_plots

    made = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        draft = Path(tempfile.mkdtemp(prefix=".simulate-", dir=folder))
    except OSError as exc:
        raise InputError(str(folder), f"cannot be written: {exc.strerror or exc}") from None
    try:
        (draft / "summary.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
        (draft / "trips.csv").write_text(_trips_csv(summary), encoding="utf-8")
        write_plots(summary, draft)
        for f in sorted(draft.iterdir()):
            f.replace(folder / f.name)
    except BaseException as exc:
        shutil.rmtree(draft, ignore_errors=True)
        if made and not any(folder.iterdir()):
            folder.rmdir()
        if isinstance(exc, OSError):
            problem = f"cannot be written: {exc.strerror or exc}; nothing was written"
            raise InputError(str(folder), problem) from None
        raise
    draft.rmdir()


def _trips_csv(summary: dict[str, Any]) -> str:
    rows = [
        "vehicle,trip,in,out,planned_in,planned_out,people,p_late,p_not_started,"
        "lateness_p50,lateness_p90,lateness_p95,lateness_p99"
    ]
    keys = (
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
    for t in summary["trips"]:
        late = [t["lateness"][q] for q in ("50", "90", "95", "99")]
        cells = [t[k] for k in keys]
        rows.append(",".join(str(x) for x in (*cells, *("" if v is None else v for v in late))))
    return "\n".join(rows) + "\n"


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``corridor`` app."""
    app.command("simulate")(simulate)
