"""Quick mode: one environment variable shrinks epochs and data so notebooks run in CI in minutes.

Set ``FMNIST_QUICK=1`` (``make test`` does). It is read here and nowhere else: notebooks ask
`is_quick`, `epochs`, `limit` and `train_subset`, never the variable.
"""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fmnist.data import Splits

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


def train_subset(splits: Splits) -> Splits:
    """``splits`` with the training split cut to `limit` examples (validation and test kept)."""
    return dataclasses.replace(splits, train=splits.train.subset(limit(len(splits.train))))
