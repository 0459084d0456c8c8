"""Plain OpenCV GrabCut driven by clicks: the baseline the click segmenter is measured against.

Each click becomes a disk of definite foreground (positive) or background (negative); the
previous mask, when there is one, seeds "probably foreground", everything else is "probably
background". On the first click there is no previous mask, so a square around the click
(a quarter of the image's shorter side) stands in for it: without any foreground region
beyond the disk, GrabCut's colour models would return just the disk.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from pixelwise.vision.inputs import Mask, check_clicks, check_image, check_mask

DISK_RADIUS = 5
ITERATIONS = 5


class GrabCutClicks:
    """Click segmenter: OpenCV GrabCut with click disks as hard seeds (no per-image cache)."""

    name = "grabcut"

    def __init__(self, disk_radius: int = DISK_RADIUS, iterations: int = ITERATIONS) -> None:
        self.disk_radius = disk_radius
        self.iterations = iterations

    def predict(self, image: Any, clicks: Sequence[Any], prev_mask: Any = None) -> Mask:
        """The object's mask after `clicks` (see `pixelwise.assist.ClickSegmenter`)."""
        image = check_image(image)
        checked = check_clicks(clicks, image.shape)
        prev = check_mask(prev_mask, image.shape)
        height, width = image.shape[:2]
        if not checked:
            return np.zeros((height, width), dtype=bool)
        labels = np.full((height, width), cv2.GC_PR_BGD, dtype=np.uint8)
        if prev is not None and prev.any():
            labels[prev] = cv2.GC_PR_FGD
        else:
            first = next((c for c in checked if c.positive), checked[0])
            half = max(self.disk_radius, min(height, width) // 8)
            labels[
                max(0, first.y - half) : first.y + half + 1,
                max(0, first.x - half) : first.x + half + 1,
            ] = cv2.GC_PR_FGD
        for click in checked:
            value = cv2.GC_FGD if click.positive else cv2.GC_BGD
            cv2.circle(labels, (click.x, click.y), self.disk_radius, int(value), thickness=-1)
        if not (labels == cv2.GC_BGD).any() and not (labels == cv2.GC_PR_BGD).any():
            return np.ones((height, width), dtype=bool)
        bgr = np.ascontiguousarray(image[:, :, ::-1])
        bg_model = np.zeros((1, 65), np.float64)
        fg_model = np.zeros((1, 65), np.float64)
        # GrabCut needs samples of both kinds; with none of one kind it keeps the seeds.
        with contextlib.suppress(cv2.error):
            cv2.grabCut(
                bgr,
                labels,
                (0, 0, 0, 0),  # the rectangle is unused in mask mode
                bg_model,
                fg_model,
                self.iterations,
                cv2.GC_INIT_WITH_MASK,
            )
        return np.asarray((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD), dtype=bool)
