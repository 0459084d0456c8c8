"""COCO run-length encoding of binary masks, in NumPy and pure Python.

Runs are counted in column-major (Fortran) order, as COCO does, starting with a run of
zeros (0 when the first pixel is set). The compressed string form packs each count, or
its difference from the count two places before it (from the fourth count on), into
5-bit groups, least significant first; each group is a character `48 + bits`, with 0x20
set when more groups follow and 0x10 giving the sign of the last group.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from pixelwise.domain.errors import InvalidInput
from pixelwise.domain.geometry_models import Rle

BoolMask = npt.NDArray[np.bool_]


def rle_encode(mask: npt.ArrayLike) -> Rle:
    """The RLE (uncompressed counts) of a 2D boolean mask of shape (height, width)."""
    pixels = np.asarray(mask, dtype=bool)
    if pixels.ndim != 2 or pixels.size == 0:
        raise InvalidInput(
            f"A mask must be a non-empty 2D array, not shape {pixels.shape}.", field="mask"
        )
    height, width = pixels.shape
    flat = pixels.ravel(order="F")
    edges = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    bounds = np.concatenate(([0], edges, [flat.size]))
    runs = np.diff(bounds).tolist()
    counts: list[int] = [0, *runs] if flat[0] else runs
    return Rle(size=(int(height), int(width)), counts=counts)


def rle_counts(rle: Rle, *, field: str = "rle.counts") -> list[int]:
    """The counts of `rle` as a list, decoding the compressed string form if needed."""
    if isinstance(rle.counts, str):
        return rle_from_string(rle.counts, field=field)
    return list(rle.counts)


def rle_decode(rle: Rle, *, field: str = "rle") -> BoolMask:
    """The boolean mask, shape (height, width), that `rle` encodes; InvalidInput when the
    counts do not cover exactly height x width pixels."""
    counts = rle_counts(rle, field=f"{field}.counts")
    height, width = rle.size
    total = sum(counts)
    if total != height * width:
        raise InvalidInput(
            f"The mask counts add up to {total} pixels, but its size {height}x{width} "
            f"has {height * width}; encode the whole image, column by column.",
            field=f"{field}.counts",
        )
    values = np.arange(len(counts)) % 2 == 1
    flat = np.repeat(values, counts)
    return flat.reshape((height, width), order="F")


def rle_to_string(counts: Sequence[int]) -> str:
    """COCO's compressed string for a list of run counts."""
    chars: list[str] = []
    for i, count in enumerate(counts):
        x = count - counts[i - 2] if i > 2 else count
        more = True
        while more:
            group = x & 0x1F
            x >>= 5
            more = x != -1 if group & 0x10 else x != 0
            if more:
                group |= 0x20
            chars.append(chr(group + 48))
    return "".join(chars)


def rle_from_string(text: str, *, field: str = "counts") -> list[int]:
    """The run counts in a COCO compressed string; InvalidInput for a string that COCO
    could not have written (a character out of range, a cut-off number, a negative run)."""
    counts: list[int] = []
    x = shift = 0
    group = 0
    for position, char in enumerate(text):
        group = ord(char) - 48
        if not 0 <= group < 64:
            raise InvalidInput(
                f"The compressed mask has an invalid character {char!r} at position "
                f"{position}; send the counts string exactly as COCO wrote it.",
                field=field,
            )
        x |= (group & 0x1F) << shift
        shift += 5
        if group & 0x20:
            continue
        if group & 0x10:
            x |= -1 << shift
        if len(counts) > 2:
            x += counts[-2]
        if x < 0:
            raise InvalidInput(
                f"The compressed mask decodes to a negative run at count {len(counts)}; "
                "send the counts string exactly as COCO wrote it.",
                field=field,
            )
        counts.append(x)
        x = shift = 0
    if group & 0x20:
        raise InvalidInput(
            "The compressed mask ends in the middle of a number; the string is cut off.",
            field=field,
        )
    return counts
