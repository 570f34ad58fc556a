"""Arrows point inward: the import-linter contracts in pyproject.toml hold.

The layers, from the top: entrypoints, bootstrap, settings, adapters, services, scenario, then
publishing | simulation | reporting | registration (independent of each other), planning |
tlog | i18n, routing, domain, errors. Adapters import nothing of the services but their ports;
no two modules of a package import each other, directly or in a ring. docs/architecture.md
draws the same picture and lists the known exceptions.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _lint_imports() -> str:
    found = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("lint-imports is missing: `make setup` installs import-linter (dev extra)")
    proc = subprocess.run(
        [found, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_every_import_contract_is_kept() -> None:
    out = _lint_imports()
    for contract in ("Layers:", "Adapters implement", "No cycles"):
        line = next(x for x in out.splitlines() if x.startswith(contract))
        assert "KEPT" in line, line


def test_the_contract_catches_an_outward_arrow(tmp_path: Path) -> None:
    """A domain module that imports a service breaks the layers contract (the check can fail)."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["id"] == "layers")["layers"]
    assert layers.index("domain") > layers.index("services")
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "corridor", src / "corridor", ignore=_no_static)
    bad = src / "corridor" / "domain" / "outward.py"
    bad.write_text("from corridor.services import ports  # an arrow pointing outward\n")
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    found = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert found is not None
    proc = subprocess.run(
        [found, "--no-cache", "--contract", "layers"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(src), "PATH": str(Path(sys.executable).parent)},
    )
    assert proc.returncode != 0
    assert "corridor.domain.outward -> corridor.services.ports" in proc.stdout


def _no_static(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if n in ("static", "__pycache__", "locale")]


def test_no_benchmark_imports_the_test_suite() -> None:
    """Benchmarks share helpers with the tests through corridor.testing, never tests/."""
    import ast

    offenders = []
    for path in sorted((ROOT / "benchmarks").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "tests"]
    assert offenders == []
