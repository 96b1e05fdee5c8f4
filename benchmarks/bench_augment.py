"""What the one-pass uint8 flips and shifts save when more augmentations follow them (mixup, elastic).

    python benchmarks/bench_augment.py [--epochs 3] [--repeats 2] [--out assets/augment_bench.jsonl]

`augment.build` turns a recipe's leading ``hflip``, ``translate`` into a `FlipShift`, which
`iterate_batches` runs as one gather on the raw uint8 batch; what follows (``FlipShift.then``) runs
on the floats. Before, any recipe with more than flips and shifts composed every step on floats.
Here each recipe's MLP trains ``--epochs`` epochs both ways from the same seed, alternating A/B
``--repeats`` times: the float path is the same `FlipShift` behind a plain function (no
``on_uint8``), so both draw the same numbers and make the same images, and their training losses
must match. The median epoch (the first of each fit warms up) gives the ratio. Appends one JSON
line per recipe to ``--out``, with the machine class. Never run it beside another torch process.
"""

from __future__ import annotations

import argparse
import json
import statistics
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import torch

import fmnist
from fmnist.augment import Augment, build
from fmnist.lab.recipes import ELASTIC_135, MIXUP_600, Recipe
from fmnist.models import MLP
from fmnist.precision import machine
from fmnist.train import fit, set_seed

ROOT = Path(__file__).resolve().parents[1]


def on_floats(flip_shift: Augment) -> Augment:
    """The same augmentation without its uint8 path: every step on floats, as before."""
    return lambda x, y, generator: flip_shift(x, y, generator)


def epoch_seconds(recipe: Recipe, splits, epochs: int, augment: Augment) -> tuple[float, list[float]]:
    """Median seconds of the epochs after the first, and the training losses."""
    set_seed(0)
    config = replace(recipe.train, epochs=epochs, progress=False, seed=0)
    history = fit(MLP(**recipe.model), splits, config, augment=augment)
    return statistics.median(history.column("seconds")[1:]), history.column("train_loss")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "assets" / "augment_bench.jsonl")
    args = parser.parse_args()
    splits = fmnist.load_data()
    for recipe in (MIXUP_600, ELASTIC_135):
        uint8, floats, losses = [], [], {}
        for _ in range(args.repeats):
            seconds, losses["uint8"] = epoch_seconds(recipe, splits, args.epochs, build(recipe.train.augment))
            uint8.append(seconds)
            seconds, losses["floats"] = epoch_seconds(
                recipe, splits, args.epochs, on_floats(build(recipe.train.augment))
            )
            floats.append(seconds)
        if losses["uint8"] != losses["floats"]:
            raise SystemExit(f"{recipe.name}: the two paths trained differently: {losses}")
        record = {
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            **machine(),
            "torch": torch.__version__,
            "recipe": recipe.name,
            "augment": list(recipe.train.augment),
            "epochs": args.epochs,
            "repeats": args.repeats,
            "epoch_seconds_floats": round(statistics.median(floats), 3),
            "epoch_seconds_uint8": round(statistics.median(uint8), 3),
            "speedup": round(statistics.median(floats) / statistics.median(uint8), 3),
        }
        with args.out.open("a") as file:
            file.write(json.dumps(record) + "\n")
        print(json.dumps(record))


if __name__ == "__main__":
    main()
