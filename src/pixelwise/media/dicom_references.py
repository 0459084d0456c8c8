"""Check that an RT structure set points at images that were imported with it.

A structure set holds contours drawn on the images of another series; it names those
images by SOP Instance UID and their coordinate system by Frame of Reference UID. When
the images are not in the same import, its contours cannot be shown on anything, and the
person importing should hear about it per file, not discover it in the viewer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

from pixelwise.media.dicom_header import DicomInstance

__all__ = ["check_references"]

_SHOWN_UIDS: Final = 3


def check_references(structure_set: DicomInstance, images: Iterable[DicomInstance]) -> list[str]:
    """Problems with what an RT structure set points at, among `images`; empty when fine.

    Checked: every image its contours reference is among `images` (a count and the first
    few missing UIDs), every referenced series is there, and its frame of reference is
    that of some image. A frame of reference that matches no image is tolerated when every
    referenced image is present: the contours were drawn on those very images, and some
    writers put a freshly generated Frame of Reference UID in the structure set instead
    of the images' one. Never raises.
    """
    present = list(images)
    sops = {image.sop_instance_uid for image in present}
    series = {image.series_uid for image in present}
    frames = {image.frame_of_reference_uid for image in present if image.frame_of_reference_uid}
    referenced = structure_set.referenced_sop_uids
    problems: list[str] = []
    missing = [uid for uid in referenced if uid not in sops]
    if missing:
        problems.append(
            f"{len(missing)} of the {len(referenced)} images the structure set references "
            f"{'is' if len(missing) == 1 else 'are'} not in this import ({_some(missing)}); "
            "import the series it was drawn on together with it."
        )
    elif not referenced and not structure_set.referenced_frame_of_reference_uids:
        problems.append(
            "The structure set references no images and no frame of reference, so its "
            "contours cannot be placed on any image."
        )
    absent_series = [uid for uid in structure_set.referenced_series_uids if uid not in series]
    if absent_series and not missing:
        problems.append(
            f"The structure set references {len(absent_series)} series that "
            f"{'is' if len(absent_series) == 1 else 'are'} not in this import "
            f"({_some(absent_series)}); import them together with it."
        )
    unknown = [uid for uid in structure_set.referenced_frame_of_reference_uids if uid not in frames]
    if unknown and (missing or not referenced):
        problems.append(
            f"No imported image is in the structure set's frame of reference "
            f"({_some(unknown)}), so its contours cannot be placed; import the images it "
            "was drawn on."
        )
    return problems


def _some(uids: Sequence[str]) -> str:
    shown = ", ".join(uids[:_SHOWN_UIDS])
    more = len(uids) - _SHOWN_UIDS
    return f"{shown} and {more} more" if more > 0 else shown
