"""Probing, orienting and displaying still images (pixelwise.media.images), on real files
made here with Pillow, crafted headers for the bomb cases, and the PASCAL VOC JPEGs in
../shared/data when present."""

from __future__ import annotations

import io
import struct
import time
import tracemalloc
import warnings
import zlib
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageOps
from PIL import _imaging as pillow_core  # Image.core; its allocator statistics

from pixelwise.domain.errors import InvalidInput
from pixelwise.media.images import (
    LIMIT_SETTING,
    SUPPORTED,
    ImageError,
    ImageProbe,
    encode_thumbnail,
    load_oriented,
    probe_image,
    thumbnail_size,
    to_display_array,
)

LIMIT = 10_000_000
ORIENTATION = 0x0112
VOC_DIR = (
    Path(__file__).resolve().parents[1].parent / "shared" / "data" / "formats" / "labelme_voc2011"
)


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def probe(data: bytes, max_pixels: int = LIMIT) -> ImageProbe:
    return probe_image(io.BytesIO(data), max_pixels=max_pixels)


def noise(width: int, height: int) -> Image.Image:
    rng = np.random.default_rng(7)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))


def grey16(width: int, height: int) -> Image.Image:
    values = np.arange(width * height, dtype=np.uint16).reshape(height, width) * 50
    image = Image.fromarray(values)
    assert image.mode == "I;16"
    return image


def png_declaring(width: int, height: int) -> bytes:
    """A valid 1x1 PNG whose IHDR (with a correct CRC) claims `width` x `height`."""
    data = bytearray(encode(Image.new("1", (1, 1)), "PNG"))
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def exif_with(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    return exif.tobytes()


# --- identification -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "image", "options", "media_type", "mode", "bits"),
    [
        ("PNG", noise(33, 17), {}, "image/png", "RGB", 8),
        ("JPEG", noise(33, 17), {"quality": 90}, "image/jpeg", "RGB", 8),
        ("BMP", noise(33, 17), {}, "image/bmp", "RGB", 8),
        ("TIFF", noise(33, 17), {}, "image/tiff", "RGB", 8),
        ("TIFF", grey16(33, 17), {}, "image/tiff", "I;16", 16),
        ("PNG", grey16(33, 17), {}, "image/png", "I;16", 16),
        ("WEBP", noise(33, 17), {"quality": 80}, "image/webp", "RGB", 8),
        ("PNG", Image.new("RGBA", (33, 17), (1, 2, 3, 4)), {}, "image/png", "RGBA", 8),
        ("PNG", Image.new("1", (33, 17)), {}, "image/png", "1", 1),
    ],
    ids=["png", "jpeg", "bmp", "tiff8", "tiff16", "png16", "webp", "png-rgba", "png-1bit"],
)
def test_probe_identifies_each_format(
    fmt: str, image: Image.Image, options: dict[str, object], media_type: str, mode: str, bits: int
) -> None:
    result = probe(encode(image, fmt, **options))
    assert result == ImageProbe(
        media_type=media_type,
        width=33,
        height=17,
        orientation=1,
        mode=mode,
        bits_per_channel=bits,
        frames=1,
    )
    assert result.media_type == SUPPORTED[fmt]


@pytest.mark.parametrize(
    ("fmt", "misleading_name", "media_type"),
    [
        ("PNG", "photo.jpg", "image/png"),
        ("JPEG", "scan.png", "image/jpeg"),
        ("BMP", "picture.tiff", "image/bmp"),
        ("WEBP", "frame.bmp", "image/webp"),
        ("TIFF", "no_extension", "image/tiff"),
    ],
)
def test_the_bytes_decide_not_the_file_name(
    tmp_path: Path, fmt: str, misleading_name: str, media_type: str
) -> None:
    path = tmp_path / misleading_name
    path.write_bytes(encode(noise(12, 9), fmt))
    with path.open("rb") as stream:
        result = probe_image(stream, max_pixels=LIMIT)
        assert not stream.closed  # the caller keeps ownership of the stream
    assert (result.media_type, result.width, result.height) == (media_type, 12, 9)


