"""Probe, decode and orient still images safely: the one place that opens untrusted image bytes.

Why this module exists: every image that enters Pixelwise (an upload, an import from a
folder, archive or bucket) is untrusted. Before anything stores its size or shows it to an
annotator we must know four things, and get them from the bytes, not the file name:

* what it is (`media_type`): PNG, JPEG, BMP, TIFF or WebP, nothing else;
* how big it is *as a person sees it* (`width`, `height` after the EXIF orientation), because
  annotation geometry is stored in those pixel coordinates and the browser applies the
  orientation when it draws the image;
* that decoding it cannot exhaust memory (a decompression bomb: a small file declaring an
  enormous canvas);
* that it actually decodes (a truncated upload must be refused now, not when an annotator
  opens it).

Contract, in order, for `probe_image` and `load_oriented`:

1. The format is identified from the bytes by Pillow, restricted to `SUPPORTED`; a JPEG
   that Pillow reads as MPO (multi-picture, from some cameras) counts as JPEG. Anything
   else is an `ImageError` with reason "unsupported".
2. The pixel count is checked against `max_pixels` from the header alone, before any pixel
   buffer is allocated (`Image.open` is lazy; for WebP, whose decoder allocates its canvas
   when the file is opened, the canvas size is read from the RIFF header before Pillow
   sees it). Over the limit is an `ImageError` with reason "too_large" that names the size
   and the setting `PIXELWISE_MAX_IMAGE_PIXELS`.
3. The first frame is decoded fully (`Image.load`). That costs one decode, bounded by
   `max_pixels`, and is deliberate: `Image.verify` only checks PNG chunk checksums and
   accepts a truncated JPEG, and we must not accept one. Decoding errors are an
   `ImageError` with reason "corrupt".

Pillow's own decompression-bomb guard (`PIL.Image.MAX_IMAGE_PIXELS`, process-global) is not
the mechanism here and is never modified. It stays an outer backstop: Pillow raises above
twice its limit (about 179 million pixels by default) and warns above it. Both are turned
into `ImageError`, never escape raw; but it means a `max_pixels` above Pillow's ceiling is
only honoured if the process raises `PIL.Image.MAX_IMAGE_PIXELS` once at start-up.
Likewise `PIL.ImageFile.LOAD_TRUNCATED_IMAGES` must stay False (Pillow's default), or
truncated files are padded instead of refused.

Only the first frame of a multi-page TIFF or animated WebP is decoded and labelled; the
probe reports how many frames there are.
"""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass
from typing import BinaryIO, Final, Literal

import numpy as np
import numpy.typing as npt
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from pixelwise.domain.errors import InvalidInput

__all__ = [
    "LIMIT_SETTING",
    "SUPPORTED",
    "THUMBNAIL_FORMATS",
    "ImageError",
    "ImageProbe",
    "encode_thumbnail",
    "load_oriented",
    "probe_image",
    "thumbnail_size",
    "to_display_array",
]

SUPPORTED: Final[dict[str, str]] = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "BMP": "image/bmp",
    "TIFF": "image/tiff",
    "WEBP": "image/webp",
}
"""Pillow format name -> media type, for every format Pixelwise accepts as an image asset."""

THUMBNAIL_FORMATS: Final[frozenset[str]] = frozenset({"WEBP", "JPEG", "PNG"})
"""Formats `encode_thumbnail` can write."""

LIMIT_SETTING: Final = "PIXELWISE_MAX_IMAGE_PIXELS"
"""The setting named in "too large" messages, so an operator knows what to raise."""

# Pillow identifies some JPEGs as MPO (multi-picture object: a JPEG plus extra JPEGs).
_ALIASES: Final[dict[str, str]] = {"MPO": "JPEG"}

# Exceptions Pillow's decoders raise on bad input (Image.open itself lets OSError through,
# e.g. "Truncated File Read" from a header cut short).
_DECODE_ERRORS: Final = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    OverflowError,
    struct.error,
)

# Well-known formats we refuse, so the message can say what the file is.
_KNOWN_UNSUPPORTED: Final[tuple[tuple[int, bytes, str], ...]] = (
    (0, b"GIF87a", "GIF"),
    (0, b"GIF89a", "GIF"),
    (0, b"%PDF", "PDF"),
    (0, b"\x00\x00\x00\x0cjP  ", "JPEG 2000"),
    (0, b"\xff\x4f\xff\x51", "JPEG 2000"),
    (0, b"8BPS", "Photoshop (PSD)"),
    (4, b"ftypheic", "HEIC"),
    (4, b"ftypheix", "HEIC"),
    (4, b"ftypmif1", "HEIF"),
    (4, b"ftypavif", "AVIF"),
    (128, b"DICM", "DICOM"),
)

