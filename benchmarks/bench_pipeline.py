"""Speed of fmnist against the reference notebook's pipeline, measured side by side in one process.

    python benchmarks/bench_pipeline.py [--repeats 3] [--steps 150] [--full-reference] [--quick]

Measures, in one run, alternating A/B and taking medians:
  1. epoch time of `seed_small` at batch 64: the reference pipeline (torchvision FashionMNIST with
     ToTensor + Normalize through a DataLoader) against fmnist's in-memory batches;
  2. time-to-accuracy: training seconds until the test accuracy first reaches 88.65%, for fmnist's
     `fast` recipe against the reference model 2 pipeline (its epoch time x its 35 epochs, or
     measured in full with --full-reference);
  3. the machine's fp32 GEMM rate, and the training FLOP rate of the `fast` model as a fraction;
  4. inference throughput of that model: batch-1 latency and the large-batch rate;
  5. a peer: scikit-learn's MLPClassifier(hidden_layer_sizes=(100,)) (optional: `pip install
     -e .[bench]`).
Prints a markdown table and one JSON line; writes the table to assets/benchmark.md (--out).
Absolute times swing 2x between runs on small machines: compare the ratios, measured together.
"""

from __future__ import annotations

import argparse
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
from fmnist.data import iterate_batches, raw_dir
from fmnist.recipes import RECIPES, recipe_config

TARGET = 0.8865  # the reference notebook's best test accuracy (model 2)
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
    """Seconds per training step over the first ``steps`` batches (NLL + Adam, as the reference)."""
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
    """Per-epoch training seconds of ``preset`` at batch 64: reference pipeline vs fmnist, A/B."""
    loader = reference_loader(train_indices)
    steps_per_epoch = math.ceil(len(train_indices) / 64)
    reference, ours = [], []
    for repeat in range(repeats):
        torch.manual_seed(repeat)
        reference.append(train_steps(fmnist.build_model(preset), iter(loader), steps, lr))
        torch.manual_seed(repeat)
        generator = torch.Generator().manual_seed(repeat)
        batches = iterate_batches(splits.train, 64, shuffle=True, generator=generator)
        ours.append(train_steps(fmnist.build_model(preset), batches, steps, lr))
    return {
        "reference_epoch_s": statistics.median(reference) * steps_per_epoch,
        "fmnist_epoch_s": statistics.median(ours) * steps_per_epoch,
    }


def time_to_accuracy(splits: fmnist.Splits, recipe: str) -> tuple[dict[str, float], torch.nn.Module]:
    """Train ``recipe``; training seconds (evaluation excluded) until the test accuracy >= TARGET."""
    config = recipe_config(recipe, seed=0, progress=False)
    fmnist.set_seed(0)
    model = fmnist.build_model(RECIPES[recipe].preset)
    accuracies: list[float] = []

    def test_accuracy(epoch: int, evaluated: torch.nn.Module) -> None:  # benchmark only: not selection
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


def gemm_gflops(size: int = 2048, repeats: int = 5) -> float:
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b  # warm up
    return 2 * size**3 / median_time(lambda: a @ b, repeats) / 1e9


def training_gflops(model: torch.nn.Module, batch_size: int, steps: int = 30) -> float:
    """Achieved training FLOP rate: 6 x batch x (weights of the Linear layers) per step."""
    weights = sum(m.weight.numel() for m in model.modules() if isinstance(m, torch.nn.Linear))
    x, y = torch.randn(batch_size, 1, 28, 28), torch.randint(0, 10, (batch_size,))
    batches = [(x, y)] * (steps + 5)
    train_steps(model, iter(batches[:5]), 5, 1e-4)  # warm up
    seconds = train_steps(model, iter(batches), steps, 1e-4)
    return 6 * batch_size * weights / seconds / 1e9


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
            f"| `fast` training FLOP rate vs fp32 GEMM | {r['train_gflops']:.0f} GFLOP/s "
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

    r["gemm_gflops"] = gemm_gflops()
    r["train_gflops"] = training_gflops(fmnist.build_model("fast"), recipe_config("fast").batch_size)
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
