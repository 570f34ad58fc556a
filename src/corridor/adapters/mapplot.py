"""Draw a :class:`~corridor.reporting.map_scene.MapScene` to a PNG a coordinator can read.

The main map takes the left of the page; the close-up of the zone, the legend and the table
sit in their own column on the right, so the close-up never covers the main map. Labels are
placed where they touch no other label and no marker, with a leader line when they must sit
away from their place (:mod:`corridor.adapters.map_labels`); the legend lists exactly the
styles drawn in view. Drawn with matplotlib (Agg, no display).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from corridor.adapters.map_labels import LabelPlacer

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.transforms import Bbox

    from corridor.reporting.map_scene import Area, MapScene, Panel

HAZARD_COLOURS = {
    "front_line": ("#b2182b", "Front line"),
    "shelling": ("#f46d43", "Shelling"),
    "mines": ("#762a83", "Mines"),
    "destroyed_bridge": ("#40004b", "Destroyed bridge"),
    "damaged_bridge": ("#8c2d04", "Damaged bridge"),
    "other": ("#8c510a", "Other hazard"),
}
HAZARD_STATES = {"closed": "closed", "risk": "risk", "some": "closed to some vehicles"}
HAZARD_LOOK = {"closed": (0.35, "xx"), "some": (0.35, "//"), "risk": (0.22, None)}
PLACES = {
    "gathering": ("o", "#d73027", 45, "Gathering point"),
    "checkpoint": ("s", "black", 70, "Checkpoint"),
    "reception": ("P", "#1a9850", 110, "Reception centre (capacity)"),
    "depot": ("^", "#4575b4", 85, "Depot"),
    "incident": ("X", "#b00000", 130, "Incident reported"),
}
CUT_COLOUR = "#d40000"
LINE_STYLES: dict[str, dict[str, Any]] = {
    "best": {"linewidth": 3.0, "linestyle": "-", "alpha": 0.85},
    "alternative": {"linewidth": 1.6, "linestyle": (0, (4, 2)), "alpha": 0.7},
    "types": {"linewidth": 2.2, "linestyle": (0, (1, 1.5)), "alpha": 0.95},
    "inside": {"linewidth": 1.6, "linestyle": ":", "alpha": 0.9},
}
ROADS = {
    "minor": ("#b4b4b4", 0.7, "Other road"),
    "main": ("#6f6f6f", 1.4, "Main road (40 km/h or more)"),
}
MAIN_LABELS = ("checkpoint", "reception", "depot", "incident")
CLOSE_UP_LABELS = ("checkpoint", "gathering")
LEGEND_ORDER = ("area:", "road:", "place:", "line:", "frame")


@dataclass(frozen=True)
class MapDrawing:
    """What was drawn: the file, and each label's and marker's box in pixels (for checks)."""

    path: Path
    labels: list[tuple[str, Bbox]]
    markers: list[tuple[str, Bbox]]
    legend: list[str]
    panels: list[Bbox]  # the main map, then the close-up


def draw_map(scene: MapScene, out: Path, dpi: int = 110) -> MapDrawing:
    """Draw ``scene`` to ``out`` (PNG); returns what was drawn."""
    fig = plt.figure(figsize=(15, 10), dpi=dpi)
    ax = fig.add_axes((0.01, 0.05, 0.62, 0.89))
    used: dict[str, Any] = {}
    panels: list[tuple[Axes, Panel, tuple[str, ...]]] = [(ax, scene.main, MAIN_LABELS)]
    _panel(ax, scene.main, used)
    # The right column starts where the main map (narrowed to its aspect) ends.
    right = min(ax.get_position().x1 + 0.03, 0.65)
    if scene.close_up is not None:
        side = fig.add_axes((right, 0.45, 0.99 - right, 0.49))
        _panel(side, scene.close_up, used)
        side.set_title(scene.close_up.title, fontsize=9)
        _frame(ax, scene.close_up.box, used)
        panels.append((side, scene.close_up, CLOSE_UP_LABELS))
    bar = _scale_bar(ax, scene.main)
    ax.set_title(scene.title, fontsize=12)
    fig.text(0.01, 0.012, scene.footer, fontsize=8, color="#333333")
    placer = LabelPlacer(fig)
    for artist in bar:
        placer.add_obstacle(artist)
    for axis, panel, _ in panels:
        placer.add_markers(axis, panel, PLACES)
    for axis, panel, kinds in panels:
        _labels(placer, axis, panel, kinds, hazards=panel is scene.main)
    legend = _legend_and_table(fig, scene, used, right)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    frames = [axis.get_window_extent(renderer) for axis, _, _ in panels]
    drawing = MapDrawing(out, placer.label_boxes(), placer.marker_boxes(), legend, frames)
    plt.close(fig)
    return drawing


def _labels(
    placer: LabelPlacer, ax: Axes, panel: Panel, kinds: tuple[str, ...], hazards: bool
) -> None:
    """Place labels in order of importance: checkpoints first, hazards last."""
    for kind in kinds:
        for m in panel.markers:
            if m.kind == kind:
                colour = PLACES[kind][1]
                placer.place(ax, m.x, m.y, m.label, colour=colour, bold=kind != "gathering")
    if hazards:
        for a in panel.areas:
            if a.label:
                pts = np.concatenate(a.rings or a.paths)
                x, y = float(pts[:, 0].mean()), float(pts[:, 1].mean())
                placer.place(ax, x, y, a.label, colour=_hazard_colour(a.style), bold=True)


def _panel(ax: Axes, panel: Panel, used: dict[str, Any]) -> None:
    ax.set_facecolor("#f7f7f4")
    for cls, (colour, width, text) in ROADS.items():
        segs = panel.roads.get(cls)
        if segs is not None and len(segs):
            ax.add_collection(LineCollection(list(segs), colors=colour, linewidths=width, zorder=1))
            used[f"road:{cls}"] = Line2D([], [], color=colour, linewidth=width * 1.5, label=text)
    for a in panel.areas:
        _area(ax, a)
        if _visible(panel.box, np.concatenate(a.rings or a.paths)):
            used[f"area:{a.style}"] = _area_handle(a.style)
    for ln in panel.lines:
        style = LINE_STYLES[ln.style]
        ax.plot(ln.xy[:, 0], ln.xy[:, 1], color=ln.colour, zorder=5, **style)
        if _visible(panel.box, ln.xy):
            handle = Line2D([], [], color=ln.colour, label=ln.legend, **style)
            used.setdefault(f"line:{ln.legend}", handle)
    _markers(ax, panel, used)
    x0, x1, y0, y1 = panel.box
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.apply_aspect()


def _markers(ax: Axes, panel: Panel, used: dict[str, Any]) -> None:
    for kind, (marker, colour, size, text) in PLACES.items():
        ms = [m for m in panel.markers if m.kind == kind]
        if not ms:
            continue
        xs, ys = [m.x for m in ms], [m.y for m in ms]
        ax.scatter(xs, ys, marker=marker, s=size, c=colour, edgecolors="white", zorder=7)
        used[f"place:{kind}"] = Line2D(
            [], [], marker=marker, color=colour, linestyle="", markersize=8, label=text
        )
        bad = [m for m in ms if m.cut]
        if bad:
            ax.scatter(
                [m.x for m in bad],
                [m.y for m in bad],
                marker="o",
                s=size * 3.2,
                facecolors="none",
                edgecolors=CUT_COLOUR,
                linewidths=2,
                zorder=8,
            )
            used["place:~cut"] = Line2D(
                [], [], marker="o", markerfacecolor="none", markeredgecolor=CUT_COLOUR,
                markeredgewidth=2, linestyle="", markersize=12,
                label="Does not connect (see the warnings)",
            )  # fmt: skip


def _frame(ax: Axes, box: tuple[float, float, float, float], used: dict[str, Any]) -> None:
    """The close-up's area, outlined on the main map."""
    x0, x1, y0, y1 = box
    ax.add_patch(
        Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="#555555", lw=1, ls="--", zorder=6)
    )
    used["frame"] = Line2D([], [], color="#555555", linestyle="--", label="Area of the close-up")


