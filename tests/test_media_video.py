"""Probing videos and reading their frames exactly (pixelwise.media.video), on small files
made here with PyAV: every frame carries its own number painted as black and white blocks,
so a test checks which frame it got by looking at the pixels."""

from __future__ import annotations

import io
import json
from collections.abc import Generator, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Literal

import av
import av.audio.stream
import av.codec
import av.error
import av.video.stream
import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from pixelwise.domain.errors import InvalidInput
from pixelwise.media.video import (
    MEDIA_TYPES,
    FrameIndex,
    VideoError,
    VideoProbe,
    VideoReader,
    encode_frame,
    iter_frames,
    probe_video,
    read_frame,
)

WIDTH, HEIGHT = 64, 48
FRAMES = 40
BLOCK = 8  # one bit of the frame number per 8x8 block along the top row
BITS = WIDTH // BLOCK
# Irregular frame intervals in milliseconds, as a phone records them.
IRREGULAR_MS = [40, 40, 120, 40, 10, 10, 140, 33, 33]

RGB = npt.NDArray[np.uint8]


def _h264_encoder() -> str:
    """The H.264 encoder this PyAV build has; MPEG-4 Part 2 if none (tests still run)."""
    for name in ("libx264", "libopenh264", "h264"):
        try:
            av.codec.Codec(name, "w")
        except (av.codec.codec.UnknownCodecError, av.error.FFmpegError, ValueError):
            continue
        return name
    return "mpeg4"


H264 = _h264_encoder()
H264_NAME = "mpeg4" if H264 == "mpeg4" else "h264"


def painted(n: int) -> RGB:
    """A frame showing the number `n`: bit b is block b of the top row (white = 1) over a
    background whose grey level also changes with `n`."""
    image = np.full((HEIGHT, WIDTH, 3), 60 + (n * 3) % 120, dtype=np.uint8)
    for bit in range(BITS):
        image[:BLOCK, bit * BLOCK : (bit + 1) * BLOCK] = 255 if (n >> bit) & 1 else 0
    image[BLOCK:, :BLOCK] = 0  # a dark left edge, to tell rotations apart
    return image


def number_of(rgb: RGB) -> int:
    """The number painted into a decoded (stored-orientation) frame."""
    assert rgb.shape == (HEIGHT, WIDTH, 3)
    assert rgb.dtype == np.uint8
    cells = rgb[2 : BLOCK - 2].reshape(BLOCK - 4, BITS, BLOCK, 3)[:, :, 2 : BLOCK - 2]
    bits = cells.mean(axis=(0, 2, 3)) > 128
    return sum(1 << bit for bit, on in enumerate(bits) if on)


def write_video(
    path: Path,
    *,
    codec: str = H264,
    container: str = "mp4",
    count: int = FRAMES,
    pts_ms: Sequence[int] | None = None,
    rotation: float | None = None,
    audio: bool = False,
    gop: int = 8,
    x264_params: str = "b-adapt=0:scenecut=0",
    container_options: dict[str, str] | None = None,
) -> Path:
    """Encode frames 0..count-1 (see `painted`) at 25 fps, or at the millisecond times
    `pts_ms`, with a keyframe every `gop` frames and B-frames where the codec has them."""
    with av.open(str(path), "w", format=container, options=container_options or {}) as out:
        stream = out.add_stream(codec, rate=25)
        assert isinstance(stream, av.video.stream.VideoStream)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.codec_context.gop_size = gop
        if codec in {"libx264", "mpeg4"}:
            stream.codec_context.max_b_frames = 2
        if codec == "libx264":  # by default B-frames always, keyframes only every `gop`
            stream.options = {"x264-params": x264_params}
        if pts_ms is not None:
            stream.codec_context.time_base = Fraction(1, 1000)
        if rotation is not None:
            stream.set_display_rotation(rotation)
        sound = out.add_stream("aac", rate=8000) if audio else None
        assert sound is None or isinstance(sound, av.audio.stream.AudioStream)
        for n in range(count):
            frame = av.VideoFrame.from_ndarray(painted(n), format="rgb24")
            if pts_ms is not None:
                frame.pts, frame.time_base = pts_ms[n], Fraction(1, 1000)
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
        if sound is not None:
            silence = av.AudioFrame.from_ndarray(
                np.zeros((1, 8000), np.float32), format="fltp", layout="mono"
            )
            silence.sample_rate, silence.pts = 8000, 0
            out.mux(sound.encode(silence))
            out.mux(sound.encode())
    return path


