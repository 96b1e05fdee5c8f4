"""ECE, reliability bins and temperature scaling on cases with known answers."""

from __future__ import annotations

import pytest
import torch

from fmnist.calibration import (
    TemperatureScaled,
    expected_calibration_error,
    fit_temperature,
    reliability_bins,
)


def test_ece_is_zero_when_confidence_matches_accuracy_and_the_gap_otherwise():
    # 10 predictions at confidence 0.8, 8 right: perfectly calibrated.
    probabilities = torch.full((10, 2), 0.2)
    probabilities[:, 0] = 0.8
    labels = torch.tensor([0] * 8 + [1] * 2)
    assert expected_calibration_error(probabilities, labels) == pytest.approx(0.0, abs=1e-6)
    # All right at confidence 0.8: underconfident by 0.2.
    assert expected_calibration_error(probabilities, torch.zeros(10, dtype=torch.long)) == pytest.approx(0.2)


def test_reliability_bins_count_every_prediction_once():
    probabilities = torch.softmax(torch.randn(500, 10, generator=torch.Generator().manual_seed(0)) * 3, 1)
    bins = reliability_bins(probabilities, torch.zeros(500, dtype=torch.long), n_bins=10)
    assert int(bins.count.sum()) == 500 and bins.edges.shape == (11,)


def test_fit_temperature_recovers_the_temperature_that_generated_the_labels():
    generator = torch.Generator().manual_seed(0)
    true_logits = torch.randn(20_000, 10, generator=generator) * 2
    labels = torch.multinomial(torch.softmax(true_logits, 1), 1, generator=generator).squeeze(1)
    overconfident = true_logits * 3  # as if T = 3 had been dropped
    assert fit_temperature(overconfident, labels) == pytest.approx(3.0, rel=0.05)


def test_temperature_scaling_keeps_predictions_and_rejects_bad_temperatures():
    model = torch.nn.Linear(4, 3)
    x = torch.randn(8, 4)
    assert torch.equal(TemperatureScaled(model, 2.5)(x).argmax(1), model(x).argmax(1))
    with pytest.raises(ValueError, match="positive"):
        TemperatureScaled(model, 0.0)
