"""Decode exact frames of a video: one frame by number, or all of them in order.

Why this module exists: the media server answers "frame N of this video" for annotators, and
an import can turn a video into a folder of images. Both must return the frame a player
shows as frame N (display order, B-frames reordered, variable frame rate honoured, display
rotation applied), and a single-frame request must not decode the whole file.

How a frame is found: the `FrameIndex` recorded by `probe_video` gives the frame's
presentation timestamp and the last keyframe before it; the reader seeks to that keyframe
and decodes forward until the frame with that timestamp comes out, so at most one group of
pictures is decoded (and of it, frames shown earlier that no other frame refers to are
skipped, which saves about a third of the work with B-frames). If the container seeks
somewhere else than asked (some files have poor indexes) the reader notices, because
frames are identified by timestamp and not by counting, and decodes from the start
instead: slower, still exact. (Files whose container has no presentation timestamps, see
`FrameIndex.positional`, are counted from the keyframe after checking that the seek landed
on it.)
"""

from __future__ import annotations

from collections.abc import Iterator
from types import TracebackType
from typing import Final, Literal

import av.video.frame
import numpy as np
import numpy.typing as npt
from PIL import Image

from pixelwise.domain.errors import InvalidInput
from pixelwise.media.images import encode_thumbnail
from pixelwise.media.video_container import (
    DATA_ERRORS,
    OpenedVideo,
    Rewindable,
    VideoError,
    VideoSource,
    corrupt,
    open_video,
    rewindable,
)
from pixelwise.media.video_index import FrameIndex

__all__ = ["VideoReader", "display_rgb", "encode_frame", "iter_frames", "read_frame"]

RGB = npt.NDArray[np.uint8]
_Decoded = Iterator[tuple[int | None, av.video.frame.VideoFrame]]
_ENCODINGS: Final = {"jpeg": "JPEG", "webp": "WEBP"}


