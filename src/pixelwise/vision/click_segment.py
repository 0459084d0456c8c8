"""Click-to-mask without model weights: a graph cut steered by a superpixel graph.

Per image (once, cached): CIE Lab colours, a quantised colour index, contrast-sensitive
weights between neighbouring pixels, SLIC superpixels and their geodesic walking costs.
Per click, each pixel gets a foreground score from two cues, then a graph cut on the
pixel grid picks the mask that agrees with the scores and follows image edges:

- geodesic vote: how much nearer the pixel is to foreground seeds than to background
  seeds, walking over the superpixel graph. Seeds are the clicks, the image border (for
  the background, weakly) and the previous mask, whose labels a new click may take over
  only within a reach that grows with how deep inside the error the click lies; so a click
  fixes the error it lands in without undoing what earlier clicks achieved;
- colour vote: a histogram likelihood ratio, the object learnt from the click disks and
  the current mask, the background from the rest (before any result, the whole image).

Each click runs two rounds: a half-resolution cut re-learns the colour model, then the
full-resolution cut. Click disks are hard constraints; only mask parts connected to a
positive click are kept. docs/assist.md gives the measurements behind each choice.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix

from pixelwise.vision import geodesic
from pixelwise.vision.graphcut import cut
from pixelwise.vision.inputs import Click, Image, Mask, check_clicks, check_image, check_mask
from pixelwise.vision.superpixels import SuperpixelGraph, build_graph, slic_superpixels

Floats = npt.NDArray[np.float64]

_BINS = 16  # colour histogram bins per RGB channel


@dataclass(frozen=True)
class Params:
    """The knobs of the segmenter; the defaults were chosen by measurement (docs/assist.md)."""

    max_side: int = 512
    superpixels: tuple[int, ...] = (1200,)
    compactness: float = 0.1
    geo_edge_weight: float = 1.0
    geo_step: float = 0.1
    border_offset: float = 10.0
    claim_min: float = 2.0
    claim_k: float = 3.0
    geo_weight: float = 2.0
    colour_weight: float = 0.6
    smooth: float = 12.0
    disk: int = 3
    colour_disk: int = 15
    rounds: int = 2


@dataclass(frozen=True)
class Level:
    """One superpixel scale: the graph, its walking costs, each node's distance to the border."""

    graph: SuperpixelGraph
    costs: csr_matrix
    border_distance: Floats


@dataclass(frozen=True)
class Features:
    """What one image needs before any click, at the working resolution."""

    shape: tuple[int, int]
    original: tuple[int, int]
    colour_index: npt.NDArray[np.int32]
    image_hist: Floats
    right: Floats
    down: Floats
    levels: tuple[Level, ...]


