"""Reading DICOM headers, grouping series, checking references and rendering slices
(pixelwise.media.dicom), on the real head CT and RT phantom in ../shared/data when present
and on files written here with pydicom (compressed, multi-frame, bare, damaged)."""

from __future__ import annotations

import io
import itertools
import json
import math
import random
import re
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pydicom
import pytest
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.sequence import Sequence
from pydicom.uid import (
    HEVCMP51,
    UID,
    CTImageStorage,
    EnhancedCTImageStorage,
    ExplicitVRLittleEndian,
    JPEG2000Lossless,
    RLELossless,
    RTStructureSetStorage,
    SecondaryCaptureImageStorage,
    generate_uid,
)

from pixelwise.domain.dicom_windows import WINDOW_PRESETS, WindowPreset, preset
from pixelwise.domain.errors import InvalidInput
from pixelwise.media.dicom import (
    PNG16_OFFSET,
    DicomError,
    DicomInstance,
    SeriesPlan,
    check_references,
    encode_png16,
    encode_raw_int16,
    group_series,
    hu_at,
    is_dicom,
    load_frame_hu,
    read_instance,
    window_to_uint8,
)

DICOM_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "dicom"
HEAD_CT = DICOM_DATA / "dcm_qa_ct_ge_head"
PHANTOM = DICOM_DATA / "rtutils_phantom_rtstruct"
AXIAL = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)

# Damaged files make pydicom warn about the garbage values it meets; the errors are ours.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


# --- helpers ---------------------------------------------------------------------------------


def uid(name: str) -> UID:
    """A valid UID that is the same on every run."""
    return generate_uid(entropy_srcs=[name])


