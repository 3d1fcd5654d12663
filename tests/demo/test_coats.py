"""The procedural snow-leopard coats and camera-trap renders."""

from __future__ import annotations

import numpy as np
import pytest

from barys.demo import coats, scenes
from barys.demo.coats import Coat, chip_box, render, render_with_box


def _pixels(image: object) -> np.ndarray:
    return np.asarray(image).astype(np.int16)


def test_coat_is_deterministic_for_a_seed() -> None:
    first, second = Coat.for_individual(41), Coat.for_individual(41)
    for side in ("left", "right"):
        assert np.array_equal(first.pattern(side).rosettes, second.pattern(side).rosettes)
        assert np.array_equal(first.pattern(side).spots, second.pattern(side).spots)
    a = render(first, "left", 12.0, 0.9, 0.1, False, 7, (640, 480), shot_seed=3)
    b = render(second, "left", 12.0, 0.9, 0.1, False, 7, (640, 480), shot_seed=3)
    assert a.size == (640, 480)
    assert np.array_equal(_pixels(a), _pixels(b))


def test_different_seeds_and_flanks_give_different_patterns() -> None:
    one, other = Coat.for_individual(1), Coat.for_individual(2)
    assert not np.allclose(
        one.left.rosettes[:, :2].mean(0), other.left.rosettes[:, :2].mean(0), atol=0.5
    )
    # The two flanks of one animal carry different rosettes too.
    assert len(one.left.rosettes) > 20 and len(one.right.rosettes) > 20
    nearest = np.min(
        np.hypot(
            *(one.left.rosettes[:, None, :2] - one.right.rosettes[None, :, :2]).transpose(2, 0, 1)
        ),
        axis=1,
    )
    assert np.mean(nearest < 2.0) < 0.1
    box = chip_box(one, "left", background_seed=5, size=(640, 480))
    a = coats.crop_chip(render(one, "left", background_seed=5, size=(640, 480)), box)
    b = coats.crop_chip(render(other, "left", background_seed=5, size=(640, 480)), box)
    assert a.shape == b.shape
    assert np.abs(a.astype(int) - b.astype(int)).mean() > 8.0


def test_cub_inherits_about_the_requested_share_of_rosettes() -> None:
    mother = Coat.for_individual(100)
    cub = Coat.for_individual(101, parent=mother, inherit=0.4)
    stranger = Coat.for_individual(102)
    assert cub.lineage == (100, 101)

    def shared(child: Coat) -> float:
        m, c = mother.left.rosettes, child.left.rosettes
        distance = np.hypot(m[:, None, 0] - c[None, :, 0], m[:, None, 1] - c[None, :, 1])
        same_radius = np.isclose(m[:, None, 2], c[None, :, 2])
        return float(np.mean(np.any((distance < 8.0) & same_radius, axis=1)))

    assert 0.25 <= shared(cub) <= 0.55
    assert shared(stranger) == 0.0
    with pytest.raises(ValueError, match="inherit"):
        Coat.for_individual(103, parent=mother, inherit=1.5)


def test_chip_box_matches_the_render_and_scales() -> None:
    coat = Coat.for_individual(9)
    rendering = render_with_box(coat, "right", -10.0, 1.0, 0.0, False, 4, shot_seed=8)
    assert rendering.box == chip_box(coat, "right", -10.0, 1.0, background_seed=4, shot_seed=8)
    x0, y0, x1, y1 = rendering.box
    assert 0 <= x0 < x1 <= 1024 and 0 <= y0 < y1 <= 768
    # Scale 1 spans about 62 % of the canvas: the silhouette (1,107 of 1,200 canonical px,
    # 0.529 frame px each) is about 586 px wide, give or take the +-4 degree tilt.
    assert 570 <= x1 - x0 <= 605
    half = chip_box(coat, "right", -10.0, 0.5, background_seed=4, shot_seed=8)
    assert 0.45 <= (half[2] - half[0]) / (x1 - x0) <= 0.55
    # A 30 degree yaw foreshortens the body by about cos(30) = 0.87.
    turned = chip_box(coat, "right", 30.0, 1.0, background_seed=4, shot_seed=8)
    level = chip_box(coat, "right", 0.0, 1.0, background_seed=4, shot_seed=8)
    assert 0.8 <= (turned[2] - turned[0]) / (level[2] - level[0]) <= 0.93


def test_the_animal_fills_its_box_and_not_the_frame_outside_it() -> None:
    coat = Coat.for_individual(12)
    size = (512, 384)
    plain = np.asarray(scenes.station_background(3, size)).astype(int)
    rendering = render_with_box(coat, "left", 0.0, 1.0, 0.0, False, 3, size, shot_seed=1)
    frame = _pixels(rendering.image)
    x0, y0, x1, y1 = rendering.box
    changed = np.abs(frame - plain).sum(axis=2) > 60
    inside = changed[y0:y1, x0:x1].mean()
    outside = (changed.sum() - changed[y0:y1, x0:x1].sum()) / (
        changed.size - changed[y0:y1, x0:x1].size
    )
    assert inside > 0.3
    assert outside < 0.05


def test_occlusion_hides_the_requested_fraction() -> None:
    coat = Coat.for_individual(21)
    clear = render_with_box(coat, "left", 0.0, 1.0, 0.0, False, 2, shot_seed=5)
    assert clear.occluded_fraction == 0.0
    for target in (0.1, 0.2):
        hidden = render_with_box(coat, "left", 0.0, 1.0, target, False, 2, shot_seed=5)
        assert abs(hidden.occluded_fraction - target) < 0.03
    with pytest.raises(ValueError, match="occlusion"):
        render(coat, occlusion=0.9)


def test_night_frames_are_infrared_greyscale_and_day_frames_are_colour() -> None:
    coat = Coat.for_individual(30)
    night = _pixels(render(coat, "left", night=True, background_seed=6, size=(320, 240)))
    day = _pixels(render(coat, "left", night=False, background_seed=6, size=(320, 240)))
    assert np.array_equal(night[..., 0], night[..., 1]) and np.array_equal(
        night[..., 1], night[..., 2]
    )
    assert np.abs(day[..., 0] - day[..., 2]).mean() > 5.0
    # Infrared flattens contrast.
    assert night.std() < day.std()


def test_station_background_is_fixed_per_station() -> None:
    a = scenes.station_background(17, (200, 150))
    b = scenes.station_background(17, (200, 150))
    c = scenes.station_background(18, (200, 150))
    assert a.shape == (150, 200, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b)
    assert np.abs(a.astype(int) - c.astype(int)).mean() > 5.0
    assert not a.flags.writeable


def test_camera_effects_change_the_frame_and_validate() -> None:
    coat = Coat.for_individual(33)
    base = _pixels(render(coat, background_seed=1, size=(320, 240)))
    blurred = _pixels(render(coat, background_seed=1, size=(320, 240), defocus=1.5))
    compressed = _pixels(render(coat, background_seed=1, size=(320, 240), jpeg_quality=30))
    # Defocus removes high-frequency energy; JPEG at quality 30 changes pixels a little.
    assert np.abs(np.diff(blurred, axis=1)).mean() < np.abs(np.diff(base, axis=1)).mean()
    assert 0.5 < np.abs(compressed - base).mean() < 12.0
    with pytest.raises(ValueError, match="jpeg_quality"):
        render(coat, jpeg_quality=0)
    with pytest.raises(ValueError, match="side"):
        render(coat, side="top")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="yaw"):
        render(coat, yaw_deg=75.0)
