"""Speed of fmnist against the reference notebook's pipeline, measured side by side in one process.

    python benchmarks/bench_pipeline.py [--repeats 3] [--steps 150] [--full-reference] [--quick]

Measures, in one run, alternating A/B and taking medians:
  1. epoch time of `seed_small` at batch 64: the reference pipeline (torchvision FashionMNIST with
     ToTensor + Normalize through a DataLoader) against fmnist's in-memory batches;
  2. time-to-accuracy: training seconds until the test accuracy first reaches 88.65%, for fmnist's
     `fast` recipe against the reference model 2 pipeline (its epoch time x its 35 epochs, or
     measured in full with --full-reference);
  3. the machine's fp32 GEMM rate, and the training FLOP rate of a wide MLP (784-2048-2048-10,
     batch 512) as a fraction of it;
  4. inference throughput of the `fast` model: batch-1 latency and the large-batch rate;
  5. a peer: scikit-learn's MLPClassifier(hidden_layer_sizes=(100,)) (optional: `pip install
     -e .[bench]`).
Prints a markdown table and one JSON line; writes the table to assets/benchmark.md (--out).
Absolute times swing 2x between runs on small machines: compare the ratios, measured together.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import math
import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import torch
import torch.nn.functional as F
import torchvision
from torch.utils.data import DataLoader, SubsetRandomSampler
from torchvision import transforms
from torchvision.datasets import FashionMNIST

import fmnist
from fmnist.data import raw_dir
from fmnist.lab.recipes import RECIPES
from fmnist.lab.speed import gemm_gflops

TARGET = 0.8865  # the reference notebook's best test accuracy (model 2)
WIDE_HIDDEN, WIDE_BATCH = [2048, 2048], 512  # the widest model trained here, for the GEMM fraction
ROOT = Path(__file__).resolve().parents[1]


def median_time(function: Callable[[], None], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def reference_loader(train_indices: torch.Tensor, batch_size: int = 64) -> DataLoader:
    """The reference notebook's input pipeline: per-image PIL transforms through a DataLoader."""
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    dataset = FashionMNIST(str(raw_dir().parent.parent), train=True, transform=transform)
    return DataLoader(dataset, batch_size=batch_size, sampler=SubsetRandomSampler(train_indices.tolist()))


