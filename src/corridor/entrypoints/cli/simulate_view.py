"""How ``corridor simulate`` prints a summary: what a coordinator reads before both parties."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from corridor.simulation.summary import clock, waits


def _minutes(v: float | None) -> str:
    if v is None:
        return "-"
    return "over 8 h" if v == float("inf") else f"{v:g} min"


def _pct(p: float) -> str:
    return f"{100 * p:.1f}%"


def people_table(s: dict[str, Any]) -> Table:
    t = Table(
        title="People out of the zone before the close", title_justify="left", box=box.SIMPLE_HEAD
    )
    for col in ("class", "plan", "mean", "5%", "median", "95%"):
        t.add_column(col, justify="left" if col == "class" else "right")
    po = s["people_out"]
    rows = [("all", s["planned"]["people_out"], po)]
    rows += [(c, v["planned"], v) for c, v in po["by_class"].items() if v["planned"]]
    for name, plan, v in rows:
        q = v["quantiles"]
        t.add_row(
            name,
            f"{plan:,}",
            f"{v['mean']:,.1f}",
            f"{q['5']:,.0f}",
            f"{q['50']:,.0f}",
            f"{q['95']:,.0f}",
        )
    return t


def checkpoint_table(s: dict[str, Any]) -> Table:
    t = Table(
        title="Checkpoints: wait before a lane (median / 95% / 99%)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for col in ("checkpoint", "lanes", "crossings", "wait", "queue 95% peak"):
        t.add_column(col, justify="left" if col == "checkpoint" else "right")
    for k in s["checkpoints"]:
        t.add_row(
            f"{k['checkpoint']} {k['dir']}",
            str(k["lanes"]),
            str(k["crossings"]),
            waits([k["wait"][q] for q in ("50", "95", "99")]),
            f"{k['queue_p95_peak']:g} at {clock(k['queue_p95_peak_at'])}",
        )
    return t


def critical_table(s: dict[str, Any], most: int = 5) -> Table:
    t = Table(
        title="Critical trips (most often lost: late, or not started)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for col in ("trip", "crossings", "out at", "people", "late", "not started"):
        t.add_column(col, justify="left" if col in ("trip", "crossings") else "right", no_wrap=True)
    for tr in s["critical"]["trips"][:most]:
        t.add_row(
            f"{tr['vehicle']} #{tr['trip']}",
            f"{tr['in']}→{tr['out']}",
            clock(tr["planned_out"]),
            str(tr["people"]),
            _pct(tr["p_late"]),
            _pct(tr["p_not_started"]),
        )
    return t


def print_summary(out: Console, s: dict[str, Any], folder: Path | None = None) -> None:
    ex = s.get("execution", {})
    where = f" on {ex['where']} in {ex['seconds']:.1f} s" if ex else ""
    out.print(
        f"[bold]{s['instance']}[/]: {s['runs']:,} runs, seed {s['seed']}{where}", highlight=False
    )
    out.print(people_table(s))
    late, lost = s["trips_late"]["mean"], s["trips_not_started"]["mean"]
    lines = [
        (
            "Inside after the close",
            f"{_pct(s['p_inside_after_close'])} of runs ({late:.2f} trips, "
            f"{s['people_late']['mean']:,.1f} people a run on average)",
        ),
        (
            "Trips not started",
            f"{lost:.2f} a run on average; in {_pct(s['trips_not_started']['p_any'])} of runs",
        ),
        (
            "Last vehicle out",
            f"median {clock(s['last_out']['50'])}, 95% by "
            f"{clock(s['last_out']['95'])}; plan {clock(s['planned']['last_out'])}, "
            f"close {clock(s['window']['close'])}",
        ),
    ]
    for label, text in lines:
        out.print(f"{label:<24}{text}", highlight=False)
    out.print(checkpoint_table(s))
    if s["critical"]["trips"]:
        out.print(critical_table(s))
    causes = s["critical"]["causes"]
    if causes:
        shown = ", ".join(f"{c['cause']} {_pct(c['share'])}" for c in causes[:4])
        out.print(f"{'Lost trips, by cause':<24}{shown}", highlight=False)
    if folder is not None:
        out.print(
            f"wrote {folder}/summary.json, trips.csv, people_out.png, "
            f"people_out_over_time.png, checkpoint_queues.png",
            highlight=False,
        )
