"""Other sources: markdown, HTML, CSV, XLSX and transcripts (VTT, SRT, JSON, timed text), and bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.errors import BadInputError
from assistant.extract import EXTRACTORS, ExtractContext, detect_kind
from assistant.retrieval import HybridRetriever
from assistant.settings import Settings


def extract(path: Path, chunk_chars: int = 1200):
    settings = Settings(data_dir=path.parent, chunk_chars=chunk_chars)
    ctx = ExtractContext(settings=settings, transcriber=lambda: None, ocr_reader=lambda: None)
    return EXTRACTORS[detect_kind(path)](path, "sid", ctx)


def test_markdown_headings_become_sections(tmp_path: Path) -> None:
    md = tmp_path / "q1_notes.md"
    md.write_text("# Q1 review\n\nIntro line.\n\n## Costs\n\nOpex fell 3%.\n\n## Outlook\n\nGuidance is unchanged.\n")
    chunks = extract(md).chunks
    assert [(c.context, c.text) for c in chunks] == [
        ("q1 notes › Q1 review", "Q1 review\n\nIntro line."),
        ("q1 notes › Q1 review › Costs", "Costs\n\nOpex fell 3%."),
        ("q1 notes › Q1 review › Outlook", "Outlook\n\nGuidance is unchanged."),
    ]


def test_html_drops_scripts_and_styles_and_reads_sections_and_tables(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(
        "<html><head><title>Contoso FY2024 results</title><style>p {color: red}</style></head><body>"
        "<script>var secret = 'do not index';</script><h1>Overview</h1><p>Sales rose to $2,400,000.</p>"
        "<h2>By segment</h2><table><tr><th>Segment</th><th>Sales</th></tr><tr><td>Cloud</td><td>1,500,000</td></tr>"
        "<tr><td>Devices</td><td>900,000</td></tr></table><p>Margins held.</p></body></html>"
    )
    assert detect_kind(page) == "html"
    chunks = extract(page).chunks
    assert [c.text for c in chunks] == [
        "Overview\n\nSales rose to $2,400,000.",
        "By segment",
        "Segment | Sales\nCloud | 1,500,000\nDevices | 900,000",
        "Margins held.",
    ]
    assert chunks[2].context == "Contoso FY2024 results › Overview › By segment"
    assert all("secret" not in c.text and "color" not in c.text for c in chunks)


def test_csv_rows_chunked_with_the_header_repeated(tmp_path: Path) -> None:
    table = tmp_path / "revenue.csv"
    rows = [f"2024-{m:02d},{100 + m},{m * 1.5}" for m in range(1, 13)]
    table.write_text("month,revenue,cost\n" + "\n".join(rows) + "\n")
    chunks = extract(table, chunk_chars=200).chunks
    assert len(chunks) > 1 and all(c.text.startswith("month | revenue | cost\n") for c in chunks)
    body = [line for c in chunks for line in c.text.split("\n")[1:]]
    assert body == [r.replace(",", " | ") for r in rows]
    assert {c.kind for c in chunks} == {"table"} and chunks[0].context == "revenue"


def test_xlsx_sheets_are_sections(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    first = book.active
    first.title = "Income"
    for row in [("Line", "FY2023", "FY2024"), ("Revenue", 1200, 1350.0), ("Net income", 210, None)]:
        first.append(row)
    second = book.create_sheet("Balance")
    second.append(("Item", "Value"))
    second.append(("Cash", 480.25))
    book.create_sheet("Empty")
    path = tmp_path / "ACME_2024_financials.xlsx"
    book.save(path)
    chunks = extract(path).chunks
    assert [(c.context, c.text) for c in chunks] == [
        ("ACME 2024 financials › Income", "Line | FY2023 | FY2024\nRevenue | 1200 | 1350\nNet income | 210"),
        ("ACME 2024 financials › Balance", "Item | Value\nCash | 480.25"),
    ]


VTT = """WEBVTT

NOTE recorded on the Q1 call

00:00:01.000 --> 00:00:04.500
<v Jane Doe>Welcome to the first quarter call.</v>

00:00:04.500 --> 00:00:09.000 align:start
<v CFO>Revenue was 4.2 billion.

00:00:09.000 --> 00:00:12.250
<v CFO>Margins rose.
"""

SRT = """1
00:00:00,000 --> 00:00:03,000
CEO: Good morning.

