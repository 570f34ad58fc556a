"""The PyVRP peer of the planner benchmark writes plans the referee accepts."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from conftest import run_referee

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def peer() -> ModuleType:
    pytest.importorskip("pyvrp", reason="the benchmark peers are in the bench extra")
    path = ROOT / "benchmarks" / "peer_pyvrp.py"
    spec = importlib.util.spec_from_file_location("peer_pyvrp", path)
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["peer_pyvrp"] = mod  # dataclasses look their module up by name
    spec.loader.exec_module(mod)
    return mod


def test_the_peer_plan_for_tiny_passes_the_referee(
    peer: ModuleType, referee: Path, tmp_path: Path
) -> None:
    raw = json.loads((ROOT / "data" / "cep" / "tiny.json").read_text())
    plan, info = peer.peer_plan(raw, seconds=1.0, seed=3)
    assert info["trips_kept"] >= 1
    out = tmp_path / "tiny.peer.json"
    out.write_text(json.dumps(plan))
    verdict = run_referee(referee, ROOT / "data" / "cep" / "tiny.json", out, "--json")
    assert verdict.returncode == 0, verdict.stdout
    result = json.loads(verdict.stdout)
    # It evacuates people, but it is a peer: it cannot beat the hand-made plan's 181.
    assert 0 < result["score"] <= 181


def test_the_replay_drops_trips_that_cannot_clear_the_checkpoints(
    peer: ModuleType, referee: Path, tmp_path: Path
) -> None:
    """With the window cut to 90 minutes, PyVRP's trips no longer fit: the replay keeps only
    those that get out in time, and the plan stays feasible."""
    raw = json.loads((ROOT / "data" / "cep" / "tiny.json").read_text())
    raw["window"]["close"] = raw["window"]["open"] + 90
    plan, info = peer.peer_plan(raw, seconds=1.0, seed=3)
    out = tmp_path / "short.json"
    out.write_text(json.dumps(plan))
    (tmp_path / "inst.json").write_text(json.dumps(raw))
    verdict = run_referee(referee, tmp_path / "inst.json", out, "--json")
    assert verdict.returncode == 0, verdict.stdout
    ends = [s["end"] for r in plan["routes"] for s in r["stops"] if s.get("dir") == "out"]
    assert all(e <= raw["window"]["close"] for e in ends)
    assert info["trips_kept"] <= info["trips_planned"]


def test_the_ortools_peer_plan_for_small_passes_the_referee(referee: Path, tmp_path: Path) -> None:
    pytest.importorskip("ortools", reason="the benchmark peers are in the bench extra")
    spec = importlib.util.spec_from_file_location(
        "peer_ortools", ROOT / "benchmarks" / "peer_ortools.py"
    )
    assert spec is not None
    assert spec.loader is not None
    sys.path.insert(0, str(ROOT / "benchmarks"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    raw = json.loads((ROOT / "data" / "cep" / "small.json").read_text())
    plan, info = mod.peer_plan(raw, seconds=2.0, seed=1)
    assert info["trips_kept"] >= 1
    out = tmp_path / "small.ortools.json"
    out.write_text(json.dumps(plan))
    verdict = run_referee(referee, ROOT / "data" / "cep" / "small.json", out, "--json")
    assert verdict.returncode == 0, verdict.stdout
    assert json.loads(verdict.stdout)["score"] > 0
