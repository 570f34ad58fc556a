"""The after-action report's files: the planned-against-actual chart and the map as PNG, the
page (HTML with its stylesheet) and the printable PDF (A4, fpdf2).

:func:`write_after_action` writes ``after-action.html``, ``after-action.css``,
``after-action.pdf``, ``after-action-chart.png`` and ``after-action-map.png`` into a folder;
:func:`after_action_documents` makes the same HTML (pictures inline as ``data:`` addresses) and
PDF as bytes, for the HTTP route.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MultipleLocator

from corridor.reporting.after_action_html import report_html

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy.typing as npt
    from matplotlib.axes import Axes

    from corridor.reporting.after_action_model import AfterActionReport, PlannedActualChart, Table
    from corridor.reporting.map_scene import MapScene, Panel

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
        at = origin + dt.timedelta(minutes=x)
        return at.strftime("%H:%M")

    days = sorted({(origin + dt.timedelta(minutes=x)).strftime("%-d %b %Y") for x in
                   (chart.lo, chart.hi)})  # fmt: skip
    ax.set_xlim(chart.lo, chart.hi)
    ax.xaxis.set_major_locator(MultipleLocator(30 if chart.hi - chart.lo <= 600 else 60))
    ax.xaxis.set_major_formatter(FuncFormatter(clock))
    ax.set_xlabel(f"time on {' – '.join(days)} ({origin.tzinfo})")
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


#: A break opportunity fpdf2 honours and prints as nothing: put after a ``/`` of a vehicle name
#: too wide for its column, so that it wraps as ``D-AND/ambulance/`` ``0``, never inside a word.
ZWSP = "\u200b"
TABLE_FONT = 8.5


def column_widths(
    measure: Callable[[str, bool], float], header: list[str], rows: list[list[str]], total: float
) -> list[float]:
    """Widths (mm) of a table's columns summing to ``total``: each at least as wide as its
    widest word (``measure(text, bold)``: printed width, bold for the header), or where they
    cannot all be, its widest piece between ``/`` (a vehicle name then wraps at a ``/``); the
    room left shared as browsers share it, by how much wider each column would like to be."""
    n = len(header)
    least, parts, want = [0.0] * n, [0.0] * n, [0.0] * n
    for line, bold in ((header, True), *((r, False) for r in rows)):
        if len(line) != n:
            continue
        for i, cell in enumerate(line):
            words = str(cell).split() or [""]
            least[i] = max(least[i], *(measure(w, bold) for w in words))
            pieces = [p for w in words for p in w.replace("/", "/ ").split()] or [""]
            parts[i] = max(parts[i], *(measure(p, bold) for p in pieces))
            want[i] = max(want[i], measure(str(cell), bold))
    floor = list(least)
    while sum(floor) > total and any(f > p for f, p in zip(floor, parts, strict=True)):
        i = max(range(n), key=lambda k: floor[k] - parts[k])
        floor[i] = parts[i]
    if sum(floor) > total:  # not even the pieces fit: a word must break (nothing else to do)
        return [f * total / sum(floor) for f in floor]
    if sum(want) <= total:
        return [w + (total - sum(want)) * w / sum(want) for w in want]
    # A column that wants no more than an even share of what is left gets all it wants (a
    # time on one line), so that a long text does not squeeze the short ones; the long ones
    # share the rest beyond their floor by how much more they want.
    out: list[float | None] = [None] * n
    left = total
    while True:
        open_ = [i for i in range(n) if out[i] is None]
        fits = [i for i in open_ if want[i] <= left / len(open_)]
        if not fits or len(fits) == len(open_):
            break
        for i in fits:
            out[i] = want[i]
            left -= want[i]
    open_ = [i for i in range(n) if out[i] is None]
    spare = {i: want[i] - floor[i] for i in open_}
    room = left - sum(floor[i] for i in open_)
    for i in open_:
        out[i] = floor[i] + room * spare[i] / (sum(spare.values()) or 1.0)
    return [float(w or 0.0) for w in out]


def breakable(text: str, room: float, measure: Callable[[str, bool], float]) -> str:
    """``text`` with a break opportunity after each ``/`` of a word wider than ``room``."""
    return " ".join(
        w.replace("/", "/" + ZWSP) if measure(w, False) > room else w for w in text.split(" ")
    )


def _pdf_table(doc: object, t: Table) -> None:
    from corridor.adapters.pdf import FONT, Document

    assert isinstance(doc, Document)
    pdf = doc.pdf
    if pdf.get_y() > pdf.h - 45:  # a table's heading stays with its first rows
        doc.new_page()
    doc.heading(t.title, 3)
    if t.rows:
        pad = 2 * pdf.c_margin + 0.5  # a cell's text has c_margin on either side

        def measure(text: str, bold: bool) -> float:
            pdf.set_font(FONT, "B" if bold else "", TABLE_FONT)
            return float(pdf.get_string_width(text)) + pad

        widths = column_widths(measure, t.header, t.rows, doc.width)
        rows = [
            [breakable(str(c), w, measure) for c, w in zip(row, widths, strict=True)]
            if len(row) == len(widths)
            else row
            for row in t.rows
        ]
        doc.table(t.header, rows, widths, size=TABLE_FONT)
    if t.note:
        doc.paragraph(t.note, size=8.5, style="I")
    if t.whole:
        if pdf.get_y() > pdf.h - 45:  # the heading stays with the first text
            doc.new_page()
        doc.paragraph("Whole texts (cut in the table):", size=8.5, style="B")
        for where, text in t.whole:
            doc.paragraph(f"{where}: {text}", size=8.5)


PLANNED_ROUTE = "Planned route"
REPORTED = "Reported positions"


def legible_map(scene: MapScene) -> MapScene:
    """The report's map as it is drawn: the planned routes' road pieces each drawn once (where
    routes share a road, their dashes would fill each other's gaps and read as one solid line)
    and over the reported positions; those are said to be what they are, straight lines
    between successive reports."""
    from dataclasses import replace

    def panel(p: Panel) -> Panel:
        planned = [ln for ln in p.lines if ln.legend == PLANNED_ROUTE]
        others = [ln for ln in p.lines if ln.legend != PLANNED_ROUTE]
        lines = [
            replace(ln, legend=f"{REPORTED}: straight lines between reports")
            if ln.legend == REPORTED
            else ln
            for ln in others
        ]
        if planned:
            first = planned[0]
            lines += [replace(first, xy=xy) for xy in road_runs([ln.xy for ln in planned])]
        return replace(p, lines=lines)

    close = scene.close_up
    return replace(scene, main=panel(scene.main), close_up=close and panel(close))


def road_runs(lines: list[npt.NDArray[np.float64]]) -> list[npt.NDArray[np.float64]]:
    """The straight pieces of ``lines``, each once, joined into runs through every point that
    ends exactly two pieces (a run ends where roads fork or end), so that one dash pattern runs
    along each stretch of road."""
    from collections import defaultdict

    def key(pt: npt.NDArray[np.float64]) -> tuple[float, float]:
        return (round(float(pt[0]), 1), round(float(pt[1]), 1))

    near: defaultdict[tuple[float, float], dict[tuple[float, float], None]] = defaultdict(dict)
    for xy in lines:
        for a, b in itertools.pairwise(xy):
            ka, kb = key(a), key(b)
            if ka != kb:
                near[ka][kb] = None
                near[kb][ka] = None
    done: set[frozenset[tuple[float, float]]] = set()
    runs = []

    def walk(prev: tuple[float, float], cur: tuple[float, float]) -> None:
        run = [prev, cur]
        done.add(frozenset((prev, cur)))
        while len(near[cur]) == 2:
            nxt = next(k for k in near[cur] if k != prev)
            if frozenset((cur, nxt)) in done:
                break
            done.add(frozenset((cur, nxt)))
            run.append(nxt)
            prev, cur = cur, nxt
        runs.append(np.array(run, dtype=float))

    ends = [k for k in near if len(near[k]) != 2]
    for start in [*ends, *near]:  # runs from forks and ends first, then loops
        for nxt in list(near[start]):
            if frozenset((start, nxt)) not in done:
                walk(start, nxt)
    return runs


def _pictures(report: AfterActionReport, scene: MapScene | None, folder: Path) -> dict[str, Path]:
    out: dict[str, Path] = {}
    if report.chart is not None and report.chart.rows:
        out["chart"] = draw_planned_actual(report.chart, folder / "after-action-chart.png")
    if scene is not None:
        from corridor.adapters.mapplot import draw_map

        out["map"] = draw_map(legible_map(scene), folder / "after-action-map.png").path
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
