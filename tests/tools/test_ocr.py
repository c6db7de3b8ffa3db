"""OCR backends: the fake (unit) and RapidOCR on a real chart image (integration)."""

from __future__ import annotations

import builtins
import logging
import time
from pathlib import Path

import pytest
from PIL import Image

from assistant.errors import BackendUnavailableError, UnknownBackendError
from assistant.settings import Settings
from assistant.types import OcrLine
from tools.describe_image.images import load_image
from tools.describe_image.ocr import (
    OCR_READERS,
    FakeOcrReader,
    RapidOcrReader,
    make_ocr_reader,
    polygon_to_bbox,
    reading_order,
)

DATA = Path(__file__).parents[1] / "data"
logger = logging.getLogger(__name__)


def line(text: str, x0: float, y0: float, x1: float, y1: float) -> OcrLine:
    return OcrLine(text=text, bbox=(x0, y0, x1, y1), score=1.0)


def test_polygon_to_bbox_is_axis_aligned_and_unscaled():
    assert polygon_to_bbox([[10, 20], [50, 18], [52, 40], [12, 42]]) == (10.0, 18.0, 52.0, 42.0)
    assert polygon_to_bbox([[10, 20], [50, 20], [50, 40], [10, 40]], scale=2.0) == (5.0, 10.0, 25.0, 20.0)


def test_reading_order_rows_top_down_then_left_right():
    lines = [
        line("right", 200, 101, 260, 119),  # same row as "left", a pixel lower
        line("title", 50, 10, 300, 40),
        line("left", 10, 100, 60, 118),
        line("below", 10, 140, 60, 158),
    ]
    assert [ln.text for ln in reading_order(lines)] == ["title", "left", "right", "below"]


def test_fake_reader_is_deterministic_and_ignores_the_image():
    lines = [line("b", 0, 50, 10, 60), line("a", 0, 0, 10, 10)]
    reader = FakeOcrReader(Settings(), lines=lines)
    first = reader.read(Image.new("RGB", (20, 20)))
    second = reader.read(Image.new("RGB", (99, 99), "red"))
    assert first == second
    assert [ln.text for ln in first] == ["a", "b"]
    assert reader.calls == 2


def test_registry_and_factory():
    assert set(OCR_READERS) == {"rapidocr", "fake"}
    assert isinstance(make_ocr_reader(Settings(ocr_backend="fake")), FakeOcrReader)
    assert isinstance(make_ocr_reader(Settings()), RapidOcrReader)


def test_unknown_backend_lists_valid_names():
    with pytest.raises(UnknownBackendError, match="unknown OCR backend 'tesseract'.*fake, rapidocr"):
        make_ocr_reader(Settings(ocr_backend="tesseract"))


def test_rapidocr_init_only_stores_settings():
    reader = RapidOcrReader(Settings(threads=2))
    assert reader._engine is None
    assert reader.settings.threads == 2


def test_missing_rapidocr_names_the_install_line(monkeypatch):
    real_import = builtins.__import__

    def no_rapidocr(name, *args, **kwargs):
        if name == "rapidocr":
            raise ImportError("No module named 'rapidocr'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_rapidocr)
    with pytest.raises(BackendUnavailableError, match=r'pip install "rapidocr==3\.10\.0" onnxruntime'):
        RapidOcrReader(Settings()).warm_up()


@pytest.mark.integration
@pytest.mark.slow
def test_rapidocr_reads_the_bar_chart():
    image = load_image(DATA / "chart_bar_labels.png")
    reader = RapidOcrReader(Settings())
    started = time.perf_counter()
    reader.warm_up()
    warm = time.perf_counter()
    lines = reader.read(image)
    done = time.perf_counter()
    logger.info("rapidocr warm-up %.2fs, read %.2fs", warm - started, done - warm)
    texts = [ln.text for ln in lines]
    for expected in ("Quarterly revenue ($bn)", "Q1", "Q2", "Q3", "Q4", "4.2", "5.1", "3.8", "6.0"):
        assert expected in texts
    assert texts[0] == "Quarterly revenue ($bn)"
    for ln in lines:
        x0, y0, x1, y1 = ln.bbox
        assert 0 <= x0 < x1 <= image.width and 0 <= y0 < y1 <= image.height
        assert 0.0 < ln.score <= 1.0
    assert lines == reading_order(lines)
    quarters = [ln for ln in lines if ln.text in ("Q1", "Q2", "Q3", "Q4")]
    assert [ln.text for ln in quarters] == ["Q1", "Q2", "Q3", "Q4"]  # one row, left to right
