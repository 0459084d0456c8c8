"""The click simulation of interactive-segmentation benchmarks (RITM / f-BRS), and its scores.

A simulated user looks at the current mask and the true one, takes the larger of the two
error kinds (missed object: false negatives; spill: false positives), and clicks the pixel
of that error farthest from its border (a positive click on a miss, a negative one on a
spill). The first click, on an empty mask, is thus the object's innermost pixel. Distances
are Euclidean, with the image border counted as the error's border too, exactly as RITM's
evaluation does; ties go to the first pixel in row order, so runs are deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from pixelwise.vision.inputs import Click, Mask


def next_click(truth: Mask, predicted: Mask, clicked: Mask | None = None) -> Click:
    """Where the simulated user clicks next, given the true mask and the current prediction.

    `clicked` marks pixels already clicked, which are never chosen twice.
    """
    false_neg = truth & ~predicted
    false_pos = ~truth & predicted
    fn_dist = _inner_distance(false_neg)
    fp_dist = _inner_distance(false_pos)
    if clicked is not None:
        fn_dist[clicked] = 0
        fp_dist[clicked] = 0
    fn_max, fp_max = float(fn_dist.max()), float(fp_dist.max())
    positive = fn_max > fp_max
    dist = fn_dist if positive else fp_dist
    flat = int(np.argmax(dist))
    row, col = divmod(flat, dist.shape[1])
    return Click(col, row, positive)


def iou(a: Mask, b: Mask) -> float:
    """Intersection over union of two masks (1.0 when both are empty)."""
    union = int(np.count_nonzero(a | b))
    if union == 0:
        return 1.0
    return int(np.count_nonzero(a & b)) / union


@dataclass
class Trial:
    """One object segmented click by click: the IoU after each click, and each click's time."""

    ious: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    clicks: list[Click] = field(default_factory=list)

    def clicks_to(self, threshold: float, max_clicks: int) -> int:
        """Clicks needed to reach `threshold` IoU; `max_clicks` when never reached."""
        for index, value in enumerate(self.ious):
            if value >= threshold:
                return index + 1
        return max_clicks


Predict = Callable[[Sequence[Click], Mask | None], Mask]


def run_trial(
    truth: Mask,
    predict: Predict,
    max_clicks: int = 20,
    stop_at: float | None = None,
    clock: Callable[[], float] | None = None,
) -> Trial:
    """Simulate up to `max_clicks` clicks on one object; stop early once IoU reaches `stop_at`.

    `predict(clicks, prev_mask)` is the segmenter bound to the image; `clock` (e.g.
    `time.perf_counter`) times each call when given.
    """
    trial = Trial()
    predicted = np.zeros_like(truth, dtype=bool)
    clicked = np.zeros_like(truth, dtype=bool)
    prev: Mask | None = None
    for _ in range(max_clicks):
        click = next_click(truth, predicted, clicked)
        clicked[click.y, click.x] = True
        trial.clicks.append(click)
        start = clock() if clock else 0.0
        predicted = predict(list(trial.clicks), prev)
        if clock:
            trial.seconds.append(clock() - start)
        prev = predicted
        trial.ious.append(iou(predicted, truth))
        if stop_at is not None and trial.ious[-1] >= stop_at:
            break
    return trial


def _inner_distance(region: Mask) -> np.ndarray:
    padded = np.pad(region, 1).astype(np.uint8)
    dist = cv2.distanceTransform(padded, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return np.asarray(dist[1:-1, 1:-1], dtype=np.float32)
