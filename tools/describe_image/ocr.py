"""OCR backends behind one Protocol: RapidOCR (PP-OCR ONNX models shipped in its wheel) and a fake.

Example:
    >>> from assistant.settings import Settings
    >>> reader = make_ocr_reader(Settings(ocr_backend="fake"))
    >>> reader.read(image)  # doctest: +SKIP
    (OcrLine(text='Quarterly revenue', bbox=(10.0, 5.0, 200.0, 30.0), score=1.0),)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, Protocol

from PIL import Image

from assistant.errors import BackendUnavailableError
from assistant.settings import Settings, choose
from assistant.types import OcrLine

logger = logging.getLogger(__name__)

RAPIDOCR_INSTALL = 'pip install "rapidocr==3.10.0" onnxruntime'
# Small images are enlarged to this longest side before OCR (at most UPSCALE_MAX times):
# PP-OCR misreads chart tick labels of 10-12 px (e.g. "Q3" as "ε3") at their native size.
OCR_MIN_LONG_SIDE = 1000
UPSCALE_MAX = 2.0
# For large images text detection runs on the image scaled so its longest side is at most this
# (boxes map back to the image). PP-OCR's default scales the *shortest* side up to 736 px, which made
# 1,200-4,000 px figures cost 5-13 s on 2 cores; recognition still reads each line from the full-size
# image. Images up to LARGE_SIDE keep the default, which reads small charts' labels best.
DET_MAX_SIDE = 960
LARGE_SIDE = 1280


class OcrReader(Protocol):
    """Reads the lines of text on an image, with axis-aligned boxes in the image's pixels."""

    name: str

    def warm_up(self) -> None:
        """Load the model now (otherwise on first use)."""

    def read(self, image: Image.Image) -> tuple[OcrLine, ...]:
        """Text lines sorted top-to-bottom, then left-to-right."""


def polygon_to_bbox(points: Iterable[Iterable[float]], scale: float = 1.0) -> tuple[float, float, float, float]:
    """The axis-aligned box (x0, y0, x1, y1) around a polygon, divided by ``scale``."""
    xs, ys = zip(*((float(p[0]), float(p[1])) for p in points))
    return (min(xs) / scale, min(ys) / scale, max(xs) / scale, max(ys) / scale)


def reading_order(lines: Iterable[OcrLine]) -> tuple[OcrLine, ...]:
    """Sort lines into rows (vertical centres within half a line height), rows top-down, each left-right."""
    by_centre = sorted(lines, key=lambda ln: (ln.bbox[1] + ln.bbox[3]) / 2)
    rows: list[list[OcrLine]] = []
    for line in by_centre:
        centre = (line.bbox[1] + line.bbox[3]) / 2
        if rows:
            first = rows[-1][0]
            first_centre = (first.bbox[1] + first.bbox[3]) / 2
            half = min(first.bbox[3] - first.bbox[1], line.bbox[3] - line.bbox[1]) / 2
            if abs(centre - first_centre) <= half:
                rows[-1].append(line)
                continue
        rows.append([line])
    return tuple(line for row in rows for line in sorted(row, key=lambda ln: ln.bbox[0]))


class RapidOcrReader:
    """OCR with RapidOCR (PP-OCR det/cls/rec ONNX models bundled in the ``rapidocr`` wheel).

    Example:
        >>> reader = RapidOcrReader(Settings())
        >>> lines = reader.read(load_image("chart.png"))  # doctest: +SKIP
    """

    name = "rapidocr"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._engine: Any = None
        self._large_engine: Any = None

    def warm_up(self) -> None:
        if self._engine is not None:
            return
        try:
            from rapidocr import RapidOCR
        except ImportError as exc:
            raise BackendUnavailableError(f"the rapidocr OCR backend is not installed: {RAPIDOCR_INSTALL}") from exc
        threads = self.settings.threads or -1
        # onnxruntime's CPU memory arena (rapidocr turns it off) reuses buffers between lines and images:
        # the same text, ~9% less OCR time over 30 MultiChartQA charts.
        params = {"Global.log_level": "warning", "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                  "EngineConfig.onnxruntime.enable_cpu_mem_arena": True}
        self._engine = RapidOCR(params=params)
        self._large_engine = RapidOCR(params={**params, "Det.limit_type": "max", "Det.limit_side_len": DET_MAX_SIDE})
        _plain_rapidocr_log()
        logger.info("rapidocr ready (threads=%s)", threads)

    def read(self, image: Image.Image) -> tuple[OcrLine, ...]:
        self.warm_up()
        scale = _upscale_factor(image)
        work = image.convert("RGB")
        if scale > 1.0:
            work = work.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
        engine = self._large_engine if max(work.size) > LARGE_SIDE else self._engine
        result = engine(work)
        if result.txts is None or result.boxes is None:
            return ()
        lines = []
        for text, box, score in zip(result.txts, result.boxes, result.scores):
            text = str(text).strip()
            if text:
                lines.append(OcrLine(text=text, bbox=polygon_to_bbox(box, scale), score=float(score)))
        logger.debug("rapidocr read %d lines (upscaled %.2fx)", len(lines), scale)
        return reading_order(lines)


def _upscale_factor(image: Image.Image) -> float:
    longest = max(image.width, image.height)
    if longest >= OCR_MIN_LONG_SIDE:
        return 1.0
    return min(UPSCALE_MAX, OCR_MIN_LONG_SIDE / longest)


def _plain_rapidocr_log() -> None:
    """rapidocr logs through its own handler with colour codes (``\\x1b[33m[WARNING]...`` on stderr,
    raw escape sequences in the CLI's output); send its records through the application's logging
    as plain text instead."""
    rapid = logging.getLogger("RapidOCR")
    for handler in list(rapid.handlers):
        rapid.removeHandler(handler)
    rapid.propagate = True


class FakeOcrReader:
    """Deterministic OCR for tests: returns the lines it was given (in reading order), whatever the image.

    Example:
        >>> reader = FakeOcrReader(Settings(), lines=[OcrLine("Q1", (0, 0, 10, 8), 1.0)])
        >>> [line.text for line in reader.read(Image.new("RGB", (20, 20)))]
        ['Q1']
    """

    name = "fake"

    def __init__(self, settings: Settings | None = None, lines: Iterable[OcrLine] = ()) -> None:
        self.settings = settings
        self.lines = tuple(lines)
        self.calls = 0

    def warm_up(self) -> None:
        return None

    def read(self, image: Image.Image) -> tuple[OcrLine, ...]:
        self.calls += 1
        return reading_order(self.lines)


OCR_READERS: dict[str, type] = {"rapidocr": RapidOcrReader, "fake": FakeOcrReader}


def make_ocr_reader(settings: Settings) -> OcrReader:
    """The OCR backend named by ``settings.ocr_backend``; an unknown name lists the valid ones."""
    return choose(OCR_READERS, settings.ocr_backend, "OCR")(settings)
