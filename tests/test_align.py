"""Input alignment: shifts, a lifted background and a lower contrast are undone; nothing else moves."""

from __future__ import annotations

import pytest
import torch

from fmnist.align import Align, align_images
from fmnist.augment import shift
from fmnist.data import normalize
from fmnist.models import MLP
from fmnist.robustness import corrupt


def garments(n: int = 8) -> torch.Tensor:
    """Blocks of several sizes and brightnesses, centred as Fashion-MNIST centres a garment."""
    x = torch.zeros(n, 1, 28, 28)
    for i in range(n):
        half_h, half_w = 4 + i, 3 + (i % 4)
        x[i, 0, 14 - half_h : 14 + half_h, 14 - half_w : 14 + half_w] = 0.3 + 0.05 * i
    return x


def test_a_shifted_garment_comes_back_to_where_it_was():
    x = garments()
    moves = torch.tensor([[2, -3, 1, 0, -2, 3, 0, -1], [-3, 2, 0, 3, 1, -2, -1, 0]])
    assert torch.equal(align_images(shift(x, moves)), align_images(x))
    assert torch.allclose(align_images(x), x / x.amax(dim=(1, 2, 3), keepdim=True)), "only stretched"


def test_a_lifted_background_and_a_lower_contrast_are_undone():
    x = garments()
    for changed in (x * 0.5 + 0.25, x * 0.8 + 0.2, x + 0.3):
        assert torch.allclose(align_images(changed), align_images(x), atol=1e-5)


def test_aligning_twice_is_aligning_once_and_a_blank_image_stays_blank():
    x = torch.cat([torch.rand(4, 1, 28, 28) * torch.rand(4, 1, 1, 1), torch.zeros(1, 1, 28, 28)])
    once = align_images(x)
    assert torch.allclose(align_images(once), once)
    assert torch.equal(once[-1], torch.zeros(1, 28, 28)) and torch.isfinite(once).all()


def test_the_suites_shift_and_grey_background_leave_an_aligned_garment_as_it_was():
    images = (garments() * 255).round().to(torch.uint8).squeeze(1)
    for name in ("shift 2 px", "shift 3 px", "brighter background", "half contrast"):
        assert (align_images(corrupt(images, name)) - align_images(images)).abs().max() < 0.02, name


def test_align_rejects_images_of_another_shape():
    with pytest.raises(ValueError, match=r"\(B, 28, 28\) or \(B, 1, 28, 28\)"):
        align_images(torch.zeros(2, 784))
    with pytest.raises(ValueError, match="got \\(2, 3, 28, 28\\)"):
        align_images(torch.zeros(2, 3, 28, 28))


def test_uint8_images_are_read_as_pixels():
    images = (garments() * 255).round().to(torch.uint8)
    assert torch.allclose(align_images(images.squeeze(1)), align_images(images.float() / 255))


def test_the_layer_aligns_normalized_images_and_jitters_only_in_training():
    images = (garments() * 255).round().to(torch.uint8)
    layer = Align(jitter=1).eval()
    expected = normalize(align_images(images.float() / 255))
    shifted = normalize(shift(images.float() / 255, torch.full((2, 8), 2)))
    assert torch.allclose(layer(shifted), expected, atol=1e-5)
    assert torch.allclose(layer(shifted.flatten(1)), expected, atol=1e-5), "flat (B, 784) input too"
    torch.manual_seed(0)
    trained = layer.train()(shifted)
    assert not torch.allclose(trained, expected), "training mode shifts the aligned images"
    assert torch.allclose(Align().train()(shifted), expected, atol=1e-5), "no jitter: no shift"


def test_an_aligned_mlp_records_it_and_a_plain_one_keeps_its_config():
    assert "align" not in MLP(hidden=[8]).config and "align_jitter" not in MLP(hidden=[8]).config
    model = MLP(hidden=[8], align=True, align_jitter=1)
    assert model.config["align"] is True and model.config["align_jitter"] == 1
    assert isinstance(model.layers[0], Align) and MLP(**model.config).config == model.config
    with pytest.raises(ValueError, match="needs align=True"):
        MLP(hidden=[8], align_jitter=1)
