"""A printable Gantt chart of a plan: one row per vehicle, one row per checkpoint lane.

Vehicle rows show driving outside and inside the zone, queues and inspections at checkpoints
and stops at gathering points and reception centres; lane rows show which crossing occupies
each lane of each checkpoint direction (crossings are packed onto lanes first-free, which is
always possible when the plan respects the lane counts). The ceasefire window is marked.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MultipleLocator

from corridor.planning.check import PlanRoute, parse_plan
from corridor.planning.instance import Instance, parse_instance

COLOURS = {
    "drive outside": "#c9c9c9",
    "drive inside": "#7fb3d5",
    "queue": "#f5b041",
    "inspection in": "#1f618d",
    "inspection out": "#922b21",
    "board": "#27ae60",
    "alight": "#8e44ad",
    "depot": "#5d6d7e",
}


def _clock(x: float, _pos: int | None = None) -> str:
    m = round(x)
    return f"{(m // 60) % 24:02d}:{m % 60:02d}"


def _segments(route: PlanRoute) -> list[tuple[float, float, str]]:
    """(start, end, what) for everything the vehicle does, in order."""
    out: list[tuple[float, float, str]] = []
    prev = None
    for s in route.stops:
        if prev is not None:
            what = "drive inside" if prev.inside_after else "drive outside"
            out.append((prev.leave, s.arrive, what))
        if s.kind == "checkpoint":
            out.append((s.arrive, s.start, "queue"))
            out.append((s.start, s.end, f"inspection {s.dir}"))
        else:
            what = {"gathering": "board", "reception": "alight"}.get(s.kind, "depot")
            out.append((s.arrive, s.depart, what))
        prev = s
    return [(a, b, w) for a, b, w in out if b > a]


def _lanes(
    routes: list[PlanRoute], inst: Instance
) -> list[tuple[str, list[tuple[float, float, str]]]]:
    """One row per lane of each checkpoint direction, crossings packed first-free."""
    rows = []
    for k in inst.checkpoints:
        for d in ("in", "out"):
            xs = sorted(
                (s.start, s.end, r.vehicle)
                for r in routes
                for s in r.stops
                if s.kind == "checkpoint" and s.at == k.id and s.dir == d
            )
            lanes: list[list[tuple[float, float, str]]] = [[] for _ in range(k.direction(d).lanes)]
            for x in xs:
                free = [ln for ln in lanes if not ln or ln[-1][1] <= x[0] + 1e-6]
                if not free:  # an over-booked plan: show it on an extra row
                    lanes.append([])
                    free = [lanes[-1]]
                free[0].append(x)
            for n, ln in enumerate(lanes, 1):
                rows.append((f"{k.id} {d} lane {n}", ln))
    return rows


def draw_gantt(
    instance: Instance | dict[str, Any], plan_raw: dict[str, Any], path: str | Path
) -> Path:
    """Draw the chart of ``plan_raw`` to ``path`` (PNG); returns the path."""
    inst = instance if isinstance(instance, Instance) else parse_instance(instance)
    routes = sorted(
        (r for r in parse_plan(plan_raw, inst) if len(r.stops) > 1),
        key=lambda r: [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", r.vehicle)],
    )
    lane_rows = _lanes(routes, inst)
    times = [t for r in routes for a, b, _ in _segments(r) for t in (a, b)]
    lo = min([inst.open - 60, *times])
    hi = max([inst.close + 30, *times])
    n_v, n_l = len(routes), len(lane_rows)
    row_h = 0.22 if n_v <= 60 else 0.14
    height = min(60.0, 1.6 + row_h * (n_v + n_l) + 1.2)
    fig, (ax_v, ax_l) = plt.subplots(
        2,
        1,
        figsize=(16, height),
        sharex=True,
        gridspec_kw={"height_ratios": [max(n_v, 1), max(n_l, 1) + 1], "hspace": 0.08},
    )
    for y, r in enumerate(routes):
        by: dict[str, list[tuple[float, float]]] = {}
        for a, b, what in _segments(r):
            by.setdefault(what, []).append((a, b - a))
        for what, bars in by.items():
            ax_v.broken_barh(bars, (y - 0.38, 0.76), facecolors=COLOURS[what], linewidth=0)
    ax_v.set_yticks(range(n_v))
    small = n_v > 60
    ax_v.set_yticklabels([r.vehicle for r in routes], fontsize=5 if small else 8)
    ax_v.set_ylim(n_v - 0.5, -0.5)
    ax_v.set_ylabel("vehicles")
    for y, (label, crossings) in enumerate(lane_rows):
        colour = COLOURS["inspection in"] if " in " in label else COLOURS["inspection out"]
        ax_l.broken_barh(
            [(a, b - a) for a, b, _ in crossings],
            (y - 0.38, 0.76),
            facecolors=colour,
            edgecolors="white",
            linewidth=0.4,
        )
    ax_l.set_yticks(range(n_l))
    ax_l.set_yticklabels([label for label, _ in lane_rows], fontsize=8)
    ax_l.set_ylim(n_l - 0.5, -0.5)
    ax_l.set_ylabel("checkpoint lanes")
    for ax in (ax_v, ax_l):
        ax.axvspan(lo, inst.open, color="#999999", alpha=0.15, linewidth=0)
        ax.axvspan(inst.close, hi, color="#999999", alpha=0.15, linewidth=0)
        ax.axvline(inst.open, color="#c0392b", linewidth=1.4)
        ax.axvline(inst.close, color="#c0392b", linewidth=1.4)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
    ax_l.set_xlim(lo, hi)
    span = hi - lo
    ax_l.xaxis.set_major_locator(MultipleLocator(30 if span <= 600 else 60))
    ax_l.xaxis.set_major_formatter(FuncFormatter(_clock))
    ax_l.set_xlabel("time (HH:MM)")
    if small:  # a tall chart: clock times at its top as well
        ax_v.tick_params(axis="x", labeltop=True, labelsize=8)
    for x, label in ((inst.open, "window opens"), (inst.close, "window closes")):
        ax_v.annotate(
            f"{label} {_clock(x)}",
            (x, 0),
            xycoords=("data", "axes fraction"),
            xytext=(3, 3),
            textcoords="offset points",
            fontsize=8,
            color="#c0392b",
            rotation=90,
            va="bottom",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1},
        )
    ax_v.set_title(
        f"Plan for {inst.name}: {n_v} vehicles, ceasefire window "
        f"{_clock(inst.open)}-{_clock(inst.close)}",
        loc="left",
        fontsize=11,
        pad=38 if small else 22,
    )
    handles = [Patch(color=c, label=w) for w, c in COLOURS.items()]
    ax_v.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        borderaxespad=1.9 if small else 0.1,  # above the top clock labels
        ncol=len(handles),
        fontsize=8,
        frameon=False,
    )
    out = Path(path)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return out
