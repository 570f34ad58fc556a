"""Draw a plan's Gantt chart (:mod:`corridor.reporting.gantt`) to a printable PNG."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MultipleLocator

from corridor.reporting.gantt import GanttChart

if TYPE_CHECKING:
    from matplotlib.axes import Axes

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


def draw_gantt(chart: GanttChart, path: str | Path) -> Path:
    """Draw ``chart`` to ``path`` (PNG); returns the path."""
    n_v, n_l = len(chart.vehicles), len(chart.lanes)
    small = n_v > 60
    row_h = 0.14 if small else 0.22
    height = min(60.0, 1.6 + row_h * (n_v + n_l) + 1.2)
    fig, (ax_v, ax_l) = plt.subplots(
        2,
        1,
        figsize=(16, height),
        sharex=True,
        gridspec_kw={"height_ratios": [max(n_v, 1), max(n_l, 1) + 1], "hspace": 0.08},
    )
    _vehicle_rows(ax_v, chart, small)
    _lane_rows(ax_l, chart)
    for ax in (ax_v, ax_l):
        ax.axvspan(chart.lo, chart.open, color="#999999", alpha=0.15, linewidth=0)
        ax.axvspan(chart.close, chart.hi, color="#999999", alpha=0.15, linewidth=0)
        ax.axvline(chart.open, color="#c0392b", linewidth=1.4)
        ax.axvline(chart.close, color="#c0392b", linewidth=1.4)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
    ax_l.set_xlim(chart.lo, chart.hi)
    ax_l.xaxis.set_major_locator(MultipleLocator(30 if chart.hi - chart.lo <= 600 else 60))
    ax_l.xaxis.set_major_formatter(FuncFormatter(_clock))
    ax_l.set_xlabel("time (HH:MM)")
    if small:  # a tall chart: clock times at its top as well
        ax_v.tick_params(axis="x", labeltop=True, labelsize=8)
    _titles(ax_v, chart, small)
    out = Path(path)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return out


def _vehicle_rows(ax: Axes, chart: GanttChart, small: bool) -> None:
    for y, (_, bars) in enumerate(chart.vehicles):
        by: dict[str, list[tuple[float, float]]] = {}
        for a, b, what in bars:
            by.setdefault(what, []).append((a, b - a))
        for what, spans in by.items():
            ax.broken_barh(spans, (y - 0.38, 0.76), facecolors=COLOURS[what], linewidth=0)
    n = len(chart.vehicles)
    ax.set_yticks(range(n))
    ax.set_yticklabels([v for v, _ in chart.vehicles], fontsize=5 if small else 8)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_ylabel("vehicles")


def _lane_rows(ax: Axes, chart: GanttChart) -> None:
    for y, (label, crossings) in enumerate(chart.lanes):
        colour = COLOURS["inspection in"] if " in " in label else COLOURS["inspection out"]
        ax.broken_barh(
            [(a, b - a) for a, b, _ in crossings],
            (y - 0.38, 0.76),
            facecolors=colour,
            edgecolors="white",
            linewidth=0.4,
        )
    n = len(chart.lanes)
    ax.set_yticks(range(n))
    ax.set_yticklabels([label for label, _ in chart.lanes], fontsize=8)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_ylabel("checkpoint lanes")


def _titles(ax: Axes, chart: GanttChart, small: bool) -> None:
    for x, label in ((chart.open, "window opens"), (chart.close, "window closes")):
        ax.annotate(
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
    ax.set_title(
        f"Plan for {chart.name}: {len(chart.vehicles)} vehicles, ceasefire window "
        f"{_clock(chart.open)}-{_clock(chart.close)}",
        loc="left",
        fontsize=11,
        pad=38 if small else 22,
    )
    handles = [Patch(color=c, label=w) for w, c in COLOURS.items()]
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        borderaxespad=1.9 if small else 0.1,  # above the top clock labels
        ncol=len(handles),
        fontsize=8,
        frameon=False,
    )
