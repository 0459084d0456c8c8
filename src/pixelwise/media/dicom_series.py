"""Group DICOM instances into image series and order their slices in space.

A DICOM study arrives as loose files, one per slice (or one per multi-frame object), in no
useful order: file names and Instance Numbers are often wrong or restart. Annotators need
the slices of a series stacked in anatomical order, and measurements across slices need
the true distance between them, which is not always constant (a scanner may change slice
thickness mid-series) and not always along the slice normal (a tilted CT gantry stacks
slices obliquely, "shear"). `group_series` works that out from the headers alone
(`read_instance`), and records what a viewer must not assume (warnings, `uniform_spacing`,
`sheared`) instead of hiding it.

Rules:

* Image instances are grouped by Series Instance UID. Objects that are not images
  (structure sets, segmentations, reports, ...) and repeated SOP Instance UIDs are left
  out, each with a reason.
* A series whose images have different sizes (rows x columns; for example a localizer
  filed in the axial series) is split into one plan per size, largest first, numbered by
  `part` (1, 2, ...), each with a warning; an unsplit series has part 0. The plans of a
  split series share its Series Instance UID.
* Slices (each frame of a multi-frame object is one slice) are ordered by their position
  along the slice normal n = row cosines x column cosines, dot(Image Position, n),
  ascending. When a slice has no position or orientation, or orientations differ, they
  are ordered by Instance Number (then key, then frame) instead, with a warning.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

from pixelwise.domain.dicom_windows import preset
from pixelwise.media.dicom_header import DicomInstance

__all__ = [
    "SeriesPlan",
    "SliceRef",
    "WindowSetting",
    "group_series",
]

SHEAR_DEGREES: Final = 0.5
"""Slices stacked more than this far off the slice normal count as sheared (gantry tilt)."""
SPACING_TOLERANCE: Final = 0.01
"""Gaps within 1 % of the mean gap (and at least 0.01 mm) count as uniform spacing."""
_ORIENTATION_TOLERANCE: Final = 1e-3  # per direction cosine, about 0.06 degrees
_SAME_POSITION_MM: Final = 1e-3

Ordering = Literal["position", "instance_number"]


@dataclass(frozen=True)
class SliceRef:
    """One slice of a series: which stored instance (by the caller's key) and which frame."""

    key: str
    """The key the caller gave the instance in `group_series`."""
    frame: int
    """0 for single-frame instances; the frame index in a multi-frame object."""
    position: float | None
    """Millimetres along the slice normal; None when ordered by Instance Number."""
    instance_number: int | None
    sop_instance_uid: str


@dataclass(frozen=True)
class WindowSetting:
    """A display window in output units (HU for CT) and where it came from."""

    center: float
    width: float
    source: str
    """"file" (the series' own Window Center/Width), "preset:<key>" (a named CT window)
    or "range" (the full range the stored bits can hold)."""


@dataclass(frozen=True)
class SeriesPlan:
    """One image series, slices in order, with what a viewer needs to show and measure it."""

    study_uid: str
    series_uid: str
    frame_of_reference_uid: str | None
    modality: str
    description: str
    series_number: int | None
    part: int
    """0 for a whole series; 1, 2, ... for the parts of one split by image size."""
    slices: tuple[SliceRef, ...]
    """In order along the slice normal (or by Instance Number, see `ordered_by`)."""
    rows: int
    columns: int
    pixel_spacing: tuple[float, float] | None
    """Between rows, then columns (mm), of the first slice."""
    slice_thickness: float | None
    orientation: tuple[float, float, float, float, float, float] | None
    ordered_by: Ordering
    spacing: tuple[float, ...]
    """Distance along the normal between consecutive slices (mm); empty when ordered by
    Instance Number. Not necessarily uniform: see `uniform_spacing`."""
    uniform_spacing: bool
    sheared: bool
    """True when slices are stacked obliquely to their normal (gantry tilt): the volume is
    not a rectangular grid, and in-plane pixels of different slices do not line up."""
    tilt_degrees: float | None
    """Angle between the stacking direction (first to last slice) and the slice normal."""
    rescale_slope: float
    rescale_intercept: float
    units: str
    """"HU" for CT, else the Rescale Type when the file names one, else ""."""
    photometric: str
    default_window: WindowSetting
    warnings: tuple[str, ...]

    @property
    def positions(self) -> tuple[float | None, ...]:
        """Each slice's position along the normal (mm), in slice order."""
        return tuple(ref.position for ref in self.slices)

    @property
    def keys(self) -> tuple[str, ...]:
        """The distinct instance keys in slice order: the order to store instances in
        (a multi-frame object appears once, where its first slice is)."""
        return tuple(dict.fromkeys(ref.key for ref in self.slices))

    def meta(self) -> dict[str, object]:
        """A compact, JSON-serialisable description (per-slice data as parallel lists).

        `instances` lists SOP Instance UIDs in `keys` order; `slices.instance[i]` is the
        index into it of slice i, `slices.frame[i]` its frame. Positions and gaps are in
        mm, rounded to 0.1 micrometre.
        """
        keys = self.keys
        index = {key: number for number, key in enumerate(keys)}
        sop_by_key = {ref.key: ref.sop_instance_uid for ref in self.slices}
        return {
            "study_uid": self.study_uid,
            "series_uid": self.series_uid,
            "frame_of_reference_uid": self.frame_of_reference_uid,
            "modality": self.modality,
            "description": self.description,
            "series_number": self.series_number,
            "part": self.part,
            "rows": self.rows,
            "columns": self.columns,
            "pixel_spacing": _list(self.pixel_spacing),
            "slice_thickness": self.slice_thickness,
            "orientation": _list(self.orientation),
            "ordered_by": self.ordered_by,
            "slice_count": len(self.slices),
            "instances": [sop_by_key[key] for key in keys],
            "slices": {
                "instance": [index[ref.key] for ref in self.slices],
                "frame": [ref.frame for ref in self.slices],
                "position": [_round(ref.position) for ref in self.slices],
                "instance_number": [ref.instance_number for ref in self.slices],
            },
            "spacing": [_round(gap) for gap in self.spacing],
            "uniform_spacing": self.uniform_spacing,
            "sheared": self.sheared,
            "tilt_degrees": self.tilt_degrees,
            "rescale": {
                "slope": self.rescale_slope,
                "intercept": self.rescale_intercept,
                "units": self.units,
            },
            "photometric": self.photometric,
            "window": {
                "center": self.default_window.center,
                "width": self.default_window.width,
                "source": self.default_window.source,
            },
            "warnings": list(self.warnings),
        }


def group_series(
    instances: Iterable[tuple[str, DicomInstance]],
) -> tuple[list[SeriesPlan], list[tuple[str, str]]]:
    """Group `(key, instance)` pairs into ordered image series; see the module rules.

    `key` is the caller's own name for the stored instance (a path, a blob id), unique per
    pair; slices refer to instances by it.
    Returns the plans (in order of each series' first instance) and `(key, reason)` for
    every instance left out: a repeated SOP Instance UID (the first one is kept) or an
    object that is not an image. Never raises on odd headers.
    """
    first_key: dict[str, str] = {}
    by_series: dict[str, list[tuple[str, DicomInstance]]] = {}
    skipped: list[tuple[str, str]] = []
    for key, instance in instances:
        uid = instance.sop_instance_uid
        if uid in first_key:
            skipped.append(
                (
                    key,
                    f"the same DICOM instance appears twice (SOP Instance UID {uid}); "
                    f"the copy {first_key[uid]!r} was kept",
                )
            )
            continue
        first_key[uid] = key
        if not instance.is_image:
            skipped.append((key, _not_an_image(instance)))
            continue
        by_series.setdefault(instance.series_uid, []).append((key, instance))
    plans = [plan for members in by_series.values() for plan in _split_by_size(members)]
    return plans, skipped


# --- planning one series ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Slice:
    key: str
    frame: int
    instance: DicomInstance
    point: tuple[float, float, float] | None

    @property
    def orientation(self) -> tuple[float, ...] | None:
        return self.instance.image_orientation


def _split_by_size(members: list[tuple[str, DicomInstance]]) -> list[SeriesPlan]:
    sizes: dict[tuple[int, int], list[tuple[str, DicomInstance]]] = {}
    for key, instance in members:
        sizes.setdefault((instance.rows, instance.columns), []).append((key, instance))
    if len(sizes) == 1:
        return [_plan(members, part=0, warnings=[])]
    groups = sorted(sizes.items(), key=lambda item: -len(item[1]))  # stable: ties keep order
    summary = ", ".join(f"{len(group)} of {cols}x{rows}" for (rows, cols), group in groups)
    plans = []
    for part, ((rows, cols), group) in enumerate(groups, start=1):
        note = (
            f"The series mixes image sizes ({summary}); its {cols}x{rows} images form part "
            f"{part} of {len(groups)}, a series of their own."
        )
        plans.append(_plan(group, part=part, warnings=[note]))
    return plans


def _plan(
    members: list[tuple[str, DicomInstance]], *, part: int, warnings: list[str]
) -> SeriesPlan:
    slices = [
        _Slice(key, frame, instance, _frame_point(instance, frame))
        for key, instance in members
        for frame in range(instance.frames)
    ]
    normal, reason = _common_normal(slices, several=len(members) > 1)
    spacing: tuple[float, ...] = ()
    tilt: float | None = None
    ordering: Ordering
    if normal is None:
        ordering = "instance_number"
        refs = [_ref(item, None) for item in sorted(slices, key=_by_number)]
        if reason:
            warnings.append(reason)
    else:
        ordering = "position"
        placed = sorted(slices, key=lambda item: (_along(item, normal), *_by_number(item)))
        positions = [_along(item, normal) for item in placed]
        refs = [_ref(item, position) for item, position in zip(placed, positions, strict=True)]
        spacing = tuple(after - before for before, after in pairwise(positions))
        tilt = _tilt(placed, normal)
        warnings.extend(_spacing_warnings(spacing))
    by_key = dict(members)
    ordered = [by_key[key] for key in dict.fromkeys(ref.key for ref in refs)]
    head = ordered[0]
    sheared = tilt is not None and tilt > SHEAR_DEGREES
    if sheared:
        recorded = (
            f"; the gantry tilt recorded is {head.gantry_tilt:g} degrees"
            if head.gantry_tilt
            else ""
        )
        warnings.append(
            f"The slices are stacked {tilt:.2f} degrees off their normal (a sheared volume"
            f"{recorded}); a 3D view or reslice must correct for it."
        )
    warnings.extend(_consistency_warnings(ordered))
    return SeriesPlan(
        study_uid=head.study_uid,
        series_uid=head.series_uid,
        frame_of_reference_uid=head.frame_of_reference_uid,
        modality=head.modality,
        description=head.series_description,
        series_number=head.series_number,
        part=part,
        slices=tuple(refs),
        rows=head.rows,
        columns=head.columns,
        pixel_spacing=head.pixel_spacing,
        slice_thickness=head.slice_thickness,
        orientation=head.image_orientation,
        ordered_by=ordering,
        spacing=spacing,
        uniform_spacing=_uniform(spacing),
        sheared=sheared,
        tilt_degrees=None if tilt is None else round(tilt, 2),
        rescale_slope=head.rescale_slope,
        rescale_intercept=head.rescale_intercept,
        units=_units(head),
        photometric=head.photometric,
        default_window=_default_window(head, ordered),
        warnings=tuple(warnings),
    )


def _frame_point(instance: DicomInstance, frame: int) -> tuple[float, float, float] | None:
    if instance.frame_positions:
        return instance.frame_positions[frame] if frame < len(instance.frame_positions) else None
    return instance.image_position if instance.frames == 1 else None


def _common_normal(
    slices: list[_Slice], *, several: bool
) -> tuple[npt.NDArray[np.float64] | None, str | None]:
    """The shared slice normal, or None and why not (None: nothing worth a warning)."""
    lacking = sum(1 for item in slices if item.point is None or item.orientation is None)
    if lacking:
        if not several and lacking == len(slices):
            return None, None  # one object without positions: its frames stay in file order
        return None, (
            f"{lacking} of {len(slices)} slices have no Image Position or Orientation "
            "(Patient); the slices are ordered by Instance Number instead."
        )
    reference = np.asarray(slices[0].orientation, dtype=np.float64)
    for item in slices[1:]:
        if np.max(np.abs(np.asarray(item.orientation) - reference)) > _ORIENTATION_TOLERANCE:
            return None, (
                "The slices do not all have the same orientation, so they do not form one "
                "volume; they are ordered by Instance Number instead."
            )
    normal = np.cross(reference[:3], reference[3:])
    length = float(np.linalg.norm(normal))
    if length < 1e-6:
        return None, (
            "The Image Orientation (Patient) is invalid (row and column directions are "
            "parallel); the slices are ordered by Instance Number instead."
        )
    return normal / length, None


def _along(item: _Slice, normal: npt.NDArray[np.float64]) -> float:
    point = item.point if item.point is not None else (0.0, 0.0, 0.0)
    return float(np.dot(point, normal))


def _by_number(item: _Slice) -> tuple[bool, int, str, int]:
    number = item.instance.instance_number
    return (number is None, number or 0, item.key, item.frame)


def _ref(item: _Slice, position: float | None) -> SliceRef:
    return SliceRef(
        key=item.key,
        frame=item.frame,
        position=position,
        instance_number=item.instance.instance_number,
        sop_instance_uid=item.instance.sop_instance_uid,
    )


def _tilt(placed: list[_Slice], normal: npt.NDArray[np.float64]) -> float | None:
    """Degrees between the first-to-last slice direction and the normal (a long baseline,
    so rounding of single positions does not count); None for fewer than two places."""
    if len(placed) < 2 or placed[0].point is None or placed[-1].point is None:
        return None
    stack = np.subtract(placed[-1].point, placed[0].point)
    length = float(np.linalg.norm(stack))
    if length < _SAME_POSITION_MM:
        return None
    cosine = min(1.0, abs(float(np.dot(stack, normal))) / length)
    return math.degrees(math.acos(cosine))


def _uniform(spacing: Sequence[float]) -> bool:
    if len(spacing) < 2:
        return True
    mean = sum(spacing) / len(spacing)
    tolerance = max(0.01, SPACING_TOLERANCE * mean)
    return all(abs(gap - mean) <= tolerance for gap in spacing)


def _spacing_warnings(spacing: Sequence[float]) -> list[str]:
    warnings = []
    repeated = sum(1 for gap in spacing if gap < _SAME_POSITION_MM)
    if repeated:
        warnings.append(
            f"{repeated} slices lie at the same position as the one before (repeated or "
            "overlapping acquisitions); check the series is not two series in one."
        )
    if not _uniform(spacing):
        warnings.append(
            f"The slice spacing is not uniform: gaps from {min(spacing):.2f} to "
            f"{max(spacing):.2f} mm (median {float(np.median(spacing)):.2f} mm); measure "
            "across slices with the per-slice positions."
        )
    return warnings


def _consistency_warnings(instances: list[DicomInstance]) -> list[str]:
    warnings = []
    checks = (
        ("pixel spacings", lambda item: item.pixel_spacing),
        ("rescale slopes or intercepts", lambda item: (item.rescale_slope, item.rescale_intercept)),
        ("photometric interpretations", lambda item: item.photometric),
        ("frames of reference", lambda item: item.frame_of_reference_uid),
    )
    for what, value in checks:
        distinct = len({value(instance) for instance in instances})
        if distinct > 1:
            warnings.append(
                f"The slices have {distinct} different {what}; each slice is shown with its "
                "own, but measurements across slices may not be comparable."
            )
    return warnings


def _default_window(head: DicomInstance, instances: list[DicomInstance]) -> WindowSetting:
    """The series' own window (first slice that has one), else a preset for CT, else the
    range the stored bits can hold, after rescale."""
    for instance in instances:
        if instance.window_center is not None and (instance.window_width or 0) >= 1:
            return WindowSetting(instance.window_center, instance.window_width or 1.0, "file")
    if head.modality == "CT":
        window = preset("abdomen")
        return WindowSetting(window.level, window.width, f"preset:{window.key}")
    bits = head.bits_stored if 0 < head.bits_stored <= 32 else 8
    low = -(2 ** (bits - 1)) if head.pixel_representation else 0
    high = low + 2**bits - 1
    ends = sorted(head.rescale_slope * value + head.rescale_intercept for value in (low, high))
    width = max(1.0, ends[1] - ends[0] + abs(head.rescale_slope))
    return WindowSetting((ends[0] + ends[1]) / 2, width, "range")


def _units(head: DicomInstance) -> str:
    if head.modality == "CT":
        return "HU"
    return "" if head.rescale_type in ("", "US") else head.rescale_type


def _not_an_image(instance: DicomInstance) -> str:
    what = f"{instance.modality or 'DICOM'} object ({instance.sop_class_name})"
    if instance.is_structure_set:
        return f"{what}, not an image series; its references to images are checked instead"
    if not instance.has_pixels:
        return f"{what} without pixel data, not an image series"
    return f"{what}, not an image to label"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _list(values: tuple[float, ...] | None) -> list[float] | None:
    return None if values is None else list(values)