def _visible(box: tuple[float, float, float, float], xy: np.ndarray) -> bool:
    """True when some of the points' extent lies within the panel's box."""
    x0, x1, y0, y1 = box
    in_x = xy[:, 0].max() >= x0 and xy[:, 0].min() <= x1
    return bool(in_x and xy[:, 1].max() >= y0 and xy[:, 1].min() <= y1)


def _area(ax: Axes, a: Area) -> None:
    if a.style == "zone":
        face, edge, alpha, hatch, ls, z = "#fee08b", "#b35806", 0.4, None, "--", 2
    else:
        face = edge = _hazard_colour(a.style)
        alpha, hatch = HAZARD_LOOK[a.style.split(":")[1]]
        ls, z = "-", 3
    if a.rings:
        codes: list[Any] = []
        for r in a.rings:
            codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(r) - 2) + [MplPath.CLOSEPOLY]
        path = MplPath(np.concatenate(a.rings), codes)
        patch = PathPatch(path, facecolor=face, edgecolor=edge, alpha=alpha, hatch=hatch)
        patch.set(linewidth=1.6, linestyle=ls, zorder=z)
        ax.add_patch(patch)
    for p in a.paths:
        ax.plot(p[:, 0], p[:, 1], color=edge, linewidth=3, zorder=4)


