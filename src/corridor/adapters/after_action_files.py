"""The after-action report's files: the planned-against-actual chart and the map as PNG, the
page (HTML with its stylesheet) and the printable PDF (A4, fpdf2).

:func:`write_after_action` writes ``after-action.html``, ``after-action.css``,
``after-action.pdf``, ``after-action-chart.png`` and ``after-action-map.png`` into a folder;
:func:`after_action_documents` makes the same HTML (pictures inline as ``data:`` addresses) and
PDF as bytes, for the HTTP route.
"""

from __future__ import annotations

import base64
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MultipleLocator

from corridor.reporting.after_action_html import report_html

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from corridor.reporting.after_action_model import AfterActionReport, PlannedActualChart, Table
    from corridor.reporting.map_scene import MapScene

PLANNED = {"drive": "#c6dbef", "stop": "#9ecae1"}
ACTUAL = "#08306b"
MARKS = {
    "boarding": ("v", "#1a9850", "boarding counted"),
    "arrival": ("^", "#762a83", "arrival counted"),
    "incident": ("X", "#d7301f", "incident reported"),
}


def stylesheet() -> str:
    """The page's stylesheet: the one the dashboard serves at /css/after-action.css, read from
    the package (the same file, whether the page is served or written to a folder)."""
    sheet = resources.files("corridor") / "entrypoints/web/static/css/after-action.css"
    return sheet.read_text(encoding="utf-8")


@dataclass(frozen=True)
class AfterActionFiles:
    html: Path
    pdf: Path
    chart: Path | None
    map: Path | None


def draw_planned_actual(chart: PlannedActualChart, path: Path) -> Path:
    """One row per vehicle: the plan as a light band, reported tracking as a dark band inside
    it, check-ins and incidents as marks; the window's edges and suspensions."""
    n = max(len(chart.rows), 1)
    fig, ax = plt.subplots(figsize=(11, 1.9 + 0.3 * n))
    _draw_rows(ax, chart)
    _draw_moments(ax, chart)
    _draw_axes(ax, chart, n)
    _draw_legend(ax, chart)
    ax.set_title("Planned against actual", loc="left", fontsize=11, pad=40)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def _draw_rows(ax: Axes, chart: PlannedActualChart) -> None:
    """Per vehicle: the plan as a light band, the reported tracking as a dark band inside it,
    check-ins and incidents as marks."""
    for y, row in enumerate(chart.rows):
        for what in ("drive", "stop"):
            spans = [(a, b - a) for a, b, w in row.planned if w == what]
            if spans:
                ax.broken_barh(spans, (y - 0.4, 0.8), facecolors=PLANNED[what], linewidth=0)
        spans = [(a, b - a) for a, b, _ in row.actual]
        if spans:
            ax.broken_barh(spans, (y - 0.17, 0.34), facecolors=ACTUAL, linewidth=0)
        for t, kind in row.marks:
            marker, colour, _ = MARKS.get(kind, ("o", "#333333", kind))
            ax.plot(
                [t],
                [y],
                marker=marker,
                color=colour,
                markersize=8,
                markeredgecolor="white",
                linestyle="none",
                zorder=5,
            )


