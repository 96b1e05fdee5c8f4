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


def test_the_suite_table_joins_result_files_and_the_backfill():
    from fmnist.lab.suite import suite_rows, suite_table

    def suite(clean: float, corrupted: float) -> dict:
        return {"clean": clean, "shift 2 px": corrupted, "blur": corrupted}

    record = {
        "name": "new",
        "environment": {"machine_class": "x86 AVX2 fp32"},
        "robustness": {"val": suite(0.9, 0.8), "test": suite(0.88, 0.7)},
    }
    old = {"name": "old", "environment": {"machine_class": "x86 AVX2 fp32"}}  # before the suite
    backfill = [
        {
            "recipe": "old",
            "machine_class": "x86 AVX2 fp32",
            "robustness": {"val": suite(0.92, 0.6), "test": suite(0.91, 0.5)},
        }
    ]
    rows = suite_rows([record, record, old], backfill)
    assert [(r["recipe"], r["seeds"]) for r in rows] == [("new", 2), ("old", 1)]  # best suite mean first
    table = suite_table(rows)
    assert "| `new` | x86 AVX2 fp32 | 2 | 90.00 | 80.00 | 88.00 | 70.00 | result files |" in table
    assert (
        "| `old` | x86 AVX2 fp32 | 1 | 92.00 | 60.00 | 91.00 | 50.00 | retrained (suite_backfill) |" in table
    )
