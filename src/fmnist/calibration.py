"""Calibration: expected calibration error, reliability bins, temperature scaling, and the
confidence below which an input looks unlike the data.

The temperature is fitted on the validation split (never the test split) by minimizing the
negative log-likelihood of ``logits / T`` over one scalar ``T``. The confidence threshold is read
off the validation split too: the top-class probability that a given share of its images reach
(the maximum-softmax baseline of Hendrycks & Gimpel 2017 for inputs unlike the training data).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class ReliabilityBins:
    """Per confidence bin: mean confidence, accuracy and number of examples."""

    edges: torch.Tensor  # (n_bins + 1,)
    confidence: torch.Tensor  # (n_bins,), NaN where a bin is empty
    accuracy: torch.Tensor  # (n_bins,), NaN where a bin is empty
    count: torch.Tensor  # (n_bins,)


def reliability_bins(probabilities: torch.Tensor, labels: torch.Tensor, n_bins: int = 15) -> ReliabilityBins:
    """Group predictions by their top probability into ``n_bins`` equal-width bins."""
    confidence, predicted = probabilities.max(dim=1)
    correct = (predicted == labels).double()
    edges = torch.linspace(0, 1, n_bins + 1, dtype=torch.float64)
    index = torch.bucketize(confidence.double(), edges[1:-1], right=True)
    count = torch.bincount(index, minlength=n_bins).double()
    conf_sum = torch.bincount(index, weights=confidence.double(), minlength=n_bins)
    acc_sum = torch.bincount(index, weights=correct, minlength=n_bins)
    with torch.no_grad():
        mean_conf = torch.where(count > 0, conf_sum / count.clamp(min=1), torch.nan)
        mean_acc = torch.where(count > 0, acc_sum / count.clamp(min=1), torch.nan)
    return ReliabilityBins(edges, mean_conf, mean_acc, count.long())


def expected_calibration_error(probabilities: torch.Tensor, labels: torch.Tensor, n_bins: int = 15) -> float:
    """ECE: the count-weighted mean gap |accuracy - confidence| over the bins."""
    bins = reliability_bins(probabilities, labels, n_bins)
    filled = bins.count > 0
    gaps = (bins.accuracy[filled] - bins.confidence[filled]).abs()
    return float((gaps * bins.count[filled]).sum() / bins.count.sum())


def fit_temperature(logits: torch.Tensor, labels: torch.Tensor, max_iter: int = 100) -> float:
    """The temperature T > 0 minimizing the NLL of ``logits / T`` (fit on validation logits)."""
    logits, labels = logits.detach().double().cpu(), labels.cpu()
    log_t = torch.zeros((), dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([log_t], lr=0.1, max_iter=max_iter, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = F.cross_entropy(logits / log_t.exp(), labels)
        loss.backward()
        return loss

    optimizer.step(closure)
    return float(log_t.detach().exp())


class TemperatureScaled(nn.Module):
    """``model`` with its logits divided by ``temperature``: same predictions, calibrated probabilities."""

    def __init__(self, model: nn.Module, temperature: float) -> None:
        super().__init__()
        if not temperature > 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        self.model, self.temperature = model, float(temperature)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x) / self.temperature


def confidence_threshold(probabilities: torch.Tensor, coverage: float = 0.95) -> float:
    """The top-class probability that a share ``coverage`` of these images (the validation split's
    predictions, (N, classes)) reach or exceed: an input below it is less sure than all but
    ``1 - coverage`` of real ones."""
    if not 0 < coverage < 1:
        raise ValueError(f"coverage is a share of the images, strictly between 0 and 1; got {coverage}")
    confidence = probabilities.max(dim=1).values.double()
    return float(torch.quantile(confidence, 1 - coverage))
