"""Named CT display windows (width/level in Hounsfield units) that annotators pick from.

A window maps a range of HU to the grey scale: values below `level - width / 2` are black,
values above `level + width / 2` white. Radiologists use a handful of standard windows, one
per kind of tissue; offering the same named set everywhere (viewer, thumbnails, API) lets
a label be checked under the window it was drawn with. `key` is url-safe and stable: it is
what the API and stored settings use; `name` is for people.

The values are the usual ones from radiology teaching material, except "brain marrow", which
has no single textbook value. It is chosen here from typical CT numbers: fatty (yellow)
marrow is about -100 HU, red marrow +30..+70 HU and trabecular bone +200..+700 HU, so a
window from -150 to +550 HU (width 700, level 200) keeps marrow inside the skull's diploe
and the vertebrae distinguishable from both fat and dense bone, where the brain window
(0..80 HU) saturates all of it to white and the bone window (-500..1300 HU) greys it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from pixelwise.domain.errors import InvalidInput

__all__ = ["WINDOW_PRESETS", "WindowPreset", "preset"]


@dataclass(frozen=True)
class WindowPreset:
    """One named display window, in Hounsfield units."""

    key: str
    """Url-safe identifier, stable across releases ("bone", "brain_marrow")."""
    name: str
    """Display name for people."""
    width: float
    """Range of HU spread over the grey scale (DICOM Window Width)."""
    level: float
    """HU shown as mid-grey (DICOM Window Center)."""


WINDOW_PRESETS: Final[tuple[WindowPreset, ...]] = (
    WindowPreset("abdomen", "Abdominal soft tissue", width=400, level=50),
    WindowPreset("bone", "Bone", width=1800, level=400),
    WindowPreset("brain", "Brain", width=80, level=40),
    WindowPreset("brain_marrow", "Brain marrow", width=700, level=200),
    WindowPreset("liver", "Liver", width=150, level=30),
    WindowPreset("lung", "Lung", width=1500, level=-600),
    WindowPreset("subdural", "Subdural", width=250, level=75),
)
"""Every named window, in the order a menu shows them."""

_BY_KEY: Final[dict[str, WindowPreset]] = {window.key: window for window in WINDOW_PRESETS}


def preset(key: str) -> WindowPreset:
    """The window called `key`; `InvalidInput` naming the valid keys when there is none."""
    window = _BY_KEY.get(key)
    if window is None:
        valid = ", ".join(_BY_KEY)
        raise InvalidInput(
            f"There is no window preset {key!r}; use one of: {valid}.", field="window"
        )
    return window