def test_frames_are_counted_and_the_first_is_used() -> None:
    pages = [Image.new("L", (20, 10), value) for value in (10, 120, 240)]
    tiff = encode(pages[0], "TIFF", save_all=True, append_images=pages[1:])
    webp = encode(
        pages[0].convert("RGB"), "WEBP", save_all=True, append_images=pages[1:2], lossless=True
    )
    assert probe(tiff).frames == 3
    assert probe(webp).frames == 2
    first = load_oriented(io.BytesIO(tiff), max_pixels=LIMIT)
    assert first.getpixel((5, 5)) == 10


def test_a_non_seekable_stream_is_accepted() -> None:
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            return self._data.readinto(buffer)

    stream = io.BufferedReader(Pipe(encode(noise(8, 6), "PNG")))
    assert probe_image(stream, max_pixels=LIMIT).width == 8


# --- orientation -------------------------------------------------------------------------


def is_red(pixel: tuple[int, ...]) -> bool:
    red, green, blue = pixel[:3]
    return red > 200 and green < 60 and blue < 60


def test_jpeg_orientation_6_is_rotated_once() -> None:
    stored = Image.new("RGB", (40, 20), (0, 0, 255))
    stored.paste((255, 0, 0), (0, 0, 10, 8))  # red marker, top-left of the stored pixels
    data = encode(stored, "JPEG", quality=95, exif=exif_with(6))

    first, second = probe(data), probe(data)
    assert first == second
    assert (first.width, first.height, first.orientation) == (20, 40, 6)

    shown = load_oriented(io.BytesIO(data), max_pixels=LIMIT)
    again = load_oriented(io.BytesIO(data), max_pixels=LIMIT)
    assert shown.size == again.size == (20, 40)
    assert np.array_equal(np.asarray(shown), np.asarray(again))
    # Orientation 6 means "rotate 90 degrees clockwise to display": the stored top-left
    # corner is shown top-right.
    assert is_red(shown.getpixel((16, 3)))  # type: ignore[arg-type]
    for x, y in [(3, 3), (3, 36), (16, 36), (10, 20)]:
        assert not is_red(shown.getpixel((x, y))), (x, y)  # type: ignore[arg-type]
    # The tag is gone, so orienting the result again changes nothing.
    assert ORIENTATION not in shown.getexif()
    assert ImageOps.exif_transpose(shown).size == (20, 40)


def shown_as(stored: npt.NDArray[np.uint8], orientation: int) -> npt.NDArray[np.uint8]:
    """The EXIF definition of each orientation, written with NumPy (independent of Pillow)."""
    transforms = {
        1: lambda a: a,
        2: lambda a: a[:, ::-1],  # mirror horizontally
        3: lambda a: a[::-1, ::-1],  # rotate 180
        4: lambda a: a[::-1, :],  # mirror vertically
        5: lambda a: a.transpose(1, 0, 2),  # mirror horizontally, rotate 270 CW
        6: lambda a: np.rot90(a, k=-1),  # rotate 90 CW
        7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),  # mirror horizontally, rotate 90 CW
        8: lambda a: np.rot90(a, k=1),  # rotate 270 CW
    }
    return np.ascontiguousarray(transforms[orientation](stored))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_matches_its_exif_definition(orientation: int) -> None:
    stored = np.asarray(noise(7, 4))
    data = encode(Image.fromarray(stored), "PNG", exif=exif_with(orientation))
    expected = shown_as(stored, orientation)

    result = probe(data)
    shown = load_oriented(io.BytesIO(data), max_pixels=LIMIT)

    assert result.orientation == orientation
    assert (result.height, result.width) == expected.shape[:2] == (shown.height, shown.width)
    assert np.array_equal(np.asarray(shown), expected)


def test_an_invalid_orientation_counts_as_none() -> None:
    data = encode(noise(9, 5), "JPEG", exif=exif_with(9))
    assert probe(data).orientation == 1
    assert load_oriented(io.BytesIO(data), max_pixels=LIMIT).size == (9, 5)