2
00:00:03,000 --> 00:00:07,500
CFO: Free cash flow was 610 million.
"""


def test_vtt_cues_become_timed_chunks_with_speakers_and_spans(tmp_path: Path) -> None:
    path = tmp_path / "call.vtt"
    path.write_text(VTT)
    extracted = extract(path)
    chunk = extracted.chunks[0]
    assert chunk.kind == "transcript" and extracted.duration == 12.25
    assert (chunk.locator.start, chunk.locator.end, chunk.locator.speaker) == (1.0, 12.25, "Jane Doe, CFO")
    assert chunk.text == "Welcome to the first quarter call. Revenue was 4.2 billion. Margins rose."
    assert [(chunk.text[s.begin : s.end], s.locator.start, s.locator.speaker) for s in chunk.spans] == [
        ("Welcome to the first quarter call.", 1.0, "Jane Doe"),
        ("Revenue was 4.2 billion.", 4.5, "CFO"),
        ("Margins rose.", 9.0, "CFO"),
    ]


def test_srt_json_and_timed_text_transcripts(tmp_path: Path) -> None:
    srt = tmp_path / "call.srt"
    srt.write_text(SRT)
    spans = extract(srt).chunks[0].spans
    times = [(s.locator.start, s.locator.end, s.locator.speaker) for s in spans]
    assert times == [(0.0, 3.0, "CEO"), (3.0, 7.5, "CFO")]
    js = tmp_path / "call.json"
    segments = [
        {"start": 0, "end": 2.5, "text": "Hello.", "speaker": "CEO"},
        {"start": 2.5, "end": 6, "text": "Sales grew 7%."},
    ]
    js.write_text(json.dumps({"segments": segments}))
    assert detect_kind(js) == "transcript"
    chunk = extract(js).chunks[0]
    assert (chunk.text, chunk.locator.end, chunk.locator.speaker) == ("Hello. Sales grew 7%.", 6.0, "CEO")
    txt = tmp_path / "call.txt"
    txt.write_text("[00:00] CEO: Thanks for joining.\n[00:12] CFO: Orders rose 5%.\nThey rose in every region.\n")
    assert detect_kind(txt) == "transcript"
    spans = extract(txt).chunks[0].spans
    times = [(s.locator.start, s.locator.end, s.locator.speaker) for s in spans]
    assert times == [(0.0, 12.0, "CEO"), (12.0, 17.0, "CFO")]
    plain = tmp_path / "plain.txt"
    plain.write_text("Just notes.\nNo times here.\n")
    other = tmp_path / "config.json"
    other.write_text('{"name": "not a transcript"}')
    assert detect_kind(plain) == "text" and detect_kind(other) == "text"


def test_bad_files_give_one_clear_error_each(tmp_path: Path) -> None:
    xlsx = tmp_path / "broken.xlsx"
    xlsx.write_bytes(b"PK\x03\x04 this is not really a workbook")
    with pytest.raises(BadInputError, match="cannot read the XLSX workbook"):
        extract(xlsx)
    binary = tmp_path / "data.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(BadInputError, match="binary data, not a text CSV"):
        extract(binary)
    vtt = tmp_path / "empty.vtt"
    vtt.write_text("WEBVTT\n\nNOTE nothing was said\n")
    with pytest.raises(BadInputError, match="no timed cues found"):
        extract(vtt)
    not_vtt = tmp_path / "fake.vtt"
    not_vtt.write_text("00:00:01.000 --> 00:00:02.000\nhi\n")
    with pytest.raises(BadInputError, match="not a VTT transcript"):
        extract(not_vtt)


def test_context_is_stored_embedded_and_indexed_but_not_quoted(fake_assistant, tmp_path: Path) -> None:
    path = tmp_path / "GLOBEX_2023_10K.csv"
    path.write_text("metric,value\nbacklog,812\n")
    report = fake_assistant.ingest([path])
    [chunk] = fake_assistant.store.chunks_of(report.added[0].id)
    assert chunk.context == "GLOBEX 2023 10-K" and chunk.text == "metric | value\nbacklog | 812"
    dense = fake_assistant.store.search("globex", k=1)  # only the context says Globex
    assert dense and dense[0].score > 0 and dense[0].chunk.text == chunk.text
    settings = fake_assistant.settings
    hits = HybridRetriever(fake_assistant.store, settings).search("GLOBEX 10-K", k=1)
    assert hits[0].chunk.context == "GLOBEX 2023 10-K" and "GLOBEX" not in hits[0].chunk.text


def test_a_bare_heading_joins_the_next_section_of_its_page_but_never_another_page() -> None:
    from assistant.chunking import Block, block_chunks

    blocks = [
        Block(text="Marketing", section="Item 1 › Marketing", page=3),
        Block(text="Workfront", section="Item 1 › Workfront", page=3),
        Block(text="Workfront plans work.", section="Item 1 › Workfront", page=3),
        Block(text="Risk Factors", section="Item 1A", page=3),
        Block(text="Risks abound.", section="Item 1A", page=4),
    ]
    chunks = block_chunks(blocks, path="a.pdf", source_id="s", kind="pdf", max_chars=500, title="ACME 10-K")
    assert [(c.text, c.locator.page, c.context) for c in chunks] == [
        ("Marketing\n\nWorkfront\n\nWorkfront plans work.", 3, "ACME 10-K › Item 1 › Workfront › page 3"),
        ("Risk Factors", 3, "ACME 10-K › Item 1A › page 3"),
        ("Risks abound.", 4, "ACME 10-K › Item 1A › page 4"),
    ]
