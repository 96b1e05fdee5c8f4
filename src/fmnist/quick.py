"""Quick mode: one environment variable shrinks epochs and data so notebooks run in CI in minutes.

Set ``FMNIST_QUICK=1`` (``make test`` does). It is read here and nowhere else: notebooks ask
`is_quick`, `epochs`, `limit` and `train_subset`, never the variable.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, TypeVar

SplitsT = TypeVar("SplitsT")  # a `fmnist.data.Splits` (not imported: data sits above this module)

QUICK_ENV = "FMNIST_QUICK"
QUICK_EPOCHS = 1
QUICK_EXAMPLES = 4_000


def is_quick() -> bool:
    """True when ``FMNIST_QUICK`` is set to anything but empty, ``0``, ``false`` or ``no``."""
    return os.environ.get(QUICK_ENV, "").strip().lower() not in ("", "0", "false", "no")


def epochs(full: int) -> int:
    """``full`` epochs normally, `QUICK_EPOCHS` in quick mode."""
    return min(full, QUICK_EPOCHS) if is_quick() else full


def limit(n: int) -> int:
    """``n`` examples normally, at most `QUICK_EXAMPLES` in quick mode."""
    return min(n, QUICK_EXAMPLES) if is_quick() else n


def train_subset(splits: SplitsT) -> SplitsT:
    """``splits`` (a `fmnist.data.Splits`) with the training split cut to `limit` examples
    (validation and test kept)."""
    train: Any = splits.train  # type: ignore[attr-defined]
    return dataclasses.replace(splits, train=train.subset(limit(len(train))))  # type: ignore[type-var]