# --- bombs and bad input -----------------------------------------------------------------


def pillow_image_blocks() -> int:
    # Every pixel buffer Pillow allocates is counted in its allocator's statistics.
    return int(pillow_core.get_stats()["allocated_blocks"])


@pytest.mark.parametrize(
    ("width", "height", "shown"),
    [
        (6000, 5000, "6000x5000 = 30 megapixels"),  # over our limit, under Pillow's
        (50_000, 50_000, "2.5 gigapixels"),  # over Pillow's ceiling too: it refuses first
    ],
)
def test_a_pixel_bomb_is_refused_from_the_header(width: int, height: int, shown: str) -> None:
    data = png_declaring(width, height)
    assert len(data) < 100
    blocks = pillow_image_blocks()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ImageError) as caught:
            probe(data, max_pixels=LIMIT)
        with pytest.raises(ImageError):
            load_oriented(io.BytesIO(data), max_pixels=LIMIT)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.perf_counter() - started

    message = str(caught.value)
    assert shown in message
    assert f"over the limit of {LIMIT} pixels (setting {LIMIT_SETTING})" in message
    assert "\n" not in message
    assert caught.value.reason == "too_large"
    assert elapsed < 0.5
    assert peak < 1_000_000
    assert pillow_image_blocks() == blocks  # no pixel buffer was ever allocated


def test_a_limit_above_pillows_ceiling_says_what_to_change() -> None:
    with pytest.raises(ImageError, match=r"Pillow's built-in limit of \d+ pixels") as caught:
        probe(png_declaring(50_000, 50_000), max_pixels=10**10)
    assert "PIL.Image.MAX_IMAGE_PIXELS" in str(caught.value)
    assert caught.value.reason == "too_large"


def test_pillows_bomb_warning_never_escapes_raw_when_warnings_are_errors() -> None:
    # 10000x10000 is over Pillow's warning threshold (~89 Mpx) but under its hard ceiling.
    data = png_declaring(10_000, 10_000)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with pytest.raises(ImageError) as caught:
            probe(data, max_pixels=200_000_000)
    assert caught.value.reason == "too_large"
    assert "100 megapixels" in str(caught.value)


def webp_declaring(width: int, height: int) -> bytes:
    """A real small WebP (extended format, VP8X) whose canvas header claims `width` x `height`."""
    data = bytearray(encode(noise(4, 4), "WEBP", exif=exif_with(1)))
    assert data[12:16] == b"VP8X"
    data[24:27] = (width - 1).to_bytes(3, "little")
    data[27:30] = (height - 1).to_bytes(3, "little")
    return bytes(data)


def test_a_webp_canvas_bomb_is_refused_before_pillow_opens_it() -> None:
    # Under Pillow's own thresholds, so only our header check can call it too large: Pillow
    # creates the WebP decoder (which allocates the canvas) while opening the file, and
    # here would only fail later with "could not create decoder object" (reason "corrupt").
    with pytest.raises(ImageError, match="9000x9000 = 81 megapixels, over the limit") as caught:
        probe(webp_declaring(9000, 9000), max_pixels=LIMIT)
    assert caught.value.reason == "too_large"


def test_a_truncated_jpeg_is_refused() -> None:
    data = encode(noise(64, 48), "JPEG", quality=90)
    for cut in (len(data) // 2, len(data) - 2, 300):
        with pytest.raises(ImageError) as caught:
            probe(data[:cut])
        message = str(caught.value)
        assert message.startswith("The JPEG file is truncated or corrupt"), message
        assert "\n" not in message
        assert caught.value.reason == "corrupt"
        with pytest.raises(ImageError):
            load_oriented(io.BytesIO(data[:cut]), max_pixels=LIMIT)


def test_a_truncated_png_is_refused() -> None:
    data = encode(noise(64, 48), "PNG")
    with pytest.raises(ImageError, match="The PNG file is truncated or corrupt"):
        probe(data[: len(data) // 2])


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"name,label\ncat.png,cat\n", "not an image in a supported format (PNG, JPEG, BMP"),
        (b"", "The file is empty"),
        (encode(Image.new("P", (4, 4)), "GIF"), "GIF files are not supported"),
        (b"\0" * 128 + b"DICM" + b"\0" * 64, "DICOM files are not supported"),
    ],
    ids=["text", "empty", "gif", "dicom"],
)
def test_other_files_are_refused_with_a_clear_message(data: bytes, expected: str) -> None:
    with pytest.raises(ImageError) as caught:
        probe(data)
    assert expected in str(caught.value)
    assert caught.value.reason == "unsupported"
    assert isinstance(caught.value, InvalidInput)  # the API answers 422 with the message
    assert caught.value.extra == {"reason": "unsupported"}


