"""Where every frame of a video is: the `FrameIndex` that makes frame numbers exact.

Why this module exists: annotations on a video are keyed by frame number, and "frame 1234"
must mean the same picture when an annotator labels it, when the server renders it and when
an export reads it back. Frame numbers derived from time (`n / fps`) are wrong for
variable-frame-rate video (phones record it) and drift with rounded time bases, so
Pixelwise records the presentation timestamp of every frame once, when the video is probed,
and looks frames up by timestamp from then on.

The index is stored as a small blob next to the video (`to_bytes`), so it is compact
(delta-encoded timestamps, compressed; a constant-rate hour of video takes a few kilobytes)
and versioned.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = ["FrameIndex"]

_MAGIC: Final = b"PWVI"
_VERSION: Final = 1
# magic, version, flags, reserved, frame count, time base numerator, denominator
_HEADER: Final = struct.Struct("<4sBBHQqq")
_FLAG_POSITIONAL: Final = 1
_MAX_FRAMES: Final = 1 << 32
# Below this many ticks per frame a time base is coarse enough to be exact (AVI counts
# frames, many MP4 muxers use 1/fps): any difference between frame intervals is real.
_FINE_TIME_BASE_TICKS: Final = 3


@dataclass(frozen=True, eq=False)
class FrameIndex:
    """The timestamp of every frame of a video stream, in display order.

    Frame `n` of the video is the frame whose presentation timestamp is `pts[n]`; with
    B-frames the decoding order differs, which is why the index is sorted by time and not
    by position in the file. `keyframes[n]` says whether frame `n` can be decoded on its
    own (a seek lands on one).

    `positional` is True for files whose container stores no usable presentation
    timestamps (H.264 with B-frames in AVI is the common case: the decoder returns invented
    times). Then `pts` holds the decoding timestamps of the frames in file order, and
    frame `n` is found by counting decoded frames instead of matching timestamps.

    The arrays are read-only. Two indexes are equal when all fields are.
    """

    pts: npt.NDArray[np.int64]
    """Timestamps in units of `time_base`, ascending for a well-formed file."""
    keyframes: npt.NDArray[np.bool_]
    """Same length as `pts`."""
    time_base: Fraction
    """Seconds per timestamp unit (e.g. 1/12800 for MP4 written by FFmpeg at 25 fps)."""
    positional: bool = False

    def __post_init__(self) -> None:
        pts = np.array(self.pts, dtype=np.int64).reshape(-1)
        keyframes = np.array(self.keyframes, dtype=np.bool_).reshape(-1)
        if pts.shape != keyframes.shape:
            raise ValueError(
                f"pts and keyframes differ in length ({pts.size} and {keyframes.size})"
            )
        if self.time_base <= 0:
            raise ValueError(f"time_base must be positive, not {self.time_base}")
        pts.setflags(write=False)
        keyframes.setflags(write=False)
        object.__setattr__(self, "pts", pts)
        object.__setattr__(self, "keyframes", keyframes)
        object.__setattr__(self, "time_base", Fraction(self.time_base))

    def __len__(self) -> int:
        return int(self.pts.size)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FrameIndex):
            return NotImplemented
        return (
            self.time_base == other.time_base
            and self.positional == other.positional
            and np.array_equal(self.pts, other.pts)
            and np.array_equal(self.keyframes, other.keyframes)
        )

    def seconds(self, n: int) -> float:
        """When frame `n` is shown, in seconds from the first frame."""
        return float((int(self.pts[n]) - int(self.pts[0])) * self.time_base)

    def frame_at(self, seconds: float) -> int:
        """The frame on screen `seconds` after the first frame starts (clamped to the video):
        the last frame whose time is at or before it."""
        if not len(self):
            raise ValueError("the index is empty")
        ticks = int(self.pts[0]) + int(np.floor(seconds / self.time_base + 1e-6))
        found = int(np.searchsorted(self.pts, ticks, side="right")) - 1
        return min(max(found, 0), len(self) - 1)

    def keyframe_before(self, n: int) -> int:
        """The position of the last keyframe at or before frame `n`, or -1 if none is."""
        positions = np.flatnonzero(self.keyframes[: n + 1])
        return int(positions[-1]) if positions.size else -1

    def position_of(self, pts: int) -> int | None:
        """The frame number whose timestamp is `pts` (the first one if several share it)."""
        found = int(np.searchsorted(self.pts, pts, side="left"))
        if found < len(self) and int(self.pts[found]) == pts:
            return found
        return None

    def is_variable_rate(self) -> bool:
        """Whether the intervals between frames differ by more than timestamp rounding.

        A time base finer than about a third of a frame (Matroska's milliseconds, MP4's
        1/12800 or 1/90000) cannot hold every frame time exactly, so intervals that differ
        by one tick are rounding (33, 34, 33 ms at 29.97 fps). In a coarse time base (AVI
        counts frames) every difference is real: a skipped frame slot is variable rate.
        """
        if len(self) < 3:
            return False
        deltas = np.diff(self.pts)
        spread = int(deltas.max() - deltas.min())
        tolerance = 1 if float(np.median(deltas)) >= _FINE_TIME_BASE_TICKS else 0
        return spread > tolerance or int(deltas.min()) <= 0

    def to_bytes(self) -> bytes:
        """A compact, versioned encoding of the index (read it with `from_bytes`)."""
        flags = _FLAG_POSITIONAL if self.positional else 0
        header = _HEADER.pack(
            _MAGIC,
            _VERSION,
            flags,
            0,
            len(self),
            self.time_base.numerator,
            self.time_base.denominator,
        )
        deltas = np.diff(self.pts, prepend=np.int64(0)).astype("<i8")
        payload = deltas.tobytes() + np.packbits(self.keyframes).tobytes()
        return header + zlib.compress(payload, 6)

    @classmethod
    def from_bytes(cls, data: bytes) -> FrameIndex:
        """Decode what `to_bytes` wrote; a ValueError names what is wrong with `data`."""
        if len(data) < _HEADER.size:
            raise ValueError("not a frame index: too short")
        magic, version, flags, _, count, num, den = _HEADER.unpack_from(data)
        if magic != _MAGIC:
            raise ValueError("not a frame index: wrong signature")
        if version != _VERSION:
            raise ValueError(f"frame index version {version} is not supported")
        if count > _MAX_FRAMES or num <= 0 or den <= 0:
            raise ValueError("frame index header is invalid")
        expected = count * 8 + (count + 7) // 8
        inflater = zlib.decompressobj()
        try:
            payload = inflater.decompress(data[_HEADER.size :], expected + 1)
        except zlib.error as error:
            raise ValueError(f"frame index data is damaged ({error})") from error
        if len(payload) != expected or not inflater.eof or inflater.unused_data:
            raise ValueError("frame index data does not match its header")
        deltas = np.frombuffer(payload, dtype="<i8", count=count)
        bits = np.frombuffer(payload, dtype=np.uint8, offset=count * 8)
        return cls(
            pts=np.cumsum(deltas, dtype=np.int64),
            keyframes=np.unpackbits(bits, count=count).astype(np.bool_),
            time_base=Fraction(num, den),
            positional=bool(flags & _FLAG_POSITIONAL),
        )
