"""Named recipes (model preset + training config) and `run_recipe`, the one way a run is made.

A recipe's hyperparameters live here and nowhere else: notebooks and the command line both call
`run_recipe`, which trains, evaluates on the test split, and writes the result file and checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from fmnist import quick
from fmnist.checkpoint import save_model
from fmnist.data import Splits
from fmnist.evaluate import EvalResult, evaluate
from fmnist.models import MLP, build_model
from fmnist.paths import runs_dir
from fmnist.results import save_result
from fmnist.train import History, TrainConfig, fit, set_seed


@dataclass(frozen=True)
class Recipe:
    """A model preset, how to train it, and the published number it is compared with."""

    preset: str
    train: TrainConfig
    description: str
    reference_test_accuracy: float | None = None


RECIPES: dict[str, Recipe] = {
    "seed_small": Recipe(
        preset="seed_small",
        train=TrainConfig(epochs=25, batch_size=64, lr=3e-3, optimizer="adam"),
        description="reference model 1: 784-128-64-10, dropout 0.25 once, Adam 0.003, 25 epochs",
        reference_test_accuracy=0.8742,
    ),
    "seed_deep": Recipe(
        preset="seed_deep",
        train=TrainConfig(epochs=35, batch_size=64, lr=7e-4, optimizer="adam"),
        description="reference model 2: 784-392-196-98-49-10, dropout 0.25 x3, Adam 0.0007, 35 epochs",
        reference_test_accuracy=0.8865,
    ),
    "fast": Recipe(
        preset="fast",
        train=TrainConfig(
            epochs=8,
            batch_size=256,
            lr=4e-3,
            optimizer="adamw",
            weight_decay=0.05,
            schedule="onecycle",
            label_smoothing=0.1,
        ),
        description="784-256-256-10 with batch norm, dropout 0.2; AdamW one-cycle, label smoothing 0.1, "
        "batch 256, 8 epochs: the benchmark's time-to-accuracy recipe (chosen on validation)",
    ),
}


@dataclass
class Run:
    """What `run_recipe` returns: the trained model, its history and test metrics, and its files."""

    name: str
    model: MLP
    config: TrainConfig
    history: History
    test: EvalResult
    result_path: Path
    checkpoint_path: Path


def recipe_config(name: str, seed: int = 0, **overrides: object) -> TrainConfig:
    """The recipe's `TrainConfig` for ``seed``, epochs shortened in quick mode, with overrides."""
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; choose one of {sorted(RECIPES)}")
    config = replace(RECIPES[name].train, seed=seed, **overrides)
    return replace(config, epochs=quick.epochs(config.epochs))


def run_recipe(name: str, splits: Splits, seed: int = 0, **overrides: object) -> Run:
    """Train recipe ``name`` with ``seed``; evaluate on test; write result JSON and checkpoint.

    In quick mode the training split is cut to `quick.limit` examples and epochs to
    `quick.epochs`, and files go to a temp folder, never over a full run's outputs.
    """
    config = recipe_config(name, seed, **overrides)
    recipe = RECIPES[name]
    data = quick.train_subset(splits)
    set_seed(seed)
    model = build_model(recipe.preset)
    history = fit(model, data, config)
    test = evaluate(model, data.test.images, data.test.labels)
    result_path = save_result(
        name,
        model,
        config,
        history,
        test,
        description=recipe.description,
        reference_test_accuracy=recipe.reference_test_accuracy,
    )
    checkpoint_path = save_model(
        model,
        runs_dir() / f"{name}-seed{seed}.pt",
        recipe=name,
        seed=seed,
        test_accuracy=test.accuracy,
        best_epoch=history.best_epoch,
    )
    return Run(name, model, config, history, test, result_path, checkpoint_path)
