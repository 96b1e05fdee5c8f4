"""evaluate() counts correct / total; predict() accepts the documented inputs and no others."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from fmnist.data import Split
from fmnist.evaluate import confusion_matrix, evaluate, predict
from fmnist.models import build_model


class FirstPixelModel(nn.Module):
    """Predicts class 1 when the top-left pixel is bright, else class 0: a known answer."""

    def __init__(self) -> None:
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        bright = (x.flatten(1)[:, 0] > 0).float()
        logits = torch.zeros(x.shape[0], 10)
        logits[:, 1] = 5 * bright
        logits[:, 0] = 5 * (1 - bright)
        return logits + self.dummy


def test_accuracy_is_correct_over_total_not_a_mean_of_batch_means():
    images = torch.zeros(7, 28, 28, dtype=torch.uint8)
    images[:3, 0, 0] = 255  # predicted class 1
    labels = torch.tensor([1, 1, 0, 0, 0, 0, 0])  # 3rd is wrong: 6 of 7 correct
    result = evaluate(FirstPixelModel(), images, labels, batch_size=3)  # batches of 3, 3, 1
    assert result.correct == 6 and result.total == 7
    assert result.accuracy == pytest.approx(6 / 7)  # batch means would give (2/3 + 1 + 1) / 3
    assert result.confusion.tolist()[0][:2] == [4, 1] and result.confusion.tolist()[1][:2] == [0, 2]
    assert result.per_class_accuracy[:2].tolist() == pytest.approx([0.8, 1.0])


def test_confusion_matrix_rows_are_true_classes():
    matrix = confusion_matrix(torch.tensor([0, 0, 2]), torch.tensor([0, 2, 2]), num_classes=3)
    assert matrix.tolist() == [[1, 0, 1], [0, 0, 0], [0, 0, 1]]


@pytest.fixture
def model() -> nn.Module:
    torch.manual_seed(0)
    return build_model("seed_small").eval()


def test_predict_accepts_every_documented_form_and_agrees(model):
    batch = torch.randint(0, 256, (4, 28, 28), dtype=torch.uint8)
    reference = predict(model, batch)
    forms = [
        batch.numpy(),
        batch.unsqueeze(1),
        batch.reshape(4, 784),
        batch.float() / 255,
        batch.numpy().astype(np.float64) / 255,
    ]
    for form in forms:
        result = predict(model, form)
        assert torch.equal(result.labels, reference.labels)
        assert torch.allclose(result.probabilities, reference.probabilities, atol=1e-6)
    single = predict(model, batch[0])
    assert single.labels.shape == (1,) and single.probabilities.shape == (1, 10)
    assert torch.allclose(reference.probabilities.sum(dim=1), torch.ones(4))
    assert len(reference.names) == 4


@pytest.mark.parametrize(
    ("images", "message"),
    [
        (torch.zeros(2, 28, 27), r"\(28, 28\), \(N, 28, 28\), \(N, 1, 28, 28\) or \(N, 784\)"),
        (torch.zeros(2, 3, 28, 28), "shaped"),
        (torch.zeros(0, 28, 28), "empty"),
        (torch.full((1, 28, 28), float("nan")), "NaN"),
        (torch.full((1, 28, 28), 255.0), r"\[0, 1\]"),
        (torch.zeros(1, 28, 28, dtype=torch.bool), "uint8"),
        (np.array([["a"] * 28] * 28), "numeric"),
        ([[0] * 28] * 28, "torch tensor or numpy array"),
    ],
)
def test_bad_predict_input_raises_a_value_error_saying_what_is_accepted(model, images, message):
    with pytest.raises(ValueError, match=message):
        predict(model, images)


def test_evaluate_rejects_labels_that_do_not_match(model):
    with pytest.raises(ValueError, match="labels"):
        evaluate(model, torch.zeros(3, 28, 28, dtype=torch.uint8), torch.zeros(2, dtype=torch.long))


def test_evaluate_on_a_split_matches_predict(model, splits):
    split: Split = splits.test
    result = evaluate(model, split.images, split.labels)
    predicted = predict(model, split.images).labels
    assert result.correct == int((predicted == split.labels).sum())


class BatchSizeSpy(nn.Module):
    """Wraps a model and records the largest batch it was given."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model, self.largest = model, 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.largest = max(self.largest, x.shape[0])
        return self.model(x)


def test_a_large_batch_is_processed_in_bounded_chunks(model):
    spy = BatchSizeSpy(model)
    images = torch.randint(0, 256, (5_000, 28, 28), dtype=torch.uint8)
    result = predict(spy, images, batch_size=512)
    assert spy.largest == 512
    assert result.probabilities.shape == (5_000, 10)
    assert torch.equal(result.labels, predict(model, images).labels)


def test_flip_tta_averages_an_image_with_its_mirror(model):
    images = torch.randint(0, 256, (6, 28, 28), dtype=torch.uint8)
    plain = predict(model, images).probabilities
    mirrored = predict(model, images.flip(-1)).probabilities
    tta = predict(model, images, tta=True).probabilities
    assert torch.allclose(tta, (plain + mirrored) / 2, atol=1e-6)
    symmetric = torch.zeros(3, 28, 28, dtype=torch.uint8)
    assert torch.allclose(
        predict(model, symmetric, tta=True).probabilities, predict(model, symmetric).probabilities
    )