def irregular_times(count: int = FRAMES) -> list[int]:
    deltas = (IRREGULAR_MS * count)[: count - 1]
    return [0, *np.cumsum(deltas).tolist()]


def all_frames(path: Path, index: FrameIndex) -> list[int]:
    """The painted number of every frame, read in a shuffled order with one reader."""
    order = np.random.default_rng(3).permutation(len(index)).tolist()
    seen: dict[int, int] = {}
    with VideoReader(path, index) as reader:
        for n in order:
            seen[n] = number_of(reader.read(n))
    return [seen[n] for n in range(len(index))]


def display_orders_differ(path: Path) -> bool:
    """Whether the file stores frames out of display order (it has B-frames)."""
    with av.open(str(path)) as container:
        stamps = [p.pts or 0 for p in container.demux(container.streams.video[0]) if p.size]
    return stamps != sorted(stamps)


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("videos")


@pytest.fixture(scope="module")
def cfr_mp4(videos: Path) -> Path:
    return write_video(videos / "cfr.mp4")


@pytest.fixture(scope="module")
def cfr_probe(cfr_mp4: Path) -> VideoProbe:
    return probe_video(cfr_mp4)


# --- probing --------------------------------------------------------------------------------


def test_constant_rate_mp4_is_described_from_its_bytes(
    cfr_mp4: Path, cfr_probe: VideoProbe
) -> None:
    assert cfr_probe.container == "mp4"
    assert cfr_probe.media_type == "video/mp4"
    assert cfr_probe.codec == H264_NAME
    assert (cfr_probe.width, cfr_probe.height, cfr_probe.rotation) == (WIDTH, HEIGHT, 0)
    assert cfr_probe.frame_count == FRAMES == len(cfr_probe.index)
    assert cfr_probe.fps == pytest.approx(25.0)
    assert cfr_probe.duration_seconds == pytest.approx(FRAMES / 25)
    assert cfr_probe.variable_frame_rate is False
    assert cfr_probe.has_audio is False
    assert cfr_probe.bit_rate is not None
    assert cfr_probe.bit_rate == pytest.approx(
        cfr_mp4.stat().st_size * 8 / cfr_probe.duration_seconds, rel=0.5
    )
    assert cfr_probe.index.positional is False
    assert cfr_probe.index.keyframes[0]
    assert 1 < int(cfr_probe.index.keyframes.sum()) < FRAMES


def test_fixture_has_b_frames_when_the_encoder_makes_them(cfr_mp4: Path) -> None:
    if H264 != "libx264":
        pytest.skip(f"{H264} makes no B-frames")
    assert display_orders_differ(cfr_mp4)


def test_meta_is_json_without_the_index(cfr_probe: VideoProbe) -> None:
    meta = cfr_probe.meta()
    assert json.loads(json.dumps(meta)) == meta
    assert meta["frame_count"] == FRAMES
    assert meta["media_type"] == "video/mp4"
    assert "index" not in meta
    assert set(meta) == {
        "container",
        "media_type",
        "codec",
        "width",
        "height",
        "rotation",
        "frame_count",
        "fps",
        "duration_seconds",
        "variable_frame_rate",
        "has_audio",
        "bit_rate",
    }


def test_frame_count_comes_from_packets_not_the_header(videos: Path) -> None:
    path = write_video(videos / "short.mkv", container="matroska", count=13)
    with av.open(str(path)) as container:
        assert container.streams.video[0].frames == 0  # Matroska declares no count
    assert probe_video(path).frame_count == 13