def _hazard_colour(style: str) -> str:
    return HAZARD_COLOURS.get(style.split(":")[0], ("#8c510a", ""))[0]


def _area_handle(style: str) -> Patch:
    if style == "zone":
        return Patch(
            facecolor="#fee08b", edgecolor="#b35806", linestyle="--", label="Besieged zone"
        )
    kind, state = style.split(":")
    colour, word = HAZARD_COLOURS.get(kind, ("#8c510a", "Hazard"))
    alpha, hatch = HAZARD_LOOK[state]
    label = f"{word} ({HAZARD_STATES[state]})"
    return Patch(facecolor=colour, edgecolor=colour, alpha=alpha + 0.1, hatch=hatch, label=label)


def _scale_bar(ax: Axes, panel: Panel) -> list[Any]:
    """A round length near a fifth of the width, in the bottom corner with fewer places, and
    a north arrow; returns the artists."""
    x0, x1, y0, y1 = panel.box
    width_km = (x1 - x0) / 1000
    bar = max(0.1, float(np.round(width_km / 5, 1 if width_km < 5 else 0)))
    w, h = x1 - x0, y1 - y0

    def crowd(left: float) -> int:
        return sum(left <= m.x <= left + 0.35 * w and m.y <= y0 + 0.15 * h for m in panel.markers)

    left = min((x0 + 0.04 * w, x1 - 0.06 * w - bar * 1000), key=crowd)
    bx, by = left, y0 + 0.04 * h
    (line,) = ax.plot([bx, bx + bar * 1000], [by, by], color="black", linewidth=3, zorder=9)
    ty = by + 0.012 * (y1 - y0)
    text = ax.text(bx + bar * 500, ty, f"{bar:g} km", ha="center", fontsize=9, zorder=9)
    north = ax.annotate(
        "N ↑", (0.03, 0.95), xycoords="axes fraction", ha="center", fontsize=12, weight="bold"
    )
    return [line, text, north]


def _legend_and_table(fig: Figure, scene: MapScene, used: dict[str, Any], left: float) -> list[str]:
    """The legend (exactly what is drawn), then the table below it or beside it, in the
    column from ``left`` to the figure's edge; the table's type shrinks until it fits."""
    box = fig.add_axes((left, 0.05, 0.99 - left, 0.37))
    box.axis("off")
    handles = [
        h for prefix in LEGEND_ORDER for k, h in sorted(used.items()) if k.startswith(prefix)
    ]
    for h in handles:  # long entries wrap rather than run off the page
        h.set_label(textwrap.fill(str(h.get_label()), 52, subsequent_indent="  "))
    leg = box.legend(
        handles=handles,
        loc="upper left",
        fontsize=7.5,
        title="Legend",
        title_fontsize=8.5,
        framealpha=0.95,
        ncol=2 if len(handles) > 26 else 1,
    )
    box.add_artist(leg)
    if scene.table:
        _table(fig, box, leg, scene)
    return [" ".join(str(h.get_label()).split()) for h in handles]


def _table(fig: Figure, box: Axes, leg: Any, scene: MapScene) -> None:
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    page = fig.bbox
    taken = leg.get_window_extent(renderer)
    rows = [f"{r[0]:<18}" + "".join(f"{c:>6}" for c in r[1:]) for r in scene.table]
    text = "\n".join([scene.table_title, *rows])
    frame = box.get_window_extent(renderer)
    spots = [(frame.x0, taken.y0 - 8), (taken.x1 + 10, frame.y1)]
    for size in (7.0, 6.5, 6.0, 5.5):
        for x, y in spots:
            art = fig.text(
                x / page.width, y / page.height, text, ha="left", va="top",
                family="monospace", fontsize=size,
                bbox={"boxstyle": "round,pad=0.4", "fc": "white", "ec": "#999999"},
            )  # fmt: skip
            ext = art.get_window_extent(renderer).padded(4)
            if ext.x1 <= page.x1 and ext.y0 >= page.y0 and not ext.overlaps(taken):
                return
            art.remove()