def _draw_moments(ax: Axes, chart: PlannedActualChart) -> None:
    """The suspensions, the moment the report was written, the window's edges."""
    for a, b in chart.suspended:  # over the bars: a suspension stops every vehicle
        ax.axvspan(a, b, facecolor="#d7301f", alpha=0.22, hatch="//", edgecolor="#d7301f",
                   linewidth=0, zorder=4)  # fmt: skip
    if chart.now is not None:
        ax.axvline(chart.now, color="#111111", linewidth=1.2, linestyle="--")
        ax.annotate("report written", (chart.now, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(3, -12), textcoords="offset points", fontsize=8)  # fmt: skip
    for x, label in ((chart.open, "window opens"), (chart.close, "window closes")):
        if x is not None and chart.lo <= x <= chart.hi:
            ax.axvline(x, color="#c0392b", linewidth=1.4)
            ax.annotate(
                label,
                (x, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(3, -12),
                textcoords="offset points",
                fontsize=8,
                color="#c0392b",
            )


def _draw_axes(ax: Axes, chart: PlannedActualChart, n: int) -> None:
    """Clock times in the scenario's zone along x, one vehicle per row along y."""
    origin = chart.origin

    def clock(x: float, _pos: int | None = None) -> str:
        import datetime as dt

        at = origin + dt.timedelta(minutes=x)
        return at.strftime("%H:%M")

    ax.set_xlim(chart.lo, chart.hi)
    ax.xaxis.set_major_locator(MultipleLocator(30 if chart.hi - chart.lo <= 600 else 60))
    ax.xaxis.set_major_formatter(FuncFormatter(clock))
    ax.set_xlabel(f"time ({origin.tzinfo})")
    ax.set_yticks(range(len(chart.rows)))
    ax.set_yticklabels([r.vehicle for r in chart.rows], fontsize=8)
    ax.set_ylim(n - 0.5, -0.5)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def _draw_legend(ax: Axes, chart: PlannedActualChart) -> None:
    handles: list[Patch | Line2D] = [
        Patch(color=PLANNED["drive"], label="planned: driving"),
        Patch(color=PLANNED["stop"], label="planned: at a stop"),
        Patch(color=ACTUAL, label="reported positions"),
        *[
            Line2D([], [], marker=m, color=c, linestyle="none", label=t)
            for m, c, t in MARKS.values()
        ],
    ]
    if chart.suspended:
        handles.append(
            Patch(facecolor="#d7301f", alpha=0.3, hatch="//", label="corridor suspended")
        )
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncol=4,
        fontsize=8,
        frameon=False,
    )


def _pdf(report: AfterActionReport, pictures: dict[str, Path], path: Path) -> Path:
    from corridor.adapters.pdf import Document

    doc = Document(report.title, footer=report.title)
    doc.heading(report.title)
    doc.paragraph(report.subtitle, size=9, style="I")
    doc.bullets(report.headline)
    for t in report.tables[:3]:
        _pdf_table(doc, t)
    if "chart" in pictures:
        if doc.pdf.get_y() > doc.pdf.h * 0.55:  # the heading stays with its picture
            doc.new_page()
        doc.heading("Planned against actual", 2)
        doc.picture(pictures["chart"])
    if "map" in pictures:
        doc.new_page()
        doc.heading("Routes and reported positions", 2)
        doc.picture(pictures["map"])
    for t in report.tables[3:]:
        _pdf_table(doc, t)
    return doc.write(path)


#: Column widths (mm, of 180) for the tables with a long last column.
WIDTHS = {
    8: (10, 13, 16, 24, 24, 22, 15, 56),
    7: (8, 27, 24, 12, 27, 21, 61),
    6: (10, 14, 20, 76, 30, 30),
    5: (38, 32, 32, 18, 60),
}


def _pdf_table(doc: object, t: Table) -> None:
    from corridor.adapters.pdf import Document

    assert isinstance(doc, Document)
    doc.heading(t.title, 3)
    if t.rows:
        widths = WIDTHS.get(len(t.header)) if len(t.header) != 3 else (38, 62, 80)
        doc.table(t.header, t.rows, widths)
    if t.note:
        doc.paragraph(t.note, size=8.5, style="I")


def _pictures(report: AfterActionReport, scene: MapScene | None, folder: Path) -> dict[str, Path]:
    out: dict[str, Path] = {}
    if report.chart is not None and report.chart.rows:
        out["chart"] = draw_planned_actual(report.chart, folder / "after-action-chart.png")
    if scene is not None:
        from corridor.adapters.mapplot import draw_map

        out["map"] = draw_map(scene, folder / "after-action-map.png").path
    return out


def write_after_action(
    report: AfterActionReport, scene: MapScene | None, out: Path
) -> AfterActionFiles:
    """Write the page, its stylesheet, the PDF and the pictures into folder ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    pictures = _pictures(report, scene, out)
    (out / "after-action.css").write_text(stylesheet(), encoding="utf-8")
    html = report_html(report, "after-action.css", {k: p.name for k, p in pictures.items()})
    page = out / "after-action.html"
    page.write_text(html, encoding="utf-8")
    pdf = _pdf(report, pictures, out / "after-action.pdf")
    return AfterActionFiles(page, pdf, pictures.get("chart"), pictures.get("map"))


def after_action_documents(
    report: AfterActionReport, scene: MapScene | None, css: str
) -> tuple[str, bytes]:
    """The page (pictures inline as ``data:`` addresses, stylesheet at ``css``) and the PDF."""
    with tempfile.TemporaryDirectory(prefix="corridor-after-action-") as tmp:
        folder = Path(tmp)
        pictures = _pictures(report, scene, folder)
        inline = {
            k: "data:image/png;base64," + base64.b64encode(p.read_bytes()).decode("ascii")
            for k, p in pictures.items()
        }
        html = report_html(report, css, inline)
        pdf = _pdf(report, pictures, folder / "after-action.pdf").read_bytes()
    return html, pdf
