"""What denormal optimizer moments cost a training step, with and without flushing them to zero.

    python benchmarks/bench_denormals.py [--steps 40] [--repeats 3] [--share 0.06]
                                         [--out assets/denormal_bench.jsonl]

Late in a long run some hidden units stop learning: their gradients are (nearly) zero, and AdamW's
moments for their weights decay into the denormal range (below 1.2e-38 in fp32), where an Intel
core computes each value through a microcode assist. In a 60k run of ``flipshift-d02-e600`` on
AMX, 6% of the hidden layers' moments were denormal at epoch 596 (whole rows: the units that
stopped), hence ``--share 0.06``.

The frontier MLP (784-1024-1024-10, batch norm, byte dropout masks; its recipe's AdamW, batch
and precision) after one real step; then ``--share`` of each hidden layer's units made such units:
their moments set to denormals and their gradients to zero at every step. Each side runs in a
fresh process, because the setting reaches torch's worker threads only if made before they start
(`fmnist.precision.flushing_denormals`): ``keep`` (denormals computed) and ``flush`` alternate
``--repeats`` times; medians of the ms per step. The same for a clean model (no denormals) shows
what flushing costs where there is nothing to flush. Appends one JSON line to ``--out``, with the
machine class; the README's table reads the newest line of each class. Never run it beside
another torch process: 2 cores.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child(mode: str, share: float, steps: int) -> dict[str, float]:
    """ms per training step in this process, denormals flushed or kept (``mode``), with ``share`` of
    the hidden units stopped (0: a clean model)."""
    import torch

    from fmnist.lab.recipes import WIDE_DROPOUT2_600 as RECIPE
    from fmnist.models import MLP
    from fmnist.precision import A_DENORMAL, resolve_precision
    from fmnist.train import make_optimizer, set_seed, training_loss

    if mode == "flush":  # as flushing_denormals does, for the whole process, before any parallel op
        torch.set_flush_denormal(True)
    set_seed(0)
    model = MLP(**RECIPE.model).train()
    optimizer = make_optimizer(model, RECIPE.train)
    bf16 = resolve_precision(RECIPE.train.precision, "cpu") == "bf16"
    x = torch.randn(RECIPE.train.batch_size, 784)
    y = torch.randint(0, 10, (RECIPE.train.batch_size,))
    hidden = model.linear_layers()[:-1]
    stopped = [torch.rand(layer.out_features) < share for layer in hidden]

    def step() -> None:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = model(x)
        optimizer.zero_grad(set_to_none=True)
        training_loss(logits.float(), y, RECIPE.train.label_smoothing).backward()
        for layer, rows in zip(hidden, stopped, strict=True):
            layer.weight.grad[rows] = 0.0
            layer.bias.grad[rows] = 0.0
        optimizer.step()

    step()  # creates AdamW's moments
    for layer, rows in zip(hidden, stopped, strict=True):
        for param in (layer.weight, layer.bias):
            for moment in ("exp_avg", "exp_avg_sq"):
                optimizer.state[param][moment][rows] = A_DENORMAL
    step()  # warm-up
    start = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = (time.perf_counter() - start) / steps
    denormal = sum(
        int(((m != 0) & (m.abs() < torch.finfo(torch.float32).tiny)).sum())
        for state in optimizer.state.values()
        for m in (state["exp_avg"], state["exp_avg_sq"])
    )
    return {"ms_per_step": 1000 * seconds, "denormal_moments_after": denormal}


def measure(mode: str, share: float, steps: int) -> dict[str, float]:
    """`child` in a fresh process."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--share", str(share), "--steps", str(steps)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--share", type=float, default=0.06)
    parser.add_argument("--out", type=Path, default=ROOT / "assets" / "denormal_bench.jsonl")
    parser.add_argument("--child", choices=("keep", "flush"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.share, args.steps)))
        return

    import torch

    from fmnist.precision import machine

    ms: dict[str, list[float]] = {}
    for _ in range(args.repeats):
        for share in (args.share, 0.0):
            for mode in ("keep", "flush"):
                result = measure(mode, share, args.steps)
                ms.setdefault(f"{mode}_{'stopped' if share else 'clean'}", []).append(result["ms_per_step"])
    median = {name: round(statistics.median(times), 2) for name, times in ms.items()}
    record = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **machine(),
        "torch": torch.__version__,
        "model": "784-1024-1024-10 (flipshift-d02-e600)",
        "share_stopped": args.share,
        "steps": args.steps,
        "repeats": args.repeats,
        "ms_per_step": median,
        "flush_speedup_stopped": round(median["keep_stopped"] / median["flush_stopped"], 2),
        "flush_speedup_clean": round(median["keep_clean"] / median["flush_clean"], 2),
    }
    with args.out.open("a") as file:
        file.write(json.dumps(record) + "\n")
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
