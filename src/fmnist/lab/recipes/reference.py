"""The recipes a user trains by name: the reference notebook's two models, `fast`, the earlier
`best` ensemble, and the ablation that walks from the one to the other."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fmnist.lab.recipes.base import MIXUP, Recipe, variant
from fmnist.models import PRESETS
from fmnist.train import TrainConfig

# The reference notebook's two models, as it trained them (pinned to fp32, as their keys record).
SEED_SMALL = Recipe(
    "seed_small",
    PRESETS["seed_small"],
    TrainConfig(epochs=25, batch_size=64, lr=3e-3, optimizer="adam", precision="fp32"),
    description="reference model 1: 784-128-64-10, dropout 0.25 once, Adam 0.003, 25 epochs",
    reference_test_accuracy=0.8742,
)
SEED_DEEP = Recipe(
    "seed_deep",
    PRESETS["seed_deep"],
    TrainConfig(epochs=35, batch_size=64, lr=7e-4, optimizer="adam", precision="fp32"),
    description="reference model 2: 784-392-196-98-49-10, dropout 0.25 x3, Adam 0.0007, 35 epochs",
    reference_test_accuracy=0.8865,
)
FAST = Recipe(
    "fast",
    PRESETS["fast"],
    TrainConfig(
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
)
BEST_ENSEMBLE = Recipe(
    "best",
    PRESETS["best"],
    TrainConfig(
        epochs=40,
        batch_size=256,
        lr=2e-3,
        optimizer="adamw",
        weight_decay=0.05,
        schedule="onecycle",
        label_smoothing=0.1,
        augment=(MIXUP,),
        precision="fp32",
    ),
    method="ensemble",
    members=2,
    weights_dtype="float16",
    description="ensemble of 2 MLPs 784-1024-1024-10 with batch norm, dropout 0.4; AdamW one-cycle, "
    "label smoothing 0.1, mixup 0.2, batch 256, 40 epochs each; weights stored as float16 "
    "(chosen on validation, notebook 03)",
)
# The recipes a user trains by name (`python -m fmnist train --recipe NAME`); the README's
# results table shows the ones that have results.
RECIPES: dict[str, Recipe] = {r.name: r for r in (SEED_SMALL, SEED_DEEP, FAST, BEST_ENSEMBLE)}


def ablation_chain() -> list[Recipe]:
    """From reference model 2 (``seed_deep``) to the old ``best``, one ingredient at a time: step 0
    is ``seed_deep`` itself, each later step (``ablation-<i>``) changes one thing, read from
    ``best`` so the chain cannot drift from it; the last step has exactly ``best``'s config."""
    best, b = BEST_ENSEMBLE, BEST_ENSEMBLE.train
    target = best.model
    reference_dropout = SEED_DEEP.model["dropout"][0]
    changes: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        (
            f"{b.optimizer} (weight decay {b.weight_decay}), {b.schedule} schedule to lr {b.lr}, "
            f"batch {b.batch_size}, {b.epochs} epochs",
            {},
            {
                "optimizer": b.optimizer,
                "weight_decay": b.weight_decay,
                "schedule": b.schedule,
                "lr": b.lr,
                "batch_size": b.batch_size,
                "epochs": b.epochs,
            },
        ),
        (
            f"wider and shallower: {'-'.join(map(str, target['hidden']))} (dropout {reference_dropout} kept)",
            {"hidden": target["hidden"], "dropout": reference_dropout},
            {},
        ),
        (
            f"batch norm in every hidden layer, dropout {target['dropout']}",
            {"norm": target["norm"], "dropout": target["dropout"]},
            {},
        ),
        (f"label smoothing {b.label_smoothing}", {}, {"label_smoothing": b.label_smoothing}),
        (f"augmentation: {', '.join(b.augment)}", {}, {"augment": b.augment}),
    ]
    chain = [SEED_DEEP]
    for index, (change, model, train) in enumerate(changes, start=1):
        chain.append(variant(chain[-1], f"ablation-{index}", change, model, **train))
    if best.members > 1:
        chain.append(
            replace(
                chain[-1],
                name=f"ablation-{len(chain)}",
                description=f"ensemble of {best.members} such MLPs (own seeds), probabilities averaged",
                method="ensemble",
                members=best.members,
                base=chain[-1].name,
            )
        )
    return chain


ABLATION: list[Recipe] = ablation_chain()[1:]
