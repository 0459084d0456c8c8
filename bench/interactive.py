"""Interactive segmentation benchmark: clicks needed per object, and time per click.

Method (the standard protocol of RITM / f-BRS, see `pixelwise.vision.click_protocol`): for
each object of the data set, a simulated user clicks the innermost pixel of the object,
then, after each result, the innermost pixel of the larger error (false negatives give a
positive click, false positives a negative one), up to MAX_CLICKS clicks. Each click calls
the segmenter's `predict(image, clicks, prev_mask)` with all clicks so far and its previous
result, exactly as the workspace will.

Figures: NoC@85 / NoC@90 = mean number of clicks to reach 85 % / 90 % IoU (MAX_CLICKS when
never reached); NoF@90 = share of objects that never reach 90 %; latency of one click
(median and p95 over all clicks); per-image preparation (superpixels, features; done once
per image and cached) timed apart, median and p95. A trial stops once it reaches 90 % IoU,
so every figure above is exact and the slow tail of hopeless objects does not dominate the
run time. Timings are wall-clock on the machine at hand, single process.

Methods: `default` is `pixelwise.assist.click_segmenter()`; any other name is looked up in
the click registry (`grabcut` is the baseline: OpenCV GrabCut seeded with the clicks as
definite foreground / background disks).

Usage: python bench/interactive.py [--data ../shared/data/interactive/berkeley]
       [--method default --method grabcut] [--limit N] [--max-clicks 20]
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from pixelwise.assist import ClickSegmenter, Preparable, click_segmenter
from pixelwise.vision.click_protocol import Trial, run_trial

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "interactive" / "berkeley"


@dataclass
class Sample:
    name: str
    image: np.ndarray
    truth: np.ndarray


@dataclass
class Result:
    method: str
    trials: list[Trial]
    prepare_seconds: list[float]
    max_clicks: int

    def noc(self, threshold: float) -> float:
        return statistics.fmean(t.clicks_to(threshold, self.max_clicks) for t in self.trials)

    def nof(self, threshold: float) -> float:
        return statistics.fmean(1.0 if max(t.ious) < threshold else 0.0 for t in self.trials)

    def click_seconds(self) -> list[float]:
        return [s for t in self.trials for s in t.seconds]


def load(data: Path, limit: int | None) -> list[Sample]:
    """The (image, mask) pairs of a data set laid out as images/<stem>.* and masks/<stem>.png."""
    masks = sorted((data / "masks").glob("*.png"))
    if limit is not None:
        masks = masks[:limit]
    samples = []
    for mask_path in masks:
        image_path = next(iter(sorted((data / "images").glob(mask_path.stem + ".*"))))
        image = np.asarray(Image.open(image_path).convert("RGB"))
        mask = np.asarray(Image.open(mask_path).convert("L")) > 127
        if image.shape[:2] != mask.shape:
            raise SystemExit(f"{image_path.name}: image {image.shape[:2]} != mask {mask.shape}")
        samples.append(Sample(mask_path.stem, image, mask))
    return samples


def make(method: str) -> ClickSegmenter:
    return click_segmenter() if method == "default" else click_segmenter(method)


def evaluate(method: str, samples: list[Sample], max_clicks: int, progress: Progress) -> Result:
    segmenter = make(method)
    label = f"{method} ({segmenter.name})"
    task = progress.add_task(label, total=len(samples))
    trials: list[Trial] = []
    prepare: list[float] = []
    for sample in samples:
        if isinstance(segmenter, Preparable):
            start = time.perf_counter()
            segmenter.prepare(sample.image)
            prepare.append(time.perf_counter() - start)
        image = sample.image

        def predict(clicks: list, prev: np.ndarray | None, image: np.ndarray = image) -> np.ndarray:
            return segmenter.predict(image, [tuple(c) for c in clicks], prev)

        trials.append(
            run_trial(sample.truth, predict, max_clicks, stop_at=0.90, clock=time.perf_counter)
        )
        progress.advance(task)
    return Result(label, trials, prepare, max_clicks)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else 0.0


def report(results: list[Result], samples: int, console: Console) -> None:
    table = Table(title=f"Interactive segmentation, {samples} objects")
    for column in ("method", "NoC@85", "NoC@90", "NoF@90", "click p50", "click p95", "image p50"):
        table.add_column(column, justify="right" if column != "method" else "left")
    for r in results:
        clicks = r.click_seconds()
        table.add_row(
            r.method,
            f"{r.noc(0.85):.2f}",
            f"{r.noc(0.90):.2f}",
            f"{100 * r.nof(0.90):.0f} %",
            f"{1000 * percentile(clicks, 50):.0f} ms",
            f"{1000 * percentile(clicks, 95):.0f} ms",
            f"{1000 * percentile(r.prepare_seconds, 50):.0f} ms" if r.prepare_seconds else "-",
        )
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--method", action="append", help="default, grabcut, ... (repeatable)")
    parser.add_argument("--limit", type=int, help="only the first N objects")
    parser.add_argument("--max-clicks", type=int, default=20)
    parser.add_argument("--per-object", action="store_true", help="print clicks per object")
    args = parser.parse_args()
    console = Console()
    samples = load(args.data, args.limit)
    methods = args.method or ["default", "grabcut"]
    results = []
    with Progress(console=console, transient=True) as progress:
        for method in methods:
            results.append(evaluate(method, samples, args.max_clicks, progress))
    if args.per_object:
        for r in results:
            line = " ".join(
                f"{s.name}:{t.clicks_to(0.9, r.max_clicks)}"
                for s, t in zip(samples, r.trials, strict=False)
            )
            console.print(f"{r.method}: {line}")
    report(results, len(samples), console)
    console.print(
        "NoC@k: mean clicks to reach k % IoU (at most "
        f"{args.max_clicks}); NoF@90: share never reaching 90 %; click: one predict() call; "
        "image: per-image preparation, cached, not in the click time."
    )


if __name__ == "__main__":
    main()
