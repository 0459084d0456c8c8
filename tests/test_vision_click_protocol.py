"""The simulated user of the interactive benchmark clicks where RITM's evaluation clicks."""

from __future__ import annotations

import numpy as np

from pixelwise.vision.click_protocol import Trial, iou, next_click, run_trial
from pixelwise.vision.inputs import Click


def rectangle(shape: tuple[int, int], top: int, left: int, bottom: int, right: int) -> np.ndarray:
    mask = np.zeros(shape, bool)
    mask[top:bottom, left:right] = True
    return mask


def test_first_click_is_the_innermost_pixel_of_the_object() -> None:
    truth = rectangle((40, 60), 10, 20, 31, 41)  # 21 x 21 pixels, centre x=30, y=20
    click = next_click(truth, np.zeros_like(truth))
    assert click == Click(30, 20, True)
    wide = rectangle((40, 60), 10, 20, 31, 51)  # ties along the middle row: the first one
    assert next_click(wide, np.zeros_like(wide)) == Click(30, 20, True)


def test_the_image_border_counts_as_the_error_border() -> None:
    truth = rectangle((40, 60), 0, 0, 40, 10)  # a strip along the left edge
    click = next_click(truth, np.zeros_like(truth))
    assert click.positive
    assert click.x in (4, 5)


def test_the_larger_error_decides_the_click_kind() -> None:
    truth = rectangle((50, 50), 10, 10, 40, 40)
    small_miss = truth & ~rectangle((50, 50), 10, 10, 14, 14)
    big_spill = small_miss | rectangle((50, 50), 0, 40, 50, 50)
    click = next_click(truth, big_spill)
    assert not click.positive
    assert click.x >= 40
    click = next_click(truth, small_miss)
    assert click.positive
    assert click.x < 14
    assert click.y < 14


def test_a_clicked_pixel_is_not_chosen_again() -> None:
    truth = rectangle((9, 9), 3, 3, 6, 6)
    clicked = np.zeros_like(truth)
    clicked[4, 4] = True
    click = next_click(truth, np.zeros_like(truth), clicked)
    assert (click.x, click.y) != (4, 4)


def test_iou() -> None:
    a = rectangle((10, 10), 0, 0, 10, 5)
    b = rectangle((10, 10), 0, 0, 10, 10)
    assert iou(a, b) == 0.5
    assert iou(np.zeros_like(a), np.zeros_like(a)) == 1.0


def test_a_trial_counts_clicks_until_the_target() -> None:
    truth = rectangle((30, 30), 5, 5, 25, 25)
    seen: list[int] = []

    def grow(clicks: list[Click], prev: np.ndarray | None) -> np.ndarray:
        seen.append(len(clicks))
        # Each click reveals one more third of the object.
        return truth & (np.arange(30)[None, :] < 5 + 7 * len(clicks))

    trial = run_trial(truth, grow, max_clicks=20, stop_at=0.9)
    assert seen == [1, 2, 3]
    assert trial.clicks_to(0.9, 20) == 3
    assert trial.clicks_to(0.3, 20) == 1
    assert Trial(ious=[0.5, 0.6]).clicks_to(0.9, 20) == 20
