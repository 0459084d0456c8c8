"""Read values from untrusted DICOM datasets without raising.

pydicom converts an element's bytes to a value when it is first accessed, and a malformed
value (a damaged file, a careless writer) raises then, with any of many exception types.
Reading a header must not fail on one bad optional value, so these accessors read such a
value as missing (None, "" or empty), and numbers that are not finite as missing too; the
few values that are required are checked by the caller. Multi-valued elements give their
first value, except where a fixed count is asked for (`numbers`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TypeVar

from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence

__all__ = [
    "either",
    "first_number",
    "frame_count",
    "integer",
    "items",
    "number",
    "number_in",
    "numbers",
    "numbers_in",
    "text",
    "text_in",
    "vector2",
    "vector3",
    "vector6",
]

_T = TypeVar("_T")


def text(ds: Dataset, keyword: str) -> str:
    """The (first) value as text without padding; "" when absent or unreadable."""
    found = _first(_get(ds, keyword))
    return "" if found is None else str(found).strip(" \x00")


def integer(ds: Dataset, keyword: str) -> int | None:
    """The (first) value as a whole number, truncated; None when absent or unreadable."""
    found = number(ds, keyword)
    return None if found is None else int(found)


def number(ds: Dataset, keyword: str) -> float | None:
    """The (first) value as a finite float; None when absent or unreadable."""
    return _finite(_first(_get(ds, keyword)))


def numbers(ds: Dataset, keyword: str, count: int) -> tuple[float, ...] | None:
    """Exactly `count` finite floats; None when absent, unreadable or of another count."""
    found = _get(ds, keyword)
    if not isinstance(found, (MultiValue, list, tuple)) or len(found) != count:
        return None
    converted = [_finite(item) for item in found]
    result = tuple(item for item in converted if item is not None)
    return result if len(result) == count else None


def items(ds: Dataset | None, keyword: str) -> list[Dataset]:
    """The items of a sequence element; empty when absent or not a sequence."""
    if ds is None:
        return []
    found = _get(ds, keyword)
    if not isinstance(found, Sequence):
        return []
    return [item for item in found if isinstance(item, Dataset)]


def numbers_in(datasets: list[Dataset], keyword: str, count: int) -> tuple[float, ...] | None:
    """`numbers` from the first of `datasets` that has them."""
    return next(_present(numbers(item, keyword, count) for item in datasets), None)


def number_in(datasets: list[Dataset], keyword: str) -> float | None:
    """`number` from the first of `datasets` that has one."""
    return next(_present(number(item, keyword) for item in datasets), None)


def text_in(datasets: list[Dataset], keyword: str) -> str:
    """`text` from the first of `datasets` that has a non-empty one."""
    return next(_present(text(item, keyword) or None for item in datasets), "")


def first_number(ds: Dataset, datasets: list[Dataset], keyword: str, default: float) -> float:
    """`number` from `ds`, else from `datasets`, else `default`."""
    found = either(number(ds, keyword), number_in(datasets, keyword))
    return default if found is None else found


def frame_count(ds: Dataset) -> int:
    """Number of Frames, 1 when absent or malformed."""
    return max(1, integer(ds, "NumberOfFrames") or 1)


def either(value: _T | None, fallback: _T | None) -> _T | None:
    """`value` unless it is None (a plain `or` would also drop 0)."""
    return fallback if value is None else value


def vector2(found: tuple[float, ...] | None) -> tuple[float, float] | None:
    """A pair from a 2-tuple of `numbers` (kept None)."""
    return None if found is None else (found[0], found[1])


def vector3(found: tuple[float, ...] | None) -> tuple[float, float, float] | None:
    """A triple from a 3-tuple of `numbers` (kept None)."""
    return None if found is None else (found[0], found[1], found[2])


def vector6(
    found: tuple[float, ...] | None,
) -> tuple[float, float, float, float, float, float] | None:
    """A 6-tuple from a 6-tuple of `numbers` (kept None)."""
    if found is None:
        return None
    return (found[0], found[1], found[2], found[3], found[4], found[5])


def _get(ds: Dataset, keyword: str) -> object:
    try:
        return ds.get(keyword)
    except Exception:  # pydicom converts on access and may fail on any bad value
        return None


def _first(found: object) -> object:
    if isinstance(found, (MultiValue, list, tuple)):
        return found[0] if len(found) else None
    return found


def _finite(found: object) -> float | None:
    if found is None or isinstance(found, bool) or found == "":
        return None
    try:
        result = float(found)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return result if math.isfinite(result) else None


def _present(found: Iterator[_T | None]) -> Iterator[_T]:
    return (item for item in found if item is not None)