def ct_slice(
    pixels: npt.NDArray[np.int16],
    *,
    z: float | None = 0.0,
    number: int | None = 1,
    series: str = "series",
    sop: str | None = None,
    intercept: float = -1024.0,
) -> Dataset:
    """A CT image dataset in the DICOM file format; no position when `z` is None."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = CTImageStorage
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = sop or uid(f"{series}-{number}-{z}")
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.StudyInstanceUID = uid("study")
    ds.SeriesInstanceUID = uid(series)
    ds.FrameOfReferenceUID = uid("frame")
    ds.Modality = "CT"
    ds.SeriesDescription = "made in a test"
    if number is not None:
        ds.InstanceNumber = number
    if z is not None:
        ds.ImagePositionPatient = [-10.0, -10.0, z]
        ds.ImageOrientationPatient = list(AXIAL)
    ds.PixelSpacing = [0.5, 0.5]
    ds.SliceThickness = 1.0
    ds.RescaleSlope = 1
    ds.RescaleIntercept = intercept
    ds.RescaleType = "HU"
    ds.set_pixel_data(pixels, "MONOCHROME2", 16)
    return ds


def noise(rows: int = 40, columns: int = 32, seed: int = 7) -> npt.NDArray[np.int16]:
    rng = np.random.default_rng(seed)
    return rng.integers(-1000, 3000, (rows, columns)).astype(np.int16)


def write(ds: Dataset, path: Path, *, bare: bool = False) -> Path:
    """Save `ds` in the DICOM file format, or `bare`: implicit VR, no preamble or meta."""
    if bare:
        ds.save_as(path, implicit_vr=True, little_endian=True)
    else:
        ds.save_as(path, enforce_file_format=True)
    return path


def read(path: Path) -> DicomInstance:
    with path.open("rb") as stream:
        return read_instance(stream)


def frame(path: Path, index: int = 0) -> npt.NDArray[np.float32]:
    with path.open("rb") as stream:
        return load_frame_hu(stream, index)


def plan_of(pairs: Iterable[tuple[str, DicomInstance]]) -> SeriesPlan:
    plans, skipped = group_series(pairs)
    assert skipped == []
    assert len(plans) == 1
    return plans[0]


def only_dicom_errors(action: Callable[[], object]) -> DicomError | None:
    """Run `action`; return its DicomError, None if it succeeded; anything else fails."""
    try:
        action()
    except DicomError as error:
        caught = error
    else:
        return None
    assert caught.detail
    assert "\n" not in caught.detail
    return caught


def needs(directory: Path) -> None:
    if not directory.is_dir():
        pytest.skip(f"sample DICOM data not found at {directory} (shared data is not checked out)")


@pytest.fixture(scope="module")
def head_ct() -> list[tuple[str, DicomInstance]]:
    needs(HEAD_CT)
    return [(path.name, read(path)) for path in sorted(HEAD_CT.glob("*.dcm"))]


@pytest.fixture(scope="module")
def phantom() -> dict[str, DicomInstance]:
    needs(PHANTOM)
    return {path.name: read(path) for path in sorted(PHANTOM.glob("*.dcm"))}


# --- window presets --------------------------------------------------------------------------


def test_window_presets_table_is_complete() -> None:
    table = {window.key: (window.width, window.level) for window in WINDOW_PRESETS}
    assert table == {
        "abdomen": (400, 50),
        "bone": (1800, 400),
        "brain": (80, 40),
        "brain_marrow": (700, 200),
        "liver": (150, 30),
        "lung": (1500, -600),
        "subdural": (250, 75),
    }
    assert all(re.fullmatch(r"[a-z_]+", window.key) and window.name for window in WINDOW_PRESETS)
    assert preset("lung") == WindowPreset("lung", "Lung", width=1500, level=-600)
    with pytest.raises(InvalidInput, match="abdomen, bone, brain, brain_marrow, liver, lung"):
        preset("soft")


# --- recognising files -----------------------------------------------------------------------


def test_is_dicom_by_marker_by_first_element_and_by_name(tmp_path: Path) -> None:
    with_marker = write(ct_slice(noise()), tmp_path / "a").read_bytes()
    bare = ct_slice(noise())
    del bare.file_meta
    bare_bytes = write(bare, tmp_path / "b", bare=True).read_bytes()
    png = io.BytesIO()
    Image.new("L", (4, 4)).save(png, format="PNG")

    assert with_marker[128:132] == b"DICM"
    assert is_dicom(with_marker[:132])
    assert bare_bytes[:2] == b"\x08\x00"
    assert is_dicom(bare_bytes[:132])
    assert is_dicom(b"anything", "scan/IM0001.DCM")
    assert is_dicom(b"", "x.dicom")
    assert not is_dicom(png.getvalue()[:132], "picture.png")
    assert not is_dicom(b"Patient name, slice\nDoe, 1\n", "notes.txt")
    assert not is_dicom(b"")


def test_preamble_less_implicit_vr_file_is_read_and_decoded(tmp_path: Path) -> None:
    pixels = noise()
    ds = ct_slice(pixels)
    del ds.file_meta
    path = write(ds, tmp_path / "bare", bare=True)
    assert path.read_bytes()[128:132] != b"DICM"

    instance = read(path)

    assert instance.transfer_syntax_uid == "1.2.840.10008.1.2"  # Implicit VR Little Endian
    assert (instance.rows, instance.columns, instance.has_pixels) == (40, 32, True)
    assert instance.rescale_intercept == -1024.0
    np.testing.assert_array_equal(frame(path), pixels - 1024.0)


# --- the real head CT ------------------------------------------------------------------------


def test_head_ct_is_one_series_ordered_along_the_normal(
    head_ct: list[tuple[str, DicomInstance]],
) -> None:
    shuffled = list(head_ct)
    random.Random(3).shuffle(shuffled)

    plan = plan_of(shuffled)

    assert (plan.modality, plan.rows, plan.columns, len(plan.slices)) == ("CT", 512, 512, 28)
    assert plan.ordered_by == "position"
    positions = [position for position in plan.positions if position is not None]
    assert len(positions) == 28
    assert all(a < b for a, b in itertools.pairwise(positions))
    # Here the file names follow the anatomy, so shuffling the input shows the order comes
    # from the positions, not from the order the files were given in.
    assert [name for name, _ in shuffled] != list(plan.keys)
    assert list(plan.keys) == sorted(name for name, _ in head_ct)
    assert plan.keys == plan_of(head_ct).keys


def test_head_ct_records_uneven_spacing_and_gantry_tilt(
    head_ct: list[tuple[str, DicomInstance]],
) -> None:
    plan = plan_of(head_ct)

    assert len(plan.spacing) == 27
    assert min(plan.spacing) == pytest.approx(1.08, abs=0.01)
    assert max(plan.spacing) == pytest.approx(6.99, abs=0.02)
    assert not plan.uniform_spacing
    assert plan.sheared
    assert plan.tilt_degrees == pytest.approx(18.5, abs=0.05)
    assert any("not uniform" in warning for warning in plan.warnings)
    assert any("18.50 degrees" in warning for warning in plan.warnings)
    assert plan.units == "HU"
    assert plan.default_window.source == "file"


def test_head_ct_meta_is_compact_json(head_ct: list[tuple[str, DicomInstance]]) -> None:
    plan = plan_of(head_ct)

    meta = plan.meta()
    text = json.dumps(meta, allow_nan=False)

    assert len(text) < 8000
    assert meta["slice_count"] == 28
    assert meta["sheared"] is True
    slices = meta["slices"]
    assert isinstance(slices, dict)
    assert slices["instance"] == list(range(28))
    assert slices["frame"] == [0] * 28
    assert meta["instances"] == [ref.sop_instance_uid for ref in plan.slices]
    assert json.loads(text) == meta


def test_head_ct_values_are_hu_and_render_through_a_window(
    head_ct: list[tuple[str, DicomInstance]],
) -> None:
    plan = plan_of(head_ct)
    lowest, highest = math.inf, -math.inf
    for name in plan.keys:
        hu = frame(HEAD_CT / name)
        stored = pydicom.dcmread(HEAD_CT / name).pixel_array
        assert hu.dtype == np.float32
        assert hu.shape == (512, 512)
        np.testing.assert_array_equal(hu, stored)  # intercept 0: stored values are HU
        lowest, highest = min(lowest, float(hu.min())), max(highest, float(hu.max()))
    assert lowest == -1500  # the padding value
    assert 1900 <= highest <= 2200

    window = plan.default_window
    grey = window_to_uint8(frame(HEAD_CT / "11.dcm"), window.center, window.width)
    assert grey.dtype == np.uint8
    assert grey.shape == (512, 512)
    assert grey.min() == 0
    assert grey.max() == 255


def test_read_instance_is_fast_on_the_head_ct(record_property: Callable[..., None]) -> None:
    needs(HEAD_CT)
    paths = sorted(HEAD_CT.glob("*.dcm"))
    started = time.perf_counter()
    for path in paths:
        read(path)
    elapsed = time.perf_counter() - started
    record_property("read_instance_28_files_ms", round(elapsed * 1000, 1))
    assert elapsed < 3.0


# --- the RT phantom --------------------------------------------------------------------------


def test_phantom_ct_is_one_series_with_its_intercept_applied(
    phantom: dict[str, DicomInstance],
) -> None:
    plan = plan_of((name, phantom[name]) for name in ("ct_2.dcm", "ct_1.dcm"))

    assert plan.keys == ("ct_1.dcm", "ct_2.dcm")
    assert plan.spacing == pytest.approx((5.0,))
    assert plan.uniform_spacing
    assert not plan.sheared
    assert plan.rescale_intercept == -1024.0
    for name in plan.keys:
        stored = pydicom.dcmread(PHANTOM / name).pixel_array
        np.testing.assert_array_equal(frame(PHANTOM / name), stored.astype(np.float32) - 1024)


def test_phantom_structure_sets_are_checked_against_the_ct(
    phantom: dict[str, DicomInstance],
) -> None:
    images = [phantom["ct_1.dcm"], phantom["ct_2.dcm"]]
    rt = phantom["rt.dcm"]
    assert rt.is_structure_set
    assert not rt.is_image
    assert rt.roi_names == ("ROI-1",)

    # rt.dcm names a freshly generated frame of reference, not the CT's; every image it
    # references is present, so that is tolerated.
    assert images[0].frame_of_reference_uid not in rt.referenced_frame_of_reference_uids
    assert check_references(rt, images) == []
    invalid = check_references(phantom["invalid_reference_rt.dcm"], images)
    assert len(invalid) == 1
    assert invalid[0].startswith("3 of the 5 images")
    absent = check_references(phantom["non_existent_reference_rt.dcm"], images)
    assert len(absent) == 1
    assert absent[0].startswith("1 of the 3 images")
    assert "not in this import" in absent[0]
    assert check_references(rt, []) != []


def test_phantom_import_leaves_out_structure_sets_with_reasons(
    phantom: dict[str, DicomInstance],
) -> None:
    plans, skipped = group_series(phantom.items())

    assert [len(plan.slices) for plan in plans] == [2]
    reasons = dict(skipped)
    assert set(reasons) == {"invalid_reference_rt.dcm", "non_existent_reference_rt.dcm", "rt.dcm"}
    assert "RTSTRUCT object" in reasons["rt.dcm"]
    # The two MIM files carry the same SOP Instance UID.
    assert "appears twice" in reasons["non_existent_reference_rt.dcm"]


# --- compressed pixel data -------------------------------------------------------------------


@pytest.mark.parametrize("syntax", [RLELossless, JPEG2000Lossless], ids=["rle", "j2k"])
def test_compressed_copies_decode_to_the_same_hu(tmp_path: Path, syntax: UID) -> None:
    pixels = noise(64, 48)
    plain = write(ct_slice(pixels), tmp_path / "plain.dcm")
    packed = ct_slice(pixels)
    packed.compress(syntax)
    compressed = write(packed, tmp_path / "packed.dcm")

    assert read(compressed).transfer_syntax_uid == syntax
    np.testing.assert_array_equal(frame(compressed), frame(plain))
    np.testing.assert_array_equal(frame(compressed), pixels - 1024.0)


@pytest.mark.parametrize("syntax", [RLELossless, JPEG2000Lossless], ids=["rle", "j2k"])
def test_compressed_head_ct_slice_decodes_to_the_same_hu(tmp_path: Path, syntax: UID) -> None:
    needs(HEAD_CT)
    ds = pydicom.dcmread(HEAD_CT / "11.dcm")
    ds.compress(syntax)
    path = write(ds, tmp_path / "11.dcm")

    np.testing.assert_array_equal(frame(path), frame(HEAD_CT / "11.dcm"))


def test_unsupported_compression_names_the_transfer_syntax(tmp_path: Path) -> None:
    ds = ct_slice(noise())
    ds.file_meta.TransferSyntaxUID = HEVCMP51
    ds.PixelData = encapsulate([b"\x00\x00\x01" * 40])
    ds["PixelData"].VR = "OB"
    path = write(ds, tmp_path / "video.dcm")

    assert read(path).has_pixels  # the header is fine
    with pytest.raises(DicomError, match=r"HEVC/H\.265") as caught:
        frame(path)
    assert caught.value.reason == "unsupported_compression"


# --- multi-frame -----------------------------------------------------------------------------


def multi_frame(path: Path, order: list[float]) -> Path:
    """An enhanced CT with one frame per z in `order`, each frame filled with its z."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = EnhancedCTImageStorage
    ds.SOPInstanceUID = uid("multi-frame")
    ds.StudyInstanceUID = uid("study")
    ds.SeriesInstanceUID = uid("multi-frame series")
    ds.FrameOfReferenceUID = uid("frame")
    ds.Modality = "CT"
    shared = Dataset()
    orientation, measures, transform = Dataset(), Dataset(), Dataset()
    orientation.ImageOrientationPatient = list(AXIAL)
    measures.PixelSpacing = [0.7, 0.7]
    measures.SliceThickness = 2.5
    transform.RescaleSlope = 1
    transform.RescaleIntercept = -1024
    transform.RescaleType = "HU"
    shared.PlaneOrientationSequence = Sequence([orientation])
    shared.PixelMeasuresSequence = Sequence([measures])
    shared.PixelValueTransformationSequence = Sequence([transform])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    frames = []
    for z in order:
        group, plane = Dataset(), Dataset()
        plane.ImagePositionPatient = [0.0, 0.0, z]
        group.PlanePositionSequence = Sequence([plane])
        frames.append(group)
    ds.PerFrameFunctionalGroupsSequence = Sequence(frames)
    stack = np.stack([np.full((8, 6), 1024 + int(z), dtype=np.int16) for z in order])
    ds.set_pixel_data(stack, "MONOCHROME2", 16)
    return write(ds, path)


