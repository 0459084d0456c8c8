"""Open one DICOM file safely: recognise it, parse its header, check that it is whole.

Every file is untrusted. A file that is not DICOM, is cut short, or is garbage behind a
"DICM" marker raises `DicomError` (an `InvalidInput`) with a `reason` and a message a
person can act on; no other exception escapes. pydicom itself is lenient with damaged
files (it stops quietly at the end of the bytes), so truncation is checked here: every
element's declared length must fit in the file, the pixel data element (or every
fragment of compressed pixel data) must be complete, and without pixel data the last
element must end where the file does. The pixel data themselves are never read here.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from typing import BinaryIO, Final, Literal

from pydicom import dcmread
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.pixels.utils import get_expected_length
from pydicom.uid import (
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
)

from pixelwise.domain.errors import InvalidInput
from pixelwise.media.dicom_values import frame_count, integer, text

__all__ = ["DicomError", "Header", "as_seekable", "corrupt", "is_dicom", "read_header"]

Reason = Literal[
    "not_dicom",
    "corrupt",
    "missing_uid",
    "directory",
    "no_pixels",
    "unsupported_compression",
    "frame_out_of_range",
    "too_large",
]

_PIXEL_TAGS: Final = frozenset({(0x7FE0, 0x0010), (0x7FE0, 0x0008), (0x7FE0, 0x0009)})
_ITEM: Final = (0xFFFE, 0xE000)
_SEQUENCE_END: Final = (0xFFFE, 0xE0DD)
_UNDEFINED: Final = 0xFFFFFFFF
_META_START: Final = 144  # preamble, "DICM", then the 12-byte group length element
# Explicit VRs with a 32-bit length (PS3.5 7.1.2), then all the others.
_LONG_VRS: Final = frozenset(b"OB OD OF OL OV OW SQ SV UC UN UR UT UV".split())
_ALL_VRS: Final = _LONG_VRS | frozenset(
    b"AE AS AT CS DA DS DT FL FD IS LO LT PN SH SL SS ST TM UI UL US".split()
)
_SUFFIXES: Final = (".dcm", ".dicom")


class DicomError(InvalidInput):
    """The bytes are not a usable DICOM object; `detail` is one line a person can act on.

    `reason` says which kind: "not_dicom" (another kind of file), "corrupt" (truncated or
    unreadable), "missing_uid" (no SOP Instance or Series Instance UID, so it cannot be
    placed), "directory" (a DICOMDIR index, not an object), "no_pixels" (pixels asked of an
    object without any), "unsupported_compression" (no decoder for its transfer syntax),
    "frame_out_of_range" and "too_large". An import reports it per file and goes on.
    """

    title = "Unusable DICOM file"

    def __init__(self, detail: str, *, reason: Reason) -> None:
        super().__init__(detail, reason=reason)
        self.reason: Reason = reason


@dataclass(frozen=True)
class Header:
    """A parsed header with what the pixel decoder needs (shared with `dicom_pixels`)."""

    dataset: Dataset
    transfer_syntax: UID
    has_pixels: bool


def is_dicom(head: bytes, name: str = "") -> bool:
    """Whether a file whose first bytes are `head` (pass at least 132) is probably DICOM.

    True when bytes 128..132 are the "DICM" marker of the DICOM file format. Some systems
    write bare datasets without the 128-byte preamble and marker; those are recognised by
    a heuristic: the file name ends in .dcm or .dicom (any case), or the file starts with a
    little-endian element tag of group 0x0002 (file meta) or 0x0008 (identification, where
    bare datasets begin) followed by either a valid explicit VR or a plausible implicit-VR
    length. The answer is a cheap guess; `read_instance` decides.
    """
    if head[128:132] == b"DICM":
        return True
    if name.lower().endswith(_SUFFIXES):
        return True
    return _starts_with_element(head)


def read_header(stream: BinaryIO) -> Header:
    """Parse the header of `stream` and check the file is complete; `DicomError` if not."""
    stream = as_seekable(stream)
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    head = stream.read(132)
    stream.seek(0)
    if not head:
        raise DicomError("The file is empty, so it is not a DICOM file.", reason="not_dicom")
    marker = head[128:132] == b"DICM"
    if not marker and not _starts_with_element(head):
        raise DicomError(
            "The file is not DICOM: it has no 'DICM' marker at byte 128 and does not start "
            "with a DICOM element; check that it is a DICOM file.",
            reason="not_dicom",
        )
    try:
        ds = dcmread(stream, stop_before_pixels=True, force=True)
        syntax = _transfer_syntax(ds)
        if marker:
            _check_file_meta(ds, size)
        if syntax == DeflatedExplicitVRLittleEndian:
            has_pixels = _deflated_has_pixels(stream)
        else:
            has_pixels = _check_pixel_element(stream, ds, size)
            _check_lengths(ds, size, has_pixels=has_pixels)
    except DicomError:
        raise
    except Exception as error:  # pydicom raises many kinds on garbage; all mean "corrupt"
        raise corrupt(error) from error
    return Header(dataset=ds, transfer_syntax=syntax, has_pixels=has_pixels)


def _transfer_syntax(ds: Dataset) -> UID:
    declared = text(ds.file_meta, "TransferSyntaxUID")
    if declared:
        return UID(declared)
    implicit, little = ds.original_encoding
    if implicit:
        return ImplicitVRLittleEndian
    return ExplicitVRLittleEndian if little else ExplicitVRBigEndian


def _check_file_meta(ds: Dataset, size: int) -> None:
    if "TransferSyntaxUID" not in ds.file_meta:
        raise DicomError(
            "The file has a DICOM marker but no readable File Meta Information; it is "
            "damaged. Export it again from the source system.",
            reason="corrupt",
        )
    group_length = integer(ds.file_meta, "FileMetaInformationGroupLength")
    if group_length is not None and _META_START + group_length > size:
        raise _truncated("it ends inside its File Meta Information")


def _check_lengths(ds: Dataset, size: int, *, has_pixels: bool) -> None:
    """Every top-level element must lie inside the file, and without pixel data the last
    one must end where the file ends (pydicom stops quietly at a cut inside a tag)."""
    last_end: int | None = None
    for tag in tuple(ds.keys()):  # keys, not elements: iterating would convert every value
        element = ds.get_item(tag, keep_deferred=True)
        if not isinstance(element, RawDataElement) or element.length == _UNDEFINED:
            last_end = None  # a sequence (parsed, no raw length) or an undefined length
            continue
        last_end = element.value_tell + element.length
        if last_end > size:
            raise _truncated(f"element ({tag.group:04X},{tag.element:04X}) is cut short")
    if not has_pixels and last_end is not None and last_end < size:
        if size - last_end < 8:
            raise _truncated(f"it ends inside an element header at byte {last_end}")
        raise DicomError(
            f"The DICOM file has unreadable data after byte {last_end}; it is damaged. "
            "Export it again from the source system.",
            reason="corrupt",
        )


def _check_pixel_element(stream: BinaryIO, ds: Dataset, size: int) -> bool:
    """Whether the file has pixel data; `DicomError` when it is cut short or malformed.

    pydicom leaves `stream` at the start of the pixel data element, or at the end.
    """
    start = stream.tell()
    head = stream.read(12)
    if not head:
        return False
    implicit, little = ds.original_encoding
    order = "<" if little else ">"
    if len(head) < 8:
        raise _truncated("the pixel data element is cut short")
    group, element = struct.unpack(f"{order}HH", head[:4])
    if (group, element) not in _PIXEL_TAGS:
        raise DicomError(
            f"The DICOM file has unreadable data at byte {start}; it is damaged. Export it "
            "again from the source system.",
            reason="corrupt",
        )
    if implicit:
        value_start, (length,) = start + 8, struct.unpack(f"{order}I", head[4:8])
    elif head[4:6] not in _LONG_VRS:
        value_start, (length,) = start + 8, struct.unpack(f"{order}H", head[6:8])
    elif len(head) < 12:
        raise _truncated("the pixel data element is cut short")
    else:
        value_start, (length,) = start + 12, struct.unpack(f"{order}I", head[8:12])
    if length == _UNDEFINED:
        fragments = _count_fragments(stream, value_start, size, order)
        frames = frame_count(ds)
        if fragments < frames:
            raise _truncated(f"its compressed pixel data hold {fragments} of {frames} frames")
        return True
    if value_start + length > size:
        raise _truncated(f"the pixel data need {length} bytes but only {size - value_start} remain")
    try:
        expected = int(get_expected_length(ds, "bytes"))
    except Exception:  # incomplete image attributes: the decoder reports it if asked
        return True
    if length < expected:
        raise DicomError(
            f"The DICOM file's pixel data hold {length} bytes but its image attributes need "
            f"{expected}; it is damaged. Export it again from the source system.",
            reason="corrupt",
        )
    return True


def _count_fragments(stream: BinaryIO, position: int, size: int, order: str) -> int:
    """Walk encapsulated pixel data to its end; the number of fragments after the offset
    table. Seeks only, the fragments are not read."""
    items = 0
    while True:
        stream.seek(position)
        head = stream.read(8)
        if len(head) < 8:
            raise _truncated("its compressed pixel data end before their closing marker")
        group, element, length = struct.unpack(f"{order}HHI", head)
        if (group, element) == _SEQUENCE_END:
            return max(0, items - 1)
        if (group, element) != _ITEM or length == _UNDEFINED:
            raise DicomError(
                f"The DICOM file's compressed pixel data are malformed at byte {position}; "
                "export it again from the source system.",
                reason="corrupt",
            )
        position += 8 + length
        if position > size:
            raise _truncated("a compressed pixel data fragment is cut short")
        items += 1


def _deflated_has_pixels(stream: BinaryIO) -> bool:
    """Deflated files are parsed from an inflated copy, so the check reads them whole."""
    stream.seek(0)
    full = dcmread(stream, force=True)
    return any(tag in full for tag in (0x7FE00010, 0x7FE00008, 0x7FE00009))


def _starts_with_element(head: bytes) -> bool:
    if len(head) < 8:
        return False
    group, _element = struct.unpack_from("<HH", head)
    if group not in (0x0002, 0x0008):
        return False
    if head[4:6] in _ALL_VRS:
        return True
    length: int = struct.unpack_from("<I", head, 4)[0]
    return length <= 0x10000 and length % 2 == 0


def as_seekable(stream: BinaryIO) -> BinaryIO:
    """`stream` itself when it can seek, else its bytes read into memory."""
    try:
        if stream.seekable():
            return stream
    except (AttributeError, OSError, ValueError):
        pass
    return io.BytesIO(stream.read())


def _truncated(what: str) -> DicomError:
    return DicomError(
        f"The DICOM file is truncated ({what}); upload a complete copy.", reason="corrupt"
    )


def corrupt(error: BaseException) -> DicomError:
    """The error for a header pydicom could not parse, with its cause in brief."""
    cause = " ".join(str(error).split())[:200] or type(error).__name__
    return DicomError(
        f"The DICOM file is damaged and its header cannot be read ({cause}); export it "
        "again from the source system.",
        reason="corrupt",
    )