class SuperpixelGraphCut:
    """The default weight-free click segmenter (see the module's docstring)."""

    name = "superpixel-graphcut"

    def __init__(self, params: Params | None = None, cache_size: int = 8) -> None:
        self.params = params or Params()
        self._cache: OrderedDict[str, Features] = OrderedDict()
        self._cache_size = cache_size

    def prepare(self, image: Image) -> None:
        """Compute and cache the per-image features of `image` (recognised by its pixels)."""
        self._features(check_image(image))

    def predict(self, image: Any, clicks: Sequence[Any], prev_mask: Any = None) -> Mask:
        """The object's mask after `clicks` (see `pixelwise.assist.ClickSegmenter`)."""
        image = check_image(image)
        checked = check_clicks(clicks, image.shape)
        prev = check_mask(prev_mask, image.shape)
        if not any(c.positive for c in checked):
            return np.zeros(image.shape[:2], dtype=bool)
        features = self._features(image)
        mask = self._segment(features, checked, prev)
        if features.shape != features.original:
            height, width = features.original
            soft = cv2.resize(
                mask.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR
            )
            mask = soft >= 0.5
        return mask

    def _features(self, image: Image) -> Features:
        name = _digest(image)
        found = self._cache.get(name)
        if found is not None:
            self._cache.move_to_end(name)
            return found
        features = compute_features(image, self.params)
        self._cache[name] = features
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return features

    def _segment(self, f: Features, clicks: list[Click], prev_full: Mask | None) -> Mask:
        p = self.params
        height, width = f.shape
        sy, sx = height / f.original[0], width / f.original[1]
        scaled = [
            Click(min(int(c.x * sx), width - 1), min(int(c.y * sy), height - 1), c.positive)
            for c in clicks
        ]
        prev = None
        if prev_full is not None:
            prev = (
                prev_full
                if prev_full.shape == f.shape
                else cv2.resize(
                    prev_full.astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST
                )
                > 0
            )
        geo = np.mean([_geodesic_vote(level, scaled, prev, p) for level in f.levels], axis=0)

        positives = [c for c in scaled if c.positive]
        force_fg = _disks(positives, f.shape, p.disk)
        force_bg = _disks([c for c in scaled if not c.positive], f.shape, p.disk)
        model = prev if prev is not None and prev.any() else None
        for _ in range(p.rounds - 1):
            # Rounds before the last only refine the colour model: a cut at half the
            # resolution does as well for that, in a quarter of the time.
            score = p.geo_weight * geo + p.colour_weight * _colour_vote(f, scaled, model, p)
            coarse = cut(
                np.maximum(-score[::2, ::2], 0.0),
                np.maximum(score[::2, ::2], 0.0),
                p.smooth * f.right[::2, ::2],
                p.smooth * f.down[::2, ::2],
                force_fg[::2, ::2],
                force_bg[::2, ::2],
            )
            model = np.repeat(np.repeat(coarse, 2, axis=0), 2, axis=1)[:height, :width] | force_fg
            model = _connected_to(model, positives)
        score = p.geo_weight * geo + p.colour_weight * _colour_vote(f, scaled, model, p)
        mask = cut(
            np.maximum(-score, 0.0),
            np.maximum(score, 0.0),
            p.smooth * f.right,
            p.smooth * f.down,
            force_fg,
            force_bg,
        )
        return _connected_to(mask, positives)


def _colour_vote(f: Features, clicks: Sequence[Click], model: Mask | None, p: Params) -> Floats:
    """Per pixel, the log ratio of its colour's frequency in the object and in the background.

    The object's colours come from the click disks and `model` (the current estimate of the
    mask); the background's from the negative disks and the rest of the image (with no
    estimate yet, the whole image stands in for the background).
    """
    pos_disks = _disks([c for c in clicks if c.positive], f.shape, p.colour_disk)
    neg_disks = _disks([c for c in clicks if not c.positive], f.shape, p.colour_disk)
    fg_hist = _histogram(f.colour_index, pos_disks) * 4.0
    bg_hist = 4.0 * _histogram(f.colour_index, neg_disks)
    if model is not None:
        fg_hist += _histogram(f.colour_index, model)
        bg_hist += _histogram(f.colour_index, ~model)
    else:
        bg_hist += f.image_hist * (1.0 + np.count_nonzero(neg_disks) / 50.0)
    ratio = np.log(_normalise(fg_hist) + 1e-4) - np.log(_normalise(bg_hist) + 1e-4)
    return np.asarray(np.clip(ratio, -4.0, 4.0)[f.colour_index], dtype=np.float64)


