"""What an optimizer's step costs beside the training step it follows, on the fp32 classes' bed.

    python benchmarks/bench_optimizers.py [--steps 30] [--repeats 3] [--out assets/optimizer_bench.jsonl]

The bed's MLP (`mid512-flipshift-d02-e90`: 784-512-512-10, batch norm, batch 256), its gradients from
one real batch. Measured in one run, alternating, medians of ``--repeats`` rounds of ``--steps``:
  1. forward + backward of one batch (what every optimizer pays);
  2. the optimizer's step alone, for fused AdamW (the recipes' optimizer), Lion (`lion-pytorch`), and
     Muon (`torch.optim.Muon`, which runs its Newton-Schulz iterations in bf16) on the hidden layers'
     weight matrices with fused AdamW on the rest;
  3. Muon's Newton-Schulz iterations alone, the same 5 of them in fp32 instead of bf16 (what Muon
     would cost where bf16 is emulated, were it written for fp32), plus fused AdamW's step;
  4. each as a ratio of a whole step (1 + 2) to AdamW's: how many AdamW epochs one costs, the
     exchange rate at equal minutes.
Appends one JSON line to ``--out``, with the machine class. Never run it beside another torch
process: 2 cores.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import torch

from fmnist.lab.recipes import MID_DROPOUT2_90, MID_LION_90
from fmnist.models import MLP
from fmnist.precision import machine
from fmnist.train import make_optimizer, set_seed, training_loss

ROOT = Path(__file__).resolve().parents[1]
BATCH = MID_DROPOUT2_90.train.batch_size


def optimizers(model: MLP) -> dict[str, list[torch.optim.Optimizer]]:
    """The candidates, each as the optimizers that step it: AdamW and Lion as their recipes train
    (`fmnist.train`'s own constructor); Muon on the hidden matrices with fused AdamW on the rest."""
    lr, decay = MID_DROPOUT2_90.train.lr, MID_DROPOUT2_90.train.weight_decay
    matrices = [layer.weight for layer in model.linear_layers()[:-1]]
    rest = [p for p in model.parameters() if all(p is not m for m in matrices)]
    return {
        "adamw": [make_optimizer(model, MID_DROPOUT2_90.train)],
        "lion": [make_optimizer(model, MID_LION_90.train)],
        "muon": [
            torch.optim.Muon(matrices, lr=lr, weight_decay=decay, adjust_lr_fn="match_rms_adamw"),
            torch.optim.AdamW(rest, lr=lr, weight_decay=decay, fused=True),
        ],
    }


def newton_schulz_fp32(muon: torch.optim.Optimizer) -> None:
    """``muon``'s orthogonalization of its gradients (its coefficients, steps and eps), in fp32."""
    group = muon.param_groups[0]
    a, b, c = group["ns_coefficients"]
    for param in group["params"]:
        x = param.grad.T if param.shape[0] > param.shape[1] else param.grad
        x = x / x.norm().clamp(min=group["eps"])
        for _ in range(group["ns_steps"]):
            gram = x @ x.T
            x = torch.addmm(x, torch.addmm(gram, gram, gram, beta=b, alpha=c), x, beta=a)


def seconds_per_call(fn: Callable[[], object], steps: int) -> float:
    fn()  # warm-up (allocations, lazy state)
    start = time.perf_counter()
    for _ in range(steps):
        fn()
    return (time.perf_counter() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "assets" / "optimizer_bench.jsonl")
    args = parser.parse_args()
    set_seed(0)
    model = MLP(**MID_DROPOUT2_90.model).train()
    x, y = torch.randn(BATCH, 784), torch.randint(0, 10, (BATCH,))

    def backward() -> None:
        model.zero_grad(set_to_none=False)
        training_loss(model(x), y, MID_DROPOUT2_90.train.label_smoothing).backward()

    backward()
    candidates = optimizers(model)
    steps: dict[str, Callable[[], object]] = {
        name: lambda parts=parts: [part.step() for part in parts] for name, parts in candidates.items()
    }
    steps["muon_fp32"] = lambda: (newton_schulz_fp32(candidates["muon"][0]), candidates["adamw"][0].step())
    rounds: dict[str, list[float]] = {"forward_backward": [], **{name: [] for name in steps}}
    for _ in range(args.repeats):
        rounds["forward_backward"].append(seconds_per_call(backward, args.steps))
        for name, step in steps.items():
            rounds[name].append(seconds_per_call(step, args.steps))
    ms = {name: 1000 * statistics.median(times) for name, times in rounds.items()}
    whole = {name: ms["forward_backward"] + ms[name] for name in steps}
    record = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **machine(),
        "torch": torch.__version__,
        "model": "784-512-512-10 (mid512-flipshift-d02-e90)",
        "batch": BATCH,
        "ms_forward_backward": round(ms["forward_backward"], 3),
        "ms_optimizer_step": {name: round(ms[name], 3) for name in whole},
        "step_cost_vs_adamw": {name: round(whole[name] / whole["adamw"], 3) for name in whole},
    }
    with args.out.open("a") as file:
        file.write(json.dumps(record) + "\n")
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
