"""Printed notices as A4 PDFs: the notice's text (any script DejaVu covers) and a map.

The map is drawn with matplotlib from the scenario's road layer (OpenStreetMap), the signed
route, checkpoints and ceasefire area, and the gathering points; it carries the OpenStreetMap
attribution. Nothing here decides what a notice says (:mod:`corridor.publishing.notices`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.adapters.pdf import Document

if TYPE_CHECKING:
    from corridor.publishing.facts import PublicFacts
    from corridor.publishing.notices import Notice

ATTRIBUTION = "Map data © OpenStreetMap contributors (ODbL)"


def _lines(geometry: dict[str, Any]) -> list[list[list[float]]]:
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "LineString":
        return [coords]
    if kind == "MultiLineString":
        return list(coords)
    return []


def draw_map(
    png: Path, facts: PublicFacts, roads: list[dict[str, Any]], focus: str | None, caption: str
) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    doc = facts.document
    area = doc["ceasefire_area"]["coordinates"][0]
    route = doc["route"]["coordinates"]
    checkpoints = doc.get("checkpoints") or []
    if focus is not None:
        here = facts.gathering_point(focus)
        pts = [(here.lon, here.lat)] + [tuple(c["at"]) for c in checkpoints]
    else:
        pts = [tuple(p) for p in area] + [tuple(p) for p in route]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    pad_x, pad_y = max(0.004, (max(xs) - min(xs)) * 0.15), max(0.003, (max(ys) - min(ys)) * 0.15)
    frame = (min(xs) - pad_x, max(xs) + pad_x, min(ys) - pad_y, max(ys) + pad_y)
    fig, ax = plt.subplots(figsize=(7.2, 4.6), dpi=150)
    from matplotlib.collections import LineCollection

    segments = [
        line
        for feature in roads
        for line in _lines(feature["geometry"])
        if any(frame[0] <= x <= frame[1] and frame[2] <= y <= frame[3] for x, y in line)
    ]
    ax.add_collection(LineCollection(segments, colors="#b8b8b8", linewidths=0.6, zorder=1))
    ax.fill([p[0] for p in area], [p[1] for p in area], color="#fdae61", alpha=0.18, zorder=2)
    ax.plot([p[0] for p in area], [p[1] for p in area], color="#e66101", lw=1.2, ls="--", zorder=2)
    ax.plot([p[0] for p in route], [p[1] for p in route], color="#1a9641", lw=3, zorder=3)
    for g in facts.gathering:
        big = g.id == focus
        ax.plot(
            g.lon, g.lat, "o", ms=11 if big else 4, color="#d7191c" if big else "#2b83ba", zorder=5
        )
        if big:
            ax.annotate(
                g.name,
                (g.lon, g.lat),
                xytext=(6, 6),
                textcoords="offset points",
                fontsize=9 if big else 6,
                weight="bold" if big else "normal",
                zorder=6,
            )
    for c in checkpoints:
        ax.plot(c["at"][0], c["at"][1], "^", ms=10, color="black", zorder=5)
        ax.annotate(
            c["name"],
            tuple(c["at"]),
            xytext=(6, -12),
            textcoords="offset points",
            fontsize=7,
            zorder=6,
        )
    ax.set_xlim(frame[0], frame[1])
    ax.set_ylim(frame[2], frame[3])
    ax.set_aspect(1 / math.cos(math.radians((frame[2] + frame[3]) / 2)))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(caption, fontsize=10)
    ax.text(
        0.995,
        0.005,
        ATTRIBUTION,
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=6,
        bbox={"facecolor": "white", "alpha": 0.8, "lw": 0},
    )
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png)
    plt.close(fig)
    return png


def write_notice(
    path: Path, notice: Notice, facts: PublicFacts, roads: list[dict[str, Any]]
) -> Path:
    """One notice as an A4 PDF (text first, then the map, on as few pages as it takes)."""
    doc = Document(notice.title, footer=notice.footer)
    doc.heading(notice.title, 1)
    doc.heading(notice.subtitle, 2)
    for section in notice.sections[:1]:
        _section(doc, section)
    png = draw_map(path.with_suffix(".png"), facts, roads, notice.focus, notice.map_caption)
    doc.picture(png, width=doc.width * 0.92)
    png.unlink()
    for section in notice.sections[1:]:
        _section(doc, section)
    return doc.write(path)


def _section(doc: Document, section: Any) -> None:
    doc.heading(section.heading, 3)
    for text in section.paragraphs:
        doc.paragraph(text)
    if section.bullets:
        doc.bullets(section.bullets)
    if section.table is not None:
        header, rows = section.table
        doc.table(header, rows)
