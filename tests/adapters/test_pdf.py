"""The PDF adapter prints Cyrillic as text (not boxes) and repeats a long table's header."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader

from corridor.adapters.pdf import Document


def test_cyrillic_text_is_extractable_and_long_tables_repeat_their_header(tmp_path: Path) -> None:
    doc = Document("Оголошення", footer="© OpenStreetMap contributors")
    doc.heading("Евакуаційний коридор")
    doc.paragraph("Выезд добровольный. Leaving is voluntary.")
    doc.table(["Зупинка", "Час"], [[f"Пункт {i}", "06:00"] for i in range(120)])
    pages = PdfReader(doc.write(tmp_path / "n.pdf")).pages
    assert len(pages) >= 2
    first, last = pages[0].extract_text(), pages[-1].extract_text()
    assert "Евакуаційний коридор" in first
    assert "Выезд добровольный" in first
    assert "Зупинка" in last  # the header again on the table's last page
    assert f"{len(pages)}/{len(pages)}" in last