class VideoReader:
    """Reads frames of one video by number, keeping the file open between reads.

    Use it (as a context manager, or call `close`) to serve several frames of the same
    file: reading forward within a group of pictures continues decoding where the last
    read stopped instead of seeking again. `index` must be the one `probe_video` built for
    this file. Not safe to share between threads.
    """

    def __init__(self, source: VideoSource, index: FrameIndex) -> None:
        self._source = rewindable(source)
        self._index = index
        self._opened = _open_for_decoding(self._source)
        self._fresh = True  # nothing read since the file was opened
        self._frames: _Decoded | None = None
        self._last = -1  # position of the last frame taken from `_frames`
        self._target = 0  # timestamp of the frame being read
        self._closed = False

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the file; reading afterwards is a ValueError. Closing twice is harmless."""
        self._frames = None
        self._closed = True
        self._opened.container.close()

    def read(self, n: int) -> RGB:
        """Frame `n` (0-based, display order) as an H x W x 3 RGB array, display rotation
        applied. An `n` outside the video is an `InvalidInput` naming the valid range; a
        frame that cannot be decoded is a `VideoError` ("corrupt")."""
        if self._closed:
            raise ValueError("the video reader is closed")
        _check_position(self._index, n)
        self._target = int(self._index.pts[n])
        try:
            frame = self._find(n)
            if frame is None:
                raise VideoError(
                    f"Frame {n} of the {self._opened.name} file cannot be decoded; the file "
                    "is damaged or changed since it was imported.",
                    reason="corrupt",
                )
            return display_rgb(frame)
        except DATA_ERRORS as error:
            self._frames = None
            raise corrupt(self._opened.name, error) from error

    def _find(self, n: int) -> av.video.frame.VideoFrame | None:
        """Try, in order: decoding on from the last read (same group of pictures, forward),
        seeking to the keyframe, decoding the reopened file from its start."""
        key = max(self._index.keyframe_before(n), 0)
        if self._frames is not None and key <= self._last < n:
            found = self._advance(n)
            if found is not None:
                return found
        if key > 0 or not self._fresh:
            try:
                self._start(key, seek=True)
            except DATA_ERRORS:
                pass  # the container cannot seek there: decode from the start below
            else:
                found = self._advance(n)
                if found is not None:
                    return found
        self._start(0, seek=False)
        return self._advance(n)

    def _start(self, key: int, *, seek: bool) -> None:
        """Position the decoder on keyframe `key` by seeking, or (`seek` False) at the
        start of the file, reopened unless nothing was read from it yet."""
        self._frames = None
        self._last = -1
        landing: int | None = None
        if seek:
            landing = int(self._index.pts[key])
            self._opened.container.seek(landing, stream=self._opened.stream, backward=True)
        elif not self._fresh:
            self._opened.container.close()
            self._opened = _open_for_decoding(self._source)
        self._fresh = False
        self._frames = self._decode(key, landing if self._index.positional else None)

    def _decode(self, key: int, landing_dts: int | None) -> _Decoded:
        """Frames from the current position with their frame numbers (None: not in the
        index). Positional indexes count frames from `key`, after checking that the seek
        landed on the packet whose decoding timestamp is `landing_dts`."""
        opened, index = self._opened, self._index
        context = opened.stream.codec_context
        position = key
        for packet in opened.container.demux(opened.stream):
            if landing_dts is not None and packet.size:
                if packet.dts != landing_dts:
                    return
                landing_dts = None
            if not index.positional:
                # A frame shown before the wanted one is never needed again (reads that go
                # on from here only go forward), so if nothing refers to it, skip it.
                early = packet.pts is not None and packet.pts < self._target
                context.skip_frame = "NONREF" if early else "DEFAULT"
            for frame in packet.decode():
                if index.positional:
                    yield position, frame
                    position += 1
                else:
                    yield (None if frame.pts is None else index.position_of(frame.pts)), frame

    def _advance(self, n: int) -> av.video.frame.VideoFrame | None:
        """Decode on until frame `n`; None once a later frame (or the end) comes first."""
        if self._frames is None:
            return None
        for position, frame in self._frames:
            if position is None:
                continue
            self._last = position
            if position == n:
                return frame
            if position > n:
                return None
        self._frames = None
        return None


def read_frame(source: VideoSource, n: int, index: FrameIndex) -> RGB:
    """Frame `n` (0-based, in display order) of the video as an H x W x 3 uint8 RGB array.

    Exact also for variable-frame-rate video and B-frames: frames are found by the
    timestamps in `index` (from `probe_video` of this file). Costs one seek and the decoding
    of at most one group of pictures; for several frames of one file use `VideoReader`.
    """
    _check_position(index, n)
    with VideoReader(source, index) as reader:
        return reader.read(n)


def iter_frames(
    source: VideoSource, *, every: int = 1, max_frames: int | None = None
) -> Iterator[tuple[int, RGB]]:
    """Decode the video from start to end, yielding `(frame number, RGB array)` for every
    `every`-th frame (0, every, 2*every, ...), at most `max_frames` of them.

    For turning a video into images: one sequential decode, display order and rotation as
    `read_frame`. The file is opened (and refused with a `VideoError`) when this is called;
    it is closed when the iteration ends or the iterator is closed.
    """
    if every < 1:
        raise InvalidInput(f"every must be 1 or more, not {every}.", field="every")
    if max_frames is not None and max_frames < 0:
        raise InvalidInput(f"max_frames must be 0 or more, not {max_frames}.", field="max_frames")
    return _iterate(_open_for_decoding(rewindable(source)), every, max_frames)


def encode_frame(
    rgb: RGB,
    *,
    fmt: Literal["jpeg", "webp"] = "jpeg",
    quality: int = 90,
    max_side: int | None = None,
) -> bytes:
    """Encode an H x W x 3 uint8 RGB frame as JPEG or WebP at `quality` (1..100).

    Full size by default; with `max_side`, scaled down so its longer side is at most that
    (a thumbnail; see `pixelwise.media.images.thumbnail_size`).
    """
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3 or not rgb.size:
        raise ValueError(f"expected an H x W x 3 uint8 array, got {rgb.dtype} {rgb.shape}")
    if fmt not in _ENCODINGS:
        raise ValueError(f"fmt must be one of {sorted(_ENCODINGS)}, not {fmt!r}")
    image = Image.fromarray(rgb)
    side = max(image.size) if max_side is None else max_side
    return encode_thumbnail(image, max_side=side, format=_ENCODINGS[fmt], quality=quality)


def display_rgb(frame: av.video.frame.VideoFrame) -> RGB:
    """A decoded frame as RGB the way a player shows it (its display matrix's rotation
    applied; mirroring is not)."""
    rgb: RGB = np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
    turns = quarter_turns(frame.rotation)
    if turns:
        rgb = np.ascontiguousarray(np.rot90(rgb, turns))
    return rgb


def quarter_turns(counterclockwise: float) -> int:
    """A rotation in degrees counterclockwise (FFmpeg's display matrix convention) as a
    number of counterclockwise quarter turns, 0..3 (nearest)."""
    return round(counterclockwise / 90) % 4


# --- internals -----------------------------------------------------------------------------


def _open_for_decoding(source: Rewindable) -> OpenedVideo:
    opened = open_video(source)
    opened.stream.codec_context.thread_type = "AUTO"
    return opened


def _check_position(index: FrameIndex, n: int) -> None:
    count = len(index)
    if 0 <= n < count:
        return
    if not count:
        raise InvalidInput(f"Frame {n} does not exist: the video has no frames.", field="frame")
    raise InvalidInput(
        f"Frame {n} does not exist: the video has frames 0 to {count - 1}.", field="frame"
    )


def _iterate(opened: OpenedVideo, every: int, max_frames: int | None) -> Iterator[tuple[int, RGB]]:
    try:
        if max_frames == 0:
            return
        taken = 0
        for position, frame in enumerate(opened.container.decode(opened.stream)):
            if position % every:
                continue
            yield position, display_rgb(frame)
            taken += 1
            if max_frames is not None and taken >= max_frames:
                return
    except DATA_ERRORS as error:
        raise corrupt(opened.name, error) from error
    finally:
        opened.container.close()