# The message of Pillow's DecompressionBombError and DecompressionBombWarning.
_PILLOW_BOMB: Final = re.compile(r"Image size \((\d+) pixels\) exceeds limit of (\d+) pixels")

# Signatures of the supported formats, only to name the format in an error message.
_SIGNATURES: Final[tuple[tuple[bytes, str], ...]] = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)
_ORIENTATION_TAG: Final = int(ExifTags.Base.Orientation)
_NUMERIC_MODES: Final = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I", "F"})
_WHITE: Final = (255, 255, 255, 255)

Reason = Literal["unsupported", "too_large", "corrupt"]


class ImageError(InvalidInput):
    """The bytes are not a usable image; `detail` is one line a person can act on.

    `reason` says which kind: "unsupported" (not an image, or a format we do not accept),
    "too_large" (over the pixel limit), "corrupt" (truncated or undecodable). It is an
    `InvalidInput`, so the API answers 422 with the message when a request carried the
    image; an import reports it per file and goes on.
    """

    title = "Unusable image"

    def __init__(self, detail: str, *, reason: Reason) -> None:
        super().__init__(detail, reason=reason)
        self.reason: Reason = reason


@dataclass(frozen=True)
class ImageProbe:
    """What `probe_image` learned about a decodable image."""

    media_type: str
    """From the bytes, never from the file name; a value of `SUPPORTED`."""
    width: int
    """After applying the EXIF orientation: what a person sees, and the frame of reference
    of annotation coordinates."""
    height: int
    orientation: int
    """EXIF orientation 1..8 (1 when absent or invalid); 5..8 swap width and height."""
    mode: str
    """Pillow mode of the decoded first frame, e.g. "RGB", "L", "I;16", "RGBA", "P"."""
    bits_per_channel: int
    """Of the decoded mode: 1 for "1", 16 for "I;16*", 32 for "I" and "F", 8 otherwise.
    (Pillow decodes 16-bit-per-channel colour PNGs to 8-bit RGB, so they report 8.)"""
    frames: int
    """Frames or pages in the file (multi-page TIFF, animated WebP, MPO); only the first
    is labelled."""


def probe_image(stream: BinaryIO, *, max_pixels: int) -> ImageProbe:
    """Identify, bound and verify the image in `stream`; raise `ImageError` if unusable.

    `stream` is read from its start (position 0), as Pillow does; a non-seekable stream is
    read into memory first. The caller keeps ownership (it is not closed). Costs one
    decode of the first frame, whose size is bounded by `max_pixels` (see the module
    docstring for why a header check is not enough).
    """
    image, (width, height) = _open_checked(stream, max_pixels, reduced=True)
    with image:
        media_type = SUPPORTED[_ALIASES.get(image.format or "", image.format or "")]
        orientation = _orientation(image)
        if orientation >= 5:
            width, height = height, width
        try:
            frames = int(getattr(image, "n_frames", 1))
        except _DECODE_ERRORS as error:
            raise _corrupt(_name(image.format), error) from error
        return ImageProbe(
            media_type=media_type,
            width=width,
            height=height,
            orientation=orientation,
            mode=image.mode,
            bits_per_channel=_bits_per_channel(image.mode),
            frames=max(1, frames),
        )


def load_oriented(stream: BinaryIO, *, max_pixels: int) -> Image.Image:
    """The decoded first frame with its EXIF orientation applied exactly once.

    Same checks and errors as `probe_image`; the result has the probe's width and height,
    is detached from `stream` (a copy in memory) and carries no orientation tag any more,
    so applying `ImageOps.exif_transpose` to it again changes nothing.
    """
    image, _ = _open_checked(stream, max_pixels)
    with image:
        if _orientation(image) == 1:
            return image.copy()
        return ImageOps.exif_transpose(image)


def to_display_array(image: Image.Image) -> npt.NDArray[np.uint8]:
    """An H x W x 3 uint8 RGB array of `image`, for display and for vision tools.

    * 16-bit grey ("I;16*"), 32-bit integer ("I") and float ("F") images are scaled
      linearly by their own minimum..maximum to 0..255 (a window that shows all detail,
      not absolute brightness; NaN becomes 0). A constant image has no range: 16-bit ones
      are scaled from 0..65535, the others clipped to 0..255.
    * Anything with transparency (RGBA, LA, PA, palette or grey with a transparent
      colour) is composited over white.
    * Everything else (1-bit, grey, palette, CMYK, YCbCr, ...) goes through Pillow's
      conversion to RGB; CMYK uses Pillow's plain formula, not the ICC profile.
    """
    if image.mode in _NUMERIC_MODES:
        grey = _scale_to_uint8(np.asarray(image), sixteen_bit=image.mode.startswith("I;16"))
        return np.repeat(grey[:, :, np.newaxis], 3, axis=2)
    if image.has_transparency_data:
        if image.mode == "La":  # premultiplied grey + alpha; Pillow converts it only to LA
            image = image.convert("LA")
        rgba = image.convert("RGBA")
        rgb = Image.alpha_composite(Image.new("RGBA", rgba.size, _WHITE), rgba).convert("RGB")
    else:
        rgb = image.convert("RGB")
    return np.array(rgb, dtype=np.uint8)