def test_multi_frame_frames_are_ordered_by_their_own_positions(tmp_path: Path) -> None:
    path = multi_frame(tmp_path / "enhanced.dcm", [10.0, 0.0, 30.0, 20.0])
    instance = read(path)
    assert instance.frames == 4
    assert instance.pixel_spacing == (0.7, 0.7)
    assert instance.image_orientation == AXIAL
    assert instance.rescale_intercept == -1024

    plan = plan_of([("enhanced", instance)])

    assert [ref.frame for ref in plan.slices] == [1, 0, 3, 2]
    assert plan.positions == (0.0, 10.0, 20.0, 30.0)
    assert plan.spacing == (10.0, 10.0, 10.0)
    assert plan.uniform_spacing
    assert plan.keys == ("enhanced",)
    assert plan.meta()["slices"] == {
        "instance": [0, 0, 0, 0],
        "frame": [1, 0, 3, 2],
        "position": [0.0, 10.0, 20.0, 30.0],
        "instance_number": [None] * 4,
    }
    for ref in plan.slices:
        assert np.all(frame(path, ref.frame) == ref.position)  # frames hold z in HU
    with pytest.raises(DicomError, match="no frame 4: this object has 4 frames") as caught:
        frame(path, 4)
    assert caught.value.reason == "frame_out_of_range"


