"""The one result store: one JSON record per training run in ``assets/results``, and its readers.

A record holds the run's name, method, seed, ``key`` (a hash of everything that determines it),
``config``, per-epoch ``histories`` (one per ensemble member), validation and test metrics,
minutes, and the machine it ran on. `fmnist.lab.runner` writes them; `load_results` reads them back;
`summarize` groups them into the rows of the frontier, the screening and the README's tables.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torchvision

from fmnist import precision
from fmnist.evaluate import EvalResult
from fmnist.lab.folders import results_dir
from fmnist.lab.speed import training_flops
from fmnist.paths import project_root, write_json
from fmnist.precision import SELECTION_CLASS, UNRECORDED_GENERATION
from fmnist.robustness import mean_accuracy


def environment() -> dict[str, Any]:
    """What a result was measured with: Python, torch, torchvision, the machine
    (`fmnist.precision.machine_description`), and whether denormals were flushed
    (`fmnist.precision.flushing_denormals`)."""
    about = precision.machine()  # read once: class, CPU model, cores, threads
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "machine": precision.machine_description(about),
        **about,
        "denormals_flushed": precision.denormals_flushed(),
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


def result_file_name(name: str, seed: int, key: str, machine_class: str | None = None) -> str:
    """``<name>-seed<seed>-<key>.json``, with the machine class after the key where it is not the
    class the recipes were chosen on: two CPU classes never overwrite or skip each other's runs."""
    machine_class = precision.machine_class() if machine_class is None else machine_class
    return f"{name}-seed{seed}-{key}{precision.class_suffix(machine_class)}.json"


def result_path(name: str, seed: int, key: str, folder: Path | None = None) -> Path:
    """Where this machine's result of run ``key`` lives: in ``folder``, default `results_dir`."""
    return (folder if folder is not None else results_dir()) / result_file_name(name, seed, key)


def write_result(record: Mapping[str, Any], folder: Path | None = None) -> Path:
    """Write ``record`` atomically to its `result_path`; return the path."""
    path = (folder if folder is not None else results_dir()) / result_file_name(
        record["name"], record["seed"], record["key"], record["environment"]["machine_class"]
    )
    return write_json(path, record)


def committed_results_dir() -> Path:
    """``<project>/assets/results``: the committed store (also in quick mode, for reading)."""
    return (project_root() or Path.cwd()) / "assets" / "results"


def load_results(folder: str | os.PathLike[str] | None = None) -> list[dict[str, Any]]:
    """Every result record in ``folder`` (default: the committed ``assets/results``), by file name."""
    folder = committed_results_dir() if folder is None else Path(folder)
    return [json.loads(p.read_text()) for p in sorted(Path(folder).glob("*.json"))]


def machine_class_of(record: Mapping[str, Any]) -> str:
    """The machine class a result was measured on (``environment.machine_class``)."""
    return record["environment"]["machine_class"]


