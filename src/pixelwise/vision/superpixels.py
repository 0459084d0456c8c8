"""Superpixels and their adjacency graph: the per-image structure region tools reason on.

A superpixel is a small patch of similar colour that follows image edges (SLIC by
default). The graph joins touching superpixels; each edge carries the colour difference of
the two means and the mean edge strength along their shared border, so a path that crosses
a strong image edge costs more than one inside a uniform region.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from skimage.segmentation import slic

Labels = npt.NDArray[np.int32]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SuperpixelGraph:
    """Superpixels of one image and the graph of touching pairs (`first[k]` < `second[k]`)."""

    labels: Labels
    count: int
    mean_lab: Floats
    size: Floats
    first: npt.NDArray[np.int64]
    second: npt.NDArray[np.int64]
    colour_step: Floats
    border_edge: Floats


def slic_superpixels(lab: npt.NDArray[np.float32], segments: int, compactness: float) -> Labels:
    """SLIC superpixels of a CIE Lab image, numbered 0..n-1 without gaps."""
    labels = slic(
        lab,
        n_segments=segments,
        compactness=compactness,
        convert2lab=False,
        channel_axis=-1,
        start_label=0,
        enforce_connectivity=True,
    )
    _, dense = np.unique(labels, return_inverse=True)
    return dense.reshape(labels.shape).astype(np.int32)


def build_graph(
    labels: Labels, lab: npt.NDArray[np.float32], edges: npt.NDArray[np.float32]
) -> SuperpixelGraph:
    """The adjacency graph of `labels` with colour steps (from `lab`) and border edge strength."""
    count = int(labels.max()) + 1
    flat = labels.ravel()
    size = np.bincount(flat, minlength=count).astype(np.float64)
    mean_lab = (
        np.stack(
            [np.bincount(flat, weights=lab[..., c].ravel(), minlength=count) for c in range(3)],
            axis=1,
        )
        / size[:, None]
    )
    pairs: list[npt.NDArray[np.int64]] = []
    strength: list[npt.NDArray[np.float64]] = []
    for a, b, ea, eb in (
        (labels[:, :-1], labels[:, 1:], edges[:, :-1], edges[:, 1:]),
        (labels[:-1, :], labels[1:, :], edges[:-1, :], edges[1:, :]),
    ):
        differ = a != b
        lo = np.minimum(a[differ], b[differ]).astype(np.int64)
        hi = np.maximum(a[differ], b[differ]).astype(np.int64)
        pairs.append(lo * count + hi)
        strength.append(np.maximum(ea[differ], eb[differ]).astype(np.float64))
    keys = np.concatenate(pairs)
    unique, inverse = np.unique(keys, return_inverse=True)
    border_sum = np.bincount(inverse, weights=np.concatenate(strength), minlength=len(unique))
    border_len = np.bincount(inverse, minlength=len(unique))
    first, second = unique // count, unique % count
    colour_step = np.linalg.norm(mean_lab[first] - mean_lab[second], axis=1)
    return SuperpixelGraph(
        labels=labels,
        count=count,
        mean_lab=mean_lab,
        size=size,
        first=first,
        second=second,
        colour_step=colour_step,
        border_edge=border_sum / np.maximum(border_len, 1),
    )
