"""The frontier MLP's training step against this machine's matrix rate, per precision it has.

    python benchmarks/bench_step.py [--steps 40] [--repeats 3] [--out assets/step_bench.jsonl]

For each precision this machine has instructions for (fp32 always; bf16 where the CPU has AMX or
AVX-512 BF16, whether or not `precision="auto"` picks it there: the table shows why it does or
does not), measured in one run, alternating, medians of ``--repeats``:
  1. the GEMM peak: the fastest (2048 x 2048) @ (2048 x 2048) product in that precision;
  2. the step of the frontier recipe (`flipshift-e135`: 784-1024-1024-10, batch norm, byte dropout
     masks, flips and 1-pixel shifts, batch 256, AdamW one-cycle, label smoothing) through
     `fmnist.fit` itself, over ``--steps`` batches; times 188 steps for a 48k epoch;
  3. the step's matrix FLOPs (`fmnist.lab.speed.matrix_flops_per_step`) over its time: the matrix
     FLOP rate, as a share of (1) — how near the step runs to what the machine can do;
  4. the same products alone, with nothing between them (`fmnist.lab.speed.products_seconds`):
     the share of (1) they reach is the ceiling for a step at this batch size, and the step's
     share of that ceiling is how much of the rest of its work is left to cut;
  5. with ``--compiled``, the step with the model under ``torch.compile`` (inductor), its first
     steps' compilation timed apart;
  6. where a step's time goes: torch.profiler's self CPU time per op, grouped (matrix products,
     batch norm, dropout masks, activations, elementwise products, augmentation and gather, loss,
     optimizer, copies, other), in ms per profiled step (the profiler adds its own overhead).
Appends one JSON line per precision to ``--out``; `make report` puts the newest line of each CPU
class and precision in the README. Never run it beside another torch process: 2 cores.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile

from fmnist.data import Splits, load_data
from fmnist.lab.recipes import LONG
from fmnist.lab.speed import GROUPS, gemm_gflops, matrix_flops_per_step, op_group, products_seconds
from fmnist.models import MLP
from fmnist.precision import cpu_has_amx, cpu_has_avx512_bf16, machine
from fmnist.train import TrainConfig, fit, set_seed

STEPS_PER_EPOCH = math.ceil(48_000 / LONG.train.batch_size)
ROOT = Path(__file__).resolve().parents[1]


def short_run(splits: Splits, steps: int) -> Splits:
    """``steps`` batches of training images and one batch of validation images."""
    batch = LONG.train.batch_size
    return replace(splits, train=splits.train.subset(steps * batch), val=splits.val.subset(batch))


def config_for(precision: str) -> TrainConfig:
    return replace(LONG.train, epochs=1, precision=precision, device="cpu", progress=False, keep_best=None)


def step_seconds(splits: Splits, precision: str, compiled: bool = False) -> float:
    """Seconds per training step of the frontier recipe, through `fit` (validation excluded);
    ``compiled``: the model trained under ``torch.compile``."""
    set_seed(0)
    model = MLP(**LONG.model)
    history = fit(torch.compile(model) if compiled else model, splits, config_for(precision))
    return history.epochs[0]["train_seconds"] / math.ceil(len(splits.train) / LONG.train.batch_size)


def breakdown(splits: Splits, precision: str, steps: int) -> dict[str, float]:
    """Milliseconds per step by op group: the profiler's self CPU time over one short run."""
    set_seed(0)
    model = MLP(**LONG.model)
    with profile(activities=[ProfilerActivity.CPU]) as profiler:
        fit(model, splits, config_for(precision))
    groups: dict[str, float] = defaultdict(float)
    for event in profiler.key_averages():
        if not event.key.startswith("aten::"):
            continue  # autograd and optimizer wrappers: their self time is bookkeeping only
        groups[op_group(event.key)] += event.self_cpu_time_total / 1e3 / steps
    return {group: round(groups.get(group, 0.0), 3) for group in GROUPS}


def measure(splits: Splits, precision: str, steps: int, repeats: int, compiled: bool) -> dict[str, object]:
    dtype = torch.bfloat16 if precision == "bf16" else torch.float32
    run = short_run(splits, steps)
    step_seconds(short_run(splits, 5), precision)  # warm up: allocations, oneDNN kernels
    start = time.perf_counter()
    if compiled:
        step_seconds(short_run(splits, 5), precision, compiled=True)  # compiles
    compile_seconds = time.perf_counter() - start
    model, batch = MLP(**LONG.model), LONG.train.batch_size
    peaks, steps_s, products_s, compiled_s = [], [], [], []
    for _ in range(repeats):  # alternate, so that a slower minute of the VM hits each alike
        peaks.append(gemm_gflops(dtype))
        steps_s.append(step_seconds(run, precision))
        products_s.append(products_seconds(model, batch, dtype))
        if compiled:
            compiled_s.append(step_seconds(run, precision, compiled=True))
    peak, step, products = statistics.median(peaks), statistics.median(steps_s), statistics.median(products_s)
    flops = matrix_flops_per_step(model, batch)
    compiled_row = {}
    if compiled:
        compiled_row = {
            "compiled_step_ms": 1e3 * statistics.median(compiled_s),
            "compile_seconds": compile_seconds,
        }
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **machine(),
        "torch": torch.__version__,
        "precision": precision,
        "recipe": f"{LONG.name} (784-1024-1024-10, batch {LONG.train.batch_size})",
        "gemm_gflops": peak,
        "step_ms": 1e3 * step,
        "epoch_seconds": step * STEPS_PER_EPOCH,
        "matrix_gflop_per_step": flops / 1e9,
        "matrix_gflops": flops / step / 1e9,
        "share_of_gemm_peak": flops / step / 1e9 / peak,
        "products_ms": 1e3 * products,
        "products_share_of_gemm_peak": flops / products / 1e9 / peak,
        **compiled_row,
        "breakdown_ms": breakdown(short_run(splits, steps // 2), precision, steps // 2),
        "repeats": repeats,
        "steps": steps,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40, help="training steps per timing (default 40)")
    parser.add_argument("--repeats", type=int, default=3, help="alternating repeats (default 3)")
    parser.add_argument("--out", default=str(ROOT / "assets" / "step_bench.jsonl"))
    parser.add_argument(
        "--compiled",
        action="store_true",
        help="also time the step under torch.compile (minutes of compiling)",
    )
    args = parser.parse_args()
    splits = load_data()
    precisions = ["fp32"] + (["bf16"] if cpu_has_amx() or cpu_has_avx512_bf16() else [])
    rows = [measure(splits, precision, args.steps, args.repeats, args.compiled) for precision in precisions]
    with open(args.out, "a") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    from fmnist.lab.speed import step_table

    print(step_table(rows))
    print(f"appended to {args.out}")


if __name__ == "__main__":
    main()
