"""What ``corridor plan`` writes and prints once it has a plan (plain and ``--robust``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from corridor.entrypoints.cli.options import lazy_console
from corridor.errors import InputError

if TYPE_CHECKING:
    from corridor.planning.instance import Instance
    from corridor.planning.solver import SolveResult

_out = lazy_console()


def write_plan(path: Path, plan: dict[str, object]) -> None:
    """Write atomically, so an interrupted run never leaves half a plan behind."""
    from corridor.adapters.files import write_json_file

    if Path(path).is_dir():
        raise InputError(str(path), "is a directory; give a file name for the plan")
    write_json_file(Path(path), plan)


def print_result(inst: Instance, output: Path, r: SolveResult) -> None:
    verdict = "optimal" if r.status == "optimal" else f"gap {100 * r.gap:.1f}%"
    if r.interrupted:
        _out.print(
            f"stopped by Ctrl-C after {r.seconds:.1f} s: the best plan found by then, checked",
            highlight=False,
        )
    _out.print(f"[bold]{inst.name}[/]: plan written to {output}", highlight=False)
    _out.print(
        f"  score {r.score:,.1f}   upper bound {r.upper_bound:,.1f} ({r.bound_method})   "
        f"[bold]{verdict}[/]",
        highlight=False,
    )
    _out.print(
        f"  first plan after {r.first_plan_seconds:.1f} s, {r.iterations} improvement "
        f"iterations, {r.seconds:.1f} s in all",
        highlight=False,
    )
    try:
        from corridor.reporting.summary import summarize
        from corridor.reporting.summary_text import summary_renderable
    except ImportError:  # the reports are another module's; the plan stands without them
        return
    _out.print(summary_renderable(summarize(inst, r.plan)))
