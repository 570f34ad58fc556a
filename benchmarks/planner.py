#!/usr/bin/env python3
"""Planner benchmark: corridor's planner against the PyVRP peer, side by side, same run.

For each instance (the public examples in data/cep, then generated instances of growing size
made by ../shared/cep/generate.py), it runs

- the project's planner, ``corridor plan INSTANCE -o PLAN --time-limit T --seed S`` through
  the installed command (its ``claimed.upper_bound`` is the project's own proven bound), and
- the PyVRP peer (``benchmarks/peer_pyvrp.py``: a PyVRP 0.14.1 model solved for the same
  number of seconds, replayed first-come-first-served at the checkpoints),

one after the other on the same machine, checks both plans with the referee
(``../shared/cep/validate.py --json``), and prints score, bound, gap, ratio to the peer and
seconds. The referee's own ``--bound`` is printed beside the project's bound for reference.

    .venv/bin/python benchmarks/planner.py                     # public + generated, 30 s each
    .venv/bin/python benchmarks/planner.py --only tiny,small --time-limit 10
    .venv/bin/python benchmarks/planner.py --no-generated --json results.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "cep"
REFEREE = SHARED / "validate.py"
GENERATE = SHARED / "generate.py"
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


@dataclass
class Run:
    who: str
    feasible: bool | None = None
    score: float | None = None
    bound: float | None = None
    seconds: float | None = None
    note: str = ""


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
    exe = Path(sys.executable).parent / "corridor"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("corridor")
    return [found] if found else None


def run_planner(instance: Path, out: Path, limit: float, seed: int) -> Run:
    cmd = corridor_command()
    if cmd is None:
        return Run("corridor", note="the corridor command is not installed")
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
    return Run(
        "corridor",
        feasible=bool(verdict["feasible"]),
        score=float(verdict["score"]),
        bound=float(bound) if isinstance(bound, int | float) else None,
        seconds=seconds,
        note=verdict.get("malformed", ""),
    )


def run_peer(instance: Path, out: Path, seconds: float, seed: int) -> Run:
    from peer_pyvrp import peer_plan

    t0 = time.perf_counter()
    plan, info = peer_plan(json.loads(instance.read_text()), seconds, seed)
    elapsed = time.perf_counter() - t0
    out.write_text(json.dumps(plan))
    verdict = referee(instance, out)
    return Run(
        "pyvrp-peer",
        feasible=bool(verdict["feasible"]),
        score=float(verdict["score"]),
        seconds=elapsed,
        note=f"{info['trips_kept']} of {info['trips_planned']} trips kept",
    )


def fmt(x: float | None, spec: str = ",.1f") -> str:
    return "-" if x is None else format(x, spec)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="corridor's planner against the PyVRP peer")
    ap.add_argument("--time-limit", type=float, default=30.0, help="seconds for each (30)")
    ap.add_argument("--peer-seconds", type=float, help="seconds for the peer (the time limit)")
    ap.add_argument("--only", help="comma-separated instance names (tiny,small,gen-20,...)")
    ap.add_argument("--no-generated", action="store_true", help="only the public examples")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--no-planner", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, help="also write the results to this file")
    args = ap.parse_args(argv)
    if not REFEREE.exists():
        print(f"planner.py: the referee is not at {REFEREE}; nothing to judge with")
        return 2
    work = Path(tempfile.mkdtemp(prefix="corridor-bench-"))
    instances = [(p.stem, p) for p in sorted(ROOT.glob("data/cep/*.json"), key=_size)
                 if not p.name.endswith(".plan.json")]  # fmt: skip
    if not args.no_generated:
        if GENERATE.exists():
            for name, gen_args in GENERATED:
                path = work / f"{name}.json"
                subprocess.run(
                    [sys.executable, str(GENERATE), *gen_args.split(), "--name", name,
                     "-o", str(path)], check=True,
                )  # fmt: skip
                instances.append((name, path))
        else:
            print(f"(generated instances skipped: {GENERATE} is absent)")
    if args.only:
        wanted = set(args.only.split(","))
        instances = [(n, p) for n, p in instances if n in wanted]
    peer_seconds = args.peer_seconds or args.time_limit
    print(
        f"time limit {args.time_limit:g} s (planner), {peer_seconds:g} s (peer); "
        f"seed {args.seed}; plans in {work}"
    )
    head = (
        f"{'instance':<9} {'people':>7} {'veh':>4} | {'corridor':>9} {'bound':>9} {'gap':>6} "
        f"{'s':>5} | {'peer':>9} {'s':>5} | {'ratio':>6} | {'referee bound':>13}"
    )
    print(head)
    print("-" * len(head))
    results = []
    for name, path in instances:
        raw = json.loads(path.read_text())
        people = sum(sum(g.get("people", {}).values()) for g in raw["gathering"])
        vehicles = sum(sum(d.get("fleet", {}).values()) for d in raw["depots"])
        ours = (
            Run("corridor", note="skipped")
            if args.no_planner
            else run_planner(path, work / f"{name}.corridor.json", args.time_limit, args.seed)
        )
        peer = (
            Run("pyvrp-peer", note="skipped")
            if args.no_peer
            else run_peer(path, work / f"{name}.peer.json", peer_seconds, args.seed)
        )
        gap = (
            (ours.bound - ours.score) / ours.bound
            if ours.bound and ours.score is not None and ours.feasible
            else None
        )
        ratio = (
            ours.score / peer.score
            if ours.score is not None and ours.feasible and peer.score
            else None
        )
        ref_bound = referee_bound(path)
        mark = "" if ours.feasible in (None, True) else " INFEASIBLE"
        gap_pct = "-" if gap is None else f"{100 * gap:.1f}%"
        ratio_x = "-" if ratio is None else f"{ratio:.2f}x"
        print(
            f"{name:<9} {people:>7,} {vehicles:>4} | {fmt(ours.score):>9} {fmt(ours.bound):>9} "
            f"{gap_pct:>6} {fmt(ours.seconds, '.0f'):>5}"
            f" | {fmt(peer.score):>9} {fmt(peer.seconds, '.0f'):>5} | "
            f"{ratio_x:>6} | {fmt(ref_bound):>13}{mark}"
        )
        for r in (ours, peer):
            if r.note:
                print(f"{'':<9} {r.who}: {r.note}")
            if r.feasible is False:
                print(f"{'':<9} {r.who}: the referee REJECTS this plan")
            if r.bound is not None and r.score is not None and r.bound < r.score - 1e-6:
                print(f"{'':<9} {r.who}: claimed bound {r.bound} is BELOW a feasible score")
        results.append(
            {
                "instance": name,
                "people": people,
                "vehicles": vehicles,
                "corridor": asdict(ours),
                "peer": asdict(peer),
                "gap": gap,
                "ratio": ratio,
                "referee_bound": ref_bound,
            }
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


def _size(p: Path) -> int:
    return p.stat().st_size


if __name__ == "__main__":
    sys.exit(main())
