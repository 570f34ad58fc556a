"""The benchmarks are scripts that no other test runs: each name they import from corridor must
still exist, so that a move inside the package (SqlUnitOfWork into adapters, for one) cannot
leave a benchmark broken until someone runs it."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _imports(path: Path) -> list[tuple[str, str]]:
    tree = ast.parse(path.read_text(), str(path))
    return [
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("corridor")
        for alias in node.names
    ]


@pytest.mark.parametrize("script", sorted(BENCHMARKS.glob("*.py")), ids=lambda p: p.name)
def test_every_name_a_benchmark_imports_exists(script: Path) -> None:
    missing = []
    for module_name, name in _imports(script):
        module = importlib.import_module(module_name)
        if hasattr(module, name):
            continue
        try:
            importlib.import_module(f"{module_name}.{name}")
        except ImportError:
            missing.append(f"from {module_name} import {name}")
    assert not missing, f"{script.name}: {missing}"


def test_the_check_sees_a_missing_name(tmp_path: Path) -> None:
    script = tmp_path / "broken.py"
    script.write_text("from corridor.services.unit_of_work import SqlUnitOfWork\n")
    module_name, name = _imports(script)[0]
    module = importlib.import_module(module_name)
    assert not hasattr(module, name)