def compute_features(image: Image, params: Params) -> Features:
    """The per-image features of `image` for `params` (resized to at most `max_side`)."""
    original = (int(image.shape[0]), int(image.shape[1]))
    longest = max(original)
    if longest > params.max_side:
        factor = params.max_side / longest
        size = (max(2, round(original[1] * factor)), max(2, round(original[0] * factor)))
        image = np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    rgb = image.astype(np.float32) / 255.0
    lab = np.asarray(
        cv2.cvtColor(cv2.GaussianBlur(rgb, (0, 0), 0.8), cv2.COLOR_RGB2LAB), dtype=np.float32
    )
    quant = (image // (256 // _BINS)).astype(np.int32)
    colour_index = (quant[..., 0] * _BINS + quant[..., 1]) * _BINS + quant[..., 2]
    image_hist = np.bincount(colour_index.ravel(), minlength=_BINS**3).astype(np.float64)

    dx = np.zeros(lab.shape[:2], np.float64)
    dy = np.zeros(lab.shape[:2], np.float64)
    dx[:, :-1] = np.sum((lab[:, 1:] - lab[:, :-1]) ** 2, axis=2)
    dy[:-1, :] = np.sum((lab[1:, :] - lab[:-1, :]) ** 2, axis=2)
    mean_sq = (dx[:, :-1].mean() + dy[:-1, :].mean()) / 2.0
    beta = 1.0 / (2.0 * max(mean_sq, 1e-6))
    right, down = np.exp(-beta * dx), np.exp(-beta * dy)

    edges = np.sqrt(
        sum(
            cv2.Sobel(lab[..., c], cv2.CV_32F, 1, 0) ** 2
            + cv2.Sobel(lab[..., c], cv2.CV_32F, 0, 1) ** 2
            for c in range(3)
        )
    ).astype(np.float32)
    levels = tuple(_level(lab, edges, count, params) for count in params.superpixels)
    return Features(
        shape=(int(image.shape[0]), int(image.shape[1])),
        original=original,
        colour_index=colour_index,
        image_hist=image_hist,
        right=right,
        down=down,
        levels=levels,
    )


def _level(
    lab: npt.NDArray[np.float32], edges: npt.NDArray[np.float32], count: int, params: Params
) -> Level:
    labels = slic_superpixels(lab, count, params.compactness)
    graph = build_graph(labels, lab, edges)
    costs = geodesic.step_costs(graph, params.geo_edge_weight, params.geo_step)
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    return Level(graph, costs, geodesic.distances(costs, [int(b) for b in border]))


def _geodesic_vote(level: Level, clicks: Sequence[Click], prev: Mask | None, p: Params) -> Floats:
    """Per pixel, in [-1, 1]: how much nearer (geodesically) it is to foreground seeds than
    to background seeds.

    Clicks are seeds; the image border is a background seed. The previous mask's superpixels
    are seeds of their label too, but `claim` farther away than the clicks: a new click thus
    takes over the region within `claim` of it (bounded by edges, as walking across an edge
    is costly) and leaves the rest of the previous result alone. `claim` grows with the
    newest click's distance to the previous result's region of its own label, as a click far
    inside a missed (or spilled) region means that region is large.
    """
    labels = level.graph.labels
    d_pos = geodesic.distances(level.costs, [int(labels[c.y, c.x]) for c in clicks if c.positive])
    d_neg = geodesic.distances(
        level.costs, [int(labels[c.y, c.x]) for c in clicks if not c.positive]
    )
    if p.border_offset >= 0:
        d_neg = np.minimum(d_neg, level.border_distance + p.border_offset)
    if prev is not None and p.claim_min >= 0 and clicks:
        share = (
            np.bincount(
                labels.ravel(), weights=prev.ravel().astype(np.float64), minlength=level.graph.count
            )
            / level.graph.size
        )
        inside = share >= 0.5
        d_in = geodesic.distances(level.costs, np.flatnonzero(inside).tolist())
        d_out = geodesic.distances(level.costs, np.flatnonzero(~inside).tolist())
        newest = clicks[-1]
        node = int(labels[newest.y, newest.x])
        reach = float((d_in if newest.positive else d_out)[node])
        claim = max(p.claim_min, p.claim_k * min(reach, 1e6))
        d_pos = np.minimum(d_pos, d_in + claim)
        d_neg = np.minimum(d_neg, d_out + claim)
    d_pos = np.minimum(d_pos, 1e6)
    d_neg = np.minimum(d_neg, 1e6)
    return np.asarray(((d_neg - d_pos) / (d_neg + d_pos + 1e-6))[labels], dtype=np.float64)


def _digest(image: Image) -> str:
    digest = hashlib.blake2b(np.ascontiguousarray(image).data, digest_size=16)
    digest.update(str(image.shape).encode())
    return digest.hexdigest()


def _disks(clicks: Sequence[Click], shape: tuple[int, int], radius: int) -> Mask:
    canvas = np.zeros(shape, dtype=np.uint8)
    for click in clicks:
        cv2.circle(canvas, (click.x, click.y), radius, 1, thickness=-1)
    return canvas.astype(bool)


def _histogram(index: npt.NDArray[np.int32], where: Mask) -> Floats:
    return np.bincount(index[where], minlength=_BINS**3).astype(np.float64)


def _normalise(hist: Floats) -> Floats:
    total = hist.sum()
    return hist / total if total > 0 else np.full_like(hist, 1.0 / len(hist))


def _connected_to(mask: Mask, seeds: Sequence[Click]) -> Mask:
    count, components = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    if count <= 1:
        return mask
    keep = np.zeros(count, dtype=bool)
    for click in seeds:
        keep[components[click.y, click.x]] = True
    keep[0] = False
    return np.asarray(keep[components], dtype=bool)
