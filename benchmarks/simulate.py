#!/usr/bin/env python3
"""Simulation benchmark, side by side in one run (``docs/simulation.md``, ``docs/benchmarks.md``):

1. the fast engine (numba) against the SimPy reference model, in runs per second on the
   medium example, both on the same draws and one core (target: at least 20x);
2. 10,000 runs of the large example on a LocalCluster of one worker process per core, as
   ``corridor simulate`` runs them (target: under 60 s on 2 cores);
3. the speed-up from one to two worker processes on the large example.

The plans are made once with ``corridor plan --time-limit 30 --iterations 50`` and kept in
``--workdir``. Machine load (``os.getloadavg``) is printed before and after: other work on the
same cores shows in the figures.

    .venv/bin/python benchmarks/simulate.py
    .venv/bin/python benchmarks/simulate.py --large-runs 2000 --simpy-runs 20
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corridor.simulation.model import SimModel

ROOT = Path(__file__).resolve().parents[1]


def plan_for(name: str, workdir: Path) -> Path:
    out = workdir / f"{name}.plan.json"
    if not out.exists():
        corridor = Path(sys.executable).parent / "corridor"
        subprocess.run(
            [
                str(corridor),
                "plan",
                str(ROOT / "data" / "cep" / f"{name}.json"),
                "-o",
                str(out),
                "--time-limit",
                "30",
                "--iterations",
                "50",
                "-q",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return out


def model_for(name: str, workdir: Path) -> SimModel:
    from corridor.adapters.cep_files import load_instance
    from corridor.simulation.model import build_model

    inst = load_instance(ROOT / "data" / "cep" / f"{name}.json")
    return build_model(inst, json.loads(plan_for(name, workdir).read_text()))


def engines(workdir: Path, fast_runs: int, simpy_runs: int) -> dict[str, float]:
    from corridor.simulation.draws import draw
    from corridor.simulation.kernel import run_batch
    from corridor.simulation.params import NoiseParams
    from corridor.simulation.reference import run_one

    m = model_for("medium", workdir)
    p = NoiseParams()
    run_batch(m, draw(m, p, 0, range(5)))  # compile (or load the cache) before timing
    t = time.perf_counter()
    run_batch(m, draw(m, p, 1, range(fast_runs)))
    fast = fast_runs / (time.perf_counter() - t)
    d = draw(m, p, 1, range(simpy_runs))
    t = time.perf_counter()
    for i in range(simpy_runs):
        run_one(m, d.run(i))
    slow = simpy_runs / (time.perf_counter() - t)
    return {"steps": m.steps, "fast": fast, "simpy": slow}


def cluster(workdir: Path, runs: int, workers: int) -> float:
    """Seconds for ``runs`` runs of large on a LocalCluster of ``workers`` processes (the
    cluster started and warmed up first: what a long simulation pays per run)."""
    from corridor.adapters.dask_cluster import dask_mapper
    from corridor.simulation.params import NoiseParams
    from corridor.simulation.runner import simulate

    m = model_for("large", workdir)
    with dask_mapper(None, workers) as mapper:
        simulate(m, NoiseParams(), 0, 4 * workers, mapper, workers)  # every worker loads numba
        t = time.perf_counter()
        simulate(m, NoiseParams(), 1, runs, mapper, workers)
        return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/corridor-bench-simulate"))
    ap.add_argument("--fast-runs", type=int, default=2000)
    ap.add_argument("--simpy-runs", type=int, default=40)
    ap.add_argument("--large-runs", type=int, default=10_000)
    ap.add_argument("--speedup-runs", type=int, default=4000)
    a = ap.parse_args()
    a.workdir.mkdir(parents=True, exist_ok=True)
    print(
        f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
        f"{os.getloadavg()[2]:.2f} on {os.cpu_count()} cores"
    )
    e = engines(a.workdir, a.fast_runs, a.simpy_runs)
    print(
        f"1. medium ({e['steps']} stops), one core: fast engine {e['fast']:,.0f} runs/s, "
        f"SimPy model {e['simpy']:,.1f} runs/s: {e['fast'] / e['simpy']:,.0f}x (target 20x)"
    )
    from corridor.adapters.dask_cluster import cpu_count

    n = cpu_count()
    s = cluster(a.workdir, a.large_runs, n)
    print(
        f"2. large, {a.large_runs:,} runs on {n} worker processes: {s:.1f} s "
        f"({a.large_runs / s:,.0f} runs/s; target under 60 s)"
    )
    one = cluster(a.workdir, a.speedup_runs, 1)
    two = cluster(a.workdir, a.speedup_runs, 2)
    print(
        f"3. large, {a.speedup_runs:,} runs: 1 worker {one:.1f} s, 2 workers {two:.1f} s: "
        f"speed-up {one / two:.2f}x"
    )
    print(f"load after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
