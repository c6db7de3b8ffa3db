"""Describe an image: OCR lines, a chart read into a table, DICOM facts, and a caption if a
vision-language model is configured. Everything the tools could not do becomes a warning.

Example:
    >>> from assistant.settings import Settings
    >>> desc = describe_image("tests/data/chart_bar_labels.png", Settings())  # doctest: +SKIP
    >>> [(v.category, v.value) for v in desc.chart.values]  # doctest: +SKIP
    [('Q1', 4.2), ('Q2', 5.1), ('Q3', 3.8), ('Q4', 6.0)]
    >>> image_chunks_text(desc)[0][0]  # doctest: +SKIP
    "Chart 'Quarterly revenue ($bn)' (bar; Revenue ($bn)): Q1 = 4.2; Q2 = 5.1; Q3 = 3.8; Q4 = 6"
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from assistant.errors import BackendUnavailableError
from assistant.settings import Settings
from assistant.types import BBox, ChartValue, ImageDescription, Locator, OcrLine, Span
from tools.describe_image.axes import read_axes
from tools.describe_image.caption import Captioner, caption_image
from tools.describe_image.chart import parse_number, read_chart
from tools.describe_image.deid import neutral_name, screen_ocr
from tools.describe_image.dicom import dicom_facts, read_dicom_screened
from tools.describe_image.images import check_file, is_dicom, open_image
from tools.describe_image.ocr import OcrReader, make_ocr_reader

logger = logging.getLogger(__name__)

MAX_ASPECT = 40  # longer side / shorter side beyond which text detection cannot work (a 1-pixel strip)
NO_CHART_WARNING = "could not read a chart (bar charts, single-series or grouped or stacked, line charts and pies are read so far)"

__all__ = ["DescribeImageTool", "describe_image", "image_chunks_text", "image_pieces"]


def describe_image(
    path: str | Path,
    settings: Settings,
    ocr_reader: OcrReader | None = None,
    captioner: Captioner | None = None,
) -> ImageDescription:
    """Load ``path`` (any PIL image or a DICOM file), OCR it, read a chart, caption it if possible."""
    file = check_file(path)
    warnings: list[str] = []
    facts = screen = screened = None
    shown_path = str(file)
    if is_dicom(file):
        shown_path = neutral_name(file)  # a DICOM's file name often carries the patient's name or ID
        try:
            image, facts, screen = read_dicom_screened(file)
        except BackendUnavailableError as exc:  # compressed pixels no installed decoder handles
            facts = dicom_facts(file)
            warnings.append(f"no image read: {str(exc).replace(str(file), shown_path)}")
            return ImageDescription(
                path=shown_path, width=int(facts.get("columns", 0) or 0), height=int(facts.get("rows", 0) or 0),
                dicom=facts, warnings=tuple(warnings),
            )
    else:
        loaded = open_image(file)
        image = loaded.image
        warnings.extend(loaded.warnings)
    reader = ocr_reader if ocr_reader is not None else make_ocr_reader(settings)
    thin = max(image.size) > MAX_ASPECT * min(image.size)
    if thin:
        warnings.append(f"image is {image.width}x{image.height}: too thin a strip to detect text or a chart in")
    lines = () if thin else reader.read(image)
    if screen is not None:  # Clean Pixel Data: no burned-in or identifying pixel text becomes evidence
        lines, screened = screen_ocr(lines, screen.words, screen.burned_in)
        if screened:
            warnings.append(screened + "; no caption either")
    chart = None
    if facts is None and not thin:
        try:
            chart = read_chart(image, lines)
        except (ValueError, IndexError, ArithmeticError):
            logger.exception("chart reader failed on %s", file)
        if chart is not None:
            frame = read_axes(lines, image.width, image.height)
            chart = replace(chart, x_ticks=frame.x_ticks, y_ticks=frame.y_ticks, panels=frame.panels)
        if chart is None and looks_like_chart(lines):  # a scan or a photo gets no chart hint
            warnings.append(NO_CHART_WARNING)
    caption, caption_warning = (None, None) if screen is not None and screened else caption_image(image, settings, captioner)
    if caption_warning:
        warnings.append(caption_warning)
    return ImageDescription(
        path=shown_path,
        width=image.width,
        height=image.height,
        ocr=lines,
        chart=chart,
        dicom=facts,
        caption=caption,
        warnings=tuple(warnings),
    )


def looks_like_chart(lines: tuple[OcrLine, ...], least: int = 3) -> bool:
    """True when the image shows at least ``least`` numbers of its own (axis ticks, value labels):
    only then is a chart it failed to read worth a warning."""
    return sum(1 for line in lines if parse_number(line.text) is not None) >= least


def image_chunks_text(desc: ImageDescription) -> list[tuple[str, BBox]]:
    """Text pieces with their boxes for indexing and evidence: the chart table, DICOM facts,
    the caption (whole image), then OCR text grouped into blocks of nearby lines."""
    whole: BBox = (0.0, 0.0, float(desc.width), float(desc.height))
    pieces: list[tuple[str, BBox]] = []
    lines = desc.ocr
    if desc.chart is not None and desc.chart.values:
        chart = desc.chart
        named = [f"'{chart.title}'"] if chart.title else []
        kind = chart.type + (f"; {', '.join(chart.series)}" if chart.series and chart.series[0] != "value" else "")
        cells = "; ".join(_cell(i, v, len(chart.series) > 1) for i, v in enumerate(chart.values))
        estimated = "" if all(v.printed for v in chart.values) else " (values measured against the axis)"
        boxes = [v.bbox for v in chart.values]
        pieces.append((" ".join(["Chart", *named, f"({kind}):"]) + f" {cells}{estimated}", _union_all(boxes)))
        lines = tuple(line for line in lines if parse_number(line.text) is None)
    if desc.dicom:
        facts = ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in desc.dicom.items())
        pieces.append((f"DICOM image: {facts}", whole))
    if desc.caption:
        pieces.append((desc.caption, whole))
    for block in _blocks(lines):
        pieces.append((" ".join(line.text for line in block), _union_all([line.bbox for line in block])))
    return pieces


def image_pieces(desc: ImageDescription) -> list[tuple[str, BBox, tuple[Span, ...]]]:
    """``image_chunks_text`` with a span per chart value (``category = value`` and its box), so a
    citation of one value can point at that value's box."""
    out = []
    for text, bbox in image_chunks_text(desc):
        spans: list[Span] = []
        if desc.chart is not None and text.startswith("Chart"):
            cursor = 0
            for i, value in enumerate(desc.chart.values):
                cell = _cell(i, value, len(desc.chart.series) > 1)
                at = text.find(cell, cursor)
                if at >= 0:
                    spans.append(Span(at, at + len(cell), Locator(path=desc.path, bbox=value.bbox)))
                    cursor = at + len(cell)
        out.append((text, bbox, tuple(spans)))
    return out


