"""Hyper-parameter search with Optuna, on the validation split only.

A study lives in a database so that it survives restarts and can be shared: by default a SQLite
file (``runs/optuna.db``); point several workers (processes or machines) at one server URL such as
``postgresql://postgres@127.0.0.1:5432/postgres`` (driver: ``pip install -e ".[distributed]"``)
with the same study name, and each adds trials to the same study. Workers may start together on a
fresh database (the schema race is retried), each trial sends heartbeats so that a worker killed
mid-trial has its trial marked failed and retried by the others, and a median pruner stops trials
whose validation accuracy trails the median of earlier trials at the same epoch. The test split is
never seen here.
"""

from __future__ import annotations

import csv
import os
import random
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import optuna
import sqlalchemy.exc
from torch import nn

from fmnist.data import Splits
from fmnist.lab.folders import runs_dir
from fmnist.models import MLP
from fmnist.train import History, TrainConfig, TrainingDivergedError, fit, set_seed

STUDY_NAME = "fmnist-mlp"
HEARTBEAT_SECONDS = 5  # a running trial writes a heartbeat this often
GRACE_SECONDS = 20  # a trial silent this long is failed (and retried) by the next worker that looks
MAX_RETRY = 2
AUGMENTS: dict[str, tuple[str, ...]] = {
    "none": (),
    "flip+shift1": ("hflip", "translate:1"),
    "mixup": ("mixup:0.2",),
    "erase": ("erase:0.5",),
}
# What every trial shares: AdamW with a one-cycle schedule, the precision the hardware does fastest
# (bf16 matrix products where they are native and faster: the committed study ran on AMX, in bf16).
BASE_TRAIN = TrainConfig(optimizer="adamw", schedule="onecycle", precision="auto", progress=False)


def default_storage() -> str:
    """``sqlite:///<project>/runs/optuna.db`` (a temp folder in quick mode)."""
    return f"sqlite:///{Path(runs_dir()) / 'optuna.db'}"


def suggest(trial: optuna.Trial) -> tuple[dict[str, Any], dict[str, Any]]:
    """The search space: (MLP arguments, TrainConfig arguments) for one trial."""
    width = trial.suggest_categorical("width", [512, 1024, 2048])
    depth = trial.suggest_int("depth", 1, 3)
    model = {
        "hidden": [width] * depth,
        "dropout": trial.suggest_float("dropout", 0.0, 0.6),
        "norm": trial.suggest_categorical("norm", ["batch", "layer"]),
    }
    train = {
        "batch_size": trial.suggest_categorical("batch_size", [128, 256, 512]),
        "lr": trial.suggest_float("lr", 3e-4, 1e-2, log=True),
        "weight_decay": trial.suggest_float("weight_decay", 1e-4, 0.3, log=True),
        "label_smoothing": trial.suggest_float("label_smoothing", 0.0, 0.2),
        "augment": AUGMENTS[trial.suggest_categorical("augment", list(AUGMENTS))],
    }
    return model, train


def trial_recipe(params: dict[str, Any], epochs: int, seed: int = 0) -> tuple[dict[str, Any], TrainConfig]:
    """Rebuild a finished trial's (MLP arguments, TrainConfig) from its ``params``."""
    trial = optuna.trial.FixedTrial(params)
    model, train = suggest(trial)
    return model, replace(BASE_TRAIN, epochs=epochs, seed=seed, **train)


def make_objective(splits: Splits, epochs: int, seed: int = 0, device: str | None = None) -> Callable:
    """The objective: train one trial's recipe, report validation accuracy each epoch (so the
    pruner can stop it), return the best validation accuracy."""

    def objective(trial: optuna.Trial) -> float:
        model_args, train_args = suggest(trial)
        trial.set_user_attr("worker", f"{os.uname().nodename}:{os.getpid()}")
        set_seed(seed)
        model = MLP(**model_args)
        config = replace(BASE_TRAIN, epochs=epochs, seed=seed, device=device, **train_args)

        def report(history: History, _model: nn.Module) -> None:
            record = history.epochs[-1]
            trial.report(record["val_acc"], step=int(record["epoch"]))
            trial.set_user_attr("seconds", history.seconds)
            if trial.should_prune():
                raise optuna.TrialPruned(f"pruned at epoch {record['epoch']}")

        history = fit(model, splits, config, on_epoch_end=report)
        trial.set_user_attr("seconds", history.seconds)
        return max(history.column("val_acc"))

    return objective


