"""On a CUDA machine: which precision ``auto`` picks there, and what an epoch of the frontier MLP costs.

    python benchmarks/gpu_check.py [--epochs 3] [--out assets/gpu_check.json]

Trains `flipshift-e135`'s recipe (784-1024-1024-10, batch norm, byte dropout masks, flips and
1-pixel shifts, batch 256, AdamW one-cycle) for a few epochs on the GPU, once with ``auto`` and once
in fp32, the whole dataset on the device, and writes one JSON object: the GPU, what ``auto``
resolved to, whether the GPU does bf16 natively, and each epoch's training seconds. Not a test:
the project's tests and `make run` run on a CPU.
"""

from __future__ import annotations

import argparse
import json
import platform
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import torch

from fmnist.data import load_data
from fmnist.lab.recipes import LONG
from fmnist.models import MLP
from fmnist.precision import cuda_native_bf16, resolve_precision
from fmnist.train import fit, set_seed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--out", default="assets/gpu_check.json")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device here: this check runs on a GPU machine only")
    splits = load_data()
    runs = {}
    for precision in ("auto", "fp32"):
        config = replace(LONG.train, epochs=args.epochs, device="cuda", precision=precision, progress=False)
        set_seed(0)
        history = fit(MLP(**LONG.model), splits, config)
        runs[precision] = {
            "ran": history.precision,
            "train_seconds_per_epoch": history.column("train_seconds"),
            "val_acc_last": history.epochs[-1]["val_acc"],
        }
    record = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "gpu": torch.cuda.get_device_name(),
        "capability": list(torch.cuda.get_device_capability()),
        "native_bf16": cuda_native_bf16(),
        "auto_resolves_to": resolve_precision("auto", "cuda"),
        "recipe": f"{LONG.name}'s model and training config, {args.epochs} epochs on 48,000 images",
        "torch": torch.__version__,
        "python": platform.python_version(),
        "runs": runs,
    }
    text = json.dumps(record, indent=2)
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
