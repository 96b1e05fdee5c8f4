"""Reference points for the frontier figure, measured on this machine; writes assets/reference_points.json.

    pip install -e ".[bench]"     # scikit-learn
    python benchmarks/reference_points.py [--seeds 0 1 2] [--steps 150]

Two rows, in the frontier's row format (see `fmnist.lab.frontier`):
  1. the reference notebook as written (model 2): its own input pipeline (torchvision
     FashionMNIST, per-image ToTensor + Normalize through a DataLoader, batch 64, Adam 7e-4, 35
     epochs, a validation pass per epoch). Its minutes are one epoch of that pipeline, timed over
     ``--steps`` training steps scaled to the epoch's 750 plus one timed validation pass, times 35;
     its accuracy is the reproduction's (``assets/results/seed_deep-seed*.json``: the same model,
     loss, optimizer and epochs, trained by fmnist).
  2. scikit-learn's MLPClassifier(hidden_layer_sizes=(100,), early stopping), one fit per seed on
     the 48,000 training images: its fit time, validation and test accuracy.
Run it on a quiet machine (nothing else training): the minutes are this machine's.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

import fmnist
from fmnist.lab.frontier import REFERENCE_POINTS_FILE
from fmnist.lab.results import load_results
from fmnist.precision import machine_description

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import reference_loader, train_steps

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_EPOCHS, REFERENCE_LR = 35, 7e-4


def _mean_std(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def reference_notebook_row(splits: fmnist.Splits, steps: int) -> dict:
    """Model 2 in the reference's own pipeline: one timed epoch (training + validation) x 35."""
    generator = torch.Generator().manual_seed(0)
    order = torch.randperm(60_000, generator=generator)
    val_indices, train_indices = order[:12_000], order[12_000:]
    torch.manual_seed(0)
    model = fmnist.build_model("seed_deep")
    train_epoch = train_steps(model, iter(reference_loader(train_indices)), steps, REFERENCE_LR)
    train_epoch *= math.ceil(len(train_indices) / 64)
    model.eval()
    start = time.perf_counter()
    with torch.no_grad():
        for x, y in reference_loader(val_indices):
            F.nll_loss(F.log_softmax(model(x), dim=1), y)
    val_pass = time.perf_counter() - start
    reproduced = [r for r in load_results() if r["name"] == "seed_deep"]
    test_mean, test_std = _mean_std([r["test"]["accuracy"] for r in reproduced])
    return {
        "recipe": "reference notebook as written (model 2)",
        "method": "reference",
        "fully_connected": True,
        "minutes": (train_epoch + val_pass) * REFERENCE_EPOCHS / 60,
        "test_acc_mean": test_mean,
        "test_acc_std": test_std,
        "val_acc_mean": statistics.fmean(r["val"]["accuracy"] for r in reproduced),
        "seeds": sorted(r["seed"] for r in reproduced),
        "parameters": reproduced[0]["parameters"],
        "description": f"its own DataLoader pipeline; minutes: one epoch ({steps} steps timed, scaled to "
        f"750) + one validation pass, x {REFERENCE_EPOCHS}; accuracy: fmnist's reproduction of it",
        "source": "benchmarks/reference_points.py",
    }


def sklearn_row(splits: fmnist.Splits, seeds: list[int]) -> dict:
    """scikit-learn's MLPClassifier(100,) with early stopping, one fit per seed."""
    from sklearn.neural_network import MLPClassifier

    def flat(split: fmnist.data.Split):
        return split.images.reshape(len(split), -1).numpy() / 255.0, split.labels.numpy()

    (x_train, y_train), (x_val, y_val), (x_test, y_test) = map(flat, (splits.train, splits.val, splits.test))
    minutes, vals, tests = [], [], []
    for seed in seeds:
        classifier = MLPClassifier(hidden_layer_sizes=(100,), early_stopping=True, random_state=seed)
        start = time.perf_counter()
        classifier.fit(x_train, y_train)
        minutes.append((time.perf_counter() - start) / 60)
        vals.append(float(classifier.score(x_val, y_val)))
        tests.append(float(classifier.score(x_test, y_test)))
    test_mean, test_std = _mean_std(tests)
    return {
        "recipe": "scikit-learn MLPClassifier(100,)",
        "method": "sklearn",
        "fully_connected": True,
        "minutes": statistics.fmean(minutes),
        "test_acc_mean": test_mean,
        "test_acc_std": test_std,
        "val_acc_mean": statistics.fmean(vals),
        "seeds": seeds,
        "parameters": 784 * 100 + 100 + 100 * 10 + 10,
        "description": "defaults (Adam, batch 200) with early stopping on 10% of the training images",
        "source": "benchmarks/reference_points.py",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=150, help="training steps timed for the reference epoch")
    parser.add_argument("--out", default=str(ROOT / "assets" / REFERENCE_POINTS_FILE))
    args = parser.parse_args()
    torch.set_num_threads(torch.get_num_threads())
    splits = fmnist.load_data()
    rows = [reference_notebook_row(splits, args.steps), sklearn_row(splits, args.seeds)]
    for row in rows:
        row["machine"] = machine_description()
    Path(args.out).write_text(json.dumps(rows, indent=2) + "\n")
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