def train_steps(model: torch.nn.Module, batches, steps: int, lr: float) -> float:
    """Seconds per step of the reference's loop (NLL + default Adam) over the first ``steps`` batches."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    start = time.perf_counter()
    for step, (x, y) in enumerate(batches):
        loss = F.nll_loss(F.log_softmax(model(x), dim=1), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step + 1 == steps:
            break
    return (time.perf_counter() - start) / steps


def epoch_speed(
    splits: fmnist.Splits, train_indices: torch.Tensor, preset: str, lr: float, steps: int, repeats: int
) -> dict[str, float]:
    """Training seconds per epoch of ``preset`` at batch 64, A/B alternating, medians.

    Reference: its DataLoader pipeline with the reference's loop and optimizer, timed over
    ``steps`` steps and scaled to the epoch's 750. fmnist: one whole epoch of `fmnist.fit`
    (its ``train_seconds``, validation excluded).
    """
    loader = reference_loader(train_indices)
    steps_per_epoch = math.ceil(len(train_indices) / 64)
    reference, ours = [], []
    for repeat in range(repeats):
        torch.manual_seed(repeat)
        reference.append(train_steps(fmnist.build_model(preset), iter(loader), steps, lr) * steps_per_epoch)
        fmnist.set_seed(repeat)
        config = fmnist.TrainConfig(epochs=1, batch_size=64, lr=lr, seed=repeat, progress=False)
        ours.append(fmnist.fit(fmnist.build_model(preset), splits, config).epochs[0]["train_seconds"])
    return {"reference_epoch_s": statistics.median(reference), "fmnist_epoch_s": statistics.median(ours)}


def time_to_accuracy(splits: fmnist.Splits, recipe: str) -> tuple[dict[str, float], torch.nn.Module]:
    """Train ``recipe``; training seconds (evaluation excluded) until the test accuracy >= TARGET."""
    config = dataclasses.replace(RECIPES[recipe].train, seed=0, progress=False)
    fmnist.set_seed(0)
    model = fmnist.MLP(**RECIPES[recipe].model)
    accuracies: list[float] = []

    def test_accuracy(
        _history: fmnist.History, evaluated: torch.nn.Module
    ) -> None:  # benchmark only: not selection
        accuracies.append(fmnist.evaluate(evaluated, splits.test.images, splits.test.labels).accuracy)

    history = fmnist.fit(model, splits, config, on_epoch_end=test_accuracy)
    elapsed = list(itertools.accumulate(history.column("train_seconds")))
    reached = next((t for t, a in zip(elapsed, accuracies, strict=True) if a >= TARGET), float("nan"))
    return {
        "time_to_88_65_s": reached,
        "fast_final_test_acc": accuracies[-1],
        "fast_epochs": len(accuracies),
        "fast_epoch_s": statistics.median(history.column("train_seconds")),
    }, model


def training_gflops(model: fmnist.MLP, splits: fmnist.Splits, batch_size: int) -> float:
    """Achieved training FLOP rate over one epoch of `fmnist.fit`: 6 x batch x Linear weights per step
    (forward 2, backward 4 multiply-adds counted as FLOPs), over the epoch's training seconds."""
    weights = sum(layer.weight.numel() for layer in model.linear_layers())
    config = fmnist.TrainConfig(epochs=1, batch_size=batch_size, lr=1e-3, optimizer="adamw", progress=False)
    seconds = fmnist.fit(model, splits, config).epochs[0]["train_seconds"]
    return 6 * len(splits.train) * weights / seconds / 1e9


def inference_speed(model: torch.nn.Module, images: torch.Tensor, repeats: int) -> dict[str, float]:
    model.eval()
    single = images[:1]
    fmnist.predict(model, single)
    latencies = []
    for _ in range(200):
        start = time.perf_counter()
        fmnist.predict(model, single)
        latencies.append(time.perf_counter() - start)
    large = median_time(lambda: fmnist.predict(model, images), repeats)
    return {
        "infer_latency_bs1_ms": statistics.median(latencies) * 1e3,
        "infer_images_per_s": len(images) / large,
    }


def sklearn_peer(splits: fmnist.Splits) -> dict[str, float] | None:
    try:
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        return None
    x_train = splits.train.images.reshape(len(splits.train), -1).numpy() / 255.0
    x_test = splits.test.images.reshape(len(splits.test), -1).numpy() / 255.0
    classifier = MLPClassifier(hidden_layer_sizes=(100,), early_stopping=True, random_state=0)
    start = time.perf_counter()
    classifier.fit(x_train, splits.train.labels.numpy())
    seconds = time.perf_counter() - start
    return {
        "sklearn_train_s": seconds,
        "sklearn_test_acc": float(classifier.score(x_test, splits.test.labels.numpy())),
        "sklearn_iterations": int(classifier.n_iter_),
    }


def machine() -> str:
    model_name = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model_name = line.split(":", 1)[1].strip()
                break
    return (
        f"{model_name}, {os.cpu_count()} cores, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads), torchvision {torchvision.__version__}, device cpu"
    )


