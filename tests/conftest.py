"""Shared fixtures: small synthetic data, so most tests never touch the real set."""

from __future__ import annotations

import pytest
import torch

from fmnist.data import Split, Splits


def synthetic_split(n: int, seed: int) -> Split:
    """Learnable fake images: class k lights up band k of rows, plus noise."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 10
    labels = labels[torch.randperm(n, generator=generator)]
    images = torch.randint(0, 60, (n, 28, 28), generator=generator, dtype=torch.uint8)
    for k in range(10):
        rows = slice(2 * k + 4, 2 * k + 6)
        images[labels == k, rows, :] = 220
    return Split(images, labels)


@pytest.fixture
def splits() -> Splits:
    return Splits(synthetic_split(640, 1), synthetic_split(200, 2), synthetic_split(200, 3))


@pytest.fixture(autouse=True)
def _quiet_and_isolated(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test writes into the repository's assets/: quick mode sends outputs to a temp folder."""
    monkeypatch.setenv("FMNIST_QUICK", "1")
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path_factory.mktemp("tmp")))
