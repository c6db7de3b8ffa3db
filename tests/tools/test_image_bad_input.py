"""Awkward and hostile image files: each reads with a warning or fails with one clear BadInputError."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.encaps import encapsulate
from pydicom.uid import JPEG2000Lossless

from assistant.errors import BackendUnavailableError, BadInputError
from assistant.settings import Settings
from tools.describe_image import describe_image
from tools.describe_image.chart import read_chart
from tools.describe_image.dicom import read_dicom
from tools.describe_image.images import load_image, open_image
from tools.describe_image.ocr import FakeOcrReader

from .test_describe_image import bomb_png
from .test_dicom import SECRETS, make_dicom

FAKE = Settings(ocr_backend="fake")
DATA = Path(__file__).parents[1] / "data"


def _describe(path: Path):
    return describe_image(path, FAKE, ocr_reader=FakeOcrReader(FAKE))


def test_cmyk_palette_alpha_1_bit_and_float_images_become_rgb(tmp_path):
    made = {
        "cmyk.jpg": Image.new("CMYK", (20, 10), (0, 255, 255, 0)),  # red in print colours
        "grey_alpha.png": Image.new("LA", (20, 10), (0, 0)),  # fully transparent
        "bits.png": Image.new("1", (20, 10), 1),
        "float.tiff": Image.fromarray(np.linspace(0, 1, 200, dtype=np.float32).reshape(10, 20)),
    }
    palette = Image.new("P", (20, 10), 0)
    palette.putpalette([0, 0, 0] * 256)
    made["palette_alpha.png"] = palette
    for name, image in made.items():
        kwargs = {"transparency": 0} if name == "palette_alpha.png" else {}
        image.save(tmp_path / name, **kwargs)
    pixels = {name: load_image(tmp_path / name) for name in made}
    assert all(im.mode == "RGB" and im.size == (20, 10) for im in pixels.values())
    red = pixels["cmyk.jpg"].getpixel((10, 5))
    assert red[0] > 200 and red[1] < 60 and red[2] < 60
    assert pixels["grey_alpha.png"].getpixel((3, 3)) == (255, 255, 255)  # transparent laid on white
    assert pixels["palette_alpha.png"].getpixel((3, 3)) == (255, 255, 255)
    assert pixels["bits.png"].getpixel((0, 0)) == (255, 255, 255)
    assert pixels["float.tiff"].getpixel((0, 0)) == (0, 0, 0) and pixels["float.tiff"].getpixel((19, 9)) == (255, 255, 255)


def test_exif_rotation_is_applied(tmp_path):
    image = Image.new("RGB", (60, 20), "white")
    image.paste((255, 0, 0), (0, 0, 10, 20))  # a red band on the left edge
    exif = image.getexif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    image.save(tmp_path / "phone.jpg", exif=exif, quality=95)
    shown = load_image(tmp_path / "phone.jpg")
    assert shown.size == (20, 60)
    top = shown.getpixel((10, 3))
    assert top[0] > 200 and top[1] < 80  # the left edge is now the top


def test_animated_gif_reads_the_first_frame_with_a_warning(tmp_path):
    frames = [Image.new("RGB", (30, 20), colour) for colour in ((255, 0, 0), (0, 0, 255), (0, 255, 0))]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
    loaded = open_image(tmp_path / "anim.gif")
    assert loaded.frames == 3
    assert loaded.image.getpixel((5, 5))[0] > 200 and loaded.image.getpixel((5, 5))[2] < 50
    desc = _describe(tmp_path / "anim.gif")
    assert "animated or multi-page image (3 frames): only the first frame is read" in desc.warnings
    still = tmp_path / "still.gif"
    frames[0].save(still)
    assert not any("frames" in w for w in _describe(still).warnings)


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.9])
def test_truncated_jpeg_is_one_clear_error(tmp_path, cut):
    source = tmp_path / "photo.jpg"
    Image.fromarray(np.random.default_rng(2).integers(0, 255, (80, 120, 3), dtype=np.uint8)).save(source)
    data = source.read_bytes()
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(BadInputError, match=r"broken\.jpg: corrupt or truncated image"):
        _describe(broken)


def test_non_image_with_an_image_name_and_a_bomb_are_refused(tmp_path):
    svg = tmp_path / "logo.png"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', encoding="utf-8")
    with pytest.raises(BadInputError, match=r"logo\.png: not an image file"):
        _describe(svg)
    with pytest.raises(BadInputError, match=r"too large to open safely \(decompression-bomb guard; limit 50,000,000"):
        _describe(bomb_png(tmp_path / "bomb.png"))


def test_huge_dimensions_below_the_bomb_guard_are_refused_by_the_pixel_cap(tmp_path):
    path = bomb_png(tmp_path / "wide.png", side=8_000)  # 64 M pixels claimed by a 200-byte file
    with pytest.raises(BadInputError, match=r"8000x8000 = 64,000,000 pixels; limit 50,000,000"):
        _describe(path)


def test_a_one_pixel_strip_gets_a_warning_not_a_crash(tmp_path):
    strip = tmp_path / "strip.png"
    Image.new("RGB", (4000, 1), "white").save(strip)
    desc = _describe(strip)
    assert desc.ocr == () and desc.chart is None
    assert any("too thin" in w and "4000x1" in w for w in desc.warnings)
    assert read_chart(Image.new("RGB", (6000, 1), "white"), ()) is None  # downscaling keeps a pixel


def _compressed_dicom(path: Path) -> Path:
    """A JPEG 2000 DICOM whose (fake) code stream no installed decoder can read."""
    source = make_dicom(path, np.zeros((8, 8)), BodyPartExamined="CHEST")
    ds = pydicom.dcmread(source)
    ds.file_meta.TransferSyntaxUID = JPEG2000Lossless
    ds.PixelData = encapsulate([b"\xff\x4f\xff\x51" + b"\0" * 60])
    ds["PixelData"].VR = "OB"
    ds.save_as(path, enforce_file_format=True)
    return path


def test_compressed_dicom_without_a_decoder_keeps_its_facts_with_a_warning(tmp_path):
    path = _compressed_dicom(tmp_path / "j2k.dcm")
    with pytest.raises((BackendUnavailableError, BadInputError), match="j2k.dcm"):
        read_dicom(path)
    try:
        desc = _describe(path)
    except BadInputError as exc:  # a decoder is installed and rejects the fake code stream
        assert "j2k.dcm" in str(exc)
        return
    assert desc.dicom is not None and desc.dicom["modality"] == "MR" and desc.dicom["body_part"] == "CHEST"
    assert desc.ocr == () and (desc.width, desc.height) == (8, 8)
    assert any(w.startswith("no image read:") and "pylibjpeg" in w and "\n" not in w for w in desc.warnings)
    assert not any(secret in str(desc.to_dict()) for secret in (*SECRETS, "Roe", "P-777"))


def test_dicom_with_nonsense_window_is_one_clear_error(tmp_path):
    path = make_dicom(tmp_path / "odd.dcm", np.arange(16).reshape(4, 4), WindowCenter="40", WindowWidth="0")
    try:
        image, _facts = read_dicom(path)
    except BadInputError as exc:
        assert "odd.dcm" in str(exc)
    else:
        assert image.size == (4, 4)
