"""Hyper-parameter search with Optuna, on the validation split only.

A study is stored in a database so that it survives restarts and can be shared: by default a
SQLite file (``runs/optuna.db``); point several machines at one server URL (for example
``postgresql://user:password@host/db``) with the same study name and each adds trials to the same
study. The test split is never seen here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import optuna

from fmnist.data import Splits
from fmnist.models import MLP
from fmnist.paths import runs_dir
from fmnist.train import TrainConfig, fit, set_seed

STUDY_NAME = "fmnist-mlp"
AUGMENTS: dict[str, tuple[str, ...]] = {
    "none": (),
    "erase": ("erase:0.5",),
    "mixup": ("mixup:0.2",),
    "erase+mixup": ("erase:0.5", "mixup:0.2"),
}


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
        "input_dropout": trial.suggest_float("input_dropout", 0.0, 0.3),
        "norm": trial.suggest_categorical("norm", ["batch", "layer"]),
    }
    train = {
        "batch_size": trial.suggest_categorical("batch_size", [128, 256, 512]),
        "lr": trial.suggest_float("lr", 3e-4, 1e-2, log=True),
        "optimizer": "adamw",
        "weight_decay": trial.suggest_float("weight_decay", 1e-4, 0.3, log=True),
        "schedule": "onecycle",
        "label_smoothing": trial.suggest_float("label_smoothing", 0.0, 0.2),
        "augment": AUGMENTS[trial.suggest_categorical("augment", list(AUGMENTS))],
    }
    return model, train


def make_objective(splits: Splits, epochs: int, seed: int = 0, device: str | None = None) -> Callable:
    """The objective: train one trial's recipe, return its best validation accuracy."""

    def objective(trial: optuna.Trial) -> float:
        model_args, train_args = suggest(trial)
        set_seed(seed)
        model = MLP(**model_args)
        config = TrainConfig(epochs=epochs, seed=seed, device=device, progress=False, **train_args)
        history = fit(model, splits, config)
        trial.set_user_attr("seconds", history.seconds)
        return max(history.column("val_acc"))

    return objective


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
) -> optuna.Study:
    """Add ``n_trials`` trials to study ``study_name`` in ``storage`` (created if missing).

    ``seed`` seeds each trial's training; ``sampler_seed`` the sampler (leave it None when
    several machines share a study, or they would propose the same first trials).
    """
    study = optuna.create_study(
        study_name=study_name,
        storage=storage or default_storage(),
        direction="maximize",
        load_if_exists=True,
        sampler=optuna.samplers.TPESampler(seed=sampler_seed),
    )
    study.optimize(make_objective(splits, epochs, seed, device), n_trials=n_trials)
    return study
