"""Open an image file safely: clear errors for missing, empty, corrupt or oversized files.

DICOM files are recognised by content (``DICM`` at byte 128), whatever their name, and go
through :mod:`tools.describe_image.dicom`.

Example:
    >>> image = load_image("tests/data/chart_bar_labels.png")  # doctest: +SKIP
    >>> image.mode  # doctest: +SKIP
    'RGB'
"""

from __future__ import annotations

import logging
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from assistant.errors import BadInputError, require_file

logger = logging.getLogger(__name__)

# Largest image accepted, in pixels (width × height): about a 10,000 × 5,000 picture.
MAX_PIXELS = 50_000_000
DICOM_MAGIC_OFFSET = 128
# What Pillow's decoders raise on damaged files (TIFF and EXIF parsers raise more than OSError).
CORRUPT_IMAGE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError, ZeroDivisionError, struct.error)


def is_dicom(path: str | Path) -> bool:
    """True when the file carries the DICOM magic ``DICM`` after its 128-byte preamble."""
    try:
        with Path(path).open("rb") as handle:
            head = handle.read(DICOM_MAGIC_OFFSET + 4)
    except OSError:
        return False
    return head[DICOM_MAGIC_OFFSET:] == b"DICM"


def check_file(path: str | Path) -> Path:
    """Return ``path`` as a Path if it is a non-empty readable file; else raise BadInputError."""
    return require_file(path, "image file")


@dataclass(frozen=True)
class LoadedImage:
    """An image file opened for reading: the RGB picture (first frame) and how many frames it has."""

    image: Image.Image
    frames: int = 1

    @property
    def warnings(self) -> tuple[str, ...]:
        if self.frames > 1:
            return (f"animated or multi-page image ({self.frames} frames): only the first frame is read",)
        return ()


def load_image(path: str | Path, *, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Open ``path`` as an RGB PIL image (first frame, EXIF rotation applied, alpha on white).

    Raises BadInputError for a missing, empty, corrupt, non-image or oversized file.
    """
    return open_image(path, max_pixels=max_pixels).image


def open_image(path: str | Path, *, max_pixels: int = MAX_PIXELS) -> LoadedImage:
    """:func:`load_image` that also says how many frames the file holds (animated GIF/WebP, TIFF pages)."""
    file = check_file(path)
    if is_dicom(file):
        from tools.describe_image.dicom import read_dicom

        image, _facts = read_dicom(file)
        return LoadedImage(image)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(file) as opened:
                _check_size(file, opened.size, max_pixels)
                frames = int(getattr(opened, "n_frames", 1) or 1)
                opened.seek(0)
                opened.load()
                image = _to_rgb(ImageOps.exif_transpose(opened))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise BadInputError(
                f"{file}: image too large to open safely (decompression-bomb guard; limit {max_pixels:,} pixels)"
            ) from None
        except UnidentifiedImageError:
            raise BadInputError(f"{file}: not an image file modalyst can read") from None
        except MemoryError:
            raise BadInputError(f"{file}: image too large to decode in memory") from None
        except CORRUPT_IMAGE_ERRORS as exc:
            raise BadInputError(f"{file}: corrupt or truncated image ({type(exc).__name__}: {exc})") from None
    logger.debug("loaded %s: %dx%d, %d frame(s)", file, image.width, image.height, frames)
    return LoadedImage(image, frames)


def _check_size(file: Path, size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise BadInputError(f"{file}: image has no pixels ({width}x{height})")
    if width * height > max_pixels:
        raise BadInputError(
            f"{file}: image too large ({width}x{height} = {width * height:,} pixels; limit {max_pixels:,})"
        )


def _to_rgb(image: Image.Image) -> Image.Image:
    """Any PIL mode to RGB: 16-bit and float greys are stretched to 8 bits, alpha is put on white."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        import numpy as np

        data = np.asarray(image, dtype=np.float64)
        low, high = float(data.min()), float(data.max())
        scaled = (data - low) / (high - low) * 255.0 if high > low else np.zeros_like(data)
        return Image.fromarray(scaled.astype(np.uint8)).convert("RGB")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")
