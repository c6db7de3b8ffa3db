"""PDF ingestion: tables kept whole with their header, OCR for pages without text, page rendering, bad PDFs."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from assistant.documents import document_title
from assistant.documents.pdf import read_pdf, render_page
from assistant.errors import BadInputError
from assistant.extract import EXTRACTORS, ExtractContext
from assistant.settings import Settings
from assistant.types import OcrLine
from tools.describe_image.ocr import FakeOcrReader, make_ocr_reader

ROWS = [(f"Region {i:02d}", f"{1000 + 37 * i:,}", f"{12 + i}.5%") for i in range(30)]


def table_pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title("Northwind 2025 Annual Report")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Segment Results", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 6, "Revenue by region is shown below. Every region grew in fiscal 2025.")
    pdf.ln(4)
    with pdf.table(col_widths=(60, 40, 40)) as table:
        for row in [("Region", "Revenue", "Growth"), *ROWS]:
            cells = table.row()
            for value in row:
                cells.cell(value)
    pdf.ln(4)
    pdf.multi_cell(0, 6, "Management expects steady demand next year.")
    pdf.output(str(path))
    return path


def text_image_pdf(path: Path) -> Path:
    """One page whose only content is a picture of two lines of text (no text layer)."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (1200, 300), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=56)
    draw.text((40, 50), "Operating margin 19.0%", fill="black", font=font)
    draw.text((40, 170), "Scanned board minutes", fill="black", font=font)
    picture = path.with_suffix(".png")
    image.save(picture)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(str(picture), x=10, y=20, w=190)
    pdf.output(str(path))
    return path


def context(settings: Settings, ocr: object) -> ExtractContext:
    return ExtractContext(settings=settings, transcriber=lambda: None, ocr_reader=lambda: ocr)


def test_table_rows_kept_whole_with_header_repeated_and_not_duplicated(tmp_path: Path) -> None:
    pdf = table_pdf(tmp_path / "NORTHWIND_2025_10K.pdf")
    settings = Settings(data_dir=tmp_path, chunk_chars=300)
    extracted = EXTRACTORS["pdf"](pdf, "s1", context(settings, FakeOcrReader()))
    tables = [c for c in extracted.chunks if c.text.startswith("Region | Revenue | Growth")]
    assert len(tables) >= 3  # 30 rows of about 30 characters do not fit one 300-character chunk
    rows = [line for c in tables for line in c.text.split("\n")[1:]]
    assert rows == [" | ".join(r) for r in ROWS]  # every row whole, once, in order
    everything = "\n".join(c.text for c in extracted.chunks)
    assert everything.count("Region 07") == 1 and everything.count("1,259") == 1
    prose = [c.text for c in extracted.chunks if c not in tables]
    assert any("Every region grew" in t for t in prose) and any("steady demand" in t for t in prose)
    assert all(c.locator.page == 1 and c.kind == "pdf" for c in extracted.chunks)
    assert tables[0].context == "NORTHWIND 2025 10-K — Northwind 2025 Annual Report › Segment Results › page 1"
    assert extracted.pages == 1 and extracted.warnings == []


def test_page_without_text_layer_goes_through_the_ocr_reader(tmp_path: Path) -> None:
    pdf = text_image_pdf(tmp_path / "minutes.pdf")
    lines = [OcrLine("Board approved", (10, 10, 200, 40), 0.99), OcrLine("the dividend", (210, 12, 400, 40), 0.98)]
    reader = FakeOcrReader(lines=lines)
    extracted = EXTRACTORS["pdf"](pdf, "s2", context(Settings(data_dir=tmp_path), reader))
    assert [c.text for c in extracted.chunks] == ["Board approved the dividend"]
    assert reader.calls == 1 and extracted.chunks[0].locator.page == 1
    assert "1 page(s) without a text layer were read by OCR" in extracted.warnings[0]


