"""The plan summary as Rich tables for the terminal and as Markdown."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

from corridor.reporting.summary import PlanSummary
from corridor.reporting.times import duration

if TYPE_CHECKING:
    from rich.console import RenderableType


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole > 0 else "-"


def _headline(s: PlanSummary) -> list[tuple[str, str]]:
    verdict = "feasible" if s.feasible else f"NOT FEASIBLE ({len(s.violations)} violations)"
    slack = s.slack
    share = _pct(s.people_out, s.people_waiting)
    return [
        ("Plan check", verdict),
        ("Score", f"{s.score:g}"),
        ("Window", f"{s.clock(s.open)} to {s.clock(s.close)} ({duration(s.close - s.open)})"),
        ("People out", f"{s.people_out} of {s.people_waiting} waiting ({share})"),
        ("Vehicles used", f"{s.vehicles_used} of {s.fleet_size}, {s.zone_visits} trips in"),
        ("First vehicle in", s.clock(s.first_in)),
        ("Last vehicle out", s.clock(s.last_out)),
        (
            "Slack before close",
            "-" if slack is None else duration(slack) if slack >= 0 else f"{slack:.1f} min LATE",
        ),
        (
            "Cargo toward needs",
            f"{s.cargo_kg:,.0f} kg of {s.needs_kg:,.0f} kg needed"
            + (f" ({_pct(s.cargo_kg, s.needs_kg)})" if s.needs_kg else ""),
        ),
    ]


def _class_rows(s: PlanSummary) -> list[list[str]]:
    rows = [
        [
            c,
            f"{s.weights.get(c, 0):g}",
            str(s.evacuated[c]),
            str(s.waiting[c]),
            _pct(s.evacuated[c], s.waiting[c]),
            str(s.waiting[c] - s.evacuated[c]),
        ]
        for c in s.classes
    ]
    rows.append(
        [
            "all",
            "",
            str(s.people_out),
            str(s.people_waiting),
            _pct(s.people_out, s.people_waiting),
            str(s.people_waiting - s.people_out),
        ]
    )
    return rows  # fmt: skip


CLASS_HEAD = ["class", "weight", "evacuated", "waiting", "share", "left behind"]


def _gathering_head(s: PlanSummary) -> list[str]:
    head = ["gathering point", *[f"{c} out/waiting" for c in s.classes], "all", "left behind"]
    return [*head, "cargo kg / needs"] if s.needs_kg else head


def _gathering_rows(s: PlanSummary) -> list[list[str]]:
    rows = []
    for g in s.gathering:
        out, wait = sum(g.evacuated.values()), sum(g.waiting.values())
        row = [g.id, *[f"{g.evacuated[c]}/{g.waiting[c]}" for c in s.classes]]
        row += [f"{out}/{wait} ({_pct(out, wait)})", str(wait - out)]
        if s.needs_kg:
            row.append(f"{g.cargo_kg:,.0f}/{g.needs_kg:,.0f}")
        rows.append(row)
    return rows


RECEPTION_HEAD = ["reception centre", "medical", "arrivals", "capacity", "use"]


def _reception_rows(s: PlanSummary) -> list[list[str]]:
    return [
        [r.id, "yes" if r.medical else "no", str(r.arrived), f"{r.capacity:g}",
         _pct(r.arrived, r.capacity)]
        for r in s.receptions
    ]  # fmt: skip


# The queue's wait summed over every crossing (vehicle-hours lost in line), and the longest
# one vehicle waited: a total alone reads as one queue of many hours.
CHECKPOINT_HEAD = [
    "checkpoint", "direction", "lanes", "crossings", "lane use", "waits, sum", "longest",
]  # fmt: skip


def _checkpoint_rows(s: PlanSummary) -> list[list[str]]:
    span = s.close - s.open
    return [
        [k.id, k.dir, str(k.lanes), str(k.crossings),
         _pct(k.busy_minutes, k.lanes * span) if k.lanes else "closed",
         duration(k.waited_minutes), duration(k.longest_wait_minutes)]
        for k in s.checkpoints
    ]  # fmt: skip


def summary_renderable(s: PlanSummary) -> RenderableType:
    """The summary as Rich tables, for the terminal."""
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    for k, v in _headline(s):
        style = "red" if "NOT" in v or "LATE" in v else ""
        head.add_row(k, Text(v, style=style))

    def table(title: str, columns: list[str], rows: list[list[str]]) -> Table:
        t = Table(title=title, title_justify="left", title_style="bold")
        for i, c in enumerate(columns):
            t.add_column(c, justify="left" if i == 0 else "right")
        for row in rows:
            t.add_row(*row)
        return t

    parts: list[RenderableType] = [Text(f"Plan for {s.instance}", style="bold underline"), head]
    parts.append(table("Evacuated by class", CLASS_HEAD, _class_rows(s)))
    parts.append(table("By gathering point", _gathering_head(s), _gathering_rows(s)))
    parts.append(table("Reception centres", RECEPTION_HEAD, _reception_rows(s)))
    parts.append(table("Checkpoints", CHECKPOINT_HEAD, _checkpoint_rows(s)))
    if s.violations:
        shown = "\n".join(f"[{v.rule}] {v.detail}" for v in s.violations[:20])
        more = len(s.violations) - 20
        parts.append(Text(shown + (f"\n... and {more} more" if more > 0 else ""), style="red"))
    return Group(*parts)


_NUMERIC = re.compile(r"^[-+]?[\d,.:/%() ]*$")


def md_table(columns: list[str], rows: list[list[str]]) -> str:
    """A Markdown table; columns of numbers, times and shares are right-aligned."""
    right = [i > 0 and all(_NUMERIC.match(r[i]) for r in rows) for i in range(len(columns))]
    out = ["| " + " | ".join(columns) + " |"]
    out.append("|" + "|".join("---:" if r else ":---" for r in right) + "|")
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def summary_markdown(s: PlanSummary) -> str:
    parts = [f"# Plan for {s.instance}", ""]
    parts += [f"- **{k}**: {v}" for k, v in _headline(s)]
    parts += ["", "## Evacuated by class", "", md_table(CLASS_HEAD, _class_rows(s))]
    parts += ["", "## By gathering point", "", md_table(_gathering_head(s), _gathering_rows(s))]
    parts += ["", "## Reception centres", "", md_table(RECEPTION_HEAD, _reception_rows(s))]
    parts += ["", "## Checkpoints", "", md_table(CHECKPOINT_HEAD, _checkpoint_rows(s))]
    if s.violations:
        parts += ["", "## Broken rules", ""]
        parts += [f"- `{v.rule}`: {v.detail}" for v in s.violations]
    return "\n".join(parts) + "\n"
