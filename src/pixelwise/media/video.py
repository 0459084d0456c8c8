"""Probe videos and read their frames exactly: the one place that opens untrusted video.

Why this module exists: a video asset is labelled frame by frame, so Pixelwise must know,
from the bytes and not from the file name or the container's claims:

* what it is (`media_type`: MP4, QuickTime, AVI, Matroska or WebM) and that FFmpeg can
  decode its video stream;
* how big a frame is *as a player shows it* (`width`, `height` after the display rotation
  phones record), because annotation geometry is stored in those pixel coordinates;
* exactly how many frames there are and when each is shown (`FrameIndex`), because
  annotations are keyed by frame number, frame counts in headers are often missing or
  wrong, and `n / fps` is the wrong time for variable-frame-rate video.

`probe_video` reads every packet of the video stream once without decoding (fast: a file is
read at disk speed) and decodes only its first few frames, to prove the stream decodes, to
learn the rotation, and to check that the decoder returns the container's timestamps (see
`FrameIndex.positional`). Truncated files are refused when the container declares more
frames (or a longer duration) than it holds.

`read_frame` / `VideoReader` return one frame by number; `iter_frames` decodes them all in
order; `encode_frame` turns a frame into JPEG or WebP. All raise only `VideoError` (an
`InvalidInput`) for bad bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Final

import av
import numpy as np
import numpy.typing as npt

from pixelwise.media.video_container import (
    DATA_ERRORS,
    MEDIA_TYPES,
    OpenedVideo,
    Reason,
    VideoError,
    VideoSource,
    corrupt,
    open_video,
    rewindable,
)
from pixelwise.media.video_frames import (
    VideoReader,
    encode_frame,
    iter_frames,
    quarter_turns,
    read_frame,
)
from pixelwise.media.video_index import FrameIndex

__all__ = [
    "MEDIA_TYPES",
    "FrameIndex",
    "Reason",
    "VideoError",
    "VideoProbe",
    "VideoReader",
    "VideoSource",
    "encode_frame",
    "iter_frames",
    "probe_video",
    "read_frame",
]

# Frames decoded while probing: enough to see B-frame reordering in the first groups.
_SAMPLE_FRAMES: Final = 8
_MATROSKA: Final = frozenset({"matroska", "webm"})
# Matroska's per-track DURATION tag, "HH:MM:SS.nnnnnnnnn".
_TAG_DURATION: Final = re.compile(r"^(\d+):([0-5]\d):([0-5]\d(?:\.\d+)?)$")


@dataclass(frozen=True)
class VideoProbe:
    """What `probe_video` learned about a decodable video."""

    container: str
    """"mp4", "mov", "avi", "matroska" or "webm" (a key of `MEDIA_TYPES`)."""
    media_type: str
    """From the bytes, never from the file name; a value of `MEDIA_TYPES`."""
    codec: str
    """FFmpeg's name of the video codec: "h264", "hevc", "vp9", "mpeg4", ..."""
    width: int
    """Of a frame as shown (after `rotation`): the frame of reference of annotations."""
    height: int
    rotation: int
    """Degrees (0, 90, 180, 270) a player turns the stored picture clockwise to show it,
    from the container's display matrix (phones record portrait video as rotated
    landscape)."""
    frame_count: int
    """Exact: counted from the file's packets, not taken from its header."""
    fps: float
    """Average: `frame_count / duration_seconds`."""
    duration_seconds: float
    """From the first frame's start to the last frame's end."""
    variable_frame_rate: bool
    """True when frame intervals differ by more than timestamp rounding: then frame `n` is
    not at `n / fps` seconds, use `index.seconds(n)`."""
    has_audio: bool
    bit_rate: int | None
    """Of the video stream in bits per second (its bytes over its duration); None when the
    duration is zero."""
    index: FrameIndex = field(repr=False)
    """Timestamps and keyframes of every frame, for `read_frame`; store
    `index.to_bytes()` with the asset."""

    def meta(self) -> dict[str, object]:
        """The probe as JSON-safe values (no index), for the asset's metadata."""
        return {
            "container": self.container,
            "media_type": self.media_type,
            "codec": self.codec,
            "width": self.width,
            "height": self.height,
            "rotation": self.rotation,
            "frame_count": self.frame_count,
            "fps": self.fps,
            "duration_seconds": self.duration_seconds,
            "variable_frame_rate": self.variable_frame_rate,
            "has_audio": self.has_audio,
            "bit_rate": self.bit_rate,
        }


def probe_video(source: VideoSource) -> VideoProbe:
    """Identify and index the video in `source`; raise `VideoError` if it is unusable.

    `source` is a path or a binary file read from its start (the caller keeps it open; a
    non-seekable one is read into memory). Reads the whole file once without decoding it
    and decodes its first few frames; see the module docstring for what is checked.
    """
    opened = open_video(rewindable(source))
    with opened.container:
        try:
            scan = _scan(opened)
        except DATA_ERRORS as error:
            raise corrupt(opened.name, error) from error
        return _probe(opened, scan)


# --- internals -----------------------------------------------------------------------------


@dataclass
class _Scan:
    """Everything one pass over the video packets collects (in file order)."""

    pts: list[int | None] = field(default_factory=list)
    dts: list[int | None] = field(default_factory=list)
    keyframes: list[bool] = field(default_factory=list)
    durations: list[int] = field(default_factory=list)
    present: int = 0
    """Packets in the file, including ones the decoder drops (edit lists)."""
    size: int = 0
    damaged: bool = False
    decoded_pts: list[int | None] = field(default_factory=list)
    """Of the first decoded frames, in the order the decoder returned them."""
    rotation: int = 0
    width: int = 0
    height: int = 0