def test_audio_track_is_reported(videos: Path) -> None:
    probe = probe_video(write_video(videos / "sound.mp4", audio=True))
    assert probe.has_audio is True
    assert probe.frame_count == FRAMES
    assert probe.duration_seconds == pytest.approx(FRAMES / 25)


def test_binary_file_sources_work_like_paths(cfr_mp4: Path, cfr_probe: VideoProbe) -> None:
    data = cfr_mp4.read_bytes()
    source = io.BytesIO(data)
    assert probe_video(source) == cfr_probe
    assert not source.closed  # the caller's to close
    assert probe_video(str(cfr_mp4)) == cfr_probe
    assert number_of(read_frame(io.BytesIO(data), 17, cfr_probe.index)) == 17
    assert probe_video(Unseekable(data)).frame_count == FRAMES


class Unseekable(io.BytesIO):
    """A pipe: it says it cannot seek (to read from, or to record into)."""

    def seekable(self) -> bool:
        return False


# --- exact frames ---------------------------------------------------------------------------


def test_read_frame_returns_every_frame_exactly(cfr_mp4: Path, cfr_probe: VideoProbe) -> None:
    for n in np.random.default_rng(1).permutation(FRAMES).tolist():
        rgb = read_frame(cfr_mp4, n, cfr_probe.index)
        assert rgb.shape == (HEIGHT, WIDTH, 3)
        assert number_of(rgb) == n


def test_reader_serves_frames_in_any_order(cfr_mp4: Path, cfr_probe: VideoProbe) -> None:
    assert all_frames(cfr_mp4, cfr_probe.index) == list(range(FRAMES))
    with VideoReader(cfr_mp4, cfr_probe.index) as reader:
        sequence = [0, 1, 2, 3, 9, 10, 39, 38, 5, 5, 6, 30, 31, 32, 0]
        assert [number_of(reader.read(n)) for n in sequence] == sequence
    with pytest.raises(ValueError, match="closed"):
        reader.read(1)


@pytest.mark.parametrize(
    ("container", "codec", "media_type", "codec_name"),
    [
        ("mov", H264, "video/quicktime", H264_NAME),
        ("matroska", H264, "video/x-matroska", H264_NAME),
        ("webm", "libvpx", "video/webm", "vp8"),
        ("webm", "libvpx-vp9", "video/webm", "vp9"),
        ("avi", "mpeg4", "video/x-msvideo", "mpeg4"),
    ],
)
def test_each_container_is_probed_and_read_exactly(
    videos: Path, container: str, codec: str, media_type: str, codec_name: str
) -> None:
    path = write_video(videos / f"{codec}.{container}", codec=codec, container=container)
    probe = probe_video(path)
    assert probe.media_type == media_type
    assert MEDIA_TYPES[probe.container] == media_type
    assert probe.codec == codec_name
    assert (probe.width, probe.height) == (WIDTH, HEIGHT)
    assert probe.frame_count == FRAMES
    assert probe.fps == pytest.approx(25.0)
    assert probe.variable_frame_rate is False
    assert all_frames(path, probe.index) == list(range(FRAMES))


def test_h264_with_b_frames_in_avi_is_read_by_position(videos: Path) -> None:
    """AVI stores no presentation times: the decoder invents wrong ones for B-frames."""
    path = write_video(videos / "h264.avi", container="avi")
    probe = probe_video(path)
    assert probe.media_type == "video/x-msvideo"
    assert probe.frame_count == FRAMES
    if H264 == "libx264":  # B-frames: the container's times are not the display order
        assert probe.index.positional is True
    assert all_frames(path, probe.index) == list(range(FRAMES))
    assert [n for n, _ in iter_frames(path, every=10)] == [0, 10, 20, 30]


def test_open_gop_frames_are_exact(videos: Path) -> None:
    if H264 != "libx264":
        pytest.skip("open GOPs need libx264")
    params = "open-gop=1:keyint=10:scenecut=0:bframes=3:b-adapt=0"
    path = write_video(videos / "open-gop.mp4", x264_params=params)
    probe = probe_video(path)
    assert probe.frame_count == FRAMES
    assert all_frames(path, probe.index) == list(range(FRAMES))