def open_storage(
    url: str | None = None,
    *,
    heartbeat_seconds: int = HEARTBEAT_SECONDS,
    grace_seconds: int = GRACE_SECONDS,
    attempts: int = 8,
) -> optuna.storages.BaseStorage:
    """The study database, with heartbeats and retries of trials whose worker died.

    Workers started together on a fresh server race to create Optuna's tables (PostgreSQL then
    answers ``DuplicateObject`` or a unique violation to all but one); a loser waits a moment and
    tries again, by which time the schema exists.
    """
    url = url or default_storage()
    for attempt in range(attempts):
        try:
            return optuna.storages.RDBStorage(
                url,
                heartbeat_interval=heartbeat_seconds,
                grace_period=grace_seconds,
                heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(
                    max_retry=MAX_RETRY
                ),
            )
        except (
            sqlalchemy.exc.IntegrityError,
            sqlalchemy.exc.ProgrammingError,
            sqlalchemy.exc.OperationalError,
        ):
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1) + random.random() * 0.3)
    raise AssertionError("unreachable")


def load_or_create_study(
    storage: str | None = None,
    study_name: str = STUDY_NAME,
    sampler_seed: int | None = None,
    **storage_options: int,
) -> optuna.Study:
    """Study ``study_name`` in ``storage``, created if missing (safe when workers start together);
    ``storage_options`` go to `open_storage` (``heartbeat_seconds``, ``grace_seconds``)."""
    return optuna.create_study(
        study_name=study_name,
        storage=open_storage(storage, **storage_options),
        direction="maximize",
        load_if_exists=True,
        sampler=optuna.samplers.TPESampler(seed=sampler_seed),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=2),
    )


def run_study(
    splits: Splits,
    n_trials: int,
    *,
    epochs: int = 15,
    storage: str | None = None,
    study_name: str = STUDY_NAME,
    seed: int = 0,
    sampler_seed: int | None = None,
    device: str | None = None,
    **storage_options: int,
) -> optuna.Study:
    """Add ``n_trials`` trials to study ``study_name`` in ``storage`` (created if missing).

    ``seed`` seeds each trial's training; ``sampler_seed`` the sampler (leave it None when
    several workers share a study, or they would propose the same first trials).
    """
    study = load_or_create_study(storage, study_name, sampler_seed, **storage_options)
    study.set_user_attr("epochs", epochs)  # the fixed budget of every trial
    study.set_user_attr("train_examples", len(splits.train))
    study.optimize(
        make_objective(splits, epochs, seed, device),
        n_trials=n_trials,
        catch=(TrainingDivergedError,),  # a diverged trial is marked failed; the worker goes on
        gc_after_trial=True,
    )
    return study


def trial_rows(study: optuna.Study) -> list[dict[str, Any]]:
    """One plain row per trial: number, state, value, seconds, epochs reported, worker, retry, params."""
    names = sorted({name for trial in study.trials for name in trial.params})
    rows = []
    for trial in study.trials:
        retried = optuna.storages.RetryHeartbeatStaleTrialCallback.retried_trial_number(trial)
        rows.append(
            {
                "number": trial.number,
                "state": trial.state.name,
                "value": trial.value,
                "seconds": trial.user_attrs.get("seconds"),
                "epochs_reported": len(trial.intermediate_values),
                "worker": trial.user_attrs.get("worker"),
                "retry_of": retried,
                **{f"params_{name}": trial.params.get(name) for name in names},
            }
        )
    return rows


def export_study(storage: str, study_name: str, folder: Path) -> dict[str, Path]:
    """Write study ``study_name`` where a notebook can read it without a server: every trial as
    ``trials.csv``, and a SQLite copy ``study.db`` for ``optuna.visualization``."""
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / "study.db"
    copy.unlink(missing_ok=True)
    optuna.copy_study(from_study_name=study_name, from_storage=storage, to_storage=f"sqlite:///{copy}")
    study = optuna.load_study(study_name=study_name, storage=f"sqlite:///{copy}")
    rows = trial_rows(study)
    csv_path = folder / "trials.csv"
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["number"])
        writer.writeheader()
        writer.writerows(rows)
    return {"csv": csv_path, "sqlite": copy}


EXPORT_DIR = "search"  # under assets/: trials.csv and study.db


def load_export(folder: Path, study_name: str = STUDY_NAME) -> optuna.Study:
    """The exported study (``<folder>/study.db``), read-only use: no server needed."""
    path = folder / "study.db"
    if not path.is_file():
        raise FileNotFoundError(
            f"no exported study at {path}: run workers with `python -m fmnist search`, then "
            f"`python -m fmnist search --trials 0 --storage URL --export {folder}`"
        )
    return optuna.load_study(study_name=study_name, storage=f"sqlite:///{path}")