# --- grouping rules --------------------------------------------------------------------------


def test_duplicate_instances_are_left_out_with_their_uid(tmp_path: Path) -> None:
    first = read(write(ct_slice(noise(), z=0, number=1), tmp_path / "1.dcm"))
    second = read(write(ct_slice(noise(), z=1, number=2), tmp_path / "2.dcm"))

    plans, skipped = group_series([("a", first), ("b", second), ("a-copy", first)])

    assert [plan.keys for plan in plans] == [("a", "b")]
    assert skipped == [
        (
            "a-copy",
            "the same DICOM instance appears twice (SOP Instance UID "
            f"{first.sop_instance_uid}); the copy 'a' was kept",
        )
    ]


def test_missing_positions_fall_back_to_instance_number(tmp_path: Path) -> None:
    pairs = []
    for number in (3, 1, 2):
        ds = ct_slice(noise(seed=number), z=None, number=number)
        pairs.append((f"slice{number}", read(write(ds, tmp_path / f"{number}.dcm"))))

    plan = plan_of(pairs)

    assert plan.ordered_by == "instance_number"
    assert plan.keys == ("slice1", "slice2", "slice3")
    assert plan.positions == (None, None, None)
    assert plan.spacing == ()
    assert any("ordered by Instance Number" in warning for warning in plan.warnings)


