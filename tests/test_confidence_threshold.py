"""The confidence below which an input looks unlike the validation split."""

from __future__ import annotations

import pytest
import torch

from fmnist.calibration import confidence_threshold


def test_the_threshold_is_the_confidence_that_the_given_share_of_images_reach():
    top = torch.linspace(0.1, 1.0, 101)[torch.randperm(101)]  # top-class probabilities of 101 images
    probabilities = torch.stack([top, torch.zeros(101)], 1)
    threshold = confidence_threshold(probabilities, coverage=0.9)
    assert threshold == pytest.approx(0.19)  # 91 of the 101 reach it, 10 fall below
    assert int((top >= threshold - 1e-9).sum()) == 91


def test_a_coverage_outside_zero_and_one_is_refused():
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        confidence_threshold(torch.full((4, 2), 0.5), coverage=1.0)