def test_page_without_text_and_nothing_read_is_a_bad_input(tmp_path: Path) -> None:
    pdf = text_image_pdf(tmp_path / "blank.pdf")
    with pytest.raises(BadInputError, match="no text found in the PDF, not even by OCR"):
        EXTRACTORS["pdf"](pdf, "s3", context(Settings(data_dir=tmp_path), FakeOcrReader()))


@pytest.mark.integration
def test_rapidocr_reads_a_scanned_page(tmp_path: Path) -> None:
    pdf = text_image_pdf(tmp_path / "scan.pdf")
    settings = Settings(data_dir=tmp_path)
    doc = read_pdf(pdf, ocr_reader=lambda: make_ocr_reader(settings))
    text = " ".join(b.text for b in doc.blocks)
    assert "19.0%" in text and "Scanned board minutes" in text


def test_render_page_gives_png_at_the_asked_resolution(tmp_path: Path) -> None:
    pdf = table_pdf(tmp_path / "r.pdf")
    png = render_page(pdf, 1, dpi=72)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = Image.open(io.BytesIO(png)).size
    assert abs(width - 595) <= 1 and abs(height - 842) <= 1  # A4 in points at 72 dpi
    assert Image.open(io.BytesIO(render_page(pdf, 1, dpi=144))).size[1] == pytest.approx(1684, abs=2)
    with pytest.raises(BadInputError, match="no page 2"):
        render_page(pdf, 2)


def test_encrypted_and_broken_pdfs_are_bad_inputs(tmp_path: Path) -> None:
    import pymupdf

    plain = table_pdf(tmp_path / "plain.pdf")
    locked = tmp_path / "locked.pdf"
    with pymupdf.open(plain) as doc:
        doc.save(locked, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="owner")
    with pytest.raises(BadInputError, match="encrypted with a password"):
        read_pdf(locked)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(plain.read_bytes()[:300])
    with pytest.raises(BadInputError, match="broken.pdf"):
        read_pdf(broken)


def test_document_title_adds_company_period_and_form_from_the_file_name() -> None:
    assert document_title(Path("ADOBE_2022_10K.pdf"), "ADBE 10-K FY22") == "ADOBE 2022 10-K — ADBE 10-K FY22"
    assert document_title(Path("notes.pdf"), "Board notes") == "Board notes"
    assert document_title(Path("AMCOR_2023Q4_EARNINGS.pdf")) == "AMCOR 2023Q4 EARNINGS"


def test_table_precheck_counts_figure_rows_and_rules_beyond_the_plain_pages() -> None:
    from assistant.documents.tables import might_hold_tables, numeric_rows, plain_rules

    def word(x: float, y: float, text: str) -> tuple:
        return (x, y, x + 30, y + 10, text)

    figures = [word(x, y, "1,234") for y in (100, 120, 140) for x in (300, 400)]
    prose = [word(x, 100, "revenue") for x in (50, 100, 150)] + [word(50, 200, "2022")]
    assert numeric_rows(figures) == 3 and numeric_rows(prose) == 0
    assert might_hold_tables(figures, rules=0, plain=0)
    assert not might_hold_tables(figures[:4], rules=0, plain=0)  # two rows of figures are not enough
    # a 10-K whose every page has a 16-line header and footer: only pages with 3 more lines qualify
    assert plain_rules([16] * 20 + [60, 90]) == 16
    assert not might_hold_tables(prose, rules=16, plain=16) and might_hold_tables(prose, rules=19, plain=16)
    assert plain_rules([40, 90]) == 0  # too short to tell: every line counts


@pytest.mark.slow
def test_tables_found_in_worker_processes_match_those_found_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.documents import pdf as pdf_module

    pdf = table_pdf(tmp_path / "t.pdf")
    here = read_pdf(pdf, workers=1)
    monkeypatch.setattr(pdf_module, "PARALLEL_MIN_PAGES", 1)
    spawned = read_pdf(pdf, workers=2)
    assert here.table_pages == spawned.table_pages == 1
    assert [b.rows for b in spawned.blocks if b.rows] == [b.rows for b in here.blocks if b.rows]
    assert spawned.blocks == here.blocks and len([b for b in here.blocks if b.rows]) == 1