def test_different_orientations_fall_back_to_instance_number(tmp_path: Path) -> None:
    axial = ct_slice(noise(), z=5.0, number=2)
    sagittal = ct_slice(noise(), z=0.0, number=1)
    sagittal.ImageOrientationPatient = [0.0, 1.0, 0.0, 0.0, 0.0, -1.0]
    pairs = [
        ("axial", read(write(axial, tmp_path / "a.dcm"))),
        ("sagittal", read(write(sagittal, tmp_path / "s.dcm"))),
    ]

    plan = plan_of(pairs)

    assert plan.ordered_by == "instance_number"
    assert plan.keys == ("sagittal", "axial")
    assert any("same orientation" in warning for warning in plan.warnings)


def test_mixed_sizes_split_the_series_into_parts(tmp_path: Path) -> None:
    pairs = [
        (f"big{z}", read(write(ct_slice(noise(40, 32), z=z, number=z), tmp_path / f"{z}.dcm")))
        for z in (1, 2, 3)
    ]
    scout = ct_slice(noise(16, 16), z=0, number=9)
    pairs.append(("scout", read(write(scout, tmp_path / "scout.dcm"))))

    plans, skipped = group_series(pairs)

    assert skipped == []
    assert [(plan.part, plan.rows, plan.columns, len(plan.slices)) for plan in plans] == [
        (1, 40, 32, 3),
        (2, 16, 16, 1),
    ]
    assert plans[0].series_uid == plans[1].series_uid
    assert all("mixes image sizes" in plan.warnings[0] for plan in plans)


