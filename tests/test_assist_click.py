"""The click segmenters behind `pixelwise.assist`: shape of the interface, refusals of bad
input, determinism, and quality on synthetic scenes and on real Berkeley images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pixelwise.assist import (
    ClickSegmenter,
    Preparable,
    click_segmenter,
    create,
    names,
)
from pixelwise.domain.errors import InvalidInput, NotFound
from pixelwise.vision.click_protocol import iou, run_trial

BERKELEY = (
    Path(__file__).resolve().parents[1].parent / "shared" / "data" / "interactive" / "berkeley"
)
METHODS = ["superpixel-graphcut", "grabcut"]


def scene(height: int = 160, width: int = 220, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A noisy grey-green background with a red disk (the object) and a blue square."""
    rng = np.random.default_rng(seed)
    image = np.empty((height, width, 3), np.float64)
    image[:] = (90, 120, 80)
    rows, cols = np.mgrid[:height, :width]
    disk = (rows - height * 0.5) ** 2 + (cols - width * 0.35) ** 2 < (height * 0.28) ** 2
    image[disk] = (200, 40, 40)
    square = (abs(rows - height * 0.5) < height * 0.18) & (abs(cols - width * 0.78) < width * 0.1)
    image[square] = (40, 60, 200)
    image += rng.normal(0, 12, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8), disk


def test_default_is_a_ready_click_segmenter() -> None:
    segmenter = click_segmenter()
    assert isinstance(segmenter, ClickSegmenter)
    assert isinstance(segmenter, Preparable)
    assert segmenter.name == "superpixel-graphcut"
    assert set(METHODS) <= set(names("click"))
    image, _ = scene()
    mask = segmenter.predict(image, [(77, 80, True)], None)
    assert mask.dtype == np.bool_
    assert mask.shape == image.shape[:2]


def test_unknown_name_is_refused_with_the_known_ones() -> None:
    with pytest.raises(NotFound, match="grabcut"):
        create("click", "no-such-tool")


@pytest.mark.parametrize("method", METHODS)
def test_one_click_finds_the_object(method: str) -> None:
    image, truth = scene()
    mask = click_segmenter(method).predict(image, [(77, 80, True)], None)
    assert iou(mask, truth) >= 0.9


def test_a_negative_click_removes_a_part_and_keeps_the_rest() -> None:
    """Two red shapes joined by a red bridge: a negative click on the second one takes it
    (and not the first) out of the mask."""
    image, truth = scene()
    image[70:90, 100:172] = (200, 40, 40)  # a bridge to a second red square
    image[50:110, 150:200] = (200, 40, 40)
    segmenter = click_segmenter()
    first = segmenter.predict(image, [(77, 80, True)], None)
    assert first[80, 175], "the joined square is first taken as part of the object"
    second = segmenter.predict(image, [(77, 80, True), (175, 80, False)], first)
    assert not second[80, 175]
    assert np.count_nonzero(second & truth) >= 0.9 * np.count_nonzero(truth)


def test_no_positive_click_means_an_empty_mask() -> None:
    image, _ = scene()
    for clicks in ([], [(10, 10, False)]):
        assert not click_segmenter().predict(image, clicks, None).any()


def test_same_input_same_mask() -> None:
    image, _ = scene(seed=3)
    clicks = [(77, 80, True), (150, 80, False), (60, 40, True)]
    first = click_segmenter().predict(image, clicks, None)
    again = click_segmenter().predict(image.copy(), clicks, None)
    assert np.array_equal(first, again)


def test_a_prepared_image_gives_the_same_mask_and_sub_pixel_clicks_are_accepted() -> None:
    image, truth = scene(seed=4)
    segmenter = click_segmenter()
    assert isinstance(segmenter, Preparable)
    segmenter.prepare(image)
    prepared = segmenter.predict(image, [(77.4, 80.9, True)], None)
    fresh = click_segmenter().predict(image, [(77, 80, True)], None)
    assert np.array_equal(prepared, fresh)
    assert iou(prepared, truth) >= 0.9


