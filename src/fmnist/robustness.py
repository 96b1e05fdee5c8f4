"""Robustness: accuracy on the test split under a fixed, seeded suite of corruptions.

The images users bring (photos, drawings) are rarely centred, upright, black-backed
Fashion-MNIST images. `SUITE` names moderate corruptions in the spirit of Fashion-MNIST-C (Weiss &
Tonella 2022): shifts of two and three pixels, rotations of ten and fifteen degrees, zooms of
fifteen percent out and in, a brighter background, lower contrast, Gaussian noise, blur, and a
square occluding part of the garment. Each is a pure function of the uint8 images and a seed, drawn
on the CPU generator, so the same suite gives the same images everywhere; `accuracy_under` scores a
model on each, `mean_accuracy` averages the suite.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import torch
from torch import nn

from fmnist.augment import box_mask, gaussian_blur, shift, warp
from fmnist.evaluate import evaluate

Corruption = Callable[[torch.Tensor, torch.Generator], torch.Tensor]  # float (N, 1, 28, 28) in [0, 1]


def _shifted(pixels: int) -> Corruption:
    def corrupt(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        directions = torch.tensor([(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)])
        chosen = directions[torch.randint(len(directions), (x.shape[0],), generator=generator)]
        return shift(x, (chosen * pixels).T)

    return corrupt


def _rotated(degrees: float) -> Corruption:
    def corrupt(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        sign = torch.randint(2, (x.shape[0],), generator=generator) * 2 - 1
        return warp(x, sign * degrees * math.pi / 180, torch.ones(x.shape[0]))

    return corrupt


def _zoomed(factor: float) -> Corruption:
    def corrupt(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return warp(x, torch.zeros(x.shape[0]), torch.full((x.shape[0],), factor))

    return corrupt


def _brighter(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """A grey background instead of black: every pixel lifted by a quarter of the range."""
    return (x + 0.25).clamp(0, 1)


def _low_contrast(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Half the contrast about each image's mean."""
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (mean + 0.5 * (x - mean)).clamp(0, 1)


def _noisy(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Gaussian noise of a tenth of the range per pixel."""
    return (x + 0.1 * torch.randn(x.shape, generator=generator)).clamp(0, 1)


def _blurred(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """A Gaussian blur of one pixel's standard deviation."""
    return gaussian_blur(x)


def _occluded(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """A black square of ten pixels at a random place inside the central region."""
    n, size = x.shape[0], 10
    top = torch.randint(4, 28 - size - 4 + 1, (n,), generator=generator)
    left = torch.randint(4, 28 - size - 4 + 1, (n,), generator=generator)
    side = torch.full((n,), size)
    return x.masked_fill(box_mask(top, left, side, side).unsqueeze(1), 0.0)


SUITE: dict[str, Corruption] = {
    "shift 2 px": _shifted(2),
    "shift 3 px": _shifted(3),
    "rotate 10°": _rotated(10.0),
    "rotate 15°": _rotated(15.0),
    "zoom out 15%": _zoomed(1 / 1.15),
    "zoom in 15%": _zoomed(1.15),
    "brighter background": _brighter,
    "half contrast": _low_contrast,
    "noise": _noisy,
    "blur": _blurred,
    "occlusion": _occluded,
}


def corrupt(images: torch.Tensor, name: str, seed: int = 0) -> torch.Tensor:
    """``images`` (uint8 (N, 28, 28) or (N, 1, 28, 28)) under the corruption ``name`` of `SUITE`,
    as uint8 (N, 28, 28); the same seed gives the same images. A clear error for an unknown name."""
    if name not in SUITE:
        raise ValueError(f"unknown corruption {name!r}; choose one of {list(SUITE)}")
    if images.dtype != torch.uint8:
        raise ValueError(f"corrupt takes uint8 images (0..255), got {images.dtype}")
    x = images.reshape(-1, 1, 28, 28).cpu().float() / 255
    generator = torch.Generator().manual_seed(seed)
    out = SUITE[name](x, generator)
    return (out * 255).round().clamp(0, 255).to(torch.uint8).view(-1, 28, 28)


def accuracy_under(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    names: Sequence[str] | None = None,
    seed: int = 0,
) -> dict[str, float]:
    """Accuracy on the clean ``images`` (``"clean"``) and under each corruption of ``names``
    (default: all of `SUITE`)."""
    scores = {"clean": evaluate(model, images, labels).accuracy}
    for name in names or list(SUITE):
        scores[name] = evaluate(model, corrupt(images, name, seed), labels).accuracy
    return scores


def mean_accuracy(scores: Mapping[str, float]) -> float:
    """The mean accuracy over the corruptions of ``scores`` (its ``"clean"`` left out)."""
    corrupted = [v for k, v in scores.items() if k != "clean"]
    return sum(corrupted) / len(corrupted)


def robustness_table(results: Mapping[str, Mapping[str, float]]) -> str:
    """Markdown: one column per model, one row per corruption, then the suite's mean; accuracy %."""
    models = list(results)
    names = list(next(iter(results.values())))
    lines = ["| corruption | " + " | ".join(models) + " |", "|---" + "|---:" * len(models) + "|"]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(f"{100 * results[m][name]:.2f}" for m in models) + " |")
    lines.append(
        "| **mean over the suite** | "
        + " | ".join(f"**{100 * mean_accuracy(results[m]):.2f}**" for m in models)
        + " |"
    )
    return "\n".join(lines)
