"""Ensembles of a recipe's finished seeds, probabilities averaged; writes assets/seed_ensembles.json.

    python benchmarks/seed_ensembles.py flipshift-d02-e600-60k [more recipes] [--seeds 0 1 2]

Each row (`fmnist.lab.frontier.seed_ensemble_row`) is its own method, ``ensemble``: one ensemble of
the seeds' models, costing all their training minutes, never folded into the single MLP's row.
It needs each seed's kept model (``runs/results/<key><class suffix>.pt``), which only the machine
that trained it has. Before it is used, each model must reproduce the test accuracy its result
record holds on this machine's class: a model file from another class's run of the same recipe is
refused.
Rows of other recipes or classes already in the file are kept; `make report` then redraws the
frontier with them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import fmnist
from fmnist.checkpoint import load_model
from fmnist.evaluate import evaluate
from fmnist.lab.frontier import SEED_ENSEMBLES_FILE, seed_ensemble_row
from fmnist.lab.recipes import Recipe, get_recipe
from fmnist.lab.results import load_results, machine_class_of, summarize
from fmnist.lab.runner import model_path
from fmnist.models import MLP, Ensemble
from fmnist.paths import write_json
from fmnist.precision import machine_class

ROOT = Path(__file__).resolve().parents[1]


def seed_models(recipe: Recipe, seeds: list[int], records: list[dict], splits: fmnist.Splits) -> list[MLP]:
    """The kept model of each seed of ``recipe``, each checked against its result record (``records``:
    the recipe's, on this class)."""
    models = []
    for seed in seeds:
        path = model_path(recipe, seed)
        record = next((r for r in records if r["seed"] == seed), None)
        if record is None or not path.is_file():
            sys.exit(f"{recipe.name} seed {seed}: no result on this class or no model at {path}; run it here")
        model = load_model(path)
        accuracy = evaluate(model, splits.test.images, splits.test.labels).accuracy
        if abs(accuracy - (recorded := record["test"]["accuracy"])) > 1e-9:
            sys.exit(
                f"{path} gives test {accuracy:.4f}, its record on this class {recorded:.4f}: the model file "
                "comes from another run; train the seed again here (--force)"
            )
        models.append(model)
    return models


def ensemble_row(name: str, seeds: list[int] | None, splits: fmnist.Splits, klass: str) -> dict:
    """One row: ``name``'s seeds (all finished ones by default) on class ``klass``, as one ensemble."""
    records = [r for r in load_results() if machine_class_of(r) == klass and r["name"] == name]
    seeds = seeds or sorted(r["seed"] for r in records)
    if len(seeds) < 2:
        sys.exit(f"{name}: an ensemble needs 2 or more finished seeds on {klass}, found {seeds}")
    recipe = get_recipe(name)
    ensemble = Ensemble(seed_models(recipe, seeds, records, splits)).eval()
    test = evaluate(ensemble, splits.test.images, splits.test.labels).accuracy
    seen = recipe.data == "60k"  # its members trained on the validation images
    val = None if seen else evaluate(ensemble, splits.val.images, splits.val.labels).accuracy
    summary = summarize([r for r in records if r["seed"] in seeds], klass)[name]
    return seed_ensemble_row(summary, test, val)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipes", nargs="+", help="registered recipe names")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="default: every finished seed")
    parser.add_argument("--out", default=str(ROOT / "assets" / SEED_ENSEMBLES_FILE))
    args = parser.parse_args()
    splits, klass, out = fmnist.load_data(), machine_class(), Path(args.out)
    rows = [ensemble_row(name, args.seeds, splits, klass) for name in args.recipes]
    replaced = {(row["recipe"], row["machine_class"]) for row in rows}
    old = json.loads(out.read_text()) if out.is_file() else []
    kept = [row for row in old if (row["recipe"], row["machine_class"]) not in replaced]
    for row in rows:
        test, minutes = 100 * row["test_acc_mean"], row["minutes"]
        print(f"{row['machine_class']}: {row['recipe']}: test {test:.2f}%, {minutes:.1f} min")
    write_json(out, kept + rows)


if __name__ == "__main__":
    main()
