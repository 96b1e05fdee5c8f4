"""What saving the resumable training state costs against an epoch, and how often it is saved.

    python benchmarks/bench_checkpoint.py [--epochs 8] [--out assets/checkpoint_bench.jsonl]

`fit` with ``checkpoint_path`` writes the whole state (weights, AdamW's two moments, the kept best
weights, the history) through an atomic, fsynced write: about 30 MB for the frontier MLP. Here
`flipshift-d02-e600`'s MLP and recipe train ``--epochs`` epochs in one process with the state
saved after every epoch (``checkpoint_every=0``), each save timed apart from the epoch (a
history's seconds stop before the save): the median save against the median epoch is what saving
after every epoch adds to it. With `TrainConfig.checkpoint_every` (default 60 s) a 600-epoch run
saves about ``600 x epoch / 60`` times instead of 600. The result files' minutes never counted the
saves, so this is wall time of `make study`, not a published number. Appends one JSON line to
``--out``, with the machine class; the README's table reads the newest line of each class. Never
run it beside another torch process: 2 cores.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import torch

import fmnist
import fmnist.train as train
from fmnist.lab.recipes import WIDE_DROPOUT2_600 as RECIPE
from fmnist.models import MLP
from fmnist.precision import machine
from fmnist.train import TrainConfig, fit, set_seed

ROOT = Path(__file__).resolve().parents[1]
LONG_RUN_EPOCHS = 600


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--out", type=Path, default=ROOT / "assets" / "checkpoint_bench.jsonl")
    args = parser.parse_args()
    splits = fmnist.load_data()
    saves: list[float] = []
    original = train.save_training_state

    def timed_save(state, path):
        start = time.perf_counter()
        original(state, path)
        saves.append(time.perf_counter() - start)

    train.save_training_state = timed_save
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "state.pt")
        config = replace(
            RECIPE.train, epochs=args.epochs, progress=False, checkpoint_path=path, checkpoint_every=0
        )
        set_seed(0)
        history = fit(MLP(**RECIPE.model), splits, config)
        state_mb = Path(path).stat().st_size / 2**20
    epoch = statistics.median(history.column("seconds")[1:])  # the first epoch warms up
    save = statistics.median(saves[1:])
    every = TrainConfig().checkpoint_every
    saves_at_default = math.ceil(LONG_RUN_EPOCHS * epoch / every) + 1
    record = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **machine(),
        "torch": torch.__version__,
        "model": "784-1024-1024-10 (flipshift-d02-e600)",
        "epochs": args.epochs,
        "state_mb": round(state_mb, 1),
        "epoch_seconds": round(epoch, 3),
        "save_seconds": round(save, 3),
        "save_over_epoch": round(save / epoch, 3),
        "default_every_seconds": every,
        "saves_in_600_epochs": {"every_epoch": LONG_RUN_EPOCHS, "default": saves_at_default},
    }
    with args.out.open("a") as file:
        file.write(json.dumps(record) + "\n")
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
