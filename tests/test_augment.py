"""Augmentations: shapes, dtypes and ranges kept; seeded calls repeat; each does what it says."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fmnist import augment
from fmnist.augment import (
    affine,
    build,
    cutmix,
    elastic,
    hflip,
    mixup,
    random_erasing,
    rotate,
    scale,
    translate,
)
from fmnist.data import Split, iterate_batches, normalize

NAMES = [
    "hflip",
    "translate:2",
    "erase:0.5",
    "mixup:0.2",
    "cutmix:1.0",
    "rotate:10",
    "scale:0.1",
    "affine:0.5",
    "elastic:1.5",
]


def _batch(n: int = 16, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 28, 28, generator=generator), torch.randint(0, 10, (n,), generator=generator)


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(NAMES), n=st.integers(1, 12), seed=st.integers(0, 2**31))
def test_every_augmentation_keeps_shape_dtype_range_and_repeats_with_the_seed(name, n, seed):
    x, y = _batch(n, seed % 1000)
    before = x.clone()
    function = build([name])
    out_x, out_y = function(x, y, torch.Generator().manual_seed(seed))
    again_x, again_y = function(x, y, torch.Generator().manual_seed(seed))
    assert out_x.shape == x.shape and out_x.dtype == x.dtype
    assert float(out_x.min()) >= 0.0 and float(out_x.max()) <= 1.0
    assert torch.equal(out_x, again_x) and torch.equal(out_y, again_y)
    assert torch.equal(x, before), "augmentations are pure: the input is not modified"
    if out_y.is_floating_point():
        assert out_y.shape == (n, 10) and torch.allclose(out_y.sum(dim=1), torch.ones(n))
    else:
        assert torch.equal(out_y, y)


def test_hflip_mirrors_exactly_the_chosen_images():
    x, y = _batch(64)
    out, _ = hflip(x, y, torch.Generator().manual_seed(0), p=0.5)
    flipped = torch.tensor([torch.equal(out[i], x[i].flip(-1)) for i in range(64)])
    kept = torch.tensor([torch.equal(out[i], x[i]) for i in range(64)])
    assert bool((flipped | kept).all()) and 10 < int(flipped.sum()) < 54
    assert torch.equal(hflip(x, y, torch.Generator(), p=1.0)[0], x.flip(-1))


def test_translate_moves_a_single_pixel_by_at_most_the_shift():
    x = torch.zeros(200, 1, 28, 28)
    x[:, 0, 14, 14] = 1.0
    out, _ = translate(x, torch.zeros(200, dtype=torch.long), torch.Generator().manual_seed(0), max_shift=2)
    positions = out.flatten(1).argmax(dim=1)
    rows, cols = positions // 28, positions % 28
    assert int((rows - 14).abs().max()) == 2 and int((cols - 14).abs().max()) == 2
    assert torch.equal(out.flatten(1).sum(dim=1), torch.ones(200))  # moved, not lost
    assert len(set(zip(rows.tolist(), cols.tolist(), strict=True))) == 25  # every shift happens


def test_random_erasing_zeroes_a_rectangle_of_the_chosen_images():
    x = torch.ones(100, 1, 28, 28)
    out, _ = random_erasing(x, torch.zeros(100, dtype=torch.long), torch.Generator().manual_seed(0), p=1.0)
    erased = (out == 0).flatten(1).sum(dim=1).float() / 784
    assert bool((erased >= 0.005).all()) and bool((erased <= 0.35).all())


def test_mixup_and_cutmix_mix_targets_in_proportion():
    x, y = _batch(32)
    mixed, targets = mixup(x, y, torch.Generator().manual_seed(0), alpha=0.4)
    assert targets.shape == (32, 10) and bool((targets.max(dim=1).values >= 0.5).all())
    changed = torch.tensor([not torch.equal(mixed[i], x[i]) for i in range(32)])
    assert int(changed.sum()) >= 16  # most images are blended with a partner
    pasted, targets = cutmix(x, y, torch.Generator().manual_seed(0), alpha=1.0)
    from_self = (pasted == x).flatten(1).float().mean(dim=1)
    own_weight = targets[torch.arange(32), y]
    assert bool((own_weight + 1e-6 >= from_self - 1e-6).all())


def test_rotate_and_scale_move_pixels_as_named():
    x, y = _batch(8)
    assert torch.allclose(rotate(x, y, torch.Generator(), max_degrees=0)[0], x, atol=1e-5)
    assert torch.allclose(scale(x, y, torch.Generator(), max_change=0)[0], x, atol=1e-5)
    quarter = augment.warp(x, torch.full((8,), torch.pi / 2), torch.ones(8))
    assert torch.allclose(quarter, torch.rot90(x, 1, dims=(2, 3)), atol=1e-5) or torch.allclose(
        quarter, torch.rot90(x, -1, dims=(2, 3)), atol=1e-5
    )
    dot = torch.zeros(1, 1, 28, 28)
    dot[0, 0, 14, 20] = 1.0  # 6.5 px right of the centre line (13.5)
    zoomed = augment.warp(dot, torch.zeros(1), torch.full((1,), 1.5))
    column = (zoomed[0, 0].sum(dim=0) * torch.arange(28.0)).sum() / zoomed.sum()
    assert float(column) == pytest.approx(13.5 + 6.5 * 1.5, abs=0.5), "a zoom moves pixels outwards"
    small, _ = rotate(x, y, torch.Generator().manual_seed(0), max_degrees=10)
    assert not torch.equal(small, x) and float((small - x).abs().mean()) < float((quarter - x).abs().mean())


def test_affine_warps_its_share_of_images_in_one_resampling():
    x, y = _batch(64)
    whole, _ = affine(x, y, torch.Generator().manual_seed(0), p=1.0)
    draws = torch.Generator().manual_seed(0)
    angles = (torch.rand(64, generator=draws) * 2 - 1) * 10 * torch.pi / 180
    factors = 1 + (torch.rand(64, generator=draws) * 2 - 1) * 0.1
    assert torch.equal(whole, augment.warp(x, angles, factors)), "one warp: rotation and zoom together"
    half, _ = affine(x, y, torch.Generator().manual_seed(0), p=0.5)
    untouched = torch.tensor([torch.equal(half[i], x[i]) for i in range(64)])
    assert 16 <= int(untouched.sum()) <= 48, "about half the images are left as they were"
    moved = ~untouched
    assert torch.equal(half[moved], whole[moved]), "the others get the same warp as with p=1"
    assert torch.equal(affine(x, y, torch.Generator(), p=0.0)[0], x)
    assert torch.equal(affine(x[:1], y[:1], torch.Generator(), p=0.0)[0], x[:1]), "no image chosen"


def test_elastic_moves_each_pixel_smoothly_by_about_the_magnitude():
    x, y = _batch(8)
    assert torch.allclose(elastic(x, y, torch.Generator(), magnitude=0)[0], x, atol=1e-5)
    dots = torch.zeros(64, 1, 28, 28)
    dots[:, 0, 14, 14] = 1.0
    moved, _ = elastic(dots, torch.zeros(64, dtype=torch.long), torch.Generator().manual_seed(0), magnitude=2)
    grid = torch.arange(28.0)
    mass = moved.sum(dim=(1, 2, 3))
    rows = (moved[:, 0].sum(dim=2) * grid).sum(dim=1) / mass
    cols = (moved[:, 0].sum(dim=1) * grid).sum(dim=1) / mass
    travel = ((rows - 14) ** 2 + (cols - 14) ** 2).sqrt()
    assert float(travel.max()) <= 2 * 2**0.5 + 0.5, "no pixel travels much past the knots' largest move"
    assert float(travel.mean()) > 0.3, "a magnitude of 2 pixels moves pixels"
    assert len({round(float(t), 3) for t in travel}) > 32, "each image draws its own field"
    smooth, _ = elastic(x[:1].expand(2, -1, -1, -1), y[:2], torch.Generator().manual_seed(1), magnitude=1)
    assert not torch.equal(smooth[0], smooth[1]), "two copies of one image get different fields"


def test_unknown_augmentations_are_named():
    with pytest.raises(ValueError, match="choose from"):
        build(["solarize:0.5"])
    assert build([]) is None
    assert set(augment.REGISTRY) == {
        "hflip",
        "translate",
        "erase",
        "mixup",
        "cutmix",
        "rotate",
        "scale",
        "affine",
        "elastic",
        "brightness",
        "contrast",
        "noise",
        "blur",
    }


def test_the_photometric_augmentations_do_what_their_names_say():
    x = torch.zeros(32, 1, 28, 28)
    x[:, :, 8:20, 10:18] = 0.8
    y = torch.zeros(32, dtype=torch.long)
    lifted, _ = augment.brightness(x, y, torch.Generator().manual_seed(0), max_lift=0.3)
    assert (lifted[:, 0, 0, 0] > 0).all() and float(lifted[:, 0, 0, 0].max()) <= 0.3
    flat, _ = augment.contrast(x, y, torch.Generator().manual_seed(0), max_drop=0.5)
    spread, flat_spread = x.std(dim=(1, 2, 3)), flat.std(dim=(1, 2, 3))
    assert (flat_spread <= spread + 1e-6).all() and (flat_spread >= 0.5 * spread - 1e-6).all()
    assert torch.allclose(flat.mean(dim=(1, 2, 3)), x.mean(dim=(1, 2, 3)), atol=1e-6)
    noisy, _ = augment.noise(x, y, torch.Generator().manual_seed(0), max_std=0.1)
    assert 0 < float((noisy - x).abs().mean()) < 0.1
    blurred, _ = augment.blur(x, y, torch.Generator().manual_seed(0), p=1.0)
    assert torch.allclose(blurred, augment.gaussian_blur(x)) and float(blurred.sum()) == pytest.approx(
        float(x.sum()), rel=1e-4
    )
    kept, _ = augment.blur(x, y, torch.Generator().manual_seed(0), p=0.0)
    assert torch.equal(kept, x)


@settings(max_examples=25, deadline=None)
@given(
    names=st.sampled_from(
        [
            ("hflip",),
            ("hflip", "translate:1"),
            ("hflip", "translate:2"),
            ("hflip:0.3", "translate"),
            ("hflip", "translate:1", "mixup:0.2"),
            ("hflip", "elastic:1"),
        ]
    ),
    n=st.integers(1, 40),
    seed=st.integers(0, 2**31 - 1),
)
def test_flip_and_shift_on_raw_bytes_give_the_images_and_draws_of_the_float_path(names, n, seed):
    flip_shift = build(names)
    assert isinstance(flip_shift, augment.FlipShift)
    images = torch.randint(0, 256, (n, 1, 28, 28), dtype=torch.uint8)
    labels = torch.randint(0, 10, (n,))
    on_floats = torch.Generator().manual_seed(seed)
    on_bytes = torch.Generator().manual_seed(seed)
    x, y = flip_shift(images.float() / 255, labels, on_floats)  # hflip then translate, as composed before
    batches = iterate_batches(Split(images.squeeze(1), labels), n, augment=flip_shift, generator=on_bytes)
    batch_x, batch_y = next(batches)  # the uint8 path, then what follows the flips and shifts
    assert torch.allclose(batch_x, normalize(x), atol=1e-6) and torch.equal(batch_y, y)
    assert torch.equal(on_floats.get_state(), on_bytes.get_state())  # the same random numbers drawn
    if flip_shift.then is None:
        raw, _ = flip_shift.on_uint8(images, labels, torch.Generator().manual_seed(seed))
        assert raw.dtype == torch.uint8 and torch.equal(raw.float() / 255, x)


def test_flip_shift_then_draws_what_the_composed_steps_draw():
    x, y = torch.rand(16, 1, 28, 28), torch.randint(0, 10, (16,))
    first, second = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    composed = mixup(*translate(*hflip(x, y, first), first, max_shift=1), first, alpha=0.2)
    built = build(["hflip", "translate:1", "mixup:0.2"])(x, y, second)
    assert torch.equal(built[0], composed[0]) and torch.equal(built[1], composed[1])
    assert not isinstance(build(["translate:1", "hflip"]), augment.FlipShift), "only a leading flip"


def test_flip_shift_draws_what_hflip_then_translate_draw():
    x, y = torch.rand(16, 1, 28, 28), torch.randint(0, 10, (16,))
    first, second = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    composed, _ = translate(*hflip(x, y, first), first, max_shift=2)
    assert torch.equal(build(["hflip", "translate:2"])(x, y, second)[0], composed)
