"""AI assistance: the protocols that classical tools and learned models implement; a registry.

`click_segmenter()` returns the best click segmenter that needs no model weights, ready to
use: `click_segmenter().predict(image, [(x, y, True)], None)` is an HxW bool mask.
"""

from __future__ import annotations

from typing import cast

from pixelwise.assist.protocols import (
    Box,
    BoxSegmenter,
    Click,
    ClickSegmenter,
    Detection,
    Detector,
    Image,
    Mask,
    Preparable,
    StrokeSegmenter,
    VideoPropagator,
)
from pixelwise.assist.registry import create, names, register
from pixelwise.vision.click_segment import SuperpixelGraphCut
from pixelwise.vision.grabcut import GrabCutClicks

__all__ = [
    "DEFAULT_CLICK_SEGMENTER",
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
    "click_segmenter",
    "create",
    "names",
    "register",
]

DEFAULT_CLICK_SEGMENTER = SuperpixelGraphCut.name

register("click", SuperpixelGraphCut.name, SuperpixelGraphCut)
register("click", GrabCutClicks.name, GrabCutClicks)


def click_segmenter(name: str = DEFAULT_CLICK_SEGMENTER) -> ClickSegmenter:
    """A new click segmenter; with no argument the best one that needs no model weights."""
    return cast(ClickSegmenter, create("click", name))
