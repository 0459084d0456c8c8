"""Videos in an import: one asset per video, and optionally its frames as image assets.

The probe counts every frame from the file's packets and records their timestamps; that
frame index is kept beside the dataset's renditions (named after the video's checksum), so
that the media server can answer "frame n" exactly, also for variable frame rates.
"""

from __future__ import annotations

import io
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from pixelwise.services.asset_rows import asset_row
from pixelwise.services.datasets import blob_prefix
from pixelwise.services.import_sources import Candidate

if TYPE_CHECKING:
    from pixelwise.services.import_run import ImportRun

VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm"})
FRAME_QUALITY = 95  # JPEG quality of extracted frames


def frame_index_key(dataset_id: int, checksum: str) -> str:
    return f"{blob_prefix(dataset_id)}.renditions/frames/{checksum}.idx"


def take_video(run: ImportRun, item: Candidate, checksum: str) -> None:
    """Probe, store and register one video (and its frames when the import asks for them)."""
    from pixelwise.media.video import probe_video

    folder, name = run.place(item.relative)
    probe = probe_video(item.path)
    conflict = run.conflict(checksum, folder, name)
    if conflict is not None:
        run.note(item.relative, "skipped", conflict)
        return
    key = "" if item.uri else run.store(item.path, folder, name)
    run.ctx.blobs.put(frame_index_key(run.dataset_id, checksum), io.BytesIO(probe.index.to_bytes()))
    run.add(
        item.relative,
        asset_row(
            dataset_id=run.dataset_id, folder=folder, name=name, kind="video",
            media_type=probe.media_type, blob_key=key, source_uri=item.uri,
            size_bytes=item.size, checksum=checksum, width=probe.width, height=probe.height,
            frame_count=probe.frame_count, fps=probe.fps, meta=probe.meta(),
        ),
    )  # fmt: skip
    if run.options.extract_frames:
        _extract_frames(run, item, folder, name)


def _extract_frames(run: ImportRun, item: Candidate, folder: str, name: str) -> None:
    """Each `frame_step`-th frame as a JPEG image asset in a folder named after the video."""
    from pixelwise.media.video import encode_frame, iter_frames

    stem = PurePosixPath(name).stem
    frames_folder = f"{folder}/{stem}" if folder else stem
    step = run.options.frame_step
    for number, rgb in iter_frames(item.path, every=step):
        data = encode_frame(rgb, fmt="jpeg", quality=FRAME_QUALITY)
        frame_name = f"{stem}_{number:06d}.jpg"
        relative = f"{item.relative}#frame={number}"
        run.add_bytes(
            relative, data, frames_folder, frame_name,
            width=int(rgb.shape[1]), height=int(rgb.shape[0]),
            meta={"video": item.relative, "frame": number},
        )  # fmt: skip
        run.job.heartbeat()
