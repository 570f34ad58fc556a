"""CEP instance and plan files: read here (strict JSON), parsed by the pure ``planning`` layer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from corridor.adapters.files import read_json_file
from corridor.errors import InputError
from corridor.planning.check import CheckResult, check_routes
from corridor.planning.instance import Instance, parse_instance
from corridor.planning.plan_format import PlanRoute, parse_plan

__all__ = ["check_files", "load_instance", "load_plan"]


def load_instance(path: str | Path) -> Instance:
    """Read and check a CEP instance file; a missing or non-JSON file is an :class:`InputError`
    (a scenario given in its place says it must be compiled first)."""
    try:
        raw = read_json_file(path, "instance")
    except InputError as exc:
        if Path(path).suffix.lower() not in (".yaml", ".yml") or not Path(path).is_file():
            raise
        raise InputError(
            exc.where,
            f"{exc.problem}; it looks like a scenario: compile it first "
            f"(corridor compile {path} -o instance.json) and give the instance",
        ) from None
    return parse_instance(raw, str(path))


def load_plan(path: str | Path, inst: Instance) -> tuple[dict[str, Any], list[PlanRoute]]:
    """Read a plan file for ``inst``: (decoded JSON, routes); errors name the file and field."""
    raw = read_json_file(path, "plan")
    try:
        return raw, parse_plan(raw, inst)
    except InputError as exc:
        where = exc.where.removeprefix("plan: ")
        raise InputError(f"{path}: {where}", exc.problem) from None


def check_files(instance_path: str | Path, plan_path: str | Path) -> CheckResult:
    """Read and check a plan file against an instance file."""
    inst = load_instance(instance_path)
    return check_routes(inst, load_plan(plan_path, inst)[1])