def thumbnail_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """The size of a thumbnail of a `width` x `height` image: the longer side becomes
    `max_side`, the aspect ratio is kept (rounded to the nearest pixel, at least 1), and a
    smaller image keeps its size (never upscaled)."""
    if width < 1 or height < 1 or max_side < 1:
        raise ValueError(f"sizes must be positive, got {width}x{height} and max_side={max_side}")
    longest = max(width, height)
    if longest <= max_side:
        return width, height
    return (
        max(1, min(max_side, round(width * max_side / longest))),
        max(1, min(max_side, round(height * max_side / longest))),
    )


def encode_thumbnail(
    image: Image.Image, *, max_side: int = 256, format: str = "WEBP", quality: int = 80
) -> bytes:
    """Encode a display thumbnail of `image` (see `thumbnail_size` and `to_display_array`).

    `format` is one of `THUMBNAIL_FORMATS`; `quality` (1..100) applies to WebP and JPEG.
    Pass an oriented image (`load_oriented`) so the thumbnail looks like the asset.
    """
    fmt = format.upper()
    if fmt not in THUMBNAIL_FORMATS:
        raise ValueError(
            f"thumbnail format must be one of {sorted(THUMBNAIL_FORMATS)}, not {format!r}"
        )
    if not 1 <= quality <= 100:
        raise ValueError(f"quality must be from 1 to 100, not {quality}")
    size = thumbnail_size(image.width, image.height, max_side)
    rgb = Image.fromarray(to_display_array(image))
    if size != rgb.size:
        rgb = rgb.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    out = io.BytesIO()
    if fmt == "PNG":
        rgb.save(out, format=fmt, optimize=True)
    else:
        rgb.save(out, format=fmt, quality=quality)
    return out.getvalue()


# --- internals -----------------------------------------------------------------------------


