#!/usr/bin/env python3
"""Planner benchmark: corridor's planner against the PyVRP and OR-Tools peers, same run.

For each instance (the public examples in data/cep, then generated instances of growing size
made by ``benchmarks/cep_generate.py``, a copy of ../shared/cep/generate.py), it runs

- the project's planner, ``corridor plan INSTANCE -o PLAN --time-limit T --seed S`` through
  the installed command (its ``claimed.upper_bound`` is the project's own proven bound; its
  peak memory is measured in its own process),
- the PyVRP peer (``benchmarks/peer_pyvrp.py``: a PyVRP 0.14.1 model solved for the same
  number of seconds, replayed first-come-first-served at the checkpoints), and
- the OR-Tools peer (``benchmarks/peer_ortools.py``: an OR-Tools routing model, the same
  seconds, replayed the same way),

one after the other on the same machine, checks every plan with the referee
(``../shared/cep/validate.py --json``), and prints score, bound, gap, the ratio to each peer and
seconds. The referee's own ``--bound`` is printed beside the project's bound for reference.
Last comes the million-person instance (1,000 gathering points, 1,800 buses, 200 ambulances,
10 checkpoints, 20 depots, 30 centres, 24 hours, cargo), planned with ``--time-limit 60``: time
to the first plan, gap at the end and peak memory; the peers are not run on it (their models
would have over 20,000 nodes).

    .venv/bin/python benchmarks/planner.py                     # public + generated, 30 s each
    .venv/bin/python benchmarks/planner.py --only tiny,small --time-limit 10
    .venv/bin/python benchmarks/planner.py --no-generated --json results.json
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "cep"
REFEREE = Path(os.environ.get("CORRIDOR_REFEREE") or SHARED / "validate.py")
GENERATE = Path(__file__).resolve().parent / "cep_generate.py"
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Generated instances of growing size: (name, generate.py arguments).
GENERATED = [
    ("gen-20", "--seed 11 --gathering 20 --depots 2 --receptions 3 --checkpoints 2 --buses 30 "
               "--ambulances 6 --people 8000 --window 480 1020 --cargo"),
    ("gen-60", "--seed 12 --gathering 60 --depots 4 --receptions 5 --checkpoints 3 --buses 110 "
               "--ambulances 16 --people 35000 --window 420 1080 --cargo"),
    ("gen-250", "--seed 13 --gathering 250 --depots 8 --receptions 10 --checkpoints 6 "
                "--buses 450 --ambulances 60 --people 180000 --window 360 1080 --cargo"),
]  # fmt: skip
MILLION = (
    "million",
    "--seed 17 --gathering 1000 --depots 20 --receptions 30 --checkpoints 10 "
    "--buses 1800 --ambulances 200 --people 1000000 --window 0 1440 --cargo",
)
MILLION_SECONDS = 60.0
# Run the CLI in a process that reports its own peak memory (resident set, kB) on stderr.
MEASURED = (
    "import resource, sys\n"
    "from corridor.entrypoints.cli.main import run\n"
    "sys.argv = ['corridor', *sys.argv[1:]]\n"
    "try:\n    run()\nexcept SystemExit as exc:\n    code = exc.code\nelse:\n    code = 0\n"
    "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "try:  # the high-water mark of this process (ru_maxrss may be the parent's after exec)\n"
    "    status = open('/proc/self/status').read().split('VmHWM:')[1]\n"
    "    peak = int(status.split()[0])\n"
    "except (OSError, IndexError, ValueError):\n    pass\n"
    "print('peak-kb', peak, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


@dataclass
class Run:
    who: str
    feasible: bool | None = None
    score: float | None = None
    bound: float | None = None
    seconds: float | None = None
    note: str = ""
    first_plan: float | None = None
    peak_mb: float | None = None


def referee(instance: Path, plan: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, str(REFEREE), str(instance), str(plan), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode == 2:
        return {"feasible": False, "score": 0.0, "malformed": out.stderr.strip()}
    return dict(json.loads(out.stdout))


def referee_bound(instance: Path) -> float | None:
    out = subprocess.run(
        [sys.executable, str(REFEREE), str(instance), "--bound"],
        capture_output=True,
        text=True,
        check=False,
    )
    return float(out.stdout) if out.returncode == 0 else None


def corridor_command() -> list[str] | None:
    try:
        import corridor  # noqa: F401
    except ImportError:
        return None
    return [sys.executable, "-c", MEASURED]


def run_planner(instance: Path, out: Path, limit: float, seed: int) -> Run:
    cmd = corridor_command()
    if cmd is None:
        return Run("corridor", note="corridor is not installed in this Python")
    t0 = time.perf_counter()
    proc = subprocess.run(
        [*cmd, "plan", str(instance), "-o", str(out), "--time-limit", f"{limit:g}", "--quiet",
         "--seed", str(seed)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - t0
    if proc.returncode != 0 or not out.exists():
        lines = [ln.strip(" │╭╰─╮╯") for ln in (proc.stderr + proc.stdout).splitlines()]
        said = [ln for ln in lines if any(ch.isalnum() for ch in ln)] or ["no output"]
        return Run("corridor", seconds=seconds, note=f"exit {proc.returncode}: {said[-1][:90]}")
    verdict = referee(instance, out)
    claimed = json.loads(out.read_text()).get("claimed", {})
    bound = claimed.get("upper_bound")
    first = re.search(r"first plan after ([0-9.]+) s", proc.stdout)
    peak = re.search(r"peak-kb (\d+)", proc.stderr)
    return Run(
        "corridor",
        feasible=bool(verdict["feasible"]),
        score=float(verdict["score"]),
        bound=float(bound) if isinstance(bound, int | float) else None,
        seconds=seconds,
        note=verdict.get("malformed", ""),
        first_plan=float(first.group(1)) if first else None,
        peak_mb=int(peak.group(1)) / 1024 if peak else None,
    )


def run_peer(who: str, instance: Path, out: Path, seconds: float, seed: int) -> Run:
    """A peer (``pyvrp`` or ``ortools``) in this process; its plan judged by the referee."""
    try:
        module = importlib.import_module(f"peer_{who}")
    except ImportError as exc:  # the bench extra is not installed
        return Run(f"{who}-peer", note=f"not run: {exc}")
    t0 = time.perf_counter()
    plan, info = module.peer_plan(json.loads(instance.read_text()), seconds, seed)
    elapsed = time.perf_counter() - t0
    out.write_text(json.dumps(plan))
    if "not_run" in info:
        return Run(f"{who}-peer", seconds=elapsed, note=f"not run: {info['not_run']}")
    verdict = referee(instance, out)
    return Run(
        f"{who}-peer",
        feasible=bool(verdict["feasible"]),
        score=float(verdict["score"]),
        seconds=elapsed,
        note=f"{info['trips_kept']} of {info['trips_planned']} trips kept",
    )


def fmt(x: float | None, spec: str = ",.1f") -> str:
    return "-" if x is None else format(x, spec)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="corridor's planner against the PyVRP and OR-Tools peers"
    )
    ap.add_argument("--time-limit", type=float, default=30.0, help="seconds for each (30)")
    ap.add_argument("--peer-seconds", type=float, help="seconds for the peers (the time limit)")
    ap.add_argument("--only", help="comma-separated instance names (tiny,small,gen-20,million...)")
    ap.add_argument("--no-generated", action="store_true", help="only the public examples")
    ap.add_argument("--no-million", action="store_true", help="leave out the million-person row")
    ap.add_argument("--peers", default="pyvrp,ortools", help="which peers (pyvrp,ortools; none)")
    ap.add_argument("--no-planner", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, help="also write the results to this file")
    args = ap.parse_args(argv)
    if not REFEREE.exists():
        print(f"planner.py: the referee is not at {REFEREE}; nothing to judge with")
        return 2
    work = Path(tempfile.mkdtemp(prefix="corridor-bench-"))
    instances = _instances(work, args)
    peers = [p for p in args.peers.split(",") if p and p != "none"]
    peer_seconds = args.peer_seconds or args.time_limit
    print(
        f"time limit {args.time_limit:g} s (planner), {peer_seconds:g} s (peers {peers}); "
        f"million-person instance {MILLION_SECONDS:g} s; seed {args.seed}; plans in {work}"
    )
    results = []
    for name, path in instances:
        limit = MILLION_SECONDS if name == MILLION[0] else args.time_limit
        ours = (
            Run("corridor", note="skipped")
            if args.no_planner
            else run_planner(path, work / f"{name}.corridor.json", limit, args.seed)
        )
        others = [] if name == MILLION[0] else [
            run_peer(p, path, work / f"{name}.{p}.json", peer_seconds, args.seed) for p in peers
        ]  # fmt: skip
        results.append(_row(name, path, ours, others))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


def _instances(work: Path, args: argparse.Namespace) -> list[tuple[str, Path]]:
    """The public examples, then the generated instances (the million-person one last)."""
    instances = [(p.stem, p) for p in sorted(ROOT.glob("data/cep/*.json"), key=_size)
                 if not p.name.endswith(".plan.json")]  # fmt: skip
    generated = [] if args.no_generated else list(GENERATED)
    if not args.no_million:
        generated.append(MILLION)
    for name, gen_args in generated:
        if args.only and name not in args.only.split(","):
            continue
        path = work / f"{name}.json"
        subprocess.run(
            [sys.executable, str(GENERATE), *gen_args.split(), "--name", name, "-o", str(path)],
            check=True,
        )
        instances.append((name, path))
    if args.only:
        wanted = set(args.only.split(","))
        instances = [(n, p) for n, p in instances if n in wanted]
    return instances


def _row(name: str, path: Path, ours: Run, peers: list[Run]) -> dict[str, Any]:
    """Print one instance's results (and every warning) and return them."""
    raw = json.loads(path.read_text())
    people = sum(sum(g.get("people", {}).values()) for g in raw["gathering"])
    vehicles = sum(sum(d.get("fleet", {}).values()) for d in raw["depots"])
    ok = ours.score is not None and ours.feasible
    gap = (ours.bound - ours.score) / ours.bound if ok and ours.bound else None  # type: ignore[operator]
    ratios = {p.who: ours.score / p.score if ok and p.score else None for p in peers}  # type: ignore[operator]
    ref_bound = referee_bound(path)
    line = (
        f"{name}: {people:,} people, {vehicles} vehicles | corridor {fmt(ours.score)} "
        f"bound {fmt(ours.bound)} gap {'-' if gap is None else f'{100 * gap:.2f}%'} "
        f"in {fmt(ours.seconds, '.1f')} s (first plan {fmt(ours.first_plan, '.1f')} s, "
        f"peak {fmt(ours.peak_mb, '.0f')} MB)"
    )
    for p in peers:
        ratio = ratios[p.who]
        line += (f" | {p.who} {fmt(p.score)} in {fmt(p.seconds, '.0f')} s, ratio "
                 f"{'-' if ratio is None else f'{ratio:.2f}x'}")  # fmt: skip
    print(line + f" | referee bound {fmt(ref_bound)}", flush=True)
    for r in (ours, *peers):
        if r.note:
            print(f"    {r.who}: {r.note}")
        if r.feasible is False:
            print(f"    {r.who}: the referee REJECTS this plan")
        if r.bound is not None and r.score is not None and r.bound < r.score - 1e-6:
            print(f"    {r.who}: claimed bound {r.bound} is BELOW a feasible score")
    best_peer = max((p.score or 0.0 for p in peers), default=0.0)
    if ours.bound is not None and ours.bound < best_peer - 1e-6:
        print(f"    corridor: claimed bound {ours.bound} is BELOW a peer's feasible score")
    return {"instance": name, "people": people, "vehicles": vehicles,
            "corridor": asdict(ours), "peers": [asdict(p) for p in peers], "gap": gap,
            "ratios": ratios, "referee_bound": ref_bound}  # fmt: skip


def _size(p: Path) -> int:
    return p.stat().st_size


if __name__ == "__main__":
    sys.exit(main())
