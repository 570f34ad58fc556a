"""Map labels that never cover one another or a marker.

Each label tries positions around its point, nearest first (north-east, south-east, north-west,
south-west, east, west, north, south), then the same on wider rings, where a leader line joins
it to its point. A position is taken when the label's box (measured by the renderer) stays
inside the map and touches no marker and no label already placed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from matplotlib.transforms import Bbox

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Annotation

    from corridor.reporting.map_scene import Panel

RINGS_PT = (8.0, 14.0, 24.0, 38.0, 56.0, 80.0)
ANGLES = (45, -45, 135, -135, 0, 180, 90, -90)
LEADER_FROM_PT = 20.0
GAP_PX = 1.5


class LabelPlacer:
    """Places labels on the axes of one figure, keeping the boxes of what is placed."""

    def __init__(self, fig: Figure) -> None:
        self.fig = fig
        self.renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        self.obstacles: list[Bbox] = []
        self.markers: list[tuple[str, Bbox]] = []
        self.labels: list[tuple[str, Annotation]] = []

    def add_obstacle(self, artist: Any) -> None:
        """Something already drawn (a scale bar's text) that labels must not cover."""
        self.obstacles.append(artist.get_window_extent(self.renderer).padded(GAP_PX))

    def add_markers(self, ax: Axes, panel: Panel, styles: dict[str, Any]) -> None:
        """The boxes of the panel's markers (and their cut rings) are out of bounds."""
        frame = ax.get_window_extent(self.renderer)
        for m in panel.markers:
            px, py = ax.transData.transform((m.x, m.y))
            size = styles[m.kind][2] * (3.2 if m.cut else 1.0)
            r = math.sqrt(size) / 2 * self.fig.dpi / 72 + GAP_PX
            box = Bbox.from_extents(px - r, py - r, px + r, py + r)
            if frame.overlaps(box):
                self.markers.append((m.id, box))
                self.obstacles.append(box)

    def place(self, ax: Axes, x: float, y: float, text: str, *, colour: str, bold: bool) -> None:
        """Put ``text`` near data point (x, y) of ``ax`` where it covers nothing."""
        frame = ax.get_window_extent(self.renderer)
        px, py = ax.transData.transform((x, y))
        if not frame.contains(px, py):
            return
        best: tuple[float, Annotation, Bbox] | None = None
        for ring in RINGS_PT:
            for angle in ANGLES:
                art = self._label(ax, x, y, text, ring, angle, colour, bold)
                box = self._box(art)
                clash = self._clash(box, frame)
                if clash == 0:
                    if best is not None:
                        best[1].remove()
                    self._keep(text, art, box)
                    return
                if best is None or clash < best[0]:
                    if best is not None:
                        best[1].remove()
                    best = (clash, art, box)
                else:
                    art.remove()
        assert best is not None
        self._keep(text, best[1], best[2])  # nowhere free: the least covering place

    def _label(
        self,
        ax: Axes,
        x: float,
        y: float,
        text: str,
        ring: float,
        angle: int,
        colour: str,
        bold: bool,
    ) -> Annotation:
        dx, dy = ring * math.cos(math.radians(angle)), ring * math.sin(math.radians(angle))
        ha = "left" if dx > 0.1 else "right" if dx < -0.1 else "center"
        va = "bottom" if dy > 0.1 else "top" if dy < -0.1 else "center"
        arrow = None
        if ring >= LEADER_FROM_PT:
            arrow = {"arrowstyle": "-", "color": colour, "lw": 0.8, "shrinkA": 0, "shrinkB": 3}
        return ax.annotate(
            text,
            (x, y),
            xytext=(dx, dy),
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=7.5 if not bold else 8,
            weight="bold" if bold else "normal",
            color=colour,
            zorder=10,
            annotation_clip=False,
            arrowprops=arrow,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
        )

    def _box(self, art: Annotation) -> Bbox:
        art.update_positions(self.renderer)
        art.update_bbox_position_size(self.renderer)
        return _extent(art, self.renderer).padded(GAP_PX)

    def _clash(self, box: Bbox, frame: Bbox) -> float:
        """How much the box covers others or sticks out of the map (0: nothing)."""
        out = max(0.0, frame.x0 - box.x0) + max(0.0, box.x1 - frame.x1)
        out += max(0.0, frame.y0 - box.y0) + max(0.0, box.y1 - frame.y1)
        for other in self.obstacles:
            if box.overlaps(other):
                w = min(box.x1, other.x1) - max(box.x0, other.x0)
                h = min(box.y1, other.y1) - max(box.y0, other.y0)
                out += max(w, 0.0) * max(h, 0.0) + 1.0
        return out

    def _keep(self, text: str, art: Annotation, box: Bbox) -> None:
        self.obstacles.append(box)
        self.labels.append((text, art))

    def label_boxes(self) -> list[tuple[str, Bbox]]:
        """Every placed label's box as finally drawn (measured again, not remembered)."""
        self.fig.canvas.draw()
        renderer = self.fig.canvas.get_renderer()  # type: ignore[attr-defined]
        out = []
        for text, art in self.labels:
            out.append((text, _extent(art, renderer)))
        return out

    def marker_boxes(self) -> list[tuple[str, Bbox]]:
        return list(self.markers)


def _extent(art: Annotation, renderer: Any) -> Bbox:
    """The label's box with its white background, in pixels."""
    patch = art.get_bbox_patch()
    return patch.get_window_extent(renderer) if patch else art.get_window_extent(renderer)
