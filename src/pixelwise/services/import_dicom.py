"""DICOM in an import: instances collected as they come, one asset per series at the end.

A series may arrive in any order and spread over folders (or over several archives of one
upload), so instances are only read (their header) and stored while the import runs; when
every file has been seen, they are grouped by Series Instance UID and ordered along the
slice normal (`media.dicom_series`), and each series becomes one asset of kind
`dicom` whose metadata lists its instances in slice order, with spacing,
orientation and rescale.

Copied instances are stored under `datasets/<id>/.dicom/<job>/<series>/`: a prefix of their
own per import, so that dropping an instance (a duplicate, a series already in the
dataset) never touches the files of an earlier import. RT structure sets are not images:
their references are checked against the images of the same import and reported.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pixelwise.services.asset_rows import asset_row
from pixelwise.services.datasets import blob_prefix
from pixelwise.services.import_sources import Candidate

if TYPE_CHECKING:
    from pixelwise.media.dicom import DicomInstance, SeriesPlan
    from pixelwise.services.import_run import ImportRun

DICOM_SUFFIXES = frozenset({".dcm", ".dicom"})
_UNSAFE = re.compile(r"[^0-9A-Za-z._-]")
STRUCTURE_SET_NOTE = "RT structure set: not an image; its contours are read by annotation imports"


@dataclass(frozen=True)
class _Stored:
    relative: str
    ref: str  # blob key, or file:// URI when registered in place
    in_place: bool
    checksum: str
    size: int


class DicomCollector:
    """Collects the DICOM instances of one import run and turns them into series assets."""

    def __init__(self, run: ImportRun) -> None:
        self.run = run
        self.instances: list[tuple[str, DicomInstance]] = []
        self.stored: dict[str, _Stored] = {}

    def take(self, item: Candidate, checksum: str) -> None:
        from pixelwise.media.dicom import read_instance

        with item.path.open("rb") as handle:
            instance = read_instance(handle)
        if item.uri:
            ref = item.uri
        else:
            key = (
                f"{blob_prefix(self.run.dataset_id)}.dicom/{self.run.job.job_id}/"
                f"{_safe(instance.series_uid)}/{_safe(instance.sop_instance_uid)}.dcm"
            )
            with item.path.open("rb") as handle:
                self.run.ctx.blobs.put(key, handle)
            ref = key
        self.instances.append((item.relative, instance))
        self.stored[item.relative] = _Stored(
            item.relative, ref, bool(item.uri), checksum, item.size
        )

    def finish(self) -> None:
        """Group what was collected into series assets; report every instance."""
        if not self.instances:
            return
        from pixelwise.media.dicom import check_references, group_series

        plans, left_out = group_series(self.instances)
        by_key = dict(self.instances)
        images = [instance for _, instance in self.instances if instance.is_image]
        for relative, reason in left_out:
            instance = by_key[relative]
            problems = check_references(instance, images) if instance.is_structure_set else []
            if problems:
                self.run.note(relative, "failed", "RT structure set: " + "; ".join(problems))
            elif instance.is_structure_set and "appears twice" not in reason:
                self.run.note(relative, "skipped", STRUCTURE_SET_NOTE)
            else:
                self.run.note(relative, "skipped", reason)
            self._drop(relative)
        for plan in plans:
            self._add_series(plan)
            self.run.job.heartbeat()

    def _add_series(self, plan: SeriesPlan) -> None:
        run = self.run
        keys = plan.keys
        members = [self.stored[key] for key in keys]
        folder, _ = run.place(keys[0])
        name = _series_name(plan)
        checksum = hashlib.sha256(
            "\n".join(sorted(member.checksum for member in members)).encode()
        ).hexdigest()
        conflict = run.conflict(checksum, folder, name)
        if conflict is not None:
            for key in keys:
                run.note(key, "skipped", conflict.replace("file", "series", 1))
                self._drop(key)
            return
        meta = plan.meta()
        meta["files"] = [member.ref for member in members]
        meta["in_place"] = members[0].in_place
        asset = asset_row(
            dataset_id=run.dataset_id, folder=folder, name=name, kind="dicom",
            media_type="application/dicom", blob_key="", source_uri=None,
            size_bytes=sum(member.size for member in members), checksum=checksum,
            width=plan.columns, height=plan.rows, frame_count=len(plan.slices), meta=meta,
        )  # fmt: skip
        run.add(keys[0], asset)
        for key in keys[1:]:
            run.note(key, "imported")

    def _drop(self, relative: str) -> None:
        stored = self.stored.get(relative)
        if stored is not None and not stored.in_place:
            self.run.ctx.blobs.delete(stored.ref)


def _safe(uid: str) -> str:
    return _UNSAFE.sub("_", uid)[:64] or "unknown"


def _series_name(plan: SeriesPlan) -> str:
    """A readable, unique-enough name: description, series number, part, UID tail."""
    label = (plan.description or plan.modality or "series").replace("/", "-").strip()
    number = f" {plan.series_number}" if plan.series_number is not None else ""
    part = f" part {plan.part}" if plan.part else ""
    return f"{label} (series{number}{part}) {plan.series_uid[-8:]}"
