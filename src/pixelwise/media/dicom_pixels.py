"""Decode one DICOM frame to real-world values and render it for the browser.

The viewer shows one slice at a time: the media server decodes that frame only (never a
whole multi-frame object), converts stored values to real-world values (Hounsfield units
for CT: stored x Rescale Slope + Rescale Intercept, or the Modality LUT), and either
renders it through a display window to 8-bit grey (`window_to_uint8`), or sends the values
themselves so the browser can change the window without asking again (`encode_png16`,
`encode_raw_int16`).

Compressed pixel data are decoded by pydicom's decoders: its own RLE decoder and the
pylibjpeg plugins (libjpeg: JPEG baseline, extended, lossless and JPEG-LS; openjpeg: JPEG
2000 and HTJ2K; rle). A transfer syntax none of them handles (MPEG or HEVC video, or a
decoder that is not installed) is a `DicomError` with reason "unsupported_compression"
that names it; a frame that does not decode is reason "corrupt".
"""

from __future__ import annotations

import io
import math
from typing import BinaryIO, Final

import numpy as np
import numpy.typing as npt
from PIL import Image
from pydicom import dcmread
from pydicom.pixels.decoders.base import get_decoder
from pydicom.pixels.processing import apply_color_lut, apply_modality_lut
from pydicom.pixels.utils import pixel_array
from pydicom.uid import UID, DeflatedExplicitVRLittleEndian

from pixelwise.domain.errors import InvalidInput
from pixelwise.media.dicom_file import DicomError, Header, as_seekable, read_header
from pixelwise.media.dicom_header import DicomInstance, frame_rescale, instance_of

__all__ = [
    "MAX_FRAME_PIXELS",
    "PNG16_OFFSET",
    "encode_png16",
    "encode_raw_int16",
    "hu_at",
    "load_frame_hu",
    "window_to_uint8",
]

MAX_FRAME_PIXELS: Final = 1 << 26
"""Default limit on rows x columns of one decoded frame (about 67 megapixels, 256 MiB as
float32): larger than any radiology image, small enough to refuse a forged header."""

PNG16_OFFSET: Final = 32768
"""Added to each value by `encode_png16`, so -32768..32767 fits in 0..65535."""

_LUMA: Final = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R BT.601


def load_frame_hu(
    stream: BinaryIO, frame: int = 0, *, max_pixels: int = MAX_FRAME_PIXELS
) -> npt.NDArray[np.float32]:
    """Frame `frame` (0-based) of the DICOM object in `stream` as real-world values.

    Returns a rows x columns float32 array after the Modality LUT or rescale slope and
    intercept (Hounsfield units for CT; for enhanced multi-frame objects the frame's own
    rescale). Monochrome values are not inverted for MONOCHROME1 (the window does that).
    Colour images (RGB, YBR, palette) become their luminance (ITU-R BT.601), without
    rescale. Only the asked frame is decoded. Raises `DicomError`: "no_pixels",
    "frame_out_of_range", "too_large", "unsupported_compression", "corrupt".
    """
    stream = as_seekable(stream)
    header = read_header(stream)
    instance = instance_of(header)
    _check_frame(instance, frame, max_pixels)
    _require_decoder(header.transfer_syntax)
    ds = header.dataset
    try:
        stored = _decode(stream, header, frame)
        if stored.ndim == 3:
            return _luminance(stored)
        if instance.photometric == "PALETTE COLOR":
            return _luminance(np.asarray(apply_color_lut(stored, ds)))
        if "ModalityLUTSequence" in ds:
            return np.asarray(apply_modality_lut(stored, ds), dtype=np.float32)
    except (DicomError, KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # decoders raise many kinds; Rust ones panic (BaseException)
        raise DicomError(
            f"The DICOM file's pixel data ({header.transfer_syntax.name}) cannot be decoded "
            f"({_cause(error)}); it is damaged. Export it again from the source system.",
            reason="corrupt",
        ) from error
    slope, intercept = frame_rescale(ds, frame)
    values = stored.astype(np.float32)
    if slope != 1.0:
        values *= np.float32(slope)
    if intercept != 0.0:
        values += np.float32(intercept)
    return values


def window_to_uint8(
    values: npt.ArrayLike, center: float, width: float, *, invert: bool = False
) -> npt.NDArray[np.uint8]:
    """Map values to 0..255 grey with the DICOM linear VOI function (PS3.3 C.11.2.1.2.1).

    x <= c - 0.5 - (w - 1) / 2 is black, x > c - 0.5 + (w - 1) / 2 white, and in between
    y = ((x - (c - 0.5)) / (w - 1) + 0.5) * 255, rounded. `invert` flips the result, for
    MONOCHROME1 images (where the lowest value is white). NaN is black. Width must be at
    least 1 (`InvalidInput` otherwise); a width of 1 is a threshold at c - 0.5.
    """
    if not math.isfinite(center):
        raise InvalidInput(
            f"The window center must be a finite number, not {center}.", field="center"
        )
    if not math.isfinite(width) or width < 1:
        raise InvalidInput(
            f"The window width must be a number of at least 1, not {width}.", field="width"
        )
    x = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=-np.inf)
    bottom = center - 0.5
    if width == 1:
        grey = np.where(x > bottom, 255.0, 0.0)
    else:
        grey = np.clip(((x - bottom) / (width - 1) + 0.5) * 255.0, 0.0, 255.0)
        grey = np.where(x <= bottom - (width - 1) / 2, 0.0, grey)
        grey = np.where(x > bottom + (width - 1) / 2, 255.0, grey)
    result: npt.NDArray[np.uint8] = np.rint(grey).astype(np.uint8)
    if invert:
        result = np.subtract(255, result, dtype=np.uint8)
    return result


