"""The training step against the machine's matrix rate: FLOP counts, op groups and the table.

`benchmarks/` measures; this module holds what they and the README share: the GEMM peak
(`gemm_gflops`), how many matrix FLOPs an MLP's training step does (`matrix_flops_per_step`), which
group a profiled op
belongs to (`op_group`), and the markdown table of ``assets/step_bench.jsonl`` (`step_table`).
"""

from __future__ import annotations

import itertools
import json
import math
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

STEP_BENCH_FILE = "step_bench.jsonl"
DENORMAL_BENCH_FILE = "denormal_bench.jsonl"  # benchmarks/bench_denormals.py
CHECKPOINT_BENCH_FILE = "checkpoint_bench.jsonl"  # benchmarks/bench_checkpoint.py
AUGMENT_BENCH_FILE = "augment_bench.jsonl"  # benchmarks/bench_augment.py

# Profiled op (aten name without "aten::") -> group of the step's breakdown. Unlisted ops: "other".
_GROUPS: dict[str, tuple[str, ...]] = {
    "matrix products": ("mm", "addmm", "bmm", "matmul", "linear", "mkldnn_linear", "_mkldnn_matmul"),
    "batch norm": ("native_batch_norm", "native_batch_norm_backward", "_batch_norm_with_update"),
    "dropout masks": ("random_", "bernoulli_", "ge", "lt"),
    "activations": ("relu", "relu_", "clamp_min", "threshold_backward", "gelu", "gelu_backward"),
    "elementwise products": ("mul", "mul_", "div", "div_", "sub", "sub_", "add", "where"),
    "augmentation and gather": (
        "index_select",
        "take",
        "index",
        "flip",
        "constant_pad_nd",
        "randperm",
        "randint",
        "rand",
        "arange",
        "gather",
    ),
    "loss": ("_log_softmax", "_log_softmax_backward_data", "nll_loss_forward", "nll_loss_backward"),
    "optimizer": ("_fused_adamw_", "_fused_adam_", "_foreach_mul_", "_foreach_add_", "zero_", "fill_"),
    "copies and conversions": ("copy_", "_to_copy", "to", "clone"),
}
_OP_GROUP = {op: group for group, ops in _GROUPS.items() for op in ops}
GROUPS: tuple[str, ...] = (*_GROUPS, "other")


def op_group(name: str) -> str:
    """The breakdown group of a profiled op, e.g. ``aten::addmm`` -> ``matrix products``."""
    return _OP_GROUP.get(name.removeprefix("aten::"), "other")


def gemm_gflops(dtype: torch.dtype = torch.float32, size: int = 2048, repeats: int = 5) -> float:
    """The machine's matrix rate: the fastest of ``repeats`` (size x size) @ (size x size) products
    in ``dtype``, in GFLOP/s."""
    a, b = torch.randn(size, size).to(dtype), torch.randn(size, size).to(dtype)
    a @ b  # warm up
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def matrix_flops_per_step(model: nn.Module, batch_size: int) -> int:
    """Matrix FLOPs of one training step: each ``nn.Linear``'s forward, weight-gradient and (but
    for the first layer, whose input needs no gradient) input-gradient products, 2 FLOPs a MAC."""
    layers = [m for m in model.modules() if isinstance(m, nn.Linear)]
    total = 0
    for index, layer in enumerate(layers):
        product = 2 * batch_size * layer.in_features * layer.out_features
        total += product * (2 if index == 0 else 3)
    return total


def products_seconds(
    model: nn.Module, batch_size: int, dtype: torch.dtype = torch.float32, steps: int = 20
) -> float:
    """Seconds a step's matrix products take alone: the products `matrix_flops_per_step` counts,
    with the same shapes, layouts and order as autograd runs them (each layer's forward, then from
    the last layer down its weight gradient and, but for the first layer, its input gradient), in
    ``dtype``, with nothing between them. The fastest of three runs of ``steps`` steps: the ceiling
    a training step at this batch size could reach if the rest of its work cost nothing."""
    layers = [m for m in model.modules() if isinstance(m, nn.Linear)]
    weights = [layer.weight.detach().to(dtype) for layer in layers]
    biases = [layer.bias.detach().to(dtype) for layer in layers]
    first = torch.randn(batch_size, layers[0].in_features).to(dtype)
    top = torch.randn(batch_size, layers[-1].out_features).to(dtype)

    def step() -> None:
        inputs = [first]
        for weight, bias in zip(weights, biases, strict=True):
            inputs.append(torch.addmm(bias, inputs[-1], weight.t()))
        grad = top
        for index in range(len(weights) - 1, -1, -1):
            grad.t().mm(inputs[index])  # the weight's gradient
            if index > 0:
                grad = grad.mm(weights[index])  # the layer input's gradient

    step()  # warm up
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        best = min(best, (time.perf_counter() - start) / steps)
    return best


