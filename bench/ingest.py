"""Ingest and media benchmark: imports, URL lists, thumbnails and video frames.

Method (every figure is printed with its inputs):

1. Images: IMAGES distinct JPEG files of 1280x720 (smooth gradients with a per-image
   pattern, quality 90, about 42 KB each) are written to a temporary folder. Each
   import runs in a fresh child process with its own SQLite database, exactly as
   `pixelwise datasets import FOLDER [--in-place]` runs it (the job executes in the
   process): once registering the files in place, once copying them into storage. The
   figure is files per second over the job's wall time, and the child's peak RSS.
2. URLs: a CSV of the same number of lines pointing at a threaded HTTP server on loopback
   (allow-listed) serving those JPEGs; imported once registering the URLs only (nothing is
   read) and once downloading them (PIXELWISE_URL_FETCH_CONCURRENCY at its default).
3. Thumbnails and originals through the real app (in-process ASGI client, bearer token,
   WebP thumbnails 256 px): THUMBS assets, first request (cold: decode and encode), then
   again (warm: read the kept file); and the original image served inline.
4. Video: a FRAMES-frame 1920x1080 H.264 file made with PyAV (libx264, 25 fps, a moving
   pattern); probe time (exact frame count and frame index from the packets) and REPEAT
   random frames read exactly by index (seek to the keyframe before, decode forward).

For comparison on this kind of machine: Label Studio 1.23.2 imports 10 000 URL tasks in
2.2 s (registering URLs only) and serves a local image in 11-15 ms p50.

Usage: python bench/ingest.py [--images 10000] [--thumbs 200] [--frames 2000] [--repeat 100]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from fractions import Fraction
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
from PIL import Image

WIDTH, HEIGHT = 1280, 720


def make_images(folder: Path, count: int) -> int:
    """`count` distinct JPEGs; returns their total size."""
    folder.mkdir(parents=True, exist_ok=True)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    base = np.stack([x * 255 // WIDTH, y * 255 // HEIGHT, (x + y) * 255 // (WIDTH + HEIGHT)], -1)
    total = 0
    for index in range(count):
        pixels = base.astype(np.uint8).copy()
        row, column = divmod(index, 97)
        pixels[(row * 7) % HEIGHT : (row * 7) % HEIGHT + 40, (column * 13) % WIDTH :][:, :40] = (
            index * 37 % 256, index * 91 % 256, index * 53 % 256,
        )  # fmt: skip
        path = folder / f"{index // 1000:02d}" / f"img_{index:05d}.jpg"
        path.parent.mkdir(exist_ok=True)
        Image.fromarray(pixels).save(path, quality=90)
        total += path.stat().st_size
        if index % 500 == 0:
            print(f"\r  writing images {index:,} / {count:,}", end="", flush=True)
    print(f"\r  wrote {count:,} images, {total / 1e6:,.0f} MB" + " " * 20)
    return total


def run_child(args: list[str], env: dict[str, str]) -> dict[str, float]:
    """Run this script's `child` command; its last line is a JSON result."""
    done = subprocess.run(
        [sys.executable, __file__, "child", *args], env=env, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"child failed:\n{done.stdout}\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def child(argv: list[str]) -> None:
    """In a fresh process: import SOURCE into a new dataset, print timing and peak RSS."""
    parser = argparse.ArgumentParser()
    parser.add_argument("source")
    parser.add_argument("--in-place", action="store_true")
    parser.add_argument("--register-only", action="store_true")
    options = parser.parse_args(argv)
    from pixelwise.cli.serving import open_context
    from pixelwise.jobs.runtime import JobRuntime
    from pixelwise.services import datasets, imports, job_runs, jobs
    from pixelwise.services.context import Actor
    from pixelwise.settings import load_settings

    ctx = open_context(load_settings())
    ctx.enqueuer = JobRuntime(ctx)  # records the job; it runs right here, as the CLI runs it
    actor = Actor.system("bench")
    dataset = datasets.create_dataset(ctx, actor, name="bench")
    start = time.perf_counter()
    if options.source.endswith(".csv"):
        job = imports.start_url_import(
            ctx, actor, dataset.id, options.source, register_only=options.register_only
        )
    else:
        job = imports.start_folder_import(
            ctx, actor, dataset.id, options.source, in_place=options.in_place, anywhere=True
        )
    job_runs.execute(ctx, job.id)
    seconds = time.perf_counter() - start
    result = jobs.get_job(ctx, actor, job.id).result or {}
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "imported": result.get("imported", 0),
                      "failed": result.get("failed", 0), "rss_mib": rss}))  # fmt: skip


