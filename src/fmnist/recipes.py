"""Named recipes (model preset + training config) and `run_recipe`, the one way a run is made.

A recipe's hyperparameters live here and nowhere else: notebooks and the command line both call
`run_recipe`, which trains, evaluates on the test split, and writes the result file and checkpoint.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from fmnist import quick
from fmnist.checkpoint import round_weights_, save_model
from fmnist.data import Splits
from fmnist.evaluate import EvalResult, evaluate
from fmnist.models import MLP, PRESETS, Ensemble
from fmnist.paths import results_dir, runs_dir
from fmnist.precision import machine_class
from fmnist.results import result_file_name, save_result
from fmnist.train import History, TrainConfig, fit, recipe_of, set_seed


@dataclass(frozen=True)
class Recipe:
    """A model preset, how to train it, and the published number it is compared with."""

    preset: str
    train: TrainConfig
    description: str
    reference_test_accuracy: float | None = None
    members: int = 1  # more than 1: an `Ensemble` of that many MLPs, each trained with its own seed
    weights_dtype: str = "float32"  # "float16": weights rounded after training and stored at half size


# The reference models and the earlier `best` were measured in fp32 and stay so ("auto" would pick
# bf16 on AMX and orphan their committed results); `fast` follows the hardware.
RECIPES: dict[str, Recipe] = {
    "seed_small": Recipe(
        preset="seed_small",
        train=TrainConfig(epochs=25, batch_size=64, lr=3e-3, optimizer="adam", precision="fp32"),
        description="reference model 1: 784-128-64-10, dropout 0.25 once, Adam 0.003, 25 epochs",
        reference_test_accuracy=0.8742,
    ),
    "seed_deep": Recipe(
        preset="seed_deep",
        train=TrainConfig(epochs=35, batch_size=64, lr=7e-4, optimizer="adam", precision="fp32"),
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
    "best": Recipe(
        preset="best",
        train=TrainConfig(
            epochs=40,
            batch_size=256,
            lr=2e-3,
            optimizer="adamw",
            weight_decay=0.05,
            schedule="onecycle",
            label_smoothing=0.1,
            augment=("mixup:0.2",),
            precision="fp32",
        ),
        members=2,
        weights_dtype="float16",
        description="ensemble of 2 MLPs 784-1024-1024-10 with batch norm, dropout 0.4; AdamW one-cycle, "
        "label smoothing 0.1, mixup 0.2, batch 256, 40 epochs each; weights stored as float16 "
        "(chosen on validation, notebook 03)",
    ),
}


@dataclass
class Run:
    """What `run_recipe` returns: the trained model, its history and test metrics, and its files."""

    name: str
    model: MLP | Ensemble
    config: TrainConfig
    histories: list[History]  # one per member (one for a single MLP)
    val: EvalResult
    test: EvalResult
    result_path: Path
    checkpoint_path: Path

    @property
    def history(self) -> History:
        """The training history of the (first) member."""
        return self.histories[0]

    @property
    def seconds(self) -> float:
        """Training time of all members together, validation included."""
        return sum(h.seconds for h in self.histories)


def recipe_config(name: str, seed: int = 0, **overrides: object) -> TrainConfig:
    """The recipe's `TrainConfig` for ``seed``, epochs shortened in quick mode, with overrides."""
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; choose one of {sorted(RECIPES)}")
    config = replace(RECIPES[name].train, seed=seed, **overrides)
    return replace(config, epochs=quick.epochs(config.epochs))


def finished_result(name: str, seed: int, **overrides: object) -> Path | None:
    """The result file of recipe ``name`` with ``seed`` if one exists for exactly today's config
    (the same training config and model; device and progress aside), else None."""
    path = results_dir() / result_file_name(name, seed)
    if not path.is_file():
        return None
    record = json.loads(path.read_text())
    # Fields added since a record was written: their defaults then (precision: fp32 before "auto").
    recorded = {**asdict(TrainConfig()), "precision": "fp32", **record["train_config"]}
    recorded["augment"] = tuple(recorded["augment"])
    same_config = all(recorded[k] == v for k, v in recipe_of(recipe_config(name, seed, **overrides)).items())
    recipe = RECIPES[name]
    model = MLP(**PRESETS[recipe.preset]).config
    members = record["model"].get("members", [record["model"]])
    same_model = len(members) == recipe.members and all(m == model for m in members)
    return path if same_config and same_model else None


def member_seed(seed: int, member: int) -> int:
    """Seed of ensemble member ``member`` in run ``seed``: member 0 uses ``seed`` itself."""
    return seed + 1000 * member


def train_members(
    model_args: dict[str, Any], splits: Splits, config: TrainConfig, count: int = 1
) -> tuple[MLP | Ensemble, list[History]]:
    """Train ``count`` MLPs built from ``model_args``, one after the other, member ``i`` seeded
    with `member_seed` ``(config.seed, i)``; return the MLP (``count`` 1) or their `Ensemble`."""
    members, histories = [], []
    for member in range(count):
        member_config = replace(config, seed=member_seed(config.seed, member))
        set_seed(member_config.seed)
        members.append(MLP(**model_args))
        histories.append(fit(members[-1], splits, member_config))
    return (members[0] if count == 1 else Ensemble(members)), histories


def run_recipe(name: str, splits: Splits, seed: int = 0, **overrides: object) -> Run:
    """Train recipe ``name`` with ``seed``; evaluate on validation and test; write result JSON
    and checkpoint.

    An ensemble recipe trains its members one after the other, member ``i`` with
    `member_seed` ``(seed, i)``; each keeps its own best validation epoch. In quick mode the
    training split is cut to `quick.limit` examples and epochs to `quick.epochs`, and files go to
    a temp folder, never over a full run's outputs.
    """
    config = recipe_config(name, seed, **overrides)
    recipe = RECIPES[name]
    data = quick.train_subset(splits)
    model, histories = train_members(PRESETS[recipe.preset], data, config, recipe.members)
    round_weights_(model, recipe.weights_dtype)  # evaluate exactly what the checkpoint will hold
    val = evaluate(model, data.val.images, data.val.labels)
    test = evaluate(model, data.test.images, data.test.labels)
    result_path = save_result(
        name,
        model,
        config,
        histories,
        test,
        val=val,
        description=recipe.description,
        reference_test_accuracy=recipe.reference_test_accuracy,
    )
    checkpoint_path = save_model(
        model,
        runs_dir() / f"{name}-seed{seed}.pt",
        weights_dtype=recipe.weights_dtype,
        recipe=name,
        seed=seed,
        val_accuracy=val.accuracy,
        test_accuracy=test.accuracy,
        best_epochs=[h.best_epoch for h in histories],
        precision=histories[0].precision,
        machine_class=machine_class(),
    )
    return Run(name, model, config, histories, val, test, result_path, checkpoint_path)
