"""The small interfaces every assist implements, classical tool or learned model alike.

The workspace and the API talk to these protocols only, so a GrabCut, a superpixel graph
cut or a team's ONNX model answer the same call. All arrays follow one convention: an
image is an HxWx3 uint8 RGB array; a mask is an HxW bool array of the image's size; points
are `(x, y)` with x the column and y the row, in pixels of the image. Bad input raises
`pixelwise.domain.errors.InvalidInput` with a message for the person who sent it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from pixelwise.vision.inputs import Click, Image, Mask

__all__ = [
    "Box",
    "BoxSegmenter",
    "Click",
    "ClickSegmenter",
    "Detection",
    "Detector",
    "Image",
    "Mask",
    "Preparable",
    "StrokeSegmenter",
    "VideoPropagator",
]

Box = tuple[int, int, int, int]
"""An axis-aligned box `(x0, y0, x1, y1)` in image pixels, x1 and y1 exclusive."""


@runtime_checkable
class ClickSegmenter(Protocol):
    """Positive / negative clicks in, the object's mask out."""

    name: str

    def predict(
        self, image: Image, clicks: Sequence[tuple[int, int, bool]], prev_mask: Mask | None
    ) -> Mask:
        """The mask after `clicks` (in the order the user clicked) on `image`.

        `prev_mask` is the result this segmenter returned for the earlier clicks (None on the
        first click); a segmenter may use it to keep what the user already accepted.
        """
        ...


@runtime_checkable
class Preparable(Protocol):
    """An assist with per-image work (superpixels, features, an embedding) worth caching.

    `prepare` does that work once for an image; later calls on the same pixels reuse it
    (the image is recognised by a hash of its pixels), so its time is apart from a click's.
    """

    def prepare(self, image: Image) -> None: ...


@runtime_checkable
class BoxSegmenter(Protocol):
    """A box around the object in, its mask out."""

    name: str

    def predict_box(self, image: Image, box: Box) -> Mask: ...


@runtime_checkable
class StrokeSegmenter(Protocol):
    """Foreground and background scribbles (optionally inside a box) in, the mask out.

    `foreground` and `background` are HxW bool masks of the painted pixels.
    """

    name: str

    def predict_strokes(
        self, image: Image, foreground: Mask, background: Mask, box: Box | None = None
    ) -> Mask: ...


@dataclass(frozen=True)
class Detection:
    """One pre-label from a detector: a class, a score in [0, 1], a box and optionally a mask."""

    label: str
    score: float
    box: Box
    mask: Mask | None = None


@runtime_checkable
class Detector(Protocol):
    """An image in, objects out (a classifier answers one detection covering the image)."""

    name: str

    def detect(self, image: Image) -> list[Detection]: ...


@runtime_checkable
class VideoPropagator(Protocol):
    """Carries a mask from one video frame to the next ones."""

    name: str

    def propagate(self, frames: Sequence[Image], first_mask: Mask) -> list[npt.NDArray[np.bool_]]:
        """One mask per frame in `frames[1:]`, following the object of `first_mask`."""
        ...
