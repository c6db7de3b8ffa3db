"""describe_image: safe loading, warnings, captions, DICOM routing, and text pieces for the store."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from assistant.errors import BadInputError
from assistant.settings import Settings
from assistant.types import Chart, ChartValue, ImageDescription, OcrLine
from tools.describe_image import DescribeImageTool, describe_image, image_chunks_text
from tools.describe_image.caption import NO_CAPTION_WARNING, caption_image
from tools.describe_image.images import load_image
from tools.describe_image.ocr import FakeOcrReader

DATA = Path(__file__).parents[1] / "data"
FAKE = Settings(ocr_backend="fake")


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(path: Path, side: int = 100_000) -> Path:
    """A 200-byte PNG whose header claims side × side pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    body = png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(b"\0" * 64)) + png_chunk(b"IEND", b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + body)
    return path


class FixedCaptioner:
    """A test-only captioner (real ones are vision-language models)."""

    name = "fixed"

    def warm_up(self) -> None:
        return None

    def caption(self, image: Image.Image, prompt: str = "") -> str:
        return f"a {image.width}x{image.height} picture"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.png", None, "image file not found"),
        ("", None, "not a regular file"),  # the folder itself
        ("empty.png", b"", "image file is empty"),
        ("notes.png", b"just some text\n", "not an image file"),
        ("noise.jpg", np.random.default_rng(1).bytes(4000), "not an image file"),
    ],
)
def test_unreadable_files_are_bad_input(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(BadInputError, match=message):
        load_image(path)


def test_truncated_image_is_bad_input(tmp_path):
    cut = tmp_path / "cut.png"
    cut.write_bytes((DATA / "chart_bar_labels.png").read_bytes()[:3000])
    with pytest.raises(BadInputError, match="corrupt or truncated"):
        load_image(cut)


def test_decompression_bomb_is_refused(tmp_path):
    with pytest.raises(BadInputError, match="too large"):
        load_image(bomb_png(tmp_path / "bomb.png"))


def test_pixel_limit_is_configurable(tmp_path):
    path = tmp_path / "big.png"
    Image.new("RGB", (400, 300), "white").save(path)
    assert load_image(path).size == (400, 300)
    with pytest.raises(BadInputError, match=r"400x300 = 120,000 pixels; limit 100,000"):
        load_image(path, max_pixels=100_000)


def test_transparent_and_16_bit_images_become_rgb(tmp_path):
    clear = tmp_path / "clear.png"
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(clear)
    rgb = load_image(clear)
    assert rgb.mode == "RGB" and rgb.getpixel((5, 5)) == (255, 255, 255)  # alpha laid on white
    deep = tmp_path / "deep.png"
    Image.fromarray(np.array([[0, 1000], [3000, 65535]], dtype=np.uint16)).save(deep)
    grey = load_image(deep)
    assert grey.mode == "RGB" and grey.getpixel((0, 0)) == (0, 0, 0) and grey.getpixel((1, 1)) == (255, 255, 255)


def test_caption_warning_names_the_setting():
    caption, warning = caption_image(Image.new("RGB", (8, 8)), Settings())
    assert caption is None
    assert warning == NO_CAPTION_WARNING and 'answerer = "transformers"' in warning and '"openai"' in warning


def test_plain_image_gets_ocr_and_warnings_but_no_invented_caption(tmp_path):
    path = tmp_path / "note.png"
    Image.new("RGB", (200, 100), "white").save(path)
    lines = [OcrLine("Total 12", (10, 10, 80, 24), 0.99)]
    desc = describe_image(path, FAKE, ocr_reader=FakeOcrReader(FAKE, lines))
    assert desc.ocr == tuple(lines) and (desc.width, desc.height) == (200, 100)
    assert desc.chart is None and desc.caption is None and desc.dicom is None
    assert not any(w.startswith("could not read a chart") for w in desc.warnings), "a note does not look like a chart"
    assert NO_CAPTION_WARNING in desc.warnings


def test_the_chart_hint_comes_only_for_an_image_with_numbers_of_a_chart(tmp_path):
    path = tmp_path / "axis.png"
    Image.new("RGB", (200, 100), "white").save(path)
    ticks = [OcrLine(t, (10, 10 + 20 * i, 30, 24 + 20 * i), 0.99) for i, t in enumerate(["40", "20", "0"])]
    desc = describe_image(path, FAKE, ocr_reader=FakeOcrReader(FAKE, ticks))
    assert desc.chart is None and any(w.startswith("could not read a chart") for w in desc.warnings)


def test_a_configured_captioner_is_used(tmp_path):
    path = tmp_path / "pic.png"
    Image.new("RGB", (30, 20), "white").save(path)
    desc = DescribeImageTool(FAKE, FakeOcrReader(FAKE), FixedCaptioner()).run(path)
    assert desc.caption == "a 30x20 picture"
    assert NO_CAPTION_WARNING not in desc.warnings


def test_dicom_is_routed_by_content_and_has_no_chart_warning():
    desc = describe_image(DATA / "scan.dcm", FAKE, ocr_reader=FakeOcrReader(FAKE))
    assert desc.dicom is not None and desc.dicom["modality"] == "CT"
    assert (desc.width, desc.height) == (64, 64)
    assert not any(w.startswith("could not read a chart") for w in desc.warnings)
    assert "Doe" not in str(desc.to_dict())


def test_chunks_text_chart_table_and_grouped_ocr():
    values = (
        ChartValue("value", "Q1 2024", 4.2, True, (10, 50, 30, 100)),
        ChartValue("value", "Q2 2024", 5.1, False, (40, 40, 60, 100)),
    )
    chart = Chart("bar", "Revenue by quarter", None, None, ("Q1 2024", "Q2 2024"), ("value",), values)
    ocr = (
        OcrLine("Revenue by quarter", (5, 0, 90, 12), 1.0),
        OcrLine("5.1", (40, 28, 60, 38), 1.0),
        OcrLine("Source: company filings", (5, 120, 120, 132), 1.0),
        OcrLine("Unaudited figures", (5, 134, 100, 146), 1.0),
    )
    desc = ImageDescription("chart.png", 200, 150, ocr=ocr, chart=chart)
    pieces = image_chunks_text(desc)
    assert pieces[0] == (
        "Chart 'Revenue by quarter' (bar): Q1 2024 = 4.2; Q2 2024 = 5.1 (values measured against the axis)",
        (10, 40, 60, 100),
    )
    assert pieces[1] == ("Revenue by quarter", (5, 0, 90, 12))
    assert pieces[2] == ("Source: company filings Unaudited figures", (5, 120, 120, 146))
    assert len(pieces) == 3  # the bare number is in the chart table already


def test_tool_shape():
    tool = DescribeImageTool(FAKE)
    assert tool.name == "describe_image" and tool.description
    assert tool.ocr_reader is None  # nothing loaded until warm_up or run
    tool.warm_up()
    assert isinstance(tool.ocr_reader, FakeOcrReader)


@pytest.mark.integration
@pytest.mark.slow
def test_real_chart_end_to_end():
    desc = describe_image(DATA / "chart_bar_labels.png", Settings())
    assert desc.chart is not None
    assert [(v.category, v.value) for v in desc.chart.values] == [("Q1", 4.2), ("Q2", 5.1), ("Q3", 3.8), ("Q4", 6.0)]
    text, box = image_chunks_text(desc)[0]
    assert text.startswith("Chart 'Quarterly revenue ($bn)' (bar; Revenue ($bn)): Q1 = 4.2; Q2 = 5.1; Q3 = 3.8; Q4 = 6")
    assert 0 <= box[0] < box[2] <= desc.width and 0 <= box[1] < box[3] <= desc.height
    assert desc.warnings == (NO_CAPTION_WARNING,)


def test_chunk_text_names_unlabelled_bars_by_place():
    values = (
        ChartValue("value", "Korea", 18.3, False, (10.0, 10.0, 20.0, 100.0)),
        ChartValue("value", "", 17.1, False, (30.0, 15.0, 40.0, 100.0)),
    )
    chart = Chart("bar", "Savings", None, None, ("Korea", ""), ("value",), values)
    desc = ImageDescription(path="s.png", width=100, height=120, chart=chart)
    text = image_chunks_text(desc)[0][0]
    assert "Korea = 18.3; bar 2 (no label) = 17.1" in text
