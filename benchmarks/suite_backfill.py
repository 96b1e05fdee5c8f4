"""The corruption suite for recipes whose result files predate it; writes assets/suite_backfill.json.

    python benchmarks/suite_backfill.py mid512-flipshift-d00-e90 [more recipes] [--seeds 0 1 2]

A result file written before the suite existed has no ``robustness``, and its model is kept only on
the machine that trained it. This script retrains each seed on this machine into a temp folder
(the committed result files are never touched), checks that the retrained run reproduces the
committed validation accuracy where a file of this CPU class exists (the same seed gives the same
weights on one CPU kind), and records the suite's accuracies on validation and test. A candidate's
paired comparison on the suite then reads its base's seeds from here.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import fmnist
from fmnist.lab.recipes import SEEDS, get_recipe
from fmnist.lab.results import load_results, machine_class_of
from fmnist.lab.runner import run
from fmnist.lab.suite import BACKFILL_FILE
from fmnist.paths import write_json
from fmnist.precision import machine_class, machine_description

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipes", nargs="+")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    args = parser.parse_args()
    klass = machine_class()
    committed = {(r["name"], r["seed"]): r for r in load_results() if machine_class_of(r) == klass}
    path = ROOT / "assets" / BACKFILL_FILE
    rows = json.loads(path.read_text()) if path.is_file() else []
    splits = fmnist.load_data()
    for name in args.recipes:
        recipe = get_recipe(name)
        for seed in args.seeds:
            with tempfile.TemporaryDirectory() as folder:
                done = run(recipe, splits, seed, folder=Path(folder), force=True)
            record = done.record
            old = committed.get((name, seed))
            if old is not None and abs(old["val"]["accuracy"] - record["val"]["accuracy"]) > 1e-9:
                print(
                    f"{name} seed {seed}: retrained val {record['val']['accuracy']:.4f}, committed "
                    f"{old['val']['accuracy']:.4f} on this class: not the same run, nothing written",
                    file=sys.stderr,
                )
                return 1
            rows = [r for r in rows if (r["recipe"], r["seed"], r["machine_class"]) != (name, seed, klass)]
            rows.append(
                {
                    "recipe": name,
                    "seed": seed,
                    "key": record["key"],
                    "machine_class": klass,
                    "machine": machine_description(),
                    "val_accuracy": record["val"]["accuracy"],
                    "reproduces_committed_val": old is not None,
                    "robustness": record["robustness"],
                    "created": record["created"],
                }
            )
            write_json(path, rows)
            print(f"{name} seed {seed}: suite recorded in {path.relative_to(ROOT)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
