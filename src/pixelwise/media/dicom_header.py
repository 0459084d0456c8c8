"""What one DICOM object is, where its slices lie, and what it references.

An import may hold thousands of DICOM files, so this reads the header only (see
`dicom_file`): pydicom stops before the pixel data, which are never loaded here. The header
is enough to group files into series, order the slices, and check that a structure set
points at images that were imported with it (see `dicom_series`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Final

from pydicom.dataset import Dataset
from pydicom.uid import UID

from pixelwise.media.dicom_file import DicomError, Header, corrupt, read_header
from pixelwise.media.dicom_values import (
    either,
    first_number,
    frame_count,
    integer,
    items,
    number,
    number_in,
    numbers,
    numbers_in,
    text,
    text_in,
    vector2,
    vector3,
    vector6,
)

__all__ = [
    "NON_IMAGE_MODALITIES",
    "RT_STRUCTURE_SET",
    "DicomInstance",
    "frame_rescale",
    "instance_of",
    "read_instance",
]

NON_IMAGE_MODALITIES: Final[frozenset[str]] = frozenset(
    {
        *("RTSTRUCT", "RTPLAN", "RTDOSE", "RTRECORD", "SEG", "SR", "KO", "PR", "REG"),
        *("DOC", "FID", "PLAN", "RWV", "AU", "ECG", "HD"),
    }
)
"""Modalities of objects that are not images to label (structure sets, segmentations,
reports, plans, dose grids, presentation states, waveforms), even when they hold pixels."""

RT_STRUCTURE_SET: Final = "1.2.840.10008.5.1.4.1.1.481.3"
_DIRECTORY: Final = "1.2.840.10008.1.3.10"  # Media Storage Directory (DICOMDIR)


@dataclass(frozen=True)
class DicomInstance:
    """What the header of one DICOM object says, for grouping, ordering and checking.

    Geometry is in the patient coordinate system (millimetres). Values the file does not
    carry, or carries malformed, are None (or empty, or the DICOM default: 1 frame, slope 1,
    intercept 0). For enhanced multi-frame objects, orientation, pixel spacing, slice
    thickness, rescale and window come from the shared functional groups (else from the
    first frame's), and `frame_positions` from each frame's Plane Position.
    """

    sop_instance_uid: str
    sop_class_uid: str
    study_uid: str
    series_uid: str
    frame_of_reference_uid: str | None
    modality: str
    series_description: str
    series_number: int | None
    instance_number: int | None
    image_position: tuple[float, float, float] | None
    """Image Position (Patient) of the first pixel; for a multi-frame object without one
    at the top level, that of its first frame."""
    image_orientation: tuple[float, float, float, float, float, float] | None
    """Row direction cosines, then column direction cosines."""
    pixel_spacing: tuple[float, float] | None
    """Between rows, then between columns (mm), as DICOM orders it."""
    slice_thickness: float | None
    rows: int
    columns: int
    frames: int
    frame_positions: tuple[tuple[float, float, float] | None, ...]
    """One entry per frame for objects with per-frame positions; empty otherwise."""
    samples_per_pixel: int
    bits_allocated: int
    bits_stored: int
    pixel_representation: int
    photometric: str
    rescale_slope: float
    rescale_intercept: float
    rescale_type: str
    window_center: float | None
    window_width: float | None
    transfer_syntax_uid: str
    has_pixels: bool
    gantry_tilt: float | None
    """Gantry/Detector Tilt (degrees) as the scanner recorded it."""
    referenced_sop_uids: tuple[str, ...]
    """Images a structure set (or segmentation) points at, each once, in file order."""
    referenced_series_uids: tuple[str, ...]
    referenced_frame_of_reference_uids: tuple[str, ...]
    roi_names: tuple[str, ...]

    @property
    def is_image(self) -> bool:
        """True for objects with pixels to label; false for structure sets, reports, etc."""
        return (
            self.has_pixels
            and self.rows > 0
            and self.columns > 0
            and self.modality.upper() not in NON_IMAGE_MODALITIES
        )

    @property
    def is_structure_set(self) -> bool:
        """True for an RT Structure Set (contours drawn on images of another series)."""
        return self.sop_class_uid == RT_STRUCTURE_SET or self.modality.upper() == "RTSTRUCT"

    @property
    def sop_class_name(self) -> str:
        """The SOP class as people name it ("CT Image Storage"), else its UID."""
        return UID(self.sop_class_uid).name if self.sop_class_uid else "unknown SOP class"


def read_instance(stream: BinaryIO) -> DicomInstance:
    """Read the header of the DICOM object in `stream` (never its pixel data).

    `stream` is read from position 0; a non-seekable one is read into memory first. The
    caller keeps ownership. Raises `DicomError` for anything that is not a usable DICOM
    object (see the class for the reasons).
    """
    return instance_of(read_header(stream))


def instance_of(header: Header) -> DicomInstance:
    """The `DicomInstance` of a parsed header; `DicomError` as for `read_instance`."""
    try:
        return _instance(header.dataset, header)
    except DicomError:
        raise
    except Exception as error:  # pydicom converts values lazily; any of them may be bad
        raise corrupt(error) from error


# --- building the instance -------------------------------------------------------------------


def _instance(ds: Dataset, header: Header) -> DicomInstance:
    sop_class = text(ds, "SOPClassUID") or text(ds.file_meta, "MediaStorageSOPClassUID")
    if sop_class == _DIRECTORY or "DirectoryRecordSequence" in ds:
        raise DicomError(
            "This is a DICOMDIR (an index of a DICOM folder), not an image; it is skipped "
            "and the files it lists are read on their own.",
            reason="directory",
        )
    rows = integer(ds, "Rows") or 0
    columns = integer(ds, "Columns") or 0
    class_name = UID(sop_class).name
    if not header.has_pixels and ((rows and columns) or "Image Storage" in class_name):
        raise DicomError(
            f"The file is a {class_name or 'DICOM image'} object but holds no pixel data; it "
            "is probably truncated. Upload a complete copy.",
            reason="corrupt",
        )
    sop_uid = text(ds, "SOPInstanceUID") or text(ds.file_meta, "MediaStorageSOPInstanceUID")
    series_uid = text(ds, "SeriesInstanceUID")
    missing = [name for name, value in (("SOP", sop_uid), ("Series", series_uid)) if not value]
    if missing:
        raise DicomError(
            f"The DICOM file has no {' or '.join(missing)} Instance UID, so it cannot be "
            "placed in a series; fix or re-export it from the source system.",
            reason="missing_uid",
        )
    frames = frame_count(ds)
    groups = _FunctionalGroups(ds)
    frame_positions = _frame_positions(ds, frames)
    position = numbers(ds, "ImagePositionPatient", 3)
    if position is None and frame_positions:
        position = frame_positions[0]
    orientation = numbers(ds, "ImageOrientationPatient", 6)
    if orientation is None:
        planes = groups.find("PlaneOrientationSequence")
        orientation = numbers_in(planes, "ImageOrientationPatient", 6)
    measures = groups.find("PixelMeasuresSequence")
    transform = groups.find("PixelValueTransformationSequence")
    voi = groups.find("FrameVOILUTSequence")
    references = _References(ds)
    return DicomInstance(
        sop_instance_uid=sop_uid,
        sop_class_uid=sop_class,
        study_uid=text(ds, "StudyInstanceUID"),
        series_uid=series_uid,
        frame_of_reference_uid=text(ds, "FrameOfReferenceUID") or None,
        modality=text(ds, "Modality").upper(),
        series_description=text(ds, "SeriesDescription"),
        series_number=integer(ds, "SeriesNumber"),
        instance_number=integer(ds, "InstanceNumber"),
        image_position=vector3(position),
        image_orientation=vector6(orientation),
        pixel_spacing=vector2(
            either(
                numbers(ds, "PixelSpacing", 2),
                numbers_in(measures, "PixelSpacing", 2),
            )
        ),
        slice_thickness=either(number(ds, "SliceThickness"), number_in(measures, "SliceThickness")),
        rows=rows,
        columns=columns,
        frames=frames,
        frame_positions=frame_positions,
        samples_per_pixel=integer(ds, "SamplesPerPixel") or 1,
        bits_allocated=integer(ds, "BitsAllocated") or 0,
        bits_stored=integer(ds, "BitsStored") or integer(ds, "BitsAllocated") or 0,
        pixel_representation=integer(ds, "PixelRepresentation") or 0,
        photometric=text(ds, "PhotometricInterpretation").upper(),
        rescale_slope=first_number(ds, transform, "RescaleSlope", 1.0),
        rescale_intercept=first_number(ds, transform, "RescaleIntercept", 0.0),
        rescale_type=text(ds, "RescaleType") or text_in(transform, "RescaleType"),
        window_center=either(number(ds, "WindowCenter"), number_in(voi, "WindowCenter")),
        window_width=either(number(ds, "WindowWidth"), number_in(voi, "WindowWidth")),
        transfer_syntax_uid=str(header.transfer_syntax),
        has_pixels=header.has_pixels,
        gantry_tilt=number(ds, "GantryDetectorTilt"),
        referenced_sop_uids=references.sops,
        referenced_series_uids=references.series,
        referenced_frame_of_reference_uids=references.frames_of_reference,
        roi_names=references.roi_names,
    )


def frame_rescale(ds: Dataset, frame: int) -> tuple[float, float]:
    """Rescale slope and intercept for `frame`: from the top level, else the shared
    functional groups, else that frame's own (1 and 0 when none is given)."""
    candidates = [ds]
    for shared in items(ds, "SharedFunctionalGroupsSequence")[:1]:
        candidates.extend(items(shared, "PixelValueTransformationSequence"))
    per_frame = items(ds, "PerFrameFunctionalGroupsSequence")
    if 0 <= frame < len(per_frame):
        candidates.extend(items(per_frame[frame], "PixelValueTransformationSequence"))
    for candidate in candidates:
        slope = number(candidate, "RescaleSlope")
        intercept = number(candidate, "RescaleIntercept")
        if slope is not None or intercept is not None:
            return (1.0 if slope is None else slope), (0.0 if intercept is None else intercept)
    return 1.0, 0.0


class _FunctionalGroups:
    """Items of a functional group macro: the shared one first, then the first frame's."""

    def __init__(self, ds: Dataset) -> None:
        self._shared = items(ds, "SharedFunctionalGroupsSequence")[:1]
        self._first = items(ds, "PerFrameFunctionalGroupsSequence")[:1]

    def find(self, keyword: str) -> list[Dataset]:
        """The items of sequence `keyword` in the shared group, then in the first frame's."""
        return [item for group in self._shared + self._first for item in items(group, keyword)]


def _frame_positions(ds: Dataset, frames: int) -> tuple[tuple[float, float, float] | None, ...]:
    per_frame = items(ds, "PerFrameFunctionalGroupsSequence")
    if not per_frame:
        return ()
    positions = [
        vector3(numbers_in(items(group, "PlanePositionSequence"), "ImagePositionPatient", 3))
        for group in per_frame[:frames]
    ]
    if all(position is None for position in positions):
        return ()
    positions.extend([None] * (frames - len(positions)))
    return tuple(positions)


class _References:
    """What a structure set (or a segmentation) points at, each UID once, in file order."""

    def __init__(self, ds: Dataset) -> None:
        sops: dict[str, None] = {}
        series: dict[str, None] = {}
        frames: dict[str, None] = {}
        for roi in items(ds, "ROIContourSequence"):
            for contour in items(roi, "ContourSequence"):
                for image in items(contour, "ContourImageSequence"):
                    _add(sops, text(image, "ReferencedSOPInstanceUID"))
        for frame in items(ds, "ReferencedFrameOfReferenceSequence"):
            _add(frames, text(frame, "FrameOfReferenceUID"))
            for study in items(frame, "RTReferencedStudySequence"):
                for serie in items(study, "RTReferencedSeriesSequence"):
                    _add(series, text(serie, "SeriesInstanceUID"))
                    for image in items(serie, "ContourImageSequence"):
                        _add(sops, text(image, "ReferencedSOPInstanceUID"))
        for serie in items(ds, "ReferencedSeriesSequence"):  # segmentations
            _add(series, text(serie, "SeriesInstanceUID"))
            for image in items(serie, "ReferencedInstanceSequence"):
                _add(sops, text(image, "ReferencedSOPInstanceUID"))
        names: list[str] = []
        for roi in items(ds, "StructureSetROISequence"):
            _add(frames, text(roi, "ReferencedFrameOfReferenceUID"))
            names.append(text(roi, "ROIName"))
        self.sops = tuple(sops)
        self.series = tuple(series)
        self.frames_of_reference = tuple(frames)
        self.roi_names = tuple(names)


def _add(seen: dict[str, None], value: str) -> None:
    if value:
        seen[value] = None
