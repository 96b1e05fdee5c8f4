"""From the reference model to `best`, one ingredient at a time: the ablation behind the recipe.

`steps` builds the chain: step 0 is the reference notebook's model 2 as it was trained, and each
later step changes one thing (read from the `best` recipe, so the chain cannot drift from it);
the last step *is* `best`. `run_ablation` trains every step with one seed and measures it on the
validation split only, and writes ``ablation.json`` beside the figures;
`fmnist.results.ablation_table` renders the rows as markdown.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from fmnist import quick
from fmnist.data import Splits
from fmnist.evaluate import evaluate
from fmnist.models import PRESETS
from fmnist.paths import assets_dir, write_json
from fmnist.recipes import RECIPES, Run, train_members
from fmnist.results import ablation_table
from fmnist.train import TrainConfig

__all__ = ["Step", "ablation_table", "run_ablation", "steps"]


@dataclass(frozen=True)
class Step:
    """One row of the ablation: what changed, and the full model and training config after it."""

    change: str
    model: dict[str, Any]
    train: TrainConfig
    members: int = 1
    recipe: str | None = None  # the named recipe this step is, if any


def steps() -> list[Step]:
    """The chain from reference model 2 (recipe ``seed_deep``) to recipe ``best``."""
    reference, best = RECIPES["seed_deep"], RECIPES["best"]
    target = PRESETS[best.preset]
    chain = [
        Step(
            "reference model 2, as trained in notebook 02",
            PRESETS["seed_deep"],
            reference.train,
            1,
            "seed_deep",
        )
    ]

    def then(
        change: str, model: dict[str, Any] | None = None, members: int | None = None, **train: Any
    ) -> None:
        last = chain[-1]
        chain.append(
            Step(
                change, {**last.model, **(model or {})}, replace(last.train, **train), members or last.members
            )
        )

    b = best.train
    then(
        f"{b.optimizer} (weight decay {b.weight_decay}), {b.schedule} schedule to lr {b.lr}, "
        f"batch {b.batch_size}, {b.epochs} epochs",
        optimizer=b.optimizer,
        weight_decay=b.weight_decay,
        schedule=b.schedule,
        lr=b.lr,
        batch_size=b.batch_size,
        epochs=b.epochs,
    )
    reference_dropout = PRESETS["seed_deep"]["dropout"][0]
    then(
        f"wider and shallower: {'-'.join(map(str, target['hidden']))} (dropout {reference_dropout} kept)",
        {"hidden": target["hidden"], "dropout": reference_dropout},
    )
    then(
        f"batch norm in every hidden layer, dropout {target['dropout']}",
        {"norm": target["norm"], "dropout": target["dropout"]},
    )
    then(f"label smoothing {b.label_smoothing}", label_smoothing=b.label_smoothing)
    then(f"augmentation: {', '.join(b.augment)}", augment=b.augment)
    if best.members > 1:
        then(
            f"ensemble of {best.members} such MLPs (own seeds), probabilities averaged", members=best.members
        )
    final = chain[-1]
    chain[-1] = replace(final, recipe="best")
    return chain


def run_ablation(
    splits: Splits,
    seed: int = 0,
    *,
    done: dict[str, Run] | None = None,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Train each step of `steps` with ``seed``; one row per step with its validation accuracy.

    ``done`` maps recipe names to runs of them with this ``seed`` already made (e.g. ``best``):
    those steps take their numbers from the run instead of training again. Rows are written to
    ``assets/ablation.json`` (a temp folder in quick mode).
    """
    done = done or {}
    data = quick.train_subset(splits)
    rows: list[dict[str, Any]] = []
    for index, step in enumerate(steps()):
        run = done.get(step.recipe) if step.recipe else None
        if run is not None:
            if run.config.seed != seed:
                raise ValueError(f"the given {step.recipe!r} run used seed {run.config.seed}, not {seed}")
            model, seconds = run.model, run.seconds
            val = run.val.accuracy
        else:
            if progress:
                print(f"step {index}: {step.change}", flush=True)
            config = replace(step.train, seed=seed, epochs=quick.epochs(step.train.epochs))
            model, histories = train_members(step.model, data, config, step.members)
            seconds = sum(h.seconds for h in histories)
            val = evaluate(model, data.val.images, data.val.labels).accuracy
        rows.append(
            {
                "step": index,
                "change": step.change,
                "model": step.model,
                "members": step.members,
                "train_config": asdict(step.train),
                "parameters": model.num_parameters(),
                "val_accuracy": val,
                "train_seconds": seconds,
                "seed": seed,
                "quick": quick.is_quick(),
            }
        )
    write_json(assets_dir() / "ablation.json", rows)
    return rows