def encode_png16(hu: npt.ArrayLike) -> bytes:
    """A 16-bit greyscale PNG of a 2-D array of values, for windowing in the browser.

    Each pixel holds round(value) + `PNG16_OFFSET` (32768), clipped to 0..65535: a client
    gets the value back by subtracting 32768. NaN is stored as 0 (value -32768).
    """
    values = _plane(hu)
    shifted = np.nan_to_num(np.rint(values), nan=-PNG16_OFFSET) + PNG16_OFFSET
    pixels = np.clip(shifted, 0, 65535).astype(np.uint16)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG", compress_level=1)
    return out.getvalue()


def encode_raw_int16(hu: npt.ArrayLike) -> bytes:
    """The values as little-endian signed 16-bit integers, row after row, no header.

    Each is round(value) clipped to -32768..32767 (NaN becomes 0); the client needs the
    rows and columns (from the series meta) to shape it: rows x columns x 2 bytes.
    """
    values = np.nan_to_num(np.rint(_plane(hu)), nan=0.0)
    raw: bytes = np.clip(values, -32768, 32767).astype("<i2").tobytes(order="C")
    return raw


def hu_at(hu: npt.NDArray[np.floating], x: int, y: int) -> float:
    """The value at column `x`, row `y` (0-based, origin top left); `InvalidInput` when the
    point is outside the image."""
    plane = _plane(hu)
    rows, columns = plane.shape
    for name, value, size in (("x", x, columns), ("y", y, rows)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise InvalidInput(
                f"{name} must be a whole number of pixels, not {value!r}.", field=name
            )
        if not 0 <= value < size:
            raise InvalidInput(
                f"The point ({x}, {y}) is outside the {columns}x{rows} image: x must be from 0 "
                f"to {columns - 1} and y from 0 to {rows - 1}.",
                field=name,
            )
    return float(plane[y, x])


# --- internals -------------------------------------------------------------------------------


def _check_frame(instance: DicomInstance, frame: int, max_pixels: int) -> None:
    if not instance.has_pixels:
        raise DicomError(
            f"This {instance.modality or 'DICOM'} object has no pixel data, so there is no "
            "image to show.",
            reason="no_pixels",
        )
    frames = instance.frames
    if isinstance(frame, bool) or not 0 <= frame < frames:
        raise DicomError(
            f"There is no frame {frame}: this object has {frames} frame"
            f"{'s' if frames > 1 else ''}, numbered from 0 to {frames - 1}.",
            reason="frame_out_of_range",
        )
    if instance.rows * instance.columns > max_pixels:
        raise DicomError(
            f"The frame is {instance.columns}x{instance.rows} pixels, over the limit of "
            f"{max_pixels} pixels.",
            reason="too_large",
        )


def _require_decoder(syntax: UID) -> None:
    label = syntax.name if syntax.name == str(syntax) else f"{syntax.name} ({syntax})"
    try:
        decoder = get_decoder(syntax)
    except NotImplementedError:
        raise DicomError(
            f"The pixel data are compressed as {label}, which cannot be decoded here; convert "
            "the file to an uncompressed, JPEG, JPEG 2000 or RLE transfer syntax and import "
            "it again.",
            reason="unsupported_compression",
        ) from None
    if not decoder.is_available:
        missing = "; ".join(decoder.missing_dependencies) or "no plugin"
        raise DicomError(
            f"No decoder for {label} is installed ({missing}); install one or convert the "
            "file to an uncompressed transfer syntax.",
            reason="unsupported_compression",
        )


def _decode(stream: BinaryIO, header: Header, frame: int) -> npt.NDArray[np.generic]:
    """The stored values of one frame: rows x columns, or rows x columns x samples."""
    if header.transfer_syntax == DeflatedExplicitVRLittleEndian:
        stream.seek(0)
        return np.asarray(pixel_array(dcmread(stream, force=True), index=frame))
    stream.seek(0)
    return np.asarray(pixel_array(stream, index=frame, transfer_syntax_uid=header.transfer_syntax))


def _luminance(rgb: npt.NDArray[np.generic]) -> npt.NDArray[np.float32]:
    channels = rgb.astype(np.float32)[..., :3]
    if channels.shape[-1] != 3:
        raise DicomError(
            f"The image has {channels.shape[-1]} samples per pixel; only 1 (grey) and 3 "
            "(colour) can be shown.",
            reason="corrupt",
        )
    result: npt.NDArray[np.float32] = channels @ _LUMA
    return result


def _plane(values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    plane = np.asarray(values, dtype=np.float64)
    if plane.ndim != 2:
        raise InvalidInput(
            f"Expected a 2-D image (rows x columns), got an array of shape {plane.shape}.",
            field="image",
        )
    return plane


def _cause(error: BaseException) -> str:
    return " ".join(str(error).split())[:200] or type(error).__name__