def test_matroska_without_cues_is_read_exactly(videos: Path) -> None:
    """A streamed recording: no seek index, no duration; seeking must still be exact."""
    sink = Unseekable()
    with av.open(sink, "w", format="matroska") as out:
        stream = out.add_stream(H264, rate=25)
        assert isinstance(stream, av.video.stream.VideoStream)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.codec_context.gop_size = 8
        for n in range(FRAMES):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(painted(n), format="rgb24")))
        out.mux(stream.encode())
    path = videos / "streamed.mkv"
    path.write_bytes(sink.getvalue())
    probe = probe_video(path)
    assert probe.frame_count == FRAMES
    assert all_frames(path, probe.index) == list(range(FRAMES))


@pytest.mark.parametrize("container", ["matroska", "mp4"])
def test_variable_frame_rate_frames_are_exact(videos: Path, container: str) -> None:
    times = irregular_times()
    path = write_video(videos / f"vfr.{container}", container=container, pts_ms=times)
    probe = probe_video(path)
    assert probe.variable_frame_rate is True
    assert probe.frame_count == FRAMES
    assert probe.fps == pytest.approx(FRAMES / probe.duration_seconds)
    assert probe.fps < 25  # the irregular intervals average more than 40 ms
    assert [round(probe.index.seconds(n) * 1000) for n in range(FRAMES)] == times
    assert probe.index.frame_at(times[5] / 1000) == 5
    assert probe.index.frame_at((times[5] + times[6]) / 2000) == 5
    for n in range(FRAMES):
        assert number_of(read_frame(path, n, probe.index)) == n


def test_display_rotation_turns_size_and_pixels(videos: Path) -> None:
    """A phone's portrait video: stored landscape, shown turned 90 degrees clockwise."""
    path = write_video(videos / "portrait.mov", container="mov", rotation=-90)
    probe = probe_video(path)
    assert probe.media_type == "video/quicktime"
    assert probe.rotation == 90
    assert (probe.width, probe.height) == (HEIGHT, WIDTH)
    rgb = read_frame(path, 11, probe.index)
    assert rgb.shape == (WIDTH, HEIGHT, 3)
    # Turned clockwise, the stored top row (the number) becomes the right column.
    assert number_of(np.rot90(rgb, 1)) == 11
    assert rgb[:, -BLOCK:].std() > 50  # black and white number blocks on the right
    frames = list(iter_frames(path, every=20))
    assert [(n, f.shape) for n, f in frames] == [(0, (WIDTH, HEIGHT, 3)), (20, (WIDTH, HEIGHT, 3))]


# --- errors ---------------------------------------------------------------------------------


def expect_error(source: Path | io.BytesIO, reason: str) -> VideoError:
    with pytest.raises(VideoError) as caught:
        probe_video(source)
    error = caught.value
    assert isinstance(error, InvalidInput)
    assert error.reason == reason
    assert "\n" not in error.detail
    return error


def test_random_bytes_are_not_a_video(videos: Path) -> None:
    path = videos / "noise.mp4"
    path.write_bytes(np.random.default_rng(5).integers(0, 256, 8192, dtype=np.uint8).tobytes())
    error = expect_error(path, "not_video")
    assert "MP4, MOV, AVI, MKV or WebM" in error.detail


def test_an_image_is_not_a_video() -> None:
    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, format="PNG")
    error = expect_error(png, "not_video")
    assert "PNG" in error.detail


def test_empty_file_is_empty(videos: Path) -> None:
    path = videos / "nothing.mp4"
    path.write_bytes(b"")
    expect_error(path, "empty")


def test_video_stream_without_frames_is_empty(videos: Path) -> None:
    path = videos / "no-frames.avi"
    with av.open(str(path), "w", format="avi") as out:
        stream = out.add_stream("mpeg4", rate=25)
        assert isinstance(stream, av.video.stream.VideoStream)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        out.start_encoding()
    error = expect_error(path, "empty")
    assert "no frames" in error.detail