def table(r: dict[str, float], reference_note: str) -> str:
    peer = (
        f"| scikit-learn MLPClassifier(100,) (early stopping) | train {r['sklearn_train_s']:.0f} s, test "
        f"{100 * r['sklearn_test_acc']:.2f}% ({r['sklearn_iterations']} iterations) | | |"
        if "sklearn_train_s" in r
        else "| scikit-learn peer | not installed (`pip install -e .[bench]`) | | |"
    )
    return "\n".join(
        [
            "| measurement | fmnist | reference / limit | ratio |",
            "|---|---:|---:|---:|",
            f"| seed_small epoch at batch 64 (training) | {r['fmnist_epoch_s']:.2f} s "
            f"| {r['reference_epoch_s']:.2f} s | **{r['epoch_speedup_bs64']:.1f}x** faster |",
            f"| training time to {100 * TARGET:.2f}% test accuracy | {r['time_to_88_65_s']:.1f} s (`fast`, "
            f"{r['fast_epoch_s']:.1f} s/epoch) | {r['reference_time_to_88_65_s']:.0f} s ({reference_note}) "
            f"| **{r['time_to_target_speedup']:.0f}x** faster |",
            f"| training FLOP rate of a 784-2048-2048-10 MLP (batch 512) vs fp32 GEMM (2048^3) "
            f"| {r['train_gflops']:.0f} GFLOP/s "
            f"| {r['gemm_gflops']:.0f} GFLOP/s | **{100 * r['gemm_fraction']:.0f}%** |",
            f"| inference, `fast` model, batch of 10,000 | {r['infer_images_per_s']:,.0f} images/s | | |",
            f"| inference latency, one image (`fmnist.predict`) | {r['infer_latency_bs1_ms']:.2f} ms | | |",
            peer,
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=150, help="training steps timed per epoch measurement")
    parser.add_argument(
        "--full-reference", action="store_true", help="run the reference model 2 for 35 epochs"
    )
    parser.add_argument("--out", default=str(ROOT / "assets" / "benchmark.md"))
    args = parser.parse_args()

    splits = fmnist.load_data()
    order = torch.randperm(60_000, generator=torch.Generator().manual_seed(0))
    train_indices = order[12_000:]  # the same 48,000 images as fmnist's train split
    r: dict[str, float] = {}
    r.update(epoch_speed(splits, train_indices, "seed_small", 3e-3, args.steps, args.repeats))
    r["epoch_speedup_bs64"] = r["reference_epoch_s"] / r["fmnist_epoch_s"]

    deep = epoch_speed(splits, train_indices, "seed_deep", 7e-4, args.steps, args.repeats)
    if args.full_reference:
        loader = reference_loader(train_indices)
        torch.manual_seed(0)
        model = fmnist.build_model("seed_deep")
        start = time.perf_counter()
        for _ in range(35):
            train_steps(model, iter(loader), len(loader), 7e-4)
        r["reference_time_to_88_65_s"], note = time.perf_counter() - start, "model 2, 35 epochs, measured"
    else:
        r["reference_time_to_88_65_s"] = deep["reference_epoch_s"] * 35
        note = "model 2: measured epoch x 35 epochs"
    fast, model = time_to_accuracy(splits, "fast")
    r.update(fast)
    r["time_to_target_speedup"] = r["reference_time_to_88_65_s"] / r["time_to_88_65_s"]

    r["gemm_gflops"] = gemm_gflops(repeats=10)
    wide = fmnist.MLP(hidden=WIDE_HIDDEN, dropout=0.2, norm="batch")
    r["train_gflops"] = training_gflops(wide, splits, WIDE_BATCH)
    r["gemm_fraction"] = r["train_gflops"] / r["gemm_gflops"]
    r.update(inference_speed(model, splits.test.images, args.repeats))
    peer = sklearn_peer(splits)
    if peer:
        r.update(peer)

    markdown = table(r, note)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    header = (
        f"Measured {stamp} on {machine()}; `python benchmarks/bench_pipeline.py --repeats {args.repeats}"
        f" --steps {args.steps}{' --full-reference' if args.full_reference else ''}`; medians of "
        f"{args.repeats} alternating A/B repeats.\n\n"
    )
    Path(args.out).write_text(header + markdown + "\n")
    print(header + markdown)
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()}))


if __name__ == "__main__":
    main()
