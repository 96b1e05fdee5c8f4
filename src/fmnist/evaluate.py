"""Evaluation and prediction: accuracy as correct / total, per-class metrics, probabilities.

`predict` takes what a user has at hand: uint8 (0..255) or float (0..1) images as torch tensors
or numpy arrays, shaped (28, 28), (N, 28, 28), (N, 1, 28, 28) or (N, 784).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from fmnist.data import CLASSES, normalize

ACCEPTED_SHAPES = "(28, 28), (N, 28, 28), (N, 1, 28, 28) or (N, 784)"


@dataclass(frozen=True)
class EvalResult:
    """Metrics over a whole set: accuracy = correct / total, mean loss, per class, confusion."""

    accuracy: float
    loss: float
    correct: int
    total: int
    per_class_accuracy: torch.Tensor  # (10,), recall of each class
    confusion: torch.Tensor  # (10, 10) counts, rows = true class, columns = predicted

    def __repr__(self) -> str:
        return (
            f"EvalResult(accuracy={self.accuracy:.4f} ({self.correct:,}/{self.total:,}), "
            f"loss={self.loss:.4f})"
        )


@dataclass(frozen=True)
class Prediction:
    """Predicted class indices (N,) and class probabilities (N, 10)."""

    labels: torch.Tensor
    probabilities: torch.Tensor

    @property
    def names(self) -> list[str]:
        """Predicted class names."""
        return [CLASSES[i] for i in self.labels.tolist()]


def as_image_batch(images: torch.Tensor | np.ndarray) -> torch.Tensor:
    """Validate user images and return them as uint8 or float32 (N, 28, 28) on the CPU.

    Raises `ValueError` naming the accepted shapes, dtypes and ranges for anything else.
    """
    if isinstance(images, np.ndarray):
        if images.dtype.kind not in "uif":
            raise ValueError(f"images must be numeric (uint8 0..255 or float 0..1), got {images.dtype}")
        images = torch.from_numpy(np.ascontiguousarray(images))
    if not isinstance(images, torch.Tensor):
        raise ValueError(f"images must be a torch tensor or numpy array, got {type(images).__name__}")
    shape = tuple(images.shape)
    if shape == (28, 28):
        images = images.unsqueeze(0)
    elif len(shape) == 4 and shape[1:] == (1, 28, 28):
        images = images.squeeze(1)
    elif len(shape) == 2 and shape[1] == 784:
        images = images.reshape(-1, 28, 28)
    elif not (len(shape) == 3 and shape[1:] == (28, 28)):
        raise ValueError(f"images must be shaped {ACCEPTED_SHAPES}, got {shape}")
    if images.shape[0] == 0:
        raise ValueError("images is an empty batch: pass at least one image")
    if images.dtype == torch.uint8:
        return images
    if images.dtype.is_floating_point:
        images = images.float()
        if not bool(torch.isfinite(images).all()):
            raise ValueError("images contain NaN or infinite values")
        low, high = float(images.min()), float(images.max())
        if low < 0.0 or high > 1.0:
            raise ValueError(
                f"float images must be in [0, 1] (got {low:g}..{high:g}); "
                "pass uint8 for 0..255 pixels, or divide by 255"
            )
        return images
    raise ValueError(f"images must be uint8 (0..255) or float (0..1), got {images.dtype}")


def _device_of(model: nn.Module) -> torch.device:
    parameter = next(model.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")


@torch.inference_mode()
def _logits(model: nn.Module, images: torch.Tensor, batch_size: int, tta: bool = False) -> torch.Tensor:
    """Logits for uint8 / [0, 1] images, in chunks of ``batch_size``, in eval mode.

    With ``tta`` the result is the log of the class probabilities averaged over each image and
    its mirror image (flip test-time augmentation); it works as logits everywhere.
    """
    was_training = model.training
    model.eval()
    device = _device_of(model)
    chunks = []
    # Chunks bound the memory: only one chunk of activations exists at a time.
    for start in range(0, images.shape[0], batch_size):
        x = normalize(images[start : start + batch_size].to(device)).unsqueeze(1)
        if tta:
            probabilities = (model(x).softmax(dim=1) + model(x.flip(-1)).softmax(dim=1)) / 2
            chunks.append(probabilities.clamp(min=1e-12).log())
        else:
            chunks.append(model(x))
    model.train(was_training)
    return torch.cat(chunks)


def logits(
    model: nn.Module, images: torch.Tensor | np.ndarray, *, batch_size: int = 4096, tta: bool = False
) -> torch.Tensor:
    """Raw logits (N, classes) on the CPU for images of any accepted shape."""
    return _logits(model, as_image_batch(images), batch_size, tta).cpu()


def hidden_features(
    model: nn.Module, images: torch.Tensor | np.ndarray, *, batch_size: int = 4096
) -> torch.Tensor:
    """Activations of the last hidden layer (input of the final ``nn.Linear``), on the CPU.

    Works for models with a ``layers`` ``nn.Sequential`` ending in the output ``nn.Linear``, as `MLP`;
    for an `Ensemble`, the members' features side by side.
    """
    members = getattr(model, "members", None)
    if isinstance(members, nn.ModuleList):
        return torch.cat([hidden_features(m, images, batch_size=batch_size) for m in members], dim=1)
    layers = getattr(model, "layers", None)
    if not isinstance(layers, nn.Sequential) or not isinstance(layers[-1], nn.Linear):
        raise ValueError("hidden_features needs an fmnist MLP (a `layers` Sequential ending in nn.Linear)")
    return _logits(layers[:-1], as_image_batch(images), batch_size).cpu()


def per_class_metrics(confusion: torch.Tensor) -> dict[str, torch.Tensor]:
    """Precision, recall and F1 per class from a confusion matrix (rows true, columns predicted)."""
    confusion = confusion.double()
    true_positives = confusion.diag()
    precision = true_positives / confusion.sum(dim=0).clamp(min=1)
    recall = true_positives / confusion.sum(dim=1).clamp(min=1)
    f1 = 2 * precision * recall / (precision + recall).clamp(min=1e-12)
    return {"precision": precision, "recall": recall, "f1": f1, "support": confusion.sum(dim=1).long()}


def most_confused_pairs(confusion: torch.Tensor, k: int = 5) -> list[tuple[int, int, int, int]]:
    """The ``k`` class pairs (a, b) with the most mistakes between them, both ways counted:
    (a, b, a predicted as b, b predicted as a), most confused first."""
    confusion = confusion.cpu().long()
    pairs = [
        (a, b, int(confusion[a, b]), int(confusion[b, a]))
        for a in range(confusion.shape[0])
        for b in range(a + 1, confusion.shape[0])
    ]
    return sorted(pairs, key=lambda p: (-(p[2] + p[3]), p[0], p[1]))[:k]


def predict(
    model: nn.Module, images: torch.Tensor | np.ndarray, *, batch_size: int = 4096, tta: bool = False
) -> Prediction:
    """Class labels and probabilities for images of any accepted shape (see `as_image_batch`).

    ``tta=True`` averages the probabilities of each image and its mirror image.
    """
    logits = _logits(model, as_image_batch(images), batch_size, tta)
    probabilities = logits.softmax(dim=1).cpu()
    return Prediction(probabilities.argmax(dim=1), probabilities)


def confusion_matrix(labels: torch.Tensor, predicted: torch.Tensor, num_classes: int = 10) -> torch.Tensor:
    """Counts (num_classes, num_classes): rows are true classes, columns predictions."""
    flat = labels.long() * num_classes + predicted.long()
    return torch.bincount(flat, minlength=num_classes**2).reshape(num_classes, num_classes)


def evaluate(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    *,
    batch_size: int = 4096,
    tta: bool = False,
) -> EvalResult:
    """Accuracy (correct / total), mean NLL loss, per-class accuracy and confusion matrix.

    ``tta=True`` evaluates the average of each image's and its mirror image's probabilities.
    """
    # Splits (uint8, N x 28 x 28) take the fast path: no copy, they stay on their device.
    batch = images if images.dtype == torch.uint8 and images.ndim == 3 else as_image_batch(images)
    if labels.shape != (batch.shape[0],):
        raise ValueError(f"{batch.shape[0]} images but labels of shape {tuple(labels.shape)}")
    logits = _logits(model, batch, batch_size, tta)
    labels = labels.to(logits.device)
    loss = F.cross_entropy(logits, labels, reduction="sum").item() / labels.shape[0]
    predicted = logits.argmax(dim=1)
    num_classes = logits.shape[1]
    confusion = confusion_matrix(labels, predicted, num_classes).cpu()
    correct = int(confusion.trace())
    per_class = confusion.diag().double() / confusion.sum(dim=1).clamp(min=1).double()
    return EvalResult(
        accuracy=correct / labels.shape[0],
        loss=loss,
        correct=correct,
        total=labels.shape[0],
        per_class_accuracy=per_class,
        confusion=confusion,
    )