def _open_checked(
    stream: BinaryIO, max_pixels: int, *, reduced: bool = False
) -> tuple[Image.Image, tuple[int, int]]:
    """Open `stream` lazily, check format and pixel count, then load the first frame; the
    image and its full size.

    `reduced` lets a JPEG be decoded at an eighth of its size (libjpeg's DCT scaling): every
    byte of it is still read and checked, so a truncated or damaged file is still found,
    at a fraction of the work. For probing, never for pixels that are shown.
    """
    if max_pixels < 1:
        raise ValueError(f"max_pixels must be positive, not {max_pixels}")
    stream = _seekable(stream)
    stream.seek(0)
    head = stream.read(160)
    stream.seek(0)
    if not head:
        raise ImageError("The file is empty, not an image.", reason="unsupported")
    webp_size = _webp_canvas_size(head)
    if webp_size is not None:
        _check_pixels(webp_size, max_pixels)
    try:
        image = Image.open(stream, formats=tuple(SUPPORTED))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _pillow_bomb(error, max_pixels) from error
    except UnidentifiedImageError as error:
        raise _unsupported(head) from error
    except _DECODE_ERRORS as error:
        raise _corrupt(_guess_format(head), error) from error
    try:
        fmt = _ALIASES.get(image.format or "", image.format or "")
        if fmt not in SUPPORTED:  # Image.open(formats=...) makes this unreachable in practice
            raise _unsupported(head)
        _check_pixels(image.size, max_pixels)
        size = image.size
        if reduced and fmt == "JPEG":
            image.draft(image.mode, (max(1, size[0] // 8), max(1, size[1] // 8)))
        try:
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise _pillow_bomb(error, max_pixels) from error
        except _DECODE_ERRORS as error:
            raise _corrupt(_name(fmt), error) from error
    except BaseException:
        image.close()
        raise
    return image, size


def _seekable(stream: BinaryIO) -> BinaryIO:
    try:
        if stream.seekable():
            return stream
    except (AttributeError, OSError, ValueError):
        pass
    return io.BytesIO(stream.read())


def _check_pixels(size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width < 1 or height < 1:
        raise ImageError(
            f"The image declares a size of {width}x{height}: it has no pixels.", reason="corrupt"
        )
    pixels = width * height
    if pixels > max_pixels:
        raise ImageError(
            f"The image is {width}x{height} = {_amount(pixels)}, over the limit of "
            f"{max_pixels} pixels (setting {LIMIT_SETTING}).",
            reason="too_large",
        )


def _pillow_bomb(error: Exception, max_pixels: int) -> ImageError:
    """Pillow's own guard fired (its ceiling is process-global): say so in our words."""
    found = _PILLOW_BOMB.search(str(error))
    if found is None:
        return ImageError(
            f"The image is over Pillow's built-in pixel limit ({' '.join(str(error).split())}).",
            reason="too_large",
        )
    pixels, ceiling = int(found[1]), int(found[2])
    if pixels > max_pixels:
        detail = (
            f"The image is {_amount(pixels)}, over the limit of {max_pixels} pixels "
            f"(setting {LIMIT_SETTING})."
        )
    else:
        detail = (
            f"The image is {_amount(pixels)}, over Pillow's built-in limit of {ceiling} "
            f"pixels though under {LIMIT_SETTING}={max_pixels}; raise "
            "PIL.Image.MAX_IMAGE_PIXELS at start-up to accept it."
        )
    return ImageError(detail, reason="too_large")


def _unsupported(head: bytes) -> ImageError:
    accepted = ", ".join(_name(fmt) for fmt in SUPPORTED)
    name = _sniff_name(head)
    if name is not None:
        return ImageError(
            f"{name} files are not supported as images; convert it to one of {accepted}.",
            reason="unsupported",
        )
    return ImageError(
        f"The file is not an image in a supported format ({accepted}); "
        "check that it is an image and not another kind of file.",
        reason="unsupported",
    )


def _corrupt(what: str, error: BaseException) -> ImageError:
    cause = " ".join(str(error).split()) or type(error).__name__
    return ImageError(
        f"The {what} file is truncated or corrupt and cannot be decoded ({cause}); "
        "upload a complete copy.",
        reason="corrupt",
    )


def _name(fmt: str | None) -> str:
    """A Pillow format name as people write it ("WebP", "JPEG")."""
    fmt = _ALIASES.get(fmt or "", fmt or "")
    return "WebP" if fmt == "WEBP" else fmt or "image"


def _sniff_name(head: bytes) -> str | None:
    for offset, magic, name in _KNOWN_UNSUPPORTED:
        if head[offset : offset + len(magic)] == magic:
            return name
    return None


def _guess_format(head: bytes) -> str:
    """A name for a message about a file Pillow could not open, from its first bytes."""
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "WebP"
    for magic, name in _SIGNATURES:
        if head.startswith(magic):
            return name
    return "image"


def _webp_canvas_size(head: bytes) -> tuple[int, int] | None:
    """The canvas size declared in a WebP header (RIFF container), or None if not WebP.

    Pillow's WebP decoder allocates the canvas while opening the file, so this is checked
    before `Image.open`. Layout: RFC 9649 (VP8X extended, VP8L lossless, VP8 lossy).
    """
    if len(head) < 30 or head[:4] != b"RIFF" or head[8:12] != b"WEBP":
        return None
    chunk = head[12:16]
    if chunk == b"VP8X":
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L" and head[20] == 0x2F:
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 " and head[23:26] == b"\x9d\x01\x2a":
        width = int.from_bytes(head[26:28], "little") & 0x3FFF
        height = int.from_bytes(head[28:30], "little") & 0x3FFF
        return width, height
    return None


def _orientation(image: Image.Image) -> int:
    """EXIF orientation as `ImageOps.exif_transpose` reads it; 1 if absent, invalid or
    unreadable (an unreadable EXIF block does not make the pixels unusable)."""
    try:
        value = image.getexif().get(_ORIENTATION_TAG, 1)
    except _DECODE_ERRORS:
        return 1
    if isinstance(value, int) and 1 <= value <= 8:
        return value
    return 1


def _bits_per_channel(mode: str) -> int:
    if mode == "1":
        return 1
    if mode.startswith("I;16"):
        return 16
    if mode in {"I", "F"}:
        return 32
    return 8


def _scale_to_uint8(values: npt.NDArray[np.generic], *, sixteen_bit: bool) -> npt.NDArray[np.uint8]:
    data: npt.NDArray[np.float32] = np.nan_to_num(
        values.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0
    )
    low = float(data.min()) if data.size else 0.0
    high = float(data.max()) if data.size else 0.0
    if high > low:
        scaled = (data - low) * (255.0 / (high - low))
    elif sixteen_bit:
        scaled = data / 257.0
    else:
        scaled = data
    result: npt.NDArray[np.uint8] = np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
    return result


def _amount(pixels: int) -> str:
    if pixels >= 1_000_000_000:
        return f"{pixels / 1e9:.3g} gigapixels"
    if pixels >= 1_000_000:
        return f"{pixels / 1e6:.3g} megapixels"
    return f"{pixels} pixels"
