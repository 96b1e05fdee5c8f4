"""A search worker for tests: ``python -m fmnist search`` on small synthetic data, epochs slowed.

Each epoch sleeps ``FMNIST_TEST_EPOCH_SLEEP`` seconds (default 0.1) so that a test can catch a
trial mid-run and kill its worker; everything else (storage, heartbeats, retries, pruning) is the
real command.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import synthetic_split

import fmnist.data
import fmnist.train
from fmnist.lab.cli import main

_train_one_epoch = fmnist.train._train_one_epoch
PAUSE = float(os.environ.get("FMNIST_TEST_EPOCH_SLEEP", "0.1"))


def _slow_epoch(*args, **kwargs):
    time.sleep(PAUSE)
    return _train_one_epoch(*args, **kwargs)


fmnist.train._train_one_epoch = _slow_epoch
fmnist.data.load_data = lambda: fmnist.data.Splits(
    synthetic_split(256, 1), synthetic_split(100, 2), synthetic_split(100, 3)
)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