def test_default_window_falls_back_to_a_ct_preset(tmp_path: Path) -> None:
    plan = plan_of([("one", read(write(ct_slice(noise()), tmp_path / "one.dcm")))])

    assert (plan.default_window.center, plan.default_window.width) == (50, 400)
    assert plan.default_window.source == "preset:abdomen"


# --- damaged and foreign files ---------------------------------------------------------------


def test_text_and_empty_files_are_not_dicom(tmp_path: Path) -> None:
    text = tmp_path / "notes.dcm"
    text.write_text("Patient: Doe\nSlices: 28\n" * 20)
    empty = tmp_path / "empty.dcm"
    empty.write_bytes(b"")

    for path in (text, empty):
        error = only_dicom_errors(partial(read, path))
        assert error is not None
        assert error.reason == "not_dicom"
        assert "not" in error.detail
        assert "DICOM" in error.detail


def test_truncated_files_raise_a_clear_error(tmp_path: Path) -> None:
    whole = write(ct_slice(noise(64, 64)), tmp_path / "whole.dcm").read_bytes()
    cut = tmp_path / "cut.dcm"
    reasons = set()
    for length in [*range(140, 1000, 11), len(whole) // 2, len(whole) - 1]:
        cut.write_bytes(whole[:length])
        error = only_dicom_errors(lambda: read(cut))
        assert error is not None, f"a file cut at {length} of {len(whole)} bytes was accepted"
        assert only_dicom_errors(lambda: frame(cut)) is not None
        reasons.add(error.reason)
    assert reasons == {"corrupt"}

    cut.write_bytes(whole[: len(whole) - 100])
    with pytest.raises(DicomError, match=r"truncated .*pixel data.*upload a complete copy"):
        read(cut)


def test_garbage_after_the_dicm_marker_is_corrupt(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    path = tmp_path / "garbage.dcm"
    for _ in range(20):
        path.write_bytes(b"\x00" * 128 + b"DICM" + rng.bytes(3000))
        error = only_dicom_errors(lambda: read(path))
        assert error is not None
        assert error.reason == "corrupt"


@pytest.mark.parametrize("syntax", [ExplicitVRLittleEndian, RLELossless], ids=["plain", "rle"])
def test_damaged_files_raise_only_dicom_errors(tmp_path: Path, syntax: UID) -> None:
    ds = ct_slice(noise(16, 16))
    if syntax != ExplicitVRLittleEndian:
        ds.compress(syntax)
    whole = write(ds, tmp_path / "whole.dcm").read_bytes()
    rng = random.Random(5)
    path = tmp_path / "damaged.dcm"
    for _ in range(120):
        damaged = bytearray(whole)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(132, len(damaged))] = rng.randrange(256)
        path.write_bytes(bytes(damaged))
        only_dicom_errors(lambda: read(path))
        only_dicom_errors(lambda: frame(path))


def test_missing_series_uid_is_reported(tmp_path: Path) -> None:
    ds = ct_slice(noise())
    del ds.SeriesInstanceUID

    with pytest.raises(DicomError, match="no Series Instance UID") as caught:
        read(write(ds, tmp_path / "x.dcm"))
    assert caught.value.reason == "missing_uid"


def test_odd_structure_sets_never_raise(tmp_path: Path) -> None:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = RTStructureSetStorage
    ds.SOPInstanceUID = uid("odd rt")
    ds.StudyInstanceUID = uid("study")
    ds.SeriesInstanceUID = uid("odd rt series")
    ds.Modality = "RTSTRUCT"
    contour, roi, nameless = Dataset(), Dataset(), Dataset()
    contour.ContourImageSequence = Sequence([Dataset()])  # an image item without its UID
    roi.ContourSequence = Sequence([contour])
    ds.ROIContourSequence = Sequence([roi, Dataset()])
    ds.StructureSetROISequence = Sequence([nameless])
    instance = read(write(ds, tmp_path / "odd.dcm"))

    assert instance.referenced_sop_uids == ()
    assert instance.roi_names == ("",)
    problems = check_references(instance, [])
    assert problems == [
        "The structure set references no images and no frame of reference, so its "
        "contours cannot be placed on any image."
    ]
    plans, skipped = group_series([("odd", instance)])
    assert plans == []
    assert "RTSTRUCT" in skipped[0][1]


# --- rendering -------------------------------------------------------------------------------


def test_window_follows_the_dicom_linear_function() -> None:
    values = np.array([[-100.0, -0.5, 0.0, 39.5, 79.0, 79.5, 80.0, math.nan]])

    grey = window_to_uint8(values, center=40, width=80)

    # bottom c - 0.5 - (w - 1) / 2 = 0, top 79; y = ((x - 39.5) / 79 + 0.5) * 255
    assert grey.tolist() == [[0, 0, 0, 128, 255, 255, 255, 0]]
    assert window_to_uint8(values, 40, 80, invert=True).tolist() == [
        [255, 255, 255, 127, 0, 0, 0, 255]
    ]
    assert window_to_uint8(np.array([39.0, 40.0]), 40, 1).tolist() == [0, 255]
    with pytest.raises(InvalidInput, match="width must be a number of at least 1"):
        window_to_uint8(values, 40, 0)


def test_png16_round_trip_keeps_hu_with_the_documented_offset() -> None:
    hu = np.array([[-1024.0, -0.4, 0.6, 3071.0], [-40000.0, 40000.0, math.nan, 12.5]])

    decoded = Image.open(io.BytesIO(encode_png16(hu)))

    assert decoded.format == "PNG"
    assert decoded.mode.startswith("I;16")
    assert decoded.size == (4, 2)
    back = np.asarray(decoded).astype(np.int64) - PNG16_OFFSET
    assert back.tolist() == [[-1024, 0, 1, 3071], [-32768, 32767, -32768, 12]]


def test_png16_round_trip_on_a_real_slice() -> None:
    needs(HEAD_CT)
    hu = frame(HEAD_CT / "11.dcm")

    back = np.asarray(Image.open(io.BytesIO(encode_png16(hu)))).astype(np.int64) - PNG16_OFFSET

    np.testing.assert_array_equal(back, hu)


def test_raw_int16_is_little_endian_row_major() -> None:
    hu = np.array([[-1024.0, 1.0, 2.0], [300.0, 40000.0, -40000.0]])

    raw = encode_raw_int16(hu)

    assert raw[:2] == (-1024).to_bytes(2, "little", signed=True)
    assert np.frombuffer(raw, dtype="<i2").reshape(2, 3).tolist() == [
        [-1024, 1, 2],
        [300, 32767, -32768],
    ]


def test_hu_at_reads_column_x_row_y_and_refuses_outside_points() -> None:
    hu = np.arange(12, dtype=np.float32).reshape(3, 4)  # 3 rows, 4 columns

    assert hu_at(hu, 3, 0) == 3.0
    assert hu_at(hu, 0, 2) == 8.0
    with pytest.raises(InvalidInput, match=r"outside the 4x3 image") as caught:
        hu_at(hu, 4, 0)
    assert caught.value.extra == {"field": "x"}
    with pytest.raises(InvalidInput, match=r"y from 0 to 2"):
        hu_at(hu, 0, -1)


def test_colour_images_become_their_luminance(tmp_path: Path) -> None:
    rgb = np.zeros((4, 5, 3), dtype=np.uint8)
    rgb[..., 0] = 200
    rgb[..., 2] = 100
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = uid("colour")
    ds.StudyInstanceUID = uid("study")
    ds.SeriesInstanceUID = uid("colour series")
    ds.Modality = "OT"
    ds.set_pixel_data(rgb, "RGB", 8)
    path = write(ds, tmp_path / "colour.dcm")

    grey = frame(path)

    assert grey.shape == (4, 5)
    np.testing.assert_allclose(grey, 0.299 * 200 + 0.114 * 100, rtol=1e-6)
    assert plan_of([("colour", read(path))]).default_window.source == "range"