def test_truncated_mp4_is_corrupt(cfr_mp4: Path, videos: Path) -> None:
    data = cfr_mp4.read_bytes()  # index (moov) at the end: cut off with the tail
    cut = videos / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    error = expect_error(cut, "corrupt")
    assert "MP4" in error.detail
    assert "complete copy" in error.detail


def test_truncated_streamable_mp4_is_corrupt(videos: Path) -> None:
    """Index first (faststart): the header survives, the frames at the end do not."""
    full = write_video(videos / "faststart.mp4", container_options={"movflags": "+faststart"})
    data = full.read_bytes()
    assert data[4:8] == b"ftyp"
    assert b"moov" in data[:100]
    for keep in (0.6, 0.97):
        cut = videos / f"faststart-{keep}.mp4"
        cut.write_bytes(data[: int(len(data) * keep)])
        expect_error(cut, "corrupt")


def test_truncated_matroska_is_corrupt(videos: Path) -> None:
    data = write_video(videos / "whole.mkv", container="matroska").read_bytes()
    cut = videos / "cut.mkv"
    cut.write_bytes(data[: len(data) * 2 // 3])
    error = expect_error(cut, "corrupt")
    assert "MKV" in error.detail


def test_audio_only_file_has_no_video_stream(videos: Path) -> None:
    path = videos / "voice.m4a"
    with av.open(str(path), "w", format="mp4") as out:
        sound = out.add_stream("aac", rate=8000)
        assert isinstance(sound, av.audio.stream.AudioStream)
        silence = av.AudioFrame.from_ndarray(
            np.zeros((1, 8000), np.float32), format="fltp", layout="mono"
        )
        silence.sample_rate, silence.pts = 8000, 0
        out.mux(sound.encode(silence))
        out.mux(sound.encode())
    error = expect_error(path, "no_video_stream")
    assert "audio" in error.detail


def test_unknown_codec_is_unsupported(videos: Path) -> None:
    data = write_video(videos / "known.avi", codec="mpeg4", container="avi").read_bytes()
    assert b"FMP4" in data
    path = videos / "unknown.avi"
    path.write_bytes(data.replace(b"FMP4", b"QQQQ"))
    error = expect_error(path, "unsupported_codec")
    assert "H.264" in error.detail


def test_missing_file_is_not_a_content_error(videos: Path) -> None:
    with pytest.raises(FileNotFoundError):
        probe_video(videos / "absent.mp4")


def test_frame_out_of_range_names_the_valid_range(cfr_mp4: Path, cfr_probe: VideoProbe) -> None:
    for n in (-1, FRAMES, 10_000):
        with pytest.raises(InvalidInput) as caught:
            read_frame(cfr_mp4, n, cfr_probe.index)
        assert f"0 to {FRAMES - 1}" in caught.value.detail
        assert caught.value.extra["field"] == "frame"
    with VideoReader(cfr_mp4, cfr_probe.index) as reader, pytest.raises(InvalidInput):
        reader.read(FRAMES)


def test_reading_a_changed_file_is_a_video_error(videos: Path, cfr_probe: VideoProbe) -> None:
    """An index that does not belong to the file: the frame is not there."""
    other = write_video(videos / "other.mkv", container="matroska", count=10)
    with pytest.raises(VideoError) as caught:
        read_frame(other, FRAMES - 1, cfr_probe.index)
    assert caught.value.reason == "corrupt"


# --- the index ------------------------------------------------------------------------------


def test_index_round_trips_compactly(cfr_probe: VideoProbe, videos: Path) -> None:
    index = cfr_probe.index
    data = index.to_bytes()
    assert FrameIndex.from_bytes(data) == index
    assert len(data) < 100
    assert len(FrameIndex.from_bytes(data)) == FRAMES
    positional = FrameIndex(
        pts=np.arange(5, dtype=np.int64),
        keyframes=np.array([True, False, False, True, False]),
        time_base=Fraction(1, 25),
        positional=True,
    )
    assert FrameIndex.from_bytes(positional.to_bytes()) == positional
    assert FrameIndex.from_bytes(positional.to_bytes()).positional is True
    assert positional != index


def test_index_arrays_are_read_only(cfr_probe: VideoProbe) -> None:
    with pytest.raises(ValueError, match="read-only"):
        cfr_probe.index.pts[0] = 5


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:10],
        lambda data: b"XXXX" + data[4:],
        lambda data: data[:4] + b"\x09" + data[5:],
        lambda data: data[:-3],
        lambda data: data + b"more",
        lambda data: data[:40] + bytes(len(data) - 40),
    ],
)
def test_damaged_index_bytes_are_refused(cfr_probe: VideoProbe, damage: object) -> None:
    assert callable(damage)
    with pytest.raises(ValueError, match="frame index"):
        FrameIndex.from_bytes(damage(cfr_probe.index.to_bytes()))


