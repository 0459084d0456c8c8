"""Geodesic distances over a superpixel graph: how hard it is to walk from a seed to a place.

Walking from one superpixel to a touching one costs its colour step plus its border's edge
strength (both normalised by their medians over the image) plus a constant for the step
itself, so regions of one colour bounded by edges are near their seeds and the far side of
a strong edge is far.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra

from pixelwise.vision.superpixels import SuperpixelGraph


def step_costs(graph: SuperpixelGraph, edge_weight: float = 1.0, step: float = 0.1) -> csr_matrix:
    """The symmetric sparse matrix of walking costs between touching superpixels."""
    colour = graph.colour_step / max(float(np.median(graph.colour_step)), 1e-6)
    border = graph.border_edge / max(float(np.median(graph.border_edge)), 1e-6)
    cost = colour + edge_weight * border + step
    n = graph.count
    rows = np.concatenate([graph.first, graph.second])
    cols = np.concatenate([graph.second, graph.first])
    matrix = coo_matrix((np.concatenate([cost, cost]), (rows, cols)), shape=(n, n))
    return matrix.tocsr()


def distances(costs: csr_matrix, sources: Sequence[int]) -> npt.NDArray[np.float64]:
    """Distance of every superpixel to the nearest of `sources` (inf when there are none)."""
    if not sources:
        return np.full(costs.shape[0], np.inf)
    result = dijkstra(costs, directed=False, indices=list(sources), min_only=True)
    return np.asarray(result, dtype=np.float64)