def _scan(opened: OpenedVideo) -> _Scan:
    scan = _Scan()
    decoding = True
    for packet in opened.container.demux(opened.stream):
        if packet.size or packet.pts is not None or packet.dts is not None:
            scan.present += 1
            scan.damaged = scan.damaged or packet.is_corrupt
        if packet.size and not packet.is_discard:
            scan.pts.append(packet.pts)
            scan.dts.append(packet.dts)
            scan.keyframes.append(packet.is_keyframe)
            scan.durations.append(packet.duration or 0)
            scan.size += packet.size
        if decoding:
            for frame in packet.decode():
                if not scan.decoded_pts:
                    scan.rotation, scan.width, scan.height = (
                        frame.rotation,
                        frame.width,
                        frame.height,
                    )
                scan.decoded_pts.append(frame.pts)
            decoding = len(scan.decoded_pts) < _SAMPLE_FRAMES
    return scan


def _probe(opened: OpenedVideo, scan: _Scan) -> VideoProbe:
    stream = opened.stream
    declared = stream.frames
    if scan.damaged or (declared and scan.present < declared):
        detail = f"it declares {declared} frames but holds {scan.present}"
        raise corrupt(opened.name, detail if declared > scan.present else "a frame is cut off")
    if not scan.pts:
        if _declared_seconds(opened):
            raise corrupt(opened.name, "it holds none of the frames it declares")
        raise VideoError("The video stream has no frames.", reason="empty")
    if not scan.decoded_pts:
        raise corrupt(opened.name, "none of its frames can be decoded")
    time_base = stream.time_base or Fraction(1, 1)
    index, last_duration = _index(opened, scan, time_base)
    span = (int(index.pts[-1]) - int(index.pts[0]) + last_duration) * time_base
    duration = float(span)
    _check_declared_duration(opened, duration, index)
    turns = quarter_turns(scan.rotation)
    width, height = (scan.height, scan.width) if turns % 2 else (scan.width, scan.height)
    if span > 0:
        fps = float(len(index) / span)
        bit_rate: int | None = round(scan.size * 8 / duration)
    else:
        fps, bit_rate = float(stream.guessed_rate or 0), None
    return VideoProbe(
        container=opened.kind,
        media_type=MEDIA_TYPES[opened.kind],
        codec=stream.codec_context.name,
        width=width,
        height=height,
        rotation=(-90 * turns) % 360,
        frame_count=len(index),
        fps=fps,
        duration_seconds=duration,
        variable_frame_rate=index.is_variable_rate(),
        has_audio=bool(opened.container.streams.audio),
        bit_rate=bit_rate,
        index=index,
    )


def _index(opened: OpenedVideo, scan: _Scan, time_base: Fraction) -> tuple[FrameIndex, int]:
    """The frame index, and the duration of the last frame in `time_base` units.

    Presentation timestamps are used when the decoder returns them for the sampled
    frames, in order; otherwise (B-frames in AVI) the index is positional: decoding
    timestamps in file order.
    """
    pts = scan.pts
    trusted = None not in pts and _agrees(scan.decoded_pts, set(pts))
    if trusted:
        values: npt.NDArray[np.int64] = np.array(pts, dtype=np.int64)
        order = np.argsort(values, kind="stable")
    else:
        chosen = [d if d is not None else p for d, p in zip(scan.dts, pts, strict=True)]
        if None in chosen:
            raise corrupt(opened.name, "frames carry no timestamps")
        values = np.array(chosen, dtype=np.int64)
        order = np.arange(values.size)
    index = FrameIndex(
        pts=values[order],
        keyframes=np.array(scan.keyframes, dtype=np.bool_)[order],
        time_base=time_base,
        positional=not trusted,
    )
    last = scan.durations[int(order[-1])]
    if last <= 0 and len(index) > 1:
        last = max(int(np.median(np.diff(index.pts))), 0)
    elif last <= 0 and opened.stream.guessed_rate:
        last = max(round(1 / (opened.stream.guessed_rate * time_base)), 0)
    return index, last


def _agrees(decoded: list[int | None], known: set[int | None]) -> bool:
    """Whether the decoder returned known timestamps in increasing order."""
    previous: int | None = None
    for value in decoded:
        if value is None or value not in known or (previous is not None and value <= previous):
            return False
        previous = value
    return True


def _check_declared_duration(opened: OpenedVideo, duration: float, index: FrameIndex) -> None:
    """Refuse a file holding less video than it declares: Matroska and WebM have no frame
    count to compare with, only durations."""
    declared = _declared_seconds(opened)
    frame = duration / len(index)
    end = float(int(index.pts[-1]) * index.time_base) + frame  # a timeline may start late
    if declared is not None and max(duration, end) + 2 * frame + 0.01 * declared < declared:
        raise corrupt(
            opened.name,
            f"it declares {declared:.3f} s of video but holds {duration:.3f} s",
        )


def _declared_seconds(opened: OpenedVideo) -> float | None:
    """The video duration a Matroska/WebM file states: the track's DURATION tag (written at
    its end), else the segment's duration (at its start) when video is all it holds."""
    if opened.kind not in _MATROSKA:
        return None
    found = _TAG_DURATION.match(opened.stream.metadata.get("DURATION", "").strip())
    if found is not None:
        return int(found[1]) * 3600 + int(found[2]) * 60 + float(found[3])
    container = opened.container
    if len(container.streams) == 1 and container.duration:
        return float(container.duration / av.time_base)
    return None
