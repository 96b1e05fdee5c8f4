"""The one registry of named recipes: every model and training config this project trains.

A `Recipe` is a model, a training config, what it trains on, its method, and the decision taken
on it. The reference models, `fast`, the old `best`, the ablation from one to the other, the
screening and the frontier are all entries here, in the order they were tried; `fmnist.lab.runner`
trains any of them for a seed, keyed by `Recipe.key`. The recipes live by theme:

- `base`: `Recipe`, `variant`, `final_fit` and the names they share;
- `reference`: the reference models, `fast`, `best` and the ablation (`RECIPES`, `ABLATION`);
- `screening`: the wide net, its long schedules, the fp32 classes' narrower net;
- `accuracy_mid512`, `accuracy_wide`: the one-change accuracy screening on each bed, listed in
  order in `accuracy` (`ACCURACY_SCREENING`);
- `distillation`: the CNN teachers and their students (`TEACHERS`, `DISTILLATION`).

To change a recipe, change it in its module (and only there); to screen a new one, add it with
`variant`, name its ``base``, and list it in its group.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path

from fmnist.lab.recipes.accuracy import ACCURACY_SCREENING
from fmnist.lab.recipes.accuracy_mid512 import CNN_TEACHER, MID_DROPOUT2_90, MID_LION_90
from fmnist.lab.recipes.accuracy_wide import ELASTIC_135, MIXUP_600, WIDE_DROPOUT2_600
from fmnist.lab.recipes.base import (
    AVX2_CLASS,
    AVX512_BF16_CLASS,
    FP32_CLASS,
    SEEDS,
    Recipe,
    final_fit,
    variant,
)
from fmnist.lab.recipes.distillation import DISTILLATION, DISTILLED, TEACHER, TEACHERS
from fmnist.lab.recipes.reference import (
    ABLATION,
    BEST_ENSEMBLE,
    FAST,
    RECIPES,
    SEED_DEEP,
    SEED_SMALL,
    ablation_chain,
)
from fmnist.lab.recipes.screening import (
    FP32_CLASS_SCREENING,
    LONG,
    LONGEST,
    LONGEST_60K,
    ONE_MINUTE_WITHOUT_AMX,
    SCREENING,
    WIDE_25,
    WIDE_25_BYTES,
)
from fmnist.precision import SELECTION_CLASS

__all__ = [
    "ABLATION",
    "ACCURACY_KEPT",
    "ACCURACY_SCREENING",
    "AVX2_CLASS",
    "AVX512_BF16_CLASS",
    "BEST_ENSEMBLE",
    "DISTILLATION",
    "DISTILLED",
    "ELASTIC_135",
    "FAST",
    "FP32_CLASS",
    "FP32_CLASS_SCREENING",
    "FRONTIER",
    "FRONTIER_RECIPES",
    "LONG",
    "LONGEST",
    "LONGEST_60K",
    "MID_DROPOUT2_90",
    "MID_LION_90",
    "MIXUP_600",
    "ONE_MINUTE_WITHOUT_AMX",
    "RECIPES",
    "REGISTRY",
    "SCREENING",
    "SEEDS",
    "SEED_DEEP",
    "SEED_SMALL",
    "SELECTION_CLASS",
    "TEACHER",
    "TEACHERS",
    "WIDE_25",
    "WIDE_25_BYTES",
    "WIDE_DROPOUT2_600",
    "Recipe",
    "ablation_chain",
    "all_recipes",
    "final_fit",
    "frontier_names",
    "get_recipe",
    "live_recipe",
    "screened",
    "search_best_recipe",
    "variant",
]

# The frontier: recipes (all seeds) drawn in assets/frontier.png, cheapest first.
FRONTIER_RECIPES: list[Recipe] = [*FP32_CLASS_SCREENING, LONG, LONGEST, LONGEST_60K]
# A screening candidate kept on some class joins the frontier (drawn where it has run).
ACCURACY_KEPT: list[Recipe] = [r for r in ACCURACY_SCREENING if r.kept_on(None)]
FRONTIER = [WIDE_25_BYTES.name] + [r.name for r in FRONTIER_RECIPES + ACCURACY_KEPT + DISTILLATION]

REGISTRY: dict[str, Recipe] = {
    r.name: r
    for r in [*RECIPES.values(), *ABLATION, *SCREENING, *FRONTIER_RECIPES, *ACCURACY_SCREENING, *DISTILLATION]
}


@functools.cache
def search_best_recipe() -> Recipe | None:
    """The Optuna study's best trial (``assets/search/study.db``) as a recipe: the same recipe,
    the same epoch budget, trained on the whole training split; None before a study is exported.
    Read once per process."""
    from fmnist.lab.search import EXPORT_DIR, load_export, trial_recipe
    from fmnist.paths import project_root

    try:
        study = load_export((project_root() or Path.cwd()) / "assets" / EXPORT_DIR)
    except FileNotFoundError:
        return None
    best = study.best_trial
    model, train = trial_recipe(best.params, epochs=int(study.user_attrs["epochs"]))
    return Recipe(
        "search-best",
        model,
        replace(train, progress=True),
        description=f"the Optuna study's best trial (#{best.number}, {best.value:.2%} val in the study), "
        f"{train.epochs} epochs on all 48,000 training images",
    )


def all_recipes() -> dict[str, Recipe]:
    """Every recipe `make study` runs: `REGISTRY`, then the search's best if exported."""
    found = search_best_recipe()
    return {**REGISTRY, **({found.name: found} if found is not None else {})}


def get_recipe(name: str) -> Recipe:
    """The recipe called ``name`` (`all_recipes`); a clear error naming the choices otherwise."""
    recipes = all_recipes()
    if name not in recipes:
        raise ValueError(f"unknown recipe {name!r}; choose one of {sorted(recipes)}")
    return recipes[name]


def screened() -> list[Recipe]:
    """Every recipe tried to find the frontier, in order: the screening, the frontier's own
    recipes, the accuracy screening, distillation, the search's best (the ablation explains
    the earlier `best` and is listed apart)."""
    found = search_best_recipe()
    return (
        SCREENING
        + FRONTIER_RECIPES
        + ACCURACY_SCREENING
        + DISTILLATION
        + ([found] if found is not None else [])
    )


def frontier_names() -> list[str]:
    """The rows of the frontier: `FRONTIER`, the CNN teachers the distilled students used (drawn
    as references, their minutes beside the students'), then the search's best if exported."""
    found = search_best_recipe()
    teachers = [TEACHER.record_name, CNN_TEACHER.record_name]
    return FRONTIER + teachers + ([found.name] if found is not None else [])


def live_recipe() -> Recipe:
    """What notebook 03 trains live: the one-minute recipe of this machine's CPU class, in the
    precision ``auto`` picks here: `WIDE_25_BYTES` on AMX (or an accelerator), else
    `ONE_MINUTE_WITHOUT_AMX` (the wide net does not fit a minute without AMX, even where AVX-512
    does bf16)."""
    from fmnist.precision import machine_class
    from fmnist.train import choose_device

    on_cpu = choose_device().type == "cpu"
    return WIDE_25_BYTES if not on_cpu or machine_class() == SELECTION_CLASS else ONE_MINUTE_WITHOUT_AMX
