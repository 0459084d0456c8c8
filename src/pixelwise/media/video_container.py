"""Open an untrusted video file and pick the stream Pixelwise labels.

Why this module exists: every way into a video (probing on import, serving a frame,
extracting frames) must refuse the same files with the same words, and must never let a
library exception about bad bytes escape. This is the one place that opens a video with
PyAV (FFmpeg); everything it cannot use becomes a `VideoError` with a `reason`.

Accepted containers are MP4 and QuickTime (MOV), AVI, Matroska (MKV) and WebM; the kind
is read from the bytes, not from the file name. The labelled stream is the default video
stream (else the first one); cover pictures stored as video streams in audio files do not
count.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final, Literal, TypeAlias

import av
import av.container
import av.error
import av.stream
import av.video.stream

from pixelwise.domain.errors import InvalidInput

__all__ = [
    "DATA_ERRORS",
    "MEDIA_TYPES",
    "OpenedVideo",
    "Reason",
    "Rewindable",
    "VideoError",
    "VideoSource",
    "corrupt",
    "open_video",
    "rewindable",
]

VideoSource: TypeAlias = Path | str | os.PathLike[str] | BinaryIO
"""A file on disk, or an open binary file (read from its start; the caller closes it)."""

Rewindable: TypeAlias = Path | BinaryIO
"""A source that can be opened again: a path, or a seekable binary file."""

Reason = Literal["not_video", "no_video_stream", "corrupt", "unsupported_codec", "empty"]

MEDIA_TYPES: Final[dict[str, str]] = {
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "avi": "video/x-msvideo",
    "matroska": "video/x-matroska",
    "webm": "video/webm",
}
"""Container name (as `VideoProbe.container` reports it) -> media type, for every accepted
container."""

DATA_ERRORS: Final = (av.error.FFmpegError, ValueError, EOFError)
"""What PyAV raises on bad bytes (`ValueError` covers undecodable metadata text)."""

_ACCEPTED: Final = "MP4, MOV, AVI, MKV or WebM"
_DEMUXERS: Final = frozenset({"mov,mp4,m4a,3gp,3g2,mj2", "avi", "matroska,webm"})
_IMAGE_DEMUXERS: Final = frozenset({"gif", "apng", "image2", "ico", "webp"})
_HEAD_BYTES: Final = 64
_QUICKTIME_ATOMS: Final = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})
_IMAGE_BRANDS: Final = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"}
)
_ACCESS_ERRORS: Final = (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)
_NAMES: Final[dict[str, str]] = {
    "mp4": "MP4",
    "mov": "MOV",
    "avi": "AVI",
    "matroska": "MKV",
    "webm": "WebM",
}


class VideoError(InvalidInput):
    """The bytes are not a usable video; `detail` is one line a person can act on.

    `reason` says which kind: "not_video" (not a video, or a container we do not accept),
    "no_video_stream" (e.g. audio only), "corrupt" (truncated or undecodable),
    "unsupported_codec" (no decoder for the video stream), "empty" (no bytes, or no
    frames). It is an `InvalidInput`, so the API answers 422 with the message; an import
    reports it per file and goes on.
    """

    title = "Unusable video"

    def __init__(self, detail: str, *, reason: Reason) -> None:
        super().__init__(detail, reason=reason)
        self.reason: Reason = reason


@dataclass(frozen=True)
class OpenedVideo:
    """An open container and its labelled video stream; close `container` when done."""

    container: av.container.InputContainer
    stream: av.video.stream.VideoStream
    kind: str
    """A key of `MEDIA_TYPES`."""

    @property
    def name(self) -> str:
        """The container as people write it ("MP4", "MKV"), for messages."""
        return _NAMES[self.kind]


def rewindable(source: VideoSource) -> Rewindable:
    """`source` as something `open_video` can open more than once: a `Path`, or a seekable
    binary file (a non-seekable one is read into memory)."""
    if isinstance(source, str | os.PathLike):
        return Path(source)
    try:
        if source.seekable():
            return source
    except (AttributeError, OSError, ValueError):
        pass
    return io.BytesIO(source.read())


def open_video(source: Rewindable) -> OpenedVideo:
    """Open `source` (see `rewindable`) and select its video stream, or raise `VideoError`.

    A missing or unreadable path raises the usual `OSError`: that is not a fault of the
    file's content.
    """
    head = _head(source)
    if not head:
        raise VideoError("The file is empty (0 bytes), not a video.", reason="empty")
    sniffed = _sniff(head)
    if sniffed == "image":
        raise VideoError(
            "The file is a HEIF/AVIF still image, not a video; import it as an image "
            "after converting it to JPEG or PNG.",
            reason="not_video",
        )
    if isinstance(source, Path):
        target: str | BinaryIO = str(source)
    else:
        source.seek(0)
        target = source
    try:
        container = av.open(target, mode="r", metadata_errors="replace")
    except DATA_ERRORS as error:
        if isinstance(error, _ACCESS_ERRORS):
            raise
        raise _unopenable(sniffed, error) from error
    try:
        return OpenedVideo(container, _video_stream(container), _kind(container, head))
    except BaseException:
        container.close()
        raise


def corrupt(name: str, error: BaseException | str) -> VideoError:
    """The error for a file of container `name` that fails while being read."""
    cause = error if isinstance(error, str) else _cause(error)
    return VideoError(
        f"The {name} file is truncated or corrupt ({cause}); upload a complete copy.",
        reason="corrupt",
    )


# --- internals -----------------------------------------------------------------------------


def _head(source: Rewindable) -> bytes:
    if isinstance(source, Path):
        with source.open("rb") as file:
            return file.read(_HEAD_BYTES)
    source.seek(0)
    head = source.read(_HEAD_BYTES)
    source.seek(0)
    return head


def _sniff(head: bytes) -> str | None:
    """The container (a key of `MEDIA_TYPES`) the first bytes announce, "image" for
    HEIF/AVIF stills (which use the MP4 box layout), or None."""
    box = head[4:8]
    if box == b"ftyp":
        if head[8:12] in _IMAGE_BRANDS:
            return "image"
        return "mov" if head[8:12] == b"qt  " else "mp4"
    if box in _QUICKTIME_ATOMS:
        return "mov"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return _matroska_doctype(head)
    return None


def _matroska_doctype(head: bytes) -> str:
    """ "webm" or "matroska", from the DocType element (ID 0x4282) of the EBML header."""
    at = head.find(b"\x42\x82")
    if at >= 0 and at + 2 < len(head) and head[at + 2] & 0x80:
        size = head[at + 2] & 0x7F
        if head[at + 3 : at + 3 + size] == b"webm":
            return "webm"
    return "matroska"


def _kind(container: av.container.InputContainer, head: bytes) -> str:
    demuxer = container.format.name
    if demuxer in _IMAGE_DEMUXERS or demuxer.endswith("_pipe"):
        kind = demuxer.removesuffix("_pipe").upper()
        raise VideoError(
            f"The file is an image ({kind}), not a video; import it as an image.",
            reason="not_video",
        )
    if demuxer not in _DEMUXERS:
        described = container.format.long_name or demuxer
        raise VideoError(
            f"The file is in the {described} format, not a video container Pixelwise "
            f"accepts ({_ACCEPTED}); convert it to MP4.",
            reason="not_video",
        )
    if demuxer == "avi":
        return "avi"
    if demuxer.startswith("matroska"):
        return _matroska_doctype(head)
    brand = container.metadata.get("major_brand", "").strip()
    return "mp4" if brand and brand != "qt" else "mov"


def _video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream:
    moving = [
        stream
        for stream in container.streams.video
        if not stream.disposition & av.stream.Disposition.attached_pic
    ]
    if not moving:
        has_audio = bool(container.streams.audio)
        holds = "only audio" if has_audio else "no video"
        raise VideoError(
            f"The file has no video stream (it holds {holds}); choose a video file.",
            reason="no_video_stream",
        )
    defaults = [s for s in moving if s.disposition & av.stream.Disposition.default]
    stream = (defaults or moving)[0]
    if stream.codec_context is None:
        raise VideoError(
            "The video is encoded with a codec this server cannot decode; convert it to "
            "H.264 in an MP4 file.",
            reason="unsupported_codec",
        )
    return stream


def _unopenable(sniffed: str | None, error: BaseException) -> VideoError:
    if sniffed is not None:
        return corrupt(_NAMES[sniffed], error)
    return VideoError(
        f"The file is not a video in a supported format ({_ACCEPTED}); check that it is "
        "a video and not another kind of file.",
        reason="not_video",
    )


def _cause(error: BaseException) -> str:
    """A one-line reason from an FFmpeg error, without PyAV's errno and file name."""
    if isinstance(error, av.error.FFmpegError) and error.strerror:
        return str(error.strerror)
    return " ".join(str(error).split()) or type(error).__name__
