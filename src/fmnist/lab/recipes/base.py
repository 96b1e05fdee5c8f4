"""What a recipe is: `Recipe`, the helpers that derive one from another, and the names they share."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from fmnist import quick
from fmnist.lab.decisions import KEPT, PENDING, Decision, tracking_sheet
from fmnist.lab.distill import DistillSpec
from fmnist.lab.keys import config_hash
from fmnist.lab.teachers import TeacherSpec
from fmnist.models import MLP
from fmnist.precision import SELECTION_CLASS
from fmnist.train import TrainConfig, recipe_of, unless_default

DataChoice = Literal["48k", "60k"]
SEEDS = (0, 1, 2)
FP32_CLASS = "x86 AVX-512 fp32"  # where the fp32 classes' recipes are screened
AVX2_CLASS = "x86 AVX2 fp32"  # AVX2 only (AMD EPYC Zen 3): the same fp32 keys, measured there too
AVX512_BF16_CLASS = "x86 AVX-512 bf16"  # AVX-512 BF16 without AMX, on AMD (EPYC Zen 4, Zen 5)
# Knobs added after results were recorded, at their defaults (fmnist.train.unless_default).
_LATE_KNOBS = {"distill": None, "weights_dtype": "float32"}

# The augmentations the recipes name (`fmnist.augment`), spelled once.
SHIFT_FLIP = ("hflip", "translate:1")
MIXUP = "mixup:0.2"  # mixup (alpha 0.2); last, after any flips and shifts
SHIFT_FLIP_MIXUP = (*SHIFT_FLIP, MIXUP)
CROP2_FLIP = ("hflip", "translate:2")  # shifts of up to 2 px (crop jitter) instead of 1
# The corruption suite's kinds as training views (`fmnist.robustness`): larger shifts, rotations,
# zooms, a lifted background, lower contrast, noise and blur, after the flips.
ROBUST_VIEWS = (
    "hflip",
    "translate:3",
    "rotate:15",
    "scale:0.15",
    "brightness:0.3",
    "contrast:0.5",
    "noise:0.1",
    "blur:0.3",
)


@dataclass(frozen=True)
class Recipe:
    """A named configuration: the MLP's arguments, how to train it, on what, and what was decided.

    ``data="60k"`` trains on train + validation (the final fit): its validation numbers are then
    measured on images it trained on and mean nothing; ``selected_by`` names the 48k recipe whose
    validation accuracy chose it. ``method`` labels the row (``labels``, ``labels-60k``,
    ``ensemble``, ``distilled``): a method that is not "one MLP trained on labels" is never folded
    into another. ``members`` above 1 is an `Ensemble` of that many MLPs, member ``i`` seeded with
    `fmnist.lab.runner.member_seed`. What was decided on it, per CPU class, is data: the tracking
    sheet (`fmnist.lab.decisions`), unless ``decisions`` is given (tests).
    """

    name: str
    model: dict[str, Any]
    train: TrainConfig
    method: str = "labels"
    data: DataChoice = "48k"
    members: int = 1
    description: str = ""
    base: str | None = None  # the recipe this one changes one thing of (screening)
    decisions: dict[str, Decision] | None = None  # None: the tracking sheet's (`fmnist.lab.decisions`)
    selected_by: str | None = None
    distill: DistillSpec | None = None  # learn from a teacher's soft targets (`fmnist.lab.distill`)
    reference_test_accuracy: float | None = None  # the published number it reproduces
    weights_dtype: str = "float32"  # "float16": weights rounded after training, stored at half size

    def config(self, seed: int, quick_mode: bool | None = None) -> dict[str, Any]:
        """Everything that determines one seed's result (and nothing that does not); ``quick_mode``
        defaults to whether quick mode is on now."""
        quick_mode = quick.is_quick() if quick_mode is None else quick_mode
        config = {
            "model": MLP(**self.model).config,
            "train": recipe_of(replace(self.train, seed=seed)),
            "data": self.data,
            "members": self.members,
            "quick": quick_mode,
            "distill": None if self.distill is None else self.distill.config(quick_mode),
            "weights_dtype": self.weights_dtype,
        }
        return unless_default(config, _LATE_KNOBS)

    def key(self, seed: int, quick_mode: bool | None = None) -> str:
        """`config`'s hash: the run's identity."""
        return config_hash(self.config(seed, quick_mode))

    def decided(self) -> dict[str, Decision]:
        """machine class -> (status, note): ``decisions`` if given, else the tracking sheet's."""
        if self.decisions is not None:
            return self.decisions
        return tracking_sheet().get(self.name, {})

    def decision(self, machine_class: str = SELECTION_CLASS) -> Decision:
        """What was decided on ``machine_class``: ``("pending", "")`` until a decision is recorded."""
        return self.decided().get(machine_class, (PENDING, ""))

    def kept_on(self, machine_class: str | None = SELECTION_CLASS) -> bool:
        """Whether ``machine_class`` kept it (status ``kept``); None: any class."""
        classes = self.decided() if machine_class is None else [machine_class]
        return any(self.decision(c)[0] == KEPT for c in classes)

    def with_train(self, **changes: Any) -> Recipe:
        """The same recipe with training fields changed (``device``, ``progress``: same key)."""
        return replace(self, train=replace(self.train, **changes))


def variant(
    base: Recipe,
    name: str,
    description: str,
    model: dict[str, Any] | None = None,
    **train: Any,
) -> Recipe:
    """A recipe that changes one thing of ``base``: its model arguments and/or training fields."""
    return Recipe(
        name=name,
        model={**base.model, **(model or {})},
        train=replace(base.train, **train),
        method=base.method,
        data=base.data,
        members=base.members,
        description=description,
        base=base.name,
        weights_dtype=base.weights_dtype,
    )


def final_fit(selected: Recipe, name: str, description: str) -> Recipe:
    """``selected``'s recipe trained on all 60,000 training images (train + validation), method
    ``labels-60k``: its validation images are seen in training, so ``selected``'s validation chose it."""
    return replace(
        selected,
        name=name,
        method="labels-60k",
        data="60k",
        description=description,
        selected_by=selected.name,
        base=selected.name,
        decisions=None,
    )


def mlp_teacher(recipe: Recipe, name: str, members: int = 1) -> TeacherSpec:
    """``recipe``'s MLP and training as a distillation teacher called ``name``, trained on the training
    split only (its last epoch: validation never chooses a teacher's weights); an ensemble of
    ``members`` seeds when more than one."""
    train = replace(recipe.train, keep_best=None)
    return TeacherSpec(name=name, mlp=recipe.model, members=members, train=train)
