"""The plots of a simulation summary (``summary.json``) as PNG files, drawn with matplotlib.

- ``people_out.png``: how many people got out before the close, run by run, against the plan;
- ``people_out_over_time.png``: a fan chart of people out over the day (5-95 % and 25-75 %
  bands, median) against the plan's own curve;
- ``checkpoint_queues.png``: vehicles queueing at each checkpoint direction over the day.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator

from corridor.simulation.summary import clock

PLOTS = ("people_out.png", "people_out_over_time.png", "checkpoint_queues.png")
_BAND = "#2c7fb8"
_PLAN = "#d95f0e"
_CLOSE = "#b2182b"


def _time_axis(ax: Axes, summary: dict[str, Any], narrow: float = 1.0) -> None:
    """Clock times on whole hours (fewer on a ``narrow`` panel), and the close marked."""
    w = summary["window"]
    ax.axvline(w["close"], color=_CLOSE, lw=1.2, ls="--")
    ax.text(
        w["close"],
        1.0,
        " close",
        color=_CLOSE,
        transform=ax.get_xaxis_transform(),
        va="top",
        ha="left",
        fontsize=8,
    )
    end = summary["series"]["times"][-1]
    hours = (end - w["open"]) / 60
    every = 60 * (1 if hours <= 6 * narrow else 2 if hours <= 12 * narrow else 3)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: clock(v)))
    ax.xaxis.set_major_locator(MultipleLocator(every))
    ax.set_xlim(w["open"], end)
    ax.grid(alpha=0.25)


Target = Path | IO[bytes]


def _save(fig: Figure, path: Target) -> Target:
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def people_out(summary: dict[str, Any], path: Target) -> Target:
    hist = summary["series"]["people_out_hist"]
    edges, counts = np.asarray(hist["edges"], float), np.asarray(hist["counts"], float)
    fig, ax = plt.subplots(figsize=(7.5, 4.0), layout="constrained")
    runs = summary["runs"]
    if counts.size:
        ax.bar(
            edges[:-1],
            counts / runs * 100,
            width=np.diff(edges),
            align="edge",
            color=_BAND,
            alpha=0.75,
            label="runs",
        )
    q = summary["people_out"]["quantiles"]
    planned = summary["planned"]["people_out"]
    ax.axvline(planned, color=_PLAN, lw=2, label=f"plan: {planned:,}")
    ax.axvline(q["50"], color="black", lw=1.2, label=f"median: {q['50']:,.0f}")
    ax.axvline(q["5"], color="black", lw=1.2, ls=":", label=f"5th percentile: {q['5']:,.0f}")
    ax.set_xlabel("people out of the zone before the window closes")
    ax.set_ylabel("share of runs (%)")
    p = summary["p_inside_after_close"]
    ax.set_title(
        f"{summary['instance']}: people out before the close in {runs:,} runs\n"
        f"a vehicle is inside after the close in {100 * p:.1f}% of them",
        fontsize=10,
    )
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.25, axis="y")
    return _save(fig, path)


def people_out_over_time(summary: dict[str, Any], path: Target) -> Target:
    s = summary["series"]
    t = np.asarray(s["times"], float)
    band = {k: np.asarray(v, float) for k, v in s["people_out"].items()}
    fig, ax = plt.subplots(figsize=(7.5, 4.0), layout="constrained")
    ax.fill_between(
        t, band["5"], band["95"], step="post", color=_BAND, alpha=0.2, label="5-95% of runs"
    )
    ax.fill_between(
        t, band["25"], band["75"], step="post", color=_BAND, alpha=0.45, label="25-75% of runs"
    )
    ax.step(t, band["50"], where="post", color=_BAND, lw=1.5, label="median")
    ax.step(t, s["people_out_planned"], where="post", color=_PLAN, lw=1.5, label="plan")
    _time_axis(ax, summary)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_ylabel("people out of the zone")
    ax.set_title(
        f"{summary['instance']}: people out over the day ({summary['runs']:,} runs)", fontsize=10
    )
    ax.legend(fontsize=8, loc="upper left")
    return _save(fig, path)


def checkpoint_queues(summary: dict[str, Any], path: Target) -> Target:
    s = summary["series"]
    t = np.asarray(s["queue_times"], float)
    names = list(s["queues"])
    cols = 2 if len(names) > 1 else 1
    rows = max(1, -(-len(names) // cols))
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(7.5, 1.9 * rows + 0.8),
        sharex=True,
        squeeze=False,
        layout="constrained",
    )
    top = max((max(q["95"]) for q in s["queues"].values()), default=1)
    for ax, name in zip(axes.ravel(), names, strict=False):
        q = {k: np.asarray(v, float) for k, v in s["queues"][name].items()}
        ax.fill_between(t, q["5"], q["95"], step="post", color=_BAND, alpha=0.2)
        ax.fill_between(t, q["25"], q["75"], step="post", color=_BAND, alpha=0.45)
        ax.step(t, q["50"], where="post", color=_BAND, lw=1.2)
        ax.set_title(name, fontsize=9, loc="left")
        ax.set_ylim(0, max(1, top) * 1.1)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
        _time_axis(ax, summary, narrow=0.5 if cols > 1 else 1.0)
    for ax in axes.ravel()[len(names) :]:
        ax.set_visible(False)
    fig.supylabel(f"vehicles waiting (mean over {s['queue_step']:g} min)", fontsize=9)
    fig.suptitle(
        f"{summary['instance']}: checkpoint queues (median, 25-75% and 5-95% of "
        f"{summary['runs']:,} runs)",
        fontsize=10,
    )
    return _save(fig, path)


def write_plots(summary: dict[str, Any], folder: Path) -> list[Path]:
    """Write the three plots into ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, draw in zip(
        PLOTS, (people_out, people_out_over_time, checkpoint_queues), strict=True
    ):
        draw(summary, folder / name)
    return [folder / name for name in PLOTS]


def render(summary: dict[str, Any], name: str) -> bytes:
    """One plot as PNG bytes (for the HTTP service)."""
    import io

    draw = {PLOTS[0]: people_out, PLOTS[1]: people_out_over_time, PLOTS[2]: checkpoint_queues}
    if name not in draw:
        raise KeyError(name)
    buf = io.BytesIO()
    draw[name](summary, buf)
    return buf.getvalue()