def machine_classes(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """The classes these records were measured on: `SELECTION_CLASS` first, then by name."""
    return sorted({machine_class_of(r) for r in records}, key=lambda c: (c != SELECTION_CLASS, c))


@dataclass
class Summary:
    """One recipe's runs on one machine class, summarized: a row of the frontier, the screening
    and the README's results table."""

    name: str
    method: str
    seeds: list[int]
    minutes: float  # training minutes per seed (validation included), mean over seeds
    seconds_std: float  # the spread of those training times over seeds, in seconds
    val_acc_mean: float
    val_acc_std: float
    test_acc_mean: float
    test_acc_std: float
    parameters: int
    fully_connected: bool = True
    description: str = ""
    selected_by: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    machine_class: str = SELECTION_CLASS  # what its minutes were measured on
    cpu_model: str = ""
    cpu_generation: str = UNRECORDED_GENERATION  # `cpu_generations` of its runs
    threads: int = 0
    architecture: str = ""
    epochs: int | None = None
    device: str = ""
    reference_test_accuracy: float | None = None
    train_flops: float | None = (
        None  # matrix FLOPs of one seed's training (`fmnist.lab.speed.training_flops`)
    )


def _std(values: list[float]) -> float:
    return statistics.stdev(values) if len(values) > 1 else 0.0


def summarize(
    records: Iterable[Mapping[str, Any]], machine_class: str | None = SELECTION_CLASS
) -> dict[str, Summary]:
    """Group result records by name (all seeds of one config) into `Summary` rows, of the records
    measured on ``machine_class`` only: minutes from two CPU classes never mix. With None, every
    record, and each name must come from one class."""
    groups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for record in records:
        if machine_class is None or machine_class_of(record) == machine_class:
            groups[record["name"]].append(record)
    for name, runs in groups.items():
        if len({machine_class_of(r) for r in runs}) > 1:
            raise ValueError(f"{name}'s results come from several machine classes: pass machine_class")
    return {name: _summary(name, runs) for name, runs in groups.items()}


def cpu_generations(runs: Iterable[Mapping[str, Any]]) -> str:
    """The CPU generations (`fmnist.precision.cpu_generation`) the runs' minutes were measured on,
    joined by `` / `` where they differ (`fmnist.precision.generations` splits them again);
    `UNRECORDED_GENERATION` for a run from before it was recorded. One class can hold CPUs of
    unequal speed (two EPYCs named alike, epochs 2x apart)."""
    return " / ".join(sorted(precision.generations(r["environment"].get("cpu_generation") for r in runs)))


def _summary(name: str, runs: list[Mapping[str, Any]]) -> Summary:
    vals = [r["val"]["accuracy"] for r in runs]
    tests = [r["test"]["accuracy"] for r in runs]
    extra = {}
    if all("test_flip_tta" in r for r in runs):
        flip_vals = [r["val_flip_tta"]["accuracy"] for r in runs]
        flip_tests = [r["test_flip_tta"]["accuracy"] for r in runs]
        extra = {
            "flip_tta": {
                "val_acc_mean": statistics.fmean(flip_vals),
                "val_acc_std": _std(flip_vals),
                "test_acc_mean": statistics.fmean(flip_tests),
                "test_acc_std": _std(flip_tests),
            }
        }
    if all("robustness" in r for r in runs):  # the corruption suite's mean (`fmnist.robustness`)
        extra["robustness"] = {
            split: statistics.fmean(mean_accuracy(r["robustness"][split]) for r in runs)
            for split in ("val", "test")
        }
    first = runs[0]
    histories = first.get("histories") or [{}]
    return Summary(
        name=name,
        method=first["method"],
        seeds=sorted(r["seed"] for r in runs),
        minutes=statistics.fmean(r["train_seconds"] for r in runs) / 60,
        seconds_std=_std([r["train_seconds"] for r in runs]),
        val_acc_mean=statistics.fmean(vals),
        val_acc_std=_std(vals),
        test_acc_mean=statistics.fmean(tests),
        test_acc_std=_std(tests),
        parameters=first["parameters"],
        fully_connected=first.get("fully_connected", True),
        description=first.get("description", ""),
        selected_by=first.get("selected_by"),
        extra=extra,
        machine_class=machine_class_of(first),
        cpu_model=first["environment"]["cpu_model"],
        cpu_generation=cpu_generations(runs),
        threads=first["environment"]["threads"],
        architecture=architecture(first["config"]) if "model" in first["config"] else "",
        epochs=first["config"].get("train", {}).get("epochs"),
        device=histories[0].get("device", ""),
        reference_test_accuracy=first.get("reference_test_accuracy"),
        train_flops=training_flops(first["config"], first["train_examples"])
        if "train_examples" in first
        else None,
    )


def architecture(config: Mapping[str, Any]) -> str:
    """Hidden layer sizes from a record's ``config``, e.g. ``1024-1024``; ``3 x 1024-1024`` for an
    ensemble of three."""
    hidden = "-".join(map(str, config["model"]["hidden"]))
    members = config.get("members", 1)
    return hidden if members == 1 else f"{members} x {hidden}"


def _mean_std(mean: float, std: float, n: int, scale: float = 100.0, digits: int = 2) -> str:
    if n == 1:
        return f"{mean * scale:.{digits}f}"
    return f"{mean * scale:.{digits}f} ± {std * scale:.{digits}f}"


def results_table(records: Iterable[Mapping[str, Any]], names: Iterable[str]) -> str:
    """Markdown table, one row per recipe in ``names`` and CPU class that has results: mean ± std
    over its seeds (n = number of seeds)."""
    records, names = list(records), list(names)
    lines = [
        "| run | hidden layers | parameters | epochs | n seeds | val acc % | test acc % "
        "| reference test acc % | train time (s) | device | CPU class |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for machine_class in machine_classes(records):
        summaries = summarize(records, machine_class)
        for s in (summaries[n] for n in names if n in summaries):
            n = len(s.seeds)
            reference = s.reference_test_accuracy
            lines.append(
                f"| {s.name} | {s.architecture} | {s.parameters:,} | {s.epochs} | {n} "
                f"| {_mean_std(s.val_acc_mean, s.val_acc_std, n)} "
                f"| {_mean_std(s.test_acc_mean, s.test_acc_std, n)} "
                f"| {'' if reference is None else f'{reference * 100:.2f}'} "
                f"| {_mean_std(60 * s.minutes, s.seconds_std, n, scale=1.0, digits=0)} "
                f"| {s.device} | {machine_class} |"
            )
    return "\n".join(lines)


def from_v1_record(
    old: Mapping[str, Any], *, key: str, method: str, config: Mapping[str, Any]
) -> dict[str, Any]:
    """A record of the format before the one store (``assets/results/<name>-seed<seed>.json``,
    written by the former ``run_recipe``) in today's format, numbers untouched. ``key`` and
    ``config`` are the registry's for its recipe and seed; ``method`` labels its row."""
    histories = old.get("member_histories") or [old["history"]]
    return {
        "name": old["name"],
        "method": method,
        "description": old["description"],
        "selected_by": None,
        "seed": old["seed"],
        "key": key,
        "config": dict(config),
        "fully_connected": True,
        "parameters": old["parameters"],
        "train_examples": 48_000,  # the whole training split: v1 records are full runs (quick False)
        "val_seen_in_training": False,
        "train_seconds": old["train_seconds"],
        "precision": old["train_config"]["precision"],
        "histories": histories,
        "val": old["val"] if "val" in old else _v1_kept_epoch_val(old["history"]),
        "test": old["test"],
        "environment": old["environment"],
        "created": old["created"],
        **(
            {"reference_test_accuracy": old["reference_test_accuracy"]}
            if old.get("reference_test_accuracy") is not None
            else {}
        ),
    }


def _v1_kept_epoch_val(history: Mapping[str, Any]) -> dict[str, Any]:
    """The oldest records measured validation only per epoch: the kept epoch's, as their table showed."""
    kept = history["epochs"][(history["best_epoch"] or len(history["epochs"])) - 1]
    return {"accuracy": kept["val_acc"], "loss": kept["val_loss"], "from_kept_epoch": True}
