"""A binary graph cut on the pixel grid (Boykov-Kolmogorov max-flow through PyMaxflow).

Minimises sum of per-pixel costs plus, for each pair of 4-neighbours with different labels,
their pair weight. Pixels in `force_fg` / `force_bg` are fixed to that label.
"""

from __future__ import annotations

import maxflow
import numpy as np
import numpy.typing as npt

from pixelwise.vision.inputs import Mask

Floats = npt.NDArray[np.float64]

_HARD = 1e9
_RIGHT = np.array([[0, 0, 0], [0, 0, 1], [0, 0, 0]])
_DOWN = np.array([[0, 0, 0], [0, 0, 0], [0, 1, 0]])


def cut(
    cost_fg: Floats,
    cost_bg: Floats,
    right: Floats,
    down: Floats,
    force_fg: Mask | None = None,
    force_bg: Mask | None = None,
) -> Mask:
    """The foreground mask of least total cost.

    `cost_fg[p]` is paid when p is foreground, `cost_bg[p]` when it is background;
    `right[r, c]` when (r, c) and (r, c + 1) differ, `down[r, c]` when (r, c) and (r + 1, c)
    differ (the last column of `right` and last row of `down` are unused).
    """
    cost_fg = np.array(cost_fg, dtype=np.float64)
    cost_bg = np.array(cost_bg, dtype=np.float64)
    if force_fg is not None:
        cost_fg[force_fg] = 0.0
        cost_bg[force_fg] = _HARD
    if force_bg is not None:
        cost_bg[force_bg] = 0.0
        cost_fg[force_bg] = _HARD
    graph = maxflow.Graph[float]()
    nodes = graph.add_grid_nodes(cost_fg.shape)
    graph.add_grid_edges(nodes, weights=right, structure=_RIGHT, symmetric=True)
    graph.add_grid_edges(nodes, weights=down, structure=_DOWN, symmetric=True)
    # Source side = foreground: the source capacity is paid when a pixel ends on the sink side.
    graph.add_grid_tedges(nodes, cost_bg, cost_fg)
    graph.maxflow()
    return np.asarray(~graph.get_grid_segments(nodes), dtype=bool)