@pytest.mark.parametrize(
    ("pts", "time_base", "variable"),
    [
        ([round(i * 1000 / 29.97) for i in range(100)], Fraction(1, 1000), False),
        ([i * 1001 for i in range(100)], Fraction(1, 30000), False),
        ([*range(50), *range(51, 60)], Fraction(1, 25), True),  # AVI: a skipped frame slot
        ([0, 40, 80, 120, 200, 240], Fraction(1, 1000), True),
        ([0, 40, 80, 80, 120], Fraction(1, 1000), True),  # two frames at the same time
        ([0, 512], Fraction(1, 12800), False),
    ],
)
def test_variable_frame_rate_tolerates_time_base_rounding(
    pts: list[int], time_base: Fraction, variable: bool
) -> None:
    index = FrameIndex(
        pts=np.array(pts, dtype=np.int64), keyframes=np.zeros(len(pts), bool), time_base=time_base
    )
    assert index.is_variable_rate() is variable


# --- extraction and encoding ----------------------------------------------------------------


def test_iter_frames_every_third(cfr_mp4: Path) -> None:
    got = [(n, number_of(rgb)) for n, rgb in iter_frames(cfr_mp4, every=3)]
    assert got == [(n, n) for n in range(0, FRAMES, 3)]
    limited = [n for n, _ in iter_frames(cfr_mp4, every=3, max_frames=4)]
    assert limited == [0, 3, 6, 9]
    assert list(iter_frames(cfr_mp4, max_frames=0)) == []


def test_iter_frames_refuses_bad_options_and_files(cfr_mp4: Path, videos: Path) -> None:
    with pytest.raises(InvalidInput, match="every"):
        iter_frames(cfr_mp4, every=0)
    with pytest.raises(InvalidInput, match="max_frames"):
        iter_frames(cfr_mp4, max_frames=-1)
    path = videos / "text.mp4"
    path.write_bytes(b"hello, not a video" * 50)
    with pytest.raises(VideoError):
        iter_frames(path)


def test_iter_frames_can_stop_early(cfr_mp4: Path) -> None:
    frames = iter_frames(cfr_mp4)
    assert next(frames)[0] == 0
    assert isinstance(frames, Generator)
    frames.close()


@pytest.mark.parametrize(("fmt", "pillow"), [("jpeg", "JPEG"), ("webp", "WEBP")])
def test_encode_frame(
    cfr_mp4: Path, cfr_probe: VideoProbe, fmt: Literal["jpeg", "webp"], pillow: str
) -> None:
    rgb = read_frame(cfr_mp4, 21, cfr_probe.index)
    data = encode_frame(rgb, fmt=fmt, quality=95)
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == pillow
        assert image.size == (WIDTH, HEIGHT)
        assert number_of(np.asarray(image.convert("RGB"))) == 21
    small = encode_frame(rgb, fmt=fmt, max_side=32)
    with Image.open(io.BytesIO(small)) as image:
        assert image.size == (32, 24)


def test_encode_frame_refuses_non_frames() -> None:
    with pytest.raises(ValueError, match="H x W x 3"):
        encode_frame(np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match="fmt"):
        encode_frame(np.zeros((4, 4, 3), np.uint8), fmt="gif")  # type: ignore[arg-type]