def test_text_with_an_image_name_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "looks_like.png"
    path.write_text("this is not a picture\n")
    with path.open("rb") as stream, pytest.raises(ImageError, match="not an image"):
        probe_image(stream, max_pixels=LIMIT)


def test_max_pixels_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_pixels"):
        probe(encode(noise(2, 2), "PNG"), max_pixels=0)


# --- display arrays ------------------------------------------------------------------------


def test_16_bit_grey_is_scaled_by_its_own_range() -> None:
    values = np.array([[1000, 2000, 3000], [1500, 2500, 3000]], dtype=np.uint16)
    array = to_display_array(Image.fromarray(values))
    assert array.shape == (2, 3, 3)
    assert array.dtype == np.uint8
    assert array[0, 0].tolist() == [0, 0, 0]
    assert array[0, 2].tolist() == [255, 255, 255]
    assert array[0, 1].tolist() == [128, 128, 128]  # 1000/2000 of the range, rounded
    assert array[1, 0, 0] == 64  # 500/2000 * 255 = 63.75


def test_a_constant_16_bit_image_keeps_its_absolute_level() -> None:
    flat = Image.fromarray(np.full((3, 4), 65535, dtype=np.uint16))
    assert np.all(to_display_array(flat) == 255)


def test_a_16_bit_file_decodes_to_a_display_array() -> None:
    data = encode(grey16(30, 20), "TIFF")
    array = to_display_array(load_oriented(io.BytesIO(data), max_pixels=LIMIT))
    assert array.shape == (20, 30, 3)
    assert array.min() == 0
    assert array.max() == 255


def test_alpha_is_composited_on_white() -> None:
    rgba = Image.new("RGBA", (3, 1))
    rgba.putpixel((0, 0), (255, 0, 0, 0))  # fully transparent red
    rgba.putpixel((1, 0), (255, 0, 0, 255))  # opaque red
    rgba.putpixel((2, 0), (0, 0, 255, 128))  # half-transparent blue
    array = to_display_array(rgba)
    assert array[0, 0].tolist() == [255, 255, 255]
    assert array[0, 1].tolist() == [255, 0, 0]
    red, green, blue = array[0, 2].tolist()
    assert abs(red - 127) <= 1
    assert abs(green - 127) <= 1
    assert blue == 255


def test_other_modes_become_rgb() -> None:
    palette = Image.new("P", (2, 2), 1)
    palette.putpalette([0, 0, 0, 10, 20, 30] + [0] * 762)
    transparent_palette = palette.copy()
    transparent_palette.info["transparency"] = 1
    cases = {
        "1": (Image.new("1", (2, 2), 1), [255, 255, 255]),
        "L": (Image.new("L", (2, 2), 77), [77, 77, 77]),
        "LA": (Image.new("LA", (2, 2), (0, 0)), [255, 255, 255]),
        "P": (palette, [10, 20, 30]),
        "P+transparency": (transparent_palette, [255, 255, 255]),
        "CMYK": (Image.new("CMYK", (2, 2), (0, 255, 255, 0)), [255, 0, 0]),
        "I": (Image.new("I", (2, 2), 5), [5, 5, 5]),
        "F": (Image.new("F", (2, 2), 0.25), [0, 0, 0]),
    }
    for name, (image, pixel) in cases.items():
        array = to_display_array(image)
        assert array.shape == (2, 2, 3), name
        assert array.dtype == np.uint8, name
        assert array[1, 1].tolist() == pixel, name