def child_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXELWISE_")}
    env.update({"PIXELWISE_HOME": str(home), "PIXELWISE_LOG_LEVEL": "warning", **extra})
    return env


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *_: object) -> None:
        pass


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    return f"p50 {p50:6.1f} ms  p99 {p99:6.1f} ms"


def bench_imports(work: Path, images: Path, count: int) -> None:
    print(f"\n1. importing {count:,} JPEGs 1280x720 from a folder")
    for label, flags in (("in place", ["--in-place"]), ("copied", [])):
        home = work / f"home-{label.replace(' ', '-')}"
        env = child_env(home, PIXELWISE_IMPORT_ROOTS=str(images.parent))
        figures = run_child([str(images), *flags], env)
        rate = figures["imported"] / figures["seconds"]
        print(f"   {label:9}: {figures['imported']:,.0f} imported in {figures['seconds']:6.1f} s"
              f" = {rate:7,.0f} images/s, peak RSS {figures['rss_mib']:,.0f} MiB")  # fmt: skip


def bench_urls(work: Path, images: Path, count: int) -> None:
    print(f"\n2. importing a CSV of {count:,} URLs from a web server on loopback")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(images)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    files = sorted(images.rglob("*.jpg"))[:count]
    csv = work / "urls.csv"
    csv.write_text("url\n" + "".join(f"{base}/{p.relative_to(images)}\n" for p in files))
    try:
        for label, flags in (("registered", ["--register-only"]), ("downloaded", [])):
            env = child_env(work / f"home-urls-{label}", PIXELWISE_URL_ALLOW_HOSTS="127.0.0.1")
            figures = run_child([str(csv), *flags], env)
            rate = figures["imported"] / figures["seconds"]
            print(f"   {label:10}: {figures['imported']:,.0f} in {figures['seconds']:6.2f} s"
                  f" = {rate:7,.0f} URLs/s, peak RSS {figures['rss_mib']:,.0f} MiB"
                  f" (failed {figures['failed']:.0f})")  # fmt: skip
    finally:
        server.shutdown()


def bench_serving(work: Path, images: Path, count: int) -> None:
    print(f"\n3. serving {count} images through the app (in-process ASGI client)")
    from fastapi.testclient import TestClient

    from pixelwise.app import build_context, create_app
    from pixelwise.db.migrate import migrate
    from pixelwise.domain.permissions import OrgRole
    from pixelwise.services import datasets, imports, job_runs, projects, tokens, users
    from pixelwise.services.context import Actor
    from pixelwise.settings import Settings

    home = work / "home-serve"
    settings = Settings(home=home, import_roots=[images.parent, work], log_level="warning")
    ctx = build_context(settings)
    migrate(ctx.database)
    system = Actor.system("bench")
    admin = users.create_user(ctx, system, email="a@example.org", password="x" * 12,
                              org_role=OrgRole.ADMIN)  # fmt: skip
    actor = Actor(user_id=admin.id, org_role=OrgRole.ADMIN)
    token = tokens.create_token(ctx, system, "bench", for_email="a@example.org").token
    source = work / "serve-src"
    source.mkdir()
    for path in sorted(images.rglob("*.jpg"))[:count]:
        os.link(path, source / path.name)
    dataset = datasets.create_dataset(ctx, actor, name="serve")
    job = imports.start_folder_import(ctx, actor, dataset.id, str(source), in_place=False)
    job_runs.execute(ctx, job.id)
    project = projects.create_project(ctx, actor, name="serve", dataset_id=dataset.id)
    app = create_app(settings, ctx)
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client:
        listed = client.get(
            f"/api/projects/{project.id}/assets", params={"limit": 500}, headers=headers
        ).json()["items"]
        urls = [f"/api/projects/{project.id}/assets/{a['id']}" for a in listed]
        for label, path in (("thumbnail cold", "thumbnail"), ("thumbnail warm", "thumbnail"),
                            ("original view", "view")):  # fmt: skip
            samples = []
            for url in urls:
                start = time.perf_counter()
                response = client.get(f"{url}/{path}", headers=headers)
                samples.append(time.perf_counter() - start)
                assert response.status_code == 200, response.text
            print(f"   {label:15}: {percentiles(samples)}  ({len(samples)} requests)")


