"""A static map (PNG) of a scenario for a coordinator: roads, zone, hazards, places, routes.

Drawn with matplotlib (Agg, no display needed) in the graph's local metric projection, so that
distances look right, with a scale bar and the OpenStreetMap attribution line.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import shapely
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.axes import Axes

    from corridor.routing.paths import Route
    from corridor.services.routes import Corridor, Network

ATTRIBUTION = "Roads © OpenStreetMap contributors (ODbL)"

_HAZARD_STYLE = {
    "front_line": ("#b2182b", "Front line"),
    "shelling": ("#f46d43", "Shelling"),
    "mines": ("#762a83", "Mines"),
    "destroyed_bridge": ("#40004b", "Destroyed bridge"),
    "other": ("#8c510a", "Other hazard"),
}
_ROUTE_COLOURS = ["#1b7837", "#2166ac", "#e08214", "#542788", "#c51b7d", "#35978f"]


def _polygon_patch(geom: shapely.Geometry, **kw: object) -> PathPatch:
    verts: list[np.ndarray] = []
    codes: list[Any] = []
    polys = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
    for poly in polys:
        for ring in [poly.exterior, *poly.interiors]:
            xy = np.asarray(ring.coords)
            verts.append(xy)
            codes.extend([MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY])
    return PathPatch(MplPath(np.concatenate(verts), codes), **kw)  # type: ignore[arg-type]


def _draw_geom(ax: Axes, geom: shapely.Geometry, colour: str, closed: bool) -> None:
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        ax.add_patch(
            _polygon_patch(
                geom,
                facecolor=colour,
                alpha=0.35 if closed else 0.22,
                edgecolor=colour,
                linewidth=1.2,
                hatch="xx" if closed else None,
                zorder=3,
            )
        )
    else:
        lines = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
        for ln in lines:
            xy = np.asarray(ln.coords)
            ax.plot(xy[:, 0], xy[:, 1], color=colour, linewidth=3, linestyle="-", zorder=4)


def _frame(net: Network, corridors: list[Corridor]) -> tuple[float, float, float, float]:
    g = net.graph
    x, y = g.xy
    ps = list(net.places.values())
    px, py = g.projection.forward([p.lon for p in ps], [p.lat for p in ps])
    xs = [*px.tolist(), net.zone.bounds[0], net.zone.bounds[2]]
    ys = [*py.tolist(), net.zone.bounds[1], net.zone.bounds[3]]
    for c in corridors:
        if c.rank == 1:
            xs += [float(x[c.route.nodes].min()), float(x[c.route.nodes].max())]
            ys += [float(y[c.route.nodes].min()), float(y[c.route.nodes].max())]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    pad = 0.05 * max(x1 - x0, y1 - y0) + 300
    return x0 - pad, x1 + pad, y0 - pad, y1 + pad


def _roads(ax: Axes, net: Network, box: tuple[float, float, float, float], scale: float) -> None:
    g = net.graph
    x, y = g.xy
    x0, x1, y0, y1 = box
    s_, d_ = g.src, g.dst
    vis = (x[s_] > x0) & (x[s_] < x1) & (y[s_] > y0) & (y[s_] < y1)
    speed = g.length_m / np.maximum(g.time_min, 1e-9) * 0.06
    segs = np.stack([np.stack([x[s_], y[s_]], 1), np.stack([x[d_], y[d_]], 1)], 1)
    minor = vis & (speed < 40)
    main = vis & (speed >= 40)
    ax.add_collection(
        LineCollection(list(segs[minor]), colors="#c8c8c8", linewidths=0.5 * scale, zorder=1)
    )
    ax.add_collection(
        LineCollection(list(segs[main]), colors="#7a7a7a", linewidths=1.4 * scale, zorder=1)
    )


def _zone(ax: Axes, net: Network) -> None:
    ax.add_patch(
        _polygon_patch(
            net.zone,
            facecolor="#fee08b",
            alpha=0.4,
            edgecolor="#b35806",
            linewidth=2,
            linestyle="--",
            zorder=2,
        )
    )


def _hazards(ax: Axes, net: Network, labels: bool) -> None:
    for h, area in zip(net.scenario.hazards, net.hazards, strict=True):
        colour, _ = _HAZARD_STYLE[h.kind]
        _draw_geom(ax, area.geometry, colour, h.closed)
        if labels:
            c = area.geometry.representative_point()
            label = f"{h.id}" + (" (closed)" if h.closed else f" (risk +{h.penalty:g})")
            ax.annotate(
                label,
                (c.x, c.y),
                textcoords="offset points",
                xytext=(0, -14),
                fontsize=7.5,
                color=colour,
                weight="bold",
                ha="center",
                va="center",
                zorder=9,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": colour, "alpha": 0.85},
            )


_PLACE_STYLE = {
    "gathering": ("o", "#d73027", 45, "Gathering point"),
    "checkpoint": ("s", "black", 80, "Checkpoint"),
    "reception": ("P", "#1a9850", 120, "Reception centre (capacity)"),
    "depot": ("^", "#4575b4", 90, "Depot"),
}


def _places(ax: Axes, net: Network, kinds: tuple[str, ...], labels: tuple[str, ...]) -> None:
    g = net.graph
    s = net.scenario
    for kind in kinds:
        marker, colour, size, _ = _PLACE_STYLE[kind]
        ps = net.of_kind(kind)
        if not ps:
            continue
        px, py = g.projection.forward([p.lon for p in ps], [p.lat for p in ps])
        ax.scatter(
            px, py, marker=marker, s=size, c=colour, edgecolors="white", linewidths=1, zorder=7
        )
        if kind not in labels:
            continue
        for p, xx, yy in zip(ps, px, py, strict=True):
            text, dx, ha = p.id, 7, "left"
            if kind == "reception":
                rec = next(r for r in s.receptions if r.id == p.id)
                text = f"{p.id} ({rec.capacity}{', medical' if rec.medical else ''})"
            if kind == "depot":
                dx, ha = -7, "right"
            ax.annotate(
                text,
                (float(xx), float(yy)),
                textcoords="offset points",
                xytext=(dx, 6),
                ha=ha,
                fontsize=7 if kind == "gathering" else 8.5,
                weight="normal" if kind == "gathering" else "bold",
                color=colour,
                zorder=8,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75},
            )


def draw_map(
    net: Network,
    corridors: list[Corridor],
    out: Path,
    *,
    inside: Sequence[tuple[str, str, Route]] | None = None,
    title: str | None = None,
) -> Path:
    """Draw the scenario and its corridor candidates to ``out`` (PNG); returns ``out``.

    The main map shows the outside roads with every corridor candidate (colour per checkpoint;
    the best route per reception centre solid, alternatives dashed); an inset zooms on the zone
    with the gathering points and their inside legs to the nearest checkpoint.
    """
    g = net.graph
    s = net.scenario
    x, y = g.xy
    fig, ax = plt.subplots(figsize=(13.5, 10.5), dpi=110)
    ax.set_facecolor("#f7f7f4")
    box = _frame(net, corridors)
    x0, x1, y0, y1 = box
    _roads(ax, net, box, 1.0)
    _zone(ax, net)
    _hazards(ax, net, labels=True)

    cps = [c.id for c in s.checkpoints]
    colour_of = {cp: _ROUTE_COLOURS[i % len(_ROUTE_COLOURS)] for i, cp in enumerate(cps)}
    for c in sorted(corridors, key=lambda c: -c.rank):
        nodes = c.route.nodes
        best = c.rank == 1
        ax.plot(
            x[nodes],
            y[nodes],
            color=colour_of[c.checkpoint],
            linewidth=3.0 if best else 1.6,
            linestyle="-" if best else (0, (4, 2)),
            alpha=0.85 if best else 0.7,
            zorder=5,
            solid_capstyle="round",
        )
    _places(
        ax,
        net,
        ("gathering", "depot", "reception", "checkpoint"),
        ("depot", "reception", "checkpoint"),
    )
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])

    # Scale bar (a round number of km near a fifth of the width) and north arrow.
    width_km = (x1 - x0) / 1000
    bar_km = max(0.5, float(np.round(width_km / 5)))
    bx, by = x0 + 0.04 * (x1 - x0), y0 + 0.90 * (y1 - y0)
    ax.plot([bx, bx + bar_km * 1000], [by, by], color="black", linewidth=3, zorder=9)
    ax.text(
        bx + bar_km * 500,
        by + 0.012 * (y1 - y0),
        f"{bar_km:g} km",
        ha="center",
        fontsize=9,
        zorder=9,
    )
    ax.annotate(
        "N ↑", (0.03, 0.95), xycoords="axes fraction", ha="center", fontsize=12, weight="bold"
    )

    # Inset: the zone close up.
    ins = ax.inset_axes((0.58, 0.015, 0.41, 0.36))
    zx0, zy0, zx1, zy1 = net.zone.bounds
    zpad = 0.12 * max(zx1 - zx0, zy1 - zy0) + 150
    zbox = (zx0 - zpad, zx1 + zpad, zy0 - zpad, zy1 + zpad)
    ins.set_facecolor("#f7f7f4")
    _roads(ins, net, zbox, 1.2)
    _zone(ins, net)
    _hazards(ins, net, labels=False)
    for _gid, cid, r in inside or []:
        nodes = r.nodes
        ins.plot(
            x[nodes],
            y[nodes],
            color=colour_of.get(cid, "#4d4d4d"),
            linewidth=1.6,
            linestyle=":",
            zorder=5,
        )
    _places(ins, net, ("gathering", "checkpoint"), ("gathering", "checkpoint"))
    ins.set_xlim(zbox[0], zbox[1])
    ins.set_ylim(zbox[2], zbox[3])
    ins.set_aspect("equal")
    ins.set_xticks([])
    ins.set_yticks([])
    ins.set_title("Zone close-up (dotted: way to the nearest checkpoint)", fontsize=8)
    ax.indicate_inset_zoom(ins, edgecolor="#555555")

    # Legend: what the symbols mean, then the best corridor to each reception centre.
    handles: list[object] = [
        Patch(facecolor="#fee08b", edgecolor="#b35806", linestyle="--", label="Besieged zone"),
    ]
    for kind in dict.fromkeys(h.kind for h in s.hazards):
        colour, label = _HAZARD_STYLE[kind]
        handles.append(Patch(facecolor=colour, alpha=0.4, edgecolor=colour, label=label))
    for _kind, (marker, colour, _size, label) in _PLACE_STYLE.items():
        handles.append(
            Line2D([], [], marker=marker, color=colour, linestyle="", markersize=8, label=label)
        )
    for cp, colour in colour_of.items():
        handles.append(Line2D([], [], color=colour, linewidth=3, label=f"Best route from {cp}"))
        handles.append(
            Line2D(
                [],
                [],
                color=colour,
                linewidth=1.6,
                linestyle=(0, (4, 2)),
                label=f"Alternative from {cp}",
            )
        )
    leg = ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8,
        framealpha=0.92,
        title="Legend",
        title_fontsize=9,
    )
    ax.add_artist(leg)
    lines = ["Best corridor      min    km  exp.min"]
    for c in corridors:
        if c.rank == 1:
            lines.append(
                f"{c.checkpoint:>6} → {c.reception:<7}{c.route.time_min:5.0f}"
                f"{c.route.length_m / 1000:6.1f}{c.route.exposure_min:7.1f}"
            )
    ax.text(
        1.01,
        0.60,
        "\n".join(lines),
        transform=ax.transAxes,
        ha="left",
        va="top",
        family="monospace",
        fontsize=7.5,
        zorder=10,
        bbox={"boxstyle": "round,pad=0.4", "fc": "white", "ec": "#999999", "alpha": 0.92},
    )

    ax.set_title(
        title
        or f"{s.name}: corridor candidates, ceasefire {s.window.open:%Y-%m-%d %H:%M}–"
        f"{s.window.close:%H:%M} (UTC{s.window.open:%z})",
        fontsize=12,
    )
    fig.text(
        0.01,
        0.008,
        ATTRIBUTION + f"  ·  exposure = minutes driven within {s.routing.near_m:g} m of a hazard",
        fontsize=8,
        color="#333333",
    )
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out
