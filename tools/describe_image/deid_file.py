"""Write the de-identified copy of a DICOM file (what the library keeps; never the raw file).

The header goes through :func:`tools.describe_image.deid.basic_profile`; for Clean Pixel Data the
first frame is OCR'd and the boxes of identifying text (every text box when ``BurnedInAnnotation`` is
YES) are blanked to the image's minimum in every frame. Compressed pixels that need blanking are
decompressed first; when no installed decoder can, the file is refused.

Example:
    >>> write_deidentified(Path("DOE_JANE.dcm"), Path("library/w/dicom-1a2b.dcm"), reader)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import BadInputError
from tools.describe_image.deid import basic_profile, identifiers, is_burned_in, looks_identifying, read_for_deid

logger = logging.getLogger(__name__)
PAD = 3  # pixels added around a blanked text box


def write_deidentified(src: Path, dst: Path, ocr_reader: Any = None) -> int:
    """De-identify ``src`` into ``dst`` (written whole or not at all); returns the text boxes blanked."""
    ds = read_for_deid(src)
    words = identifiers(ds)
    blanked = _clean_pixels(ds, words, ocr_reader, src.name) if "PixelData" in ds and ocr_reader is not None else 0
    basic_profile(ds, words)
    part = dst.with_name(dst.name + ".part")
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        ds.save_as(part, enforce_file_format=False)
        os.replace(part, dst)
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        part.unlink(missing_ok=True)
        raise BadInputError(f"{src.name}: the de-identified DICOM could not be written ({type(exc).__name__})") from None
    logger.debug("de-identified a DICOM (%d text boxes blanked)", blanked)
    return blanked


def _clean_pixels(ds: Any, words: list[str], ocr_reader: Any, name: str) -> int:
    from tools.describe_image.dicom import display_image

    frames = int(ds.get("NumberOfFrames", 1) or 1)
    try:
        image = display_image(ds, name, frames)
    except Exception as exc:  # undecodable pixels: describe reports them; nothing here can be blanked or read
        if is_burned_in(ds):
            raise BadInputError(f"{name}: burned-in annotation cannot be removed from pixels that cannot be decoded ({type(exc).__name__}); nothing was stored") from None
        return 0
    lines = ocr_reader.read(image)
    doomed = list(lines) if is_burned_in(ds) else [line for line in lines if looks_identifying(line.text, words)]
    if not doomed:
        return 0
    syntax = ds.file_meta.TransferSyntaxUID
    if syntax.is_compressed:
        try:
            ds.decompress()
        except Exception as exc:  # no decoder for this syntax
            raise BadInputError(f"{name}: identifying text in compressed pixels cannot be removed ({type(exc).__name__}); nothing was stored") from None
    pixels = np.array(ds.pixel_array)
    low = pixels.min()
    height, width = (pixels.shape[1], pixels.shape[2]) if frames > 1 else (pixels.shape[0], pixels.shape[1])
    for line in doomed:
        x0, y0, x1, y1 = line.bbox
        xa, ya = max(0, int(x0) - PAD), max(0, int(y0) - PAD)
        xb, yb = min(width, int(np.ceil(x1)) + PAD), min(height, int(np.ceil(y1)) + PAD)
        if frames > 1:
            pixels[:, ya:yb, xa:xb] = low
        else:
            pixels[ya:yb, xa:xb] = low
    ds.PixelData = pixels.astype(pixels.dtype).tobytes()
    ds.BurnedInAnnotation = "YES"  # it had such text: none of its pixel text becomes evidence, even after blanking
    return len(doomed)
