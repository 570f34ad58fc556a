"""Printable A4 documents (trip sheets, notices, reports) with fpdf2.

The text face is DejaVu Sans, the TrueType font that matplotlib bundles: it covers Latin, Greek
and Cyrillic, so a page prints the same on any machine without system fonts or a network.
Pictures (maps, charts) are PNG files drawn beforehand with matplotlib.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fpdf import FPDF

FONT = "DejaVu"


def _font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


class Document:
    """An A4 document built top to bottom: headings, paragraphs, tables, pictures."""

    def __init__(self, title: str, footer: str = "") -> None:
        from fpdf import FPDF

        footer_text = footer

        class _Pdf(FPDF):
            def footer(self) -> None:
                self.set_y(-12)
                self.set_font(FONT, size=7)
                self.set_text_color(110)
                page = f"{self.page_no()}/{{nb}}"
                self.cell(0, 5, f"{footer_text}    {page}".strip(), align="R")
                self.set_text_color(0)

        pdf = _Pdf(orientation="portrait", unit="mm", format="A4")
        fonts = _font_dir()
        pdf.add_font(FONT, "", str(fonts / "DejaVuSans.ttf"))
        pdf.add_font(FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))
        pdf.add_font(FONT, "I", str(fonts / "DejaVuSans-Oblique.ttf"))
        pdf.set_title(title)
        pdf.set_creator("corridor")
        pdf.set_auto_page_break(auto=True, margin=16)
        pdf.set_margins(15, 15, 15)
        pdf.alias_nb_pages()
        pdf.add_page()
        self.pdf: FPDF = pdf

    @property
    def width(self) -> float:
        """Printable width in mm."""
        return float(self.pdf.epw)

    def heading(self, text: str, level: int = 1) -> None:
        size = {1: 17, 2: 13, 3: 11}.get(level, 11)
        self.pdf.set_font(FONT, "B", size)
        # left-aligned: a justified heading of few long words spreads them across the page
        self.pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT", align="L")
        self.pdf.ln(1.5)

    def paragraph(self, text: str, size: float = 10, style: str = "") -> None:
        self.pdf.set_font(FONT, style, size)
        self.pdf.multi_cell(0, size * 0.48, text, new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(1.5)

    def bullets(self, items: Sequence[str], size: float = 10) -> None:
        self.pdf.set_font(FONT, "", size)
        for item in items:
            self.pdf.multi_cell(0, size * 0.48, f"•  {item}", new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(1.5)

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float] | None = None,
        size: float = 8.5,
    ) -> None:
        """A table that repeats its header on every page it spans. A row of one value is a
        note across the whole table, in grey italics (a drive between two stops)."""
        from fpdf.fonts import FontFace

        grey = (60, 60, 60)
        note = FontFace(family=FONT, emphasis="ITALICS", color=grey, fill_color=(242, 242, 242))
        self.pdf.set_font(FONT, "", size)
        cols = tuple(widths) if widths else None
        with self.pdf.table(
            col_widths=cols,
            line_height=size * 0.5,
            text_align="LEFT",
            first_row_as_headings=True,
            repeat_headings=1,
        ) as table:
            for line in (header, *rows):
                row = table.row()
                if len(line) == 1 and len(header) > 1:
                    row.cell(str(line[0]), colspan=len(header), style=note)
                    continue
                for value in line:
                    row.cell(str(value))
        self.pdf.ln(2)

    def picture(self, png: Path, width: float | None = None) -> None:
        """A PNG at ``width`` mm (the printable width by default), on a new page if needed."""
        from PIL import Image

        w = width or self.width
        with Image.open(png) as img:
            h = w * img.height / img.width
        if self.pdf.get_y() + h > self.pdf.h - self.pdf.b_margin:
            self.pdf.add_page()
        self.pdf.image(str(png), w=w, h=h)
        self.pdf.ln(2)

    def new_page(self) -> None:
        self.pdf.add_page()

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.pdf.output(str(path))
        return path