# --- thumbnails -------------------------------------------------------------------------


def decoded_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


@pytest.mark.parametrize(
    ("size", "max_side", "expected"),
    [
        ((1000, 250), 256, (256, 64)),  # wide
        ((100, 400), 256, (64, 256)),  # tall
        ((10, 5), 256, (10, 5)),  # tiny: never upscaled
        ((256, 256), 256, (256, 256)),  # exactly the limit
        ((3000, 1), 100, (100, 1)),  # a line stays at least one pixel thick
    ],
)
def test_thumbnail_sizes(size: tuple[int, int], max_side: int, expected: tuple[int, int]) -> None:
    assert thumbnail_size(*size, max_side) == expected
    assert decoded_size(encode_thumbnail(Image.new("RGB", size), max_side=max_side)) == expected


@pytest.mark.parametrize(
    ("fmt", "magic"), [("WEBP", b"RIFF"), ("JPEG", b"\xff\xd8"), ("png", b"\x89PNG")]
)
def test_thumbnail_formats_and_modes(fmt: str, magic: bytes) -> None:
    data = encode_thumbnail(grey16(300, 100), max_side=90, format=fmt, quality=70)
    assert data.startswith(magic)
    assert decoded_size(data) == (90, 30)


def test_thumbnail_arguments_are_checked() -> None:
    image = Image.new("RGB", (4, 4))
    with pytest.raises(ValueError, match="format"):
        encode_thumbnail(image, format="GIF")
    with pytest.raises(ValueError, match="quality"):
        encode_thumbnail(image, quality=0)
    with pytest.raises(ValueError, match="positive"):
        encode_thumbnail(image, max_side=0)


@given(width=st.integers(1, 100_000), height=st.integers(1, 100_000), max_side=st.integers(1, 4096))
def test_thumbnail_size_property(width: int, height: int, max_side: int) -> None:
    out_width, out_height = thumbnail_size(width, height, max_side)
    scale = min(1.0, max_side / max(width, height))
    assert max(out_width, out_height) == min(max_side, max(width, height))
    assert out_width <= width  # never upscaled
    assert out_height <= height
    assert abs(out_width - width * scale) <= 1
    assert abs(out_height - height * scale) <= 1


@settings(max_examples=25, deadline=None)
@given(width=st.integers(1, 500), height=st.integers(1, 500), max_side=st.integers(1, 200))
def test_encoded_thumbnails_never_exceed_max_side_and_keep_aspect(
    width: int, height: int, max_side: int
) -> None:
    out_width, out_height = decoded_size(
        encode_thumbnail(Image.new("RGB", (width, height), (9, 99, 199)), max_side=max_side)
    )
    scale = min(1.0, max_side / max(width, height))
    assert max(out_width, out_height) <= max_side or (out_width, out_height) == (width, height)
    assert abs(out_width - width * scale) <= 1
    assert abs(out_height - height * scale) <= 1


# --- real photographs ----------------------------------------------------------------------


def test_real_voc_jpegs_probe_as_pillow_sees_them() -> None:
    if not VOC_DIR.is_dir():
        pytest.skip(f"real images not present: {VOC_DIR} (see its PROVENANCE.md)")
    paths = sorted(VOC_DIR.rglob("*.jpg"))
    assert paths, f"no .jpg files under {VOC_DIR}"
    for path in paths:
        with Image.open(path) as reference:
            expected = ImageOps.exif_transpose(reference).size
        with path.open("rb") as stream:
            result = probe_image(stream, max_pixels=LIMIT)
        assert result.media_type == "image/jpeg", path
        assert (result.width, result.height) == expected, path
        assert (result.mode, result.bits_per_channel, result.frames) == ("RGB", 8, 1), path
        with path.open("rb") as stream:
            assert load_oriented(stream, max_pixels=LIMIT).size == expected, path