def test_per_image_work_is_done_once_per_image(monkeypatch: pytest.MonkeyPatch) -> None:
    from pixelwise.vision import click_segment

    calls: list[tuple[int, ...]] = []
    real = click_segment.compute_features

    def counting(image: np.ndarray, params: click_segment.Params) -> click_segment.Features:
        calls.append(image.shape)
        return real(image, params)

    monkeypatch.setattr(click_segment, "compute_features", counting)
    image, _ = scene(seed=6)
    other, _ = scene(seed=7)
    segmenter = click_segmenter()
    assert isinstance(segmenter, Preparable)
    segmenter.prepare(image)
    mask = segmenter.predict(image, [(77, 80, True)], None)
    segmenter.predict(image.copy(), [(77, 80, True), (150, 80, False)], mask)
    assert len(calls) == 1
    segmenter.predict(other, [(77, 80, True)], None)
    assert len(calls) == 2


def test_a_large_image_is_segmented_at_its_own_size() -> None:
    image, truth = scene(900, 1300, seed=5)
    mask = click_segmenter().predict(image, [(455, 450, True)], None)
    assert mask.shape == truth.shape
    assert iou(mask, truth) >= 0.9


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    ("image", "clicks", "prev", "message"),
    [
        (np.zeros((20, 30, 3), np.float32), [(1, 1, True)], None, "dtype uint8"),
        (np.zeros((20, 30), np.uint8), [(1, 1, True)], None, r"\(height, width, 3\)"),
        (np.zeros((20, 30, 4), np.uint8), [(1, 1, True)], None, "RGB"),
        ([[0, 0, 0]], [(1, 1, True)], None, "NumPy array"),
        (np.zeros((20, 30, 3), np.uint8), [(30, 5, True)], None, "outside the 30x20 image"),
        (np.zeros((20, 30, 3), np.uint8), [(-1, 5, True)], None, "outside"),
        (np.zeros((20, 30, 3), np.uint8), [(3, 5)], None, r"\(x, y, positive\)"),
        (np.zeros((20, 30, 3), np.uint8), [(3, 5, 1)], None, "True or False"),
        (np.zeros((20, 30, 3), np.uint8), [(float("nan"), 5, True)], None, "finite"),
        (np.zeros((20, 30, 3), np.uint8), "3,5", None, "list of"),
        (np.zeros((20, 30, 3), np.uint8), [(3, 5, True)], np.zeros((30, 20), bool), "shape"),
        (np.zeros((20, 30, 3), np.uint8), [(3, 5, True)], np.zeros((20, 30), np.uint8), "bool"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    method: str, image: object, clicks: object, prev: object, message: str
) -> None:
    segmenter = click_segmenter(method)
    with pytest.raises(InvalidInput, match=message):
        segmenter.predict(image, clicks, prev)  # type: ignore[arg-type]


@pytest.mark.slow
def test_quality_on_real_photographs() -> None:
    """On a handful of Berkeley objects the simulated user reaches 85 % IoU within 6 clicks."""
    if not (BERKELEY / "masks").is_dir():
        pytest.skip(f"Berkeley data not present at {BERKELEY} (see its PROVENANCE.md)")
    reached = []
    segmenter = click_segmenter()
    for stem in ["12003", "108082", "124084", "216053", "376043", "42049"]:
        image = np.asarray(Image.open(next((BERKELEY / "images").glob(stem + ".*"))).convert("RGB"))
        truth = np.asarray(Image.open(BERKELEY / "masks" / f"{stem}.png").convert("L")) > 127
        trial = run_trial(truth, lambda c, p, im=image: segmenter.predict(im, c, p), 6, 0.85)
        reached.append(max(trial.ious) >= 0.85)
    assert all(reached), reached
