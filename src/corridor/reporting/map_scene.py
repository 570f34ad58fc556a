"""A map as plain data, for the map adapter to draw: areas, lines, markers with labels, a
close-up of the zone and a table, in a local metric projection (x east, y north, metres).

Every drawn thing carries a ``style`` key; the legend is made from the styles actually drawn,
so it lists exactly what the map shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

Segments = npt.NDArray[np.float64]  # (n, 2, 2): n straight pieces of road


@dataclass(frozen=True)
class Area:
    """A polygon or line area (the zone, a hazard); ``rings`` are closed (k, 2) arrays and
    ``paths`` open ones (a front line)."""

    id: str
    style: str
    rings: list[npt.NDArray[np.float64]] = field(default_factory=list)
    paths: list[npt.NDArray[np.float64]] = field(default_factory=list)
    label: str = ""


@dataclass(frozen=True)
class Line:
    """A route: its points, its style (colour group and dash) and its legend text."""

    xy: npt.NDArray[np.float64]
    style: str
    legend: str
    colour: str = "#333333"


@dataclass(frozen=True)
class Marker:
    """A place: ``kind`` sets the symbol; ``cut`` marks a place that does not connect."""

    id: str
    x: float
    y: float
    kind: str
    label: str
    cut: bool = False


@dataclass(frozen=True)
class Panel:
    """One map panel: its box (x0, x1, y0, y1), road pieces by class, and what is drawn."""

    box: tuple[float, float, float, float]
    title: str
    roads: dict[str, Segments]
    areas: list[Area]
    lines: list[Line]
    markers: list[Marker]


@dataclass(frozen=True)
class MapScene:
    """The main map, its close-up of the zone, a side table and the footer line."""

    title: str
    main: Panel
    close_up: Panel | None
    table_title: str = ""
    table: list[list[str]] = field(default_factory=list)
    footer: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def box_around(
    points: npt.ArrayLike, pad_share: float = 0.06, pad_min: float = 150.0
) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) around ``points`` (k, 2), widened on each side."""
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    x0, y0 = p.min(0)
    x1, y1 = p.max(0)
    pad = pad_share * max(x1 - x0, y1 - y0) + pad_min
    return float(x0 - pad), float(x1 + pad), float(y0 - pad), float(y1 + pad)
