"""DICOM for Pixelwise: recognise files, read headers, group series, render slices.

This is the one module the rest of Pixelwise imports for DICOM; the work is split by stage:

* `dicom_file`: `is_dicom` (a cheap guess from the first 132 bytes and the name), and
  the header parse with its truncation checks (`DicomError` for anything unusable);
* `dicom_header`: `read_instance` (the header only, as a `DicomInstance`), with
  `dicom_values` reading each value so that one malformed value cannot fail it;
* `dicom_series`: `group_series` (image series with slices in anatomical order, spacing,
  shear and warnings; `SeriesPlan.meta()` is what an asset stores);
* `dicom_references`: `check_references` (an RT structure set against the imported
  images);
* `dicom_pixels`: `load_frame_hu` (one frame, decoded and rescaled to HU), and renderings:
  `window_to_uint8`, `encode_png16`, `encode_raw_int16`, `hu_at`.

An import calls, per file, `is_dicom(head, name)` then `read_instance(stream)`; at the end
`group_series(...)` gives one asset per plan (instances stored in `plan.keys` order) and
`(key, reason)` for files that are not series; each structure set goes through
`check_references`. The media server calls `load_frame_hu` for the instance and frame of
a slice (`plan.meta()["slices"]`) and renders it with a window (`WINDOW_PRESETS`).
"""

from __future__ import annotations

from pixelwise.domain.dicom_windows import WINDOW_PRESETS, WindowPreset, preset
from pixelwise.media.dicom_file import DicomError, is_dicom
from pixelwise.media.dicom_header import NON_IMAGE_MODALITIES, DicomInstance, read_instance
from pixelwise.media.dicom_pixels import (
    MAX_FRAME_PIXELS,
    PNG16_OFFSET,
    encode_png16,
    encode_raw_int16,
    hu_at,
    load_frame_hu,
    window_to_uint8,
)
from pixelwise.media.dicom_references import check_references
from pixelwise.media.dicom_series import SeriesPlan, SliceRef, WindowSetting, group_series

__all__ = [
    "MAX_FRAME_PIXELS",
    "NON_IMAGE_MODALITIES",
    "PNG16_OFFSET",
    "WINDOW_PRESETS",
    "DicomError",
    "DicomInstance",
    "SeriesPlan",
    "SliceRef",
    "WindowPreset",
    "WindowSetting",
    "check_references",
    "encode_png16",
    "encode_raw_int16",
    "group_series",
    "hu_at",
    "is_dicom",
    "load_frame_hu",
    "preset",
    "read_instance",
    "window_to_uint8",
]