def make_video(path: Path, frames: int) -> None:
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(25))
        stream.width, stream.height, stream.pix_fmt = 1920, 1080, "yuv420p"
        stream.options = {"preset": "ultrafast", "g": "50"}
        y, x = np.mgrid[0:1080, 0:1920]
        for number in range(frames):
            pixels = np.stack([(x + 4 * number) % 256, y % 256, (x // 8 + number) % 256], -1)
            frame = av.VideoFrame.from_ndarray(pixels.astype(np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
            if number % 100 == 0:
                print(f"\r  encoding frame {number:,} / {frames:,}", end="", flush=True)
        for packet in stream.encode():
            container.mux(packet)
    print(f"\r  encoded {frames:,} frames, {path.stat().st_size / 1e6:,.0f} MB" + " " * 20)


def bench_video(work: Path, frames: int, repeat: int) -> None:
    print(f"\n4. a {frames:,}-frame 1920x1080 H.264 video")
    from pixelwise.media.video import VideoReader, probe_video

    path = work / "long.mp4"
    make_video(path, frames)
    start = time.perf_counter()
    probe = probe_video(path)
    print(f"   probe: {(time.perf_counter() - start) * 1000:,.0f} ms "
          f"({probe.frame_count} frames counted, {probe.fps:.2f} fps)")  # fmt: skip
    rng = random.Random(7)
    samples = []
    with VideoReader(path, probe.index) as reader:
        for _ in range(repeat):
            wanted = rng.randrange(probe.frame_count)
            start = time.perf_counter()
            rgb = reader.read(wanted)
            samples.append(time.perf_counter() - start)
            assert rgb.shape == (1080, 1920, 3)
    print(f"   random frame by index (decoded RGB): {percentiles(samples)}  ({repeat} frames)")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--thumbs", type=int, default=200)
    parser.add_argument("--frames", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--skip", default="", help="comma-separated: imports,urls,serve,video")
    parser.add_argument("--work", help="a folder to keep the generated images in between runs")
    options = parser.parse_args()
    skip = set(options.skip.split(","))
    print(__doc__.split("Usage:")[0].strip())
    print(f"\nmachine: {os.cpu_count()} CPUs; python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="pixelwise-bench-") as temp:
        work = Path(temp)
        images = Path(options.work) / "images" if options.work else work / "images"
        wanted = max(options.images, options.thumbs)
        if not {"imports", "urls", "serve"} <= skip and len(list(images.rglob("*.jpg"))) < wanted:
            make_images(images, wanted)
        if "imports" not in skip:
            bench_imports(work, images, options.images)
        if "urls" not in skip:
            bench_urls(work, images, options.images)
        if "serve" not in skip:
            bench_serving(work, images, options.thumbs)
        if "video" not in skip:
            bench_video(work, options.frames, options.repeat)


if __name__ == "__main__":
    main()
