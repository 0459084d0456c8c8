"""Checks on the arrays and prompts every assist tool receives, with messages a person can act on.

The tools agree on one shape of input: an image is an HxWx3 uint8 RGB array, a click is
`(x, y, positive)` with x the column and y the row in image pixels, a mask is an HxW bool
array of the image's size. Anything else is refused with `InvalidInput` (an HTTP 422 once
the API forwards it), never left to fail deep inside OpenCV.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from pixelwise.domain.errors import InvalidInput

Image = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]

# Below this side a segmentation is meaningless; above it one call would hold a worker too long.
MIN_SIDE = 2
MAX_PIXELS = 100_000_000


class Click(NamedTuple):
    """One click of the user: x = column, y = row (pixels of the image), positive or negative."""

    x: int
    y: int
    positive: bool


def check_image(image: Any) -> Image:
    """The image as an HxWx3 uint8 array, or `InvalidInput` saying what is wrong with it."""
    if not isinstance(image, np.ndarray):
        raise InvalidInput(f"image must be a NumPy array, not {type(image).__name__}")
    if image.dtype != np.uint8:
        raise InvalidInput(f"image must be of dtype uint8 (RGB 0-255), not {image.dtype}")
    if image.ndim != 3 or image.shape[2] != 3:
        raise InvalidInput(
            f"image must have shape (height, width, 3) in RGB order, not {tuple(image.shape)}"
        )
    height, width = image.shape[:2]
    if height < MIN_SIDE or width < MIN_SIDE:
        raise InvalidInput(f"image is {width}x{height} pixels; each side needs {MIN_SIDE} or more")
    if height * width > MAX_PIXELS:
        raise InvalidInput(
            f"image has {height * width} pixels; at most {MAX_PIXELS} are accepted, downscale it"
        )
    return image


def check_clicks(clicks: Sequence[Any], shape: tuple[int, ...]) -> list[Click]:
    """The clicks as `Click` tuples inside an image of `shape`, or `InvalidInput`."""
    if isinstance(clicks, str | bytes) or not isinstance(clicks, Sequence):
        raise InvalidInput("clicks must be a list of (x, y, positive) tuples")
    height, width = shape[0], shape[1]
    checked: list[Click] = []
    for index, click in enumerate(clicks):
        if not isinstance(click, Sequence) or isinstance(click, str | bytes) or len(click) != 3:
            raise InvalidInput(f"click {index} must be an (x, y, positive) tuple, not {click!r}")
        x, y, positive = click
        if not _is_real(x) or not _is_real(y):
            raise InvalidInput(f"click {index} needs finite numbers as x and y, not ({x!r}, {y!r})")
        # A sub-pixel position (as a browser sends) falls in the pixel that contains it.
        x, y = math.floor(x), math.floor(y)
        if not isinstance(positive, bool | np.bool_):
            raise InvalidInput(f"click {index}: positive must be True or False, not {positive!r}")
        if not (0 <= x < width and 0 <= y < height):
            raise InvalidInput(
                f"click {index} at x={x}, y={y} is outside the {width}x{height} image "
                f"(x must be in 0..{width - 1}, y in 0..{height - 1})"
            )
        checked.append(Click(x, y, bool(positive)))
    return checked


def check_mask(mask: Any, shape: tuple[int, ...], name: str = "prev_mask") -> Mask | None:
    """`mask` as an HxW bool array matching the image (None passes through), or `InvalidInput`."""
    if mask is None:
        return None
    if not isinstance(mask, np.ndarray):
        raise InvalidInput(f"{name} must be a NumPy bool array or None, not {type(mask).__name__}")
    if mask.dtype != np.bool_:
        raise InvalidInput(f"{name} must be of dtype bool, not {mask.dtype}")
    if mask.shape != tuple(shape[:2]):
        raise InvalidInput(
            f"{name} has shape {tuple(mask.shape)} but the image is {tuple(shape[:2])} (rows, cols)"
        )
    return mask


def _is_real(value: object) -> bool:
    if isinstance(value, bool | np.bool_):
        return False
    if isinstance(value, int | np.integer):
        return True
    return isinstance(value, float | np.floating) and math.isfinite(value)
