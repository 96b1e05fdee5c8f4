"""The corruption suite: fixed, seeded, and each corruption does what its name says."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from fmnist import robustness
from fmnist.robustness import SUITE, accuracy_under, corrupt, mean_accuracy, robustness_table


def garments(n: int = 16) -> torch.Tensor:
    images = torch.zeros(n, 28, 28, dtype=torch.uint8)
    images[:, 8:20, 10:18] = 200  # a bright block on black, as Fashion-MNIST draws a garment
    return images


@pytest.mark.parametrize("name", list(SUITE))
def test_each_corruption_is_seeded_keeps_shape_and_changes_the_images(name):
    images = garments()
    once, again = corrupt(images, name, seed=3), corrupt(images, name, seed=3)
    assert once.dtype == torch.uint8 and once.shape == images.shape
    assert torch.equal(once, again)
    assert not torch.equal(once, images), f"{name} left the images as they were"
    assert torch.equal(images, garments()), "the input was modified"


def test_a_shift_moves_every_image_by_exactly_its_pixels():
    images = garments(64)
    moved = corrupt(images, "shift 3 px")
    for before, after in zip(images, moved, strict=True):
        rows = after.nonzero()[:, 0]
        cols = after.nonzero()[:, 1]
        dy, dx = int(rows.min()) - 8, int(cols.min()) - 10
        assert {abs(dy), abs(dx)} <= {0, 3} and (dy, dx) != (0, 0)
        assert after.sum() == before.sum()  # the block stays whole inside the frame


def test_the_brighter_background_is_grey_and_occlusion_is_black():
    images = garments()
    assert int(corrupt(images, "brighter background")[:, 0, 0].min()) > 0
    occluded = corrupt(images, "occlusion")
    assert (occluded < images).any() and not (occluded > images).any()


def test_bad_input_gets_a_clear_error():
    with pytest.raises(ValueError, match="unknown corruption 'fog'; choose one of"):
        corrupt(garments(), "fog")
    with pytest.raises(ValueError, match="uint8"):
        corrupt(garments().float(), "blur")


class Brightness(nn.Module):
    """A 'model' that says class 1 when an image is bright overall, else class 0."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.flatten(1).mean(1, keepdim=True)
        return torch.cat([-mean, mean - 0.1], 1)


def test_accuracy_under_scores_clean_and_each_corruption_and_the_mean_leaves_clean_out():
    images, labels = garments(8), torch.zeros(8, dtype=torch.long)
    scores = accuracy_under(Brightness(), images, labels, names=["brighter background", "blur"])
    assert list(scores) == ["clean", "brighter background", "blur"]
    assert scores["clean"] == 1.0 and scores["brighter background"] == 0.0
    assert mean_accuracy(scores) == pytest.approx((scores["brighter background"] + scores["blur"]) / 2)
    table = robustness_table({"m": scores})
    assert "| brighter background | 0.00 |" in table and "| **mean over the suite** | **" in table


def test_the_suite_is_the_documented_one():
    assert len(SUITE) == 11 and "the same suite gives the same images" in robustness.__doc__