def training_flops(config: Mapping[str, Any], train_examples: int) -> float | None:
    """Matrix FLOPs of a run's training, from its recorded ``config``: every epoch's forward and
    backward products (as `matrix_flops_per_step` counts them) over ``train_examples`` images, for
    each ensemble member. Evaluation and a teacher's own training are not counted. None for a
    config that is not an MLP's."""
    model = config.get("model")
    epochs = config.get("train", {}).get("epochs")
    if not model or "hidden" not in model or not epochs:
        return None
    widths = [model.get("in_features", 784), *model["hidden"], model.get("num_classes", 10)]
    products = [2 * a * b for a, b in itertools.pairwise(widths)]
    per_example = 2 * products[0] + 3 * sum(products[1:])
    return float(per_example * train_examples * epochs * config.get("members", 1))


def load_bench(folder: Path, file: str) -> list[dict[str, Any]]:
    """Every line of a benchmark's ``<folder>/<file>`` (`STEP_BENCH_FILE`, `DENORMAL_BENCH_FILE`,
    `CHECKPOINT_BENCH_FILE`, `AUGMENT_BENCH_FILE`); none before the benchmark ran."""
    path = Path(folder) / file
    return [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []


def newest_per_class(
    rows: Iterable[Mapping[str, Any]], keys: tuple[str, ...] = ("machine_class", "precision")
) -> list[Mapping[str, Any]]:
    """The newest row of each (machine class, precision), or of each value of other ``keys``, in
    their order; a key a row lacks (written before it was recorded) counts as ``""``."""
    newest: dict[tuple[str, ...], Mapping[str, Any]] = {}
    for row in rows:
        key = tuple(str(row.get(k, "")) for k in keys)
        if key not in newest or row["date"] >= newest[key]["date"]:
            newest[key] = row
    return [newest[key] for key in sorted(newest)]


def _share(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def step_table(rows: Iterable[Mapping[str, Any]]) -> str:
    """Markdown: per machine class and precision, the step, the epoch, the share of the GEMM peak,
    the share the step's products reach alone (its ceiling; "-" where not measured), the step under
    ``torch.compile`` where measured, and where the step's time goes (ms per step by group, largest
    first); two CPUs of one class (`fmnist.precision.cpu_generation`) get a row each."""
    lines = [
        "| CPU class | CPU, threads | precision | GEMM peak GFLOP/s | step ms | 48k epoch s "
        "| step's matrix GFLOP/s | share of GEMM peak | products alone: share | compiled step ms "
        "| where a step's time goes (ms) | measured |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for row in newest_per_class(rows, keys=("machine_class", "cpu_generation", "precision")):
        parts = sorted(row["breakdown_ms"].items(), key=lambda item: -item[1])
        breakdown = ", ".join(f"{group} {ms:.1f}" for group, ms in parts if ms >= 0.05)
        cpu = row["cpu_model"] + (f" ({row['cpu_generation']})" if row.get("cpu_generation") else "")
        lines.append(
            f"| {row['machine_class']} | {cpu}, {row['threads']} | {row['precision']} "
            f"| {row['gemm_gflops']:.0f} | {row['step_ms']:.1f} | {row['epoch_seconds']:.2f} "
            f"| {row['matrix_gflops']:.0f} | {100 * row['share_of_gemm_peak']:.0f}% "
            f"| {_share(row.get('products_share_of_gemm_peak'))} | {_ms(row.get('compiled_step_ms'))} "
            f"| {breakdown} "
            f"| {row['date'][:10]} |"
        )
    return "\n".join(lines)


def denormal_table(rows: Iterable[Mapping[str, Any]]) -> str:
    """Markdown: per machine class (its newest line), a training step with a share of the hidden
    units stopped (denormal moments) and with none, denormals kept and flushed."""
    lines = [
        "| CPU class | CPU, threads | units stopped | step ms, denormals kept | step ms, flushed | speed-up "
        "| clean model: kept / flushed ms | measured |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    for row in newest_per_class(rows, keys=("machine_class",)):
        ms, stopped = row["ms_per_step"], 100 * row["share_stopped"]
        lines.append(
            f"| {row['machine_class']} | {row['cpu_model']}, {row['threads']} | {stopped:.0f}% "
            f"| {ms['keep_stopped']:.1f} | {ms['flush_stopped']:.1f} "
            f"| **{row['flush_speedup_stopped']:.1f}x** "
            f"| {ms['keep_clean']:.1f} / {ms['flush_clean']:.1f} | {row['date'][:10]} |"
        )
    return "\n".join(lines)


def checkpoint_table(rows: Iterable[Mapping[str, Any]]) -> str:
    """Markdown: per machine class (its newest line), what one save of the training state costs
    against an epoch of the frontier MLP, and how many saves a 600-epoch run makes."""
    lines = [
        "| CPU class | CPU, threads | state MB | epoch s | save s | save / epoch "
        "| saves in 600 epochs: every epoch / default | measured |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    for row in newest_per_class(rows, keys=("machine_class",)):
        saves = row["saves_in_600_epochs"]
        lines.append(
            f"| {row['machine_class']} | {row['cpu_model']}, {row['threads']} | {row['state_mb']:.0f} "
            f"| {row['epoch_seconds']:.2f} | {row['save_seconds']:.2f} "
            f"| **{100 * row['save_over_epoch']:.0f}%** "
            f"| {saves['every_epoch']} / {saves['default']} (every {row['default_every_seconds']:g} s) "
            f"| {row['date'][:10]} |"
        )
    return "\n".join(lines)


def augment_table(rows: Iterable[Mapping[str, Any]]) -> str:
    """Markdown: per machine class and recipe (its newest line), the epoch with every augmentation on
    floats against the flips and shifts on uint8 and the rest on floats."""
    lines = [
        "| CPU class | CPU, threads | recipe | augmentations | epoch s, all on floats "
        "| epoch s, flips and shifts on uint8 | speed-up | measured |",
        "|---|---|---|---|---:|---:|---:|---|",
    ]
    for row in newest_per_class(rows, keys=("machine_class", "recipe")):
        lines.append(
            f"| {row['machine_class']} | {row['cpu_model']}, {row['threads']} | {row['recipe']} "
            f"| {', '.join(row['augment'])} | {row['epoch_seconds_floats']:.2f} "
            f"| {row['epoch_seconds_uint8']:.2f} | **{row['speedup']:.2f}x** | {row['date'][:10]} |"
        )
    return "\n".join(lines)


def epoch_slowdown(record: Mapping[str, Any], window: int = 50) -> tuple[float, float] | None:
    """A long run's median training seconds per epoch over its first ``window`` epochs (after 5 of
    warm-up) and its last ``window``; None for runs shorter than 300 epochs and for ensembles."""
    histories = record.get("histories", [])
    if len(histories) != 1 or len(epochs := histories[0]["epochs"]) < 300:
        return None
    first = sorted(e["train_seconds"] for e in epochs[5 : 5 + window])
    last = sorted(e["train_seconds"] for e in epochs[-window:])
    return first[len(first) // 2], last[len(last) // 2]


def epoch_slowdown_table(records: Iterable[Mapping[str, Any]]) -> str:
    """Markdown: for every run of 300 epochs or more, per machine class and recipe and whether
    denormals were flushed (``environment.denormals_flushed``), its last epochs' time over its first."""
    groups: dict[tuple[str, str, bool], list[tuple[float, float]]] = {}
    for record in records:
        if (times := epoch_slowdown(record)) is not None:
            about = record["environment"]
            key = (about["machine_class"], record["name"], bool(about.get("denormals_flushed", False)))
            groups.setdefault(key, []).append(times)
    lines = [
        "| CPU class | recipe | denormals flushed | runs | first epochs, s | last epochs, s | last / first |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for (machine_class, name, flushed), times in sorted(groups.items()):
        first = sum(t[0] for t in times) / len(times)
        last = sum(t[1] for t in times) / len(times)
        ratios = [t[1] / t[0] for t in times]
        spread = f"{min(ratios):.2f}-{max(ratios):.2f}" if len(ratios) > 1 else f"{ratios[0]:.2f}"
        lines.append(
            f"| {machine_class} | {name} | {'yes' if flushed else 'no'} | {len(times)} | {first:.2f} "
            f"| {last:.2f} | {spread} |"
        )
    return "\n".join(lines)
