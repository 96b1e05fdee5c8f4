"""Result files: one small JSON per training run, and the markdown tables made from them.

Each run records its config, per-epoch history, final test metrics, seed, time, device, machine
class and versions. The README's tables are generated from these files (`fmnist.report`), never typed.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch
import torchvision

from fmnist import precision, quick
from fmnist.evaluate import EvalResult
from fmnist.models import MLP, Ensemble
from fmnist.paths import project_root, results_dir, write_json
from fmnist.train import History, TrainConfig


def machine() -> str:
    """``<CPU model> (<machine class>), 2 cores, 2 threads``: what published times were measured on."""
    return _machine_text(precision.machine())


def _machine_text(about: Mapping[str, Any]) -> str:
    return (
        f"{about['cpu_model']} ({about['machine_class']}), {about['cores']} cores, {about['threads']} threads"
    )


def environment() -> dict[str, Any]:
    """What a result was measured with: Python, torch, torchvision, and the machine (`machine`)."""
    about = precision.machine()  # read once: class, CPU model, cores, threads
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "machine": _machine_text(about),
        **about,
    }


def metrics(result: EvalResult) -> dict[str, Any]:
    """An evaluation as plain data for a result file: accuracy, loss, counts, per-class accuracy."""
    return {
        "accuracy": result.accuracy,
        "loss": result.loss,
        "correct": result.correct,
        "total": result.total,
        "per_class_accuracy": result.per_class_accuracy.tolist(),
    }


def save_result(
    name: str,
    model: MLP | Ensemble,
    config: TrainConfig,
    history: History | Sequence[History],
    test: EvalResult,
    *,
    val: EvalResult | None = None,
    folder: str | os.PathLike[str] | None = None,
    **extra: Any,
) -> Path:
    """Write ``<folder>/<name>-seed<seed>.json`` atomically; ``folder`` defaults to `results_dir`.

    ``history`` is one `History`, or one per member of an `Ensemble` (kept as
    ``member_histories``); ``val`` is the kept model's validation result, if measured.
    """
    histories = [history] if isinstance(history, History) else list(history)
    record = {
        "name": name,
        "seed": config.seed,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "quick": quick.is_quick(),
        "model": model.config,
        "parameters": model.num_parameters(),
        "train_config": asdict(config) | {"precision": histories[0].precision},  # the one that ran
        "history": histories[0].to_dict(),
        **({"member_histories": [h.to_dict() for h in histories]} if len(histories) > 1 else {}),
        "train_seconds": sum(h.seconds for h in histories),
        **({"val": metrics(val)} if val is not None else {}),
        "test": metrics(test),
        "environment": environment(),
        **extra,
    }
    target = Path(folder) if folder is not None else results_dir()
    return write_json(target / result_file_name(name, config.seed), record)


def result_file_name(name: str, seed: int) -> str:
    """``<name>-seed<seed>.json``, with this machine's class after the seed where it is not the
    class the recipes were chosen on: two CPU classes never overwrite each other's results."""
    return f"{name}-seed{seed}{precision.class_suffix(precision.machine_class())}.json"


def load_results(folder: str | os.PathLike[str] | None = None) -> list[dict[str, Any]]:
    """Every result record in ``folder`` (default: the committed ``assets/results``)."""
    if folder is None:
        root = project_root()
        folder = (root if root is not None else Path.cwd()) / "assets" / "results"
    return [json.loads(p.read_text()) for p in sorted(Path(folder).glob("*.json"))]


def _mean_std(values: list[float], scale: float = 100.0, digits: int = 2) -> str:
    mean = statistics.fmean(values) * scale
    if len(values) == 1:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {statistics.stdev(values) * scale:.{digits}f}"


def validation_accuracy(record: Mapping[str, Any]) -> float:
    """The kept model's validation accuracy (an ensemble's own, not a member's)."""
    if "val" in record:
        return record["val"]["accuracy"]
    epochs = record["history"]["epochs"]
    return epochs[(record["history"]["best_epoch"] or len(epochs)) - 1]["val_acc"]


def architecture(config: dict[str, Any]) -> str:
    """Hidden layer sizes, e.g. ``1024-1024``; ``3 x 1024-1024`` for an ensemble of three."""
    if "members" in config:
        kinds = {architecture(member) for member in config["members"]}
        return f"{len(config['members'])} x {' / '.join(sorted(kinds))}"
    return "-".join(map(str, config["hidden"]))


def results_table(records: list[dict[str, Any]]) -> str:
    """Markdown table, one row per run name and CPU class: mean ± std over its seeds (n = number
    of seeds)."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        groups[record["name"], record["environment"]["machine_class"]].append(record)
    lines = [
        "| run | hidden layers | parameters | epochs | n seeds | val acc % | test acc % "
        "| reference test acc % | train time (s) | device | CPU class |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for (name, machine_class), runs in groups.items():
        first = runs[0]
        best_val = [validation_accuracy(r) for r in runs]
        reference = first.get("reference_test_accuracy")
        lines.append(
            f"| {name} | {architecture(first['model'])} | {first['parameters']:,} "
            f"| {first['train_config']['epochs']} | {len(runs)} | {_mean_std(best_val)} "
            f"| {_mean_std([r['test']['accuracy'] for r in runs])} "
            f"| {'' if reference is None else f'{reference * 100:.2f}'} "
            f"| {_mean_std([r['train_seconds'] for r in runs], scale=1.0, digits=0)} "
            f"| {first['history']['device']} | {machine_class} |"
        )
    return "\n".join(lines)


def ablation_table(rows: list[dict[str, Any]]) -> str:
    """Markdown: one line per step, validation accuracy and its change from the step before."""
    lines = [
        "| step | change | parameters | epochs | val acc % | change (points) | train time (s) |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    previous = None
    for row in rows:
        accuracy = 100 * row["val_accuracy"]
        delta = "" if previous is None else f"{accuracy - previous:+.2f}"
        lines.append(
            f"| {row['step']} | {row['change']} | {row['parameters']:,} | {row['train_config']['epochs']} "
            f"| {accuracy:.2f} | {delta} | {row['train_seconds']:.0f} |"
        )
        previous = accuracy
    return "\n".join(lines)