def _cell(index: int, value: ChartValue, several: bool = False) -> str:
    """``category = value`` (``series, category = value`` when the chart has several series); a bar
    without a printed label is named by its place ("bar 2 (no label)")."""
    name = value.category or f"bar {index + 1} (no label)"
    return f"{value.series + ', ' if several else ''}{name} = {value.value:g}"


def _blocks(lines: tuple[OcrLine, ...]) -> list[list[OcrLine]]:
    """Group lines (in reading order) whose boxes are within about a line height of each other."""
    blocks: list[list[OcrLine]] = []
    for line in lines:
        for block in blocks:
            if any(_near(line.bbox, other.bbox) for other in block):
                block.append(line)
                break
        else:
            blocks.append([line])
    return blocks


def _near(a: BBox, b: BBox) -> bool:
    height = max(1.0, min(a[3] - a[1], b[3] - b[1]))
    gap_y = max(a[1], b[1]) - min(a[3], b[3])
    gap_x = max(a[0], b[0]) - min(a[2], b[2])
    return gap_y <= 0.8 * height and gap_x <= 1.5 * height


def _union_all(boxes: list[BBox]) -> BBox:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


class DescribeImageTool:
    """The image tool: OCR, chart table, DICOM facts and caption for one image file.

    Example:
        >>> tool = DescribeImageTool(Settings())
        >>> tool.run("scan.dcm").dicom["modality"]  # doctest: +SKIP
        'CT'
    """

    name = "describe_image"
    description = "Reads an image or DICOM file: text (OCR), chart values, de-identified DICOM facts, caption."
    input_kind = "image"

    def __init__(
        self, settings: Settings, ocr_reader: OcrReader | None = None, captioner: Captioner | None = None
    ) -> None:
        self.settings = settings
        self.ocr_reader = ocr_reader
        self.captioner = captioner

    def warm_up(self) -> None:
        if self.ocr_reader is None:
            self.ocr_reader = make_ocr_reader(self.settings)
        self.ocr_reader.warm_up()
        if self.captioner is not None:
            self.captioner.warm_up()

    def run(self, path: str | Path) -> ImageDescription:
        if self.ocr_reader is None:
            self.ocr_reader = make_ocr_reader(self.settings)
        return describe_image(path, self.settings, self.ocr_reader, self.captioner)
