"""The one registry of named recipes: every model and training config this project has trained.

A `Recipe` is a model, a training config, what it trains on, its method, and the decision taken
on it. The reference models, `fast`, the old `best`, the ablation from one to the other, the
screening and the frontier are all entries here, in the order they were tried; `fmnist.lab.runner`
trains any of them for a seed, keyed by `Recipe.key`. To change a recipe, change it here (and
only here); to screen a new one, add it with `variant` and name its ``base``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from fmnist import quick
from fmnist.lab.decisions import PENDING, Decision, tracking_sheet
from fmnist.lab.distill import DistillSpec
from fmnist.lab.keys import config_hash
from fmnist.lab.teachers import TeacherSpec
from fmnist.models import MLP, PRESETS
from fmnist.precision import SELECTION_CLASS
from fmnist.train import TrainConfig, recipe_of, unless_default

DataChoice = Literal["48k", "60k"]
SEEDS = (0, 1, 2)
FP32_CLASS = "x86 AVX-512 fp32"  # where the fp32 classes' recipes were screened
AVX2_CLASS = "x86 AVX2 fp32"  # AVX2 only (AMD EPYC Zen 3): the same fp32 keys, re-measured there
AVX512_BF16_CLASS = "x86 AVX-512 bf16"  # AVX-512 BF16 without AMX, on AMD (EPYC Zen 4, Zen 5)
# Knobs added after results were recorded, at their defaults (fmnist.train.unless_default).
_LATE_KNOBS = {"distill": None, "weights_dtype": "float32"}


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
        """Whether ``machine_class`` kept it (``"kept"`` or ``"kept, provisionally"``); None: any class."""
        classes = self.decided() if machine_class is None else [machine_class]
        return any(self.decision(c)[0].startswith("kept") for c in classes)

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


# The augmentations the recipes name (`fmnist.augment`), spelled once.
SHIFT_FLIP = ("hflip", "translate:1")
MIXUP = "mixup:0.2"  # mixup (alpha 0.2); last, after any flips and shifts
SHIFT_FLIP_MIXUP = (*SHIFT_FLIP, MIXUP)
CROP2_FLIP = ("hflip", "translate:2")  # shifts of up to 2 px (crop jitter) instead of 1

# The reference notebook's two models, as it trained them (fp32: measured before "auto" existed).
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

# One 784-1024-1024-10 MLP with batch norm and dropout 0.3, AdamW one-cycle: the screening's start.
WIDE: dict[str, Any] = {"hidden": [1024, 1024], "dropout": 0.3, "norm": "batch"}
WIDE_TRAIN = TrainConfig(
    epochs=25,
    batch_size=256,
    lr=2e-3,
    optimizer="adamw",
    weight_decay=0.05,
    schedule="onecycle",
    label_smoothing=0.1,
    precision="fp32",  # the fp32 baseline of the screening (measured before "auto" existed)
)

WIDE_25 = Recipe(
    "wide-e25-fp32",
    WIDE,
    WIDE_TRAIN,
    description="784-1024-1024-10, BN, dropout 0.3, 25 epochs",
)
WIDE_25_BF16 = variant(
    WIDE_25,
    "wide-e25-bf16",
    "the same in bfloat16 autocast",
    precision="bf16",
)
# From here on the precision follows the hardware ("auto"): bf16 where the CPU does it natively and
# faster (where these recipes were screened: AMX, so their committed keys say bf16), fp32 elsewhere.
WIDE_25_BYTES = variant(
    WIDE_25_BF16,
    "wide-e25-bf16-bytes",
    "the same, dropout masks from random bytes",
    {"dropout_mask": "bytes"},
    precision="auto",
)
SCREENING: list[Recipe] = [WIDE_25, WIDE_25_BF16, WIDE_25_BYTES]

# Long schedules: random flip + 1-pixel shifts pay only when trained long (issue #10's runs).
LONG = variant(
    WIDE_25_BYTES,
    "flipshift-e135",
    "bf16, byte dropout masks; random flip + shifts of up to 1 px, 135 epochs",
    augment=SHIFT_FLIP,
    epochs=135,
)
LONGEST = variant(
    LONG,
    "flipshift-e600",
    "the same, 600 epochs",
    epochs=600,
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


LONGEST_60K = final_fit(
    LONGEST,
    "flipshift-e600-60k",
    "the same recipe trained on all 60,000 training images (train + validation)",
)

# Where bf16 does not pay (AVX2, AVX-512 without BF16 or AMX on Intel: "auto" trains in fp32), a wide epoch
# costs about twice AMX's, so the 1-minute point needs a cheaper recipe: fewer epochs of the same net,
# or a narrower net for more epochs (issue #16). Both screened on the AVX-512 fp32 class, 3 seeds.
WIDE_7 = variant(
    WIDE_25_BYTES,
    "wide-e7",
    "the same, 7 epochs (a minute where fp32 is what runs)",
    epochs=7,
)
MID_20 = variant(
    WIDE_25_BYTES,
    "mid512-e20",
    "784-512-512-10 (BN, dropout 0.3), 20 epochs (a minute where fp32 is what runs)",
    {"hidden": [512, 512]},
    epochs=20,
)
# Flips and 1-pixel shifts paid only with long schedules on AMX; on the fp32 classes the narrower net
# buys the epochs: about 90 fit 5 minutes there, about 400 fit 30 (with room for the VM's drift).
MID_FLIP_90 = variant(
    MID_20,
    "mid512-flipshift-e90",
    "784-512-512-10; random flip + shifts of up to 1 px, 90 epochs (5 minutes where fp32 is what runs)",
    augment=SHIFT_FLIP,
    epochs=90,
)
MID_FLIP_400 = variant(
    MID_FLIP_90,
    "mid512-flipshift-e400",
    "the same, 400 epochs (30 minutes where fp32 is what runs)",
    epochs=400,
)
FP32_CLASS_SCREENING: list[Recipe] = [WIDE_7, MID_20, MID_FLIP_90, MID_FLIP_400]
# Where there is no AMX (the fp32 classes, and the AVX-512 bf16 class, where the wide net takes 1.6
# minutes): chosen on the 3-seed validation means (its decisions).
ONE_MINUTE_WITHOUT_AMX = MID_20

# Accuracy III (#18): one change at a time on the 5-minute bed of the class at hand, 3 seeds each,
# validation only; a winner is confirmed at the long schedule. On the fp32 classes the bed is
# mid512-flipshift-e90. Cheapest first: augmentation, then the optimizer, then the architecture.
MID_CROP2_90 = variant(
    MID_FLIP_90,
    "mid512-flipcrop2-e90",
    "mid512-flipshift-e90 with shifts of up to 2 px (Nøkland & Eidnes' crop jitter) instead of 1",
    augment=CROP2_FLIP,
)
MID_EMA_90 = variant(
    MID_FLIP_90,
    "mid512-flipshift-ema-e90",
    "mid512-flipshift-e90 evaluated and kept as an EMA of its weights (decay 0.999 per step)",
    ema_decay=0.999,
)
# Heavier augmentation hurt at short schedules and paid at long ones on AMX: 2-px crops at 400 epochs,
# against mid512-flipshift-e400, whatever they did at 90.
MID_CROP2_400 = variant(
    MID_FLIP_400,
    "mid512-flipcrop2-e400",
    "mid512-flipshift-e400 with shifts of up to 2 px instead of 1 (the long schedule's test of the crops)",
    augment=CROP2_FLIP,
)
# Depth at equal minutes: a third 512-wide layer costs about 40% more matrix work per epoch, so 65
# epochs instead of 90.
MID_DEEP_65 = variant(
    MID_FLIP_90,
    "mid512x3-flipshift-e65",
    "784-512-512-512-10 (a third hidden layer), the same flips and shifts, 65 epochs: about the same minutes",
    {"hidden": [512, 512, 512], "dropout": [0.3, 0.3, 0.3]},
    epochs=65,
)
# Two MLPs of half the epochs each against one: the same minutes, probabilities averaged. Not one MLP
# trained on labels, so its own method (and row), never the 5-minute point of the labels track.
MID_PAIR_45 = replace(
    variant(
        MID_FLIP_90,
        "mid512-flipshift-e45-x2",
        "an ensemble of 2 mid512-flipshift MLPs of 45 epochs each (own seeds), probabilities averaged: "
        "the bed's minutes",
        epochs=45,
    ),
    method="ensemble",
    members=2,
)
# Heavier augmentation on top of flips and shifts (each hurt at short schedules on AMX; the bed is 90
# epochs here, so a loss at 90 is read beside the 400-epoch schedule before it is final).
MID_MIXUP_90 = variant(
    MID_FLIP_90,
    "mid512-flipshift-mixup-e90",
    "mid512-flipshift-e90 with mixup (alpha 0.2) after the flips and shifts",
    augment=SHIFT_FLIP_MIXUP,
)
MID_ERASE_90 = variant(
    MID_FLIP_90,
    "mid512-flipshift-erase-e90",
    "mid512-flipshift-e90 with random erasing (p 0.5, 2-20% of the area) after the flips and shifts",
    augment=(*SHIFT_FLIP, "erase:0.5"),
)
MID_ROTATE_90 = variant(
    MID_FLIP_90,
    "mid512-flipshift-rotate-e90",
    "mid512-flipshift-e90 with random rotations of up to 10 degrees after the flips and shifts",
    augment=(*SHIFT_FLIP, "rotate:10"),
)
# Sharpness-aware minimization costs a second forward and backward pass per step: at equal minutes,
# half the epochs.
MID_SAM_45 = variant(
    MID_FLIP_90,
    "mid512-flipshift-sam-e45",
    "mid512-flipshift-e90 trained with SAM (rho 0.05) for 45 epochs: two passes a step, the same minutes",
    sam_rho=0.05,
    epochs=45,
)
# Speed buys epochs: batches of 512 halve the per-step costs that do not grow with the batch (the
# optimizer, the schedule, small kernels), at the same learning rate and epochs.
MID_B512_90 = variant(
    MID_FLIP_90,
    "mid512-flipshift-b512-e90",
    "mid512-flipshift-e90 with batches of 512 instead of 256 (half the steps, the same epochs)",
    batch_size=512,
)
# Short schedules cannot judge heavier augmentation (it hurt at 50 epochs on AMX and paid at 600): the
# one that lost least at 90 epochs, mixup, at the 30-minute schedule against mid512-flipshift-e400.
MID_MIXUP_400 = variant(
    MID_FLIP_400,
    "mid512-flipshift-mixup-e400",
    "mid512-flipshift-e400 with mixup (alpha 0.2) after the flips and shifts (the long schedule's test)",
    augment=SHIFT_FLIP_MIXUP,
)
# Less dropout: with flips and shifts already regularizing, dropout 0.3 may slow what 90 epochs can
# learn (the cheapest of the regularizers to turn down; the same minutes).
MID_DROPOUT2_90 = variant(
    MID_FLIP_90,
    "mid512-flipshift-d02-e90",
    "mid512-flipshift-e90 with dropout 0.2 instead of 0.3 in both hidden layers",
    {"dropout": [0.2, 0.2]},
)
# The kept change confirmed where it counts: dropout 0.2 at the 30-minute schedule, against
# mid512-flipshift-e400 (less regularization may pay at 90 epochs and cost at 400).
MID_DROPOUT2_400 = variant(
    MID_FLIP_400,
    "mid512-flipshift-d02-e400",
    "mid512-flipshift-e400 with dropout 0.2 instead of 0.3 in both hidden layers (the long schedule's test)",
    {"dropout": [0.2, 0.2]},
)
# From here the bed is the kept mid512-flipshift-d02-e90 (3 seeds 91.22 ± 0.10): one change each.
MID_DROPOUT1_90 = variant(
    MID_DROPOUT2_90,
    "mid512-flipshift-d01-e90",
    "mid512-flipshift-d02-e90 with dropout 0.1 (a further step in the direction that paid)",
    {"dropout": [0.1, 0.1]},
)
MID_NO_SMOOTHING_90 = variant(
    MID_DROPOUT2_90,
    "mid512-flipshift-d02-ls0-e90",
    "mid512-flipshift-d02-e90 without label smoothing (0 instead of 0.1): one regularizer fewer",
    label_smoothing=0.0,
)
MID_CUTMIX_90 = variant(
    MID_DROPOUT2_90,
    "mid512-flipshift-d02-cutmix-e90",
    "mid512-flipshift-d02-e90 with cutmix (alpha 1) after the flips and shifts",
    augment=(*SHIFT_FLIP, "cutmix:1.0"),
)
MID_SCALE_90 = variant(
    MID_DROPOUT2_90,
    "mid512-flipshift-d02-scale-e90",
    "mid512-flipshift-d02-e90 with random zooms of up to 10% either way after the flips and shifts",
    augment=(*SHIFT_FLIP, "scale:0.1"),
)
# Self-distillation (born-again networks, Furlanello et al. 2018) on the fp32 classes' bed: the
# teacher is the bed's own MLP and recipe (its last epoch: validation never chooses a teacher's
# weights), trained on the training split only; the student is the same MLP, learning from its 16
# precomputed views as distilled-e135 did. Its minutes are the student's (the teacher's come
# beside), so it is a screening row, never a point of the frontier.
MLP_TEACHER = TeacherSpec(
    name="mlp512-flipshift-e90",
    mlp=MID_FLIP_90.model,
    train=replace(MID_FLIP_90.train, keep_best=None),
)
SELF_DISTILLED = replace(
    variant(
        MID_FLIP_90,
        "mid512-selfdistilled-e90",
        "mid512-flipshift-e90's MLP and schedule; targets 0.9 x the teacher's probabilities at "
        "temperature 2 + 0.1 x the label, on 16 precomputed flip/shift views; the teacher is the same "
        "MLP trained by the same recipe (its last epoch)",
        augment=(),
    ),
    method="distilled",
    distill=DistillSpec(MLP_TEACHER, views=16, flip=True, max_shift=1, temperature=2.0, soft_weight=0.9),
)
# On the bf16 classes the bed is AMX's 5-minute point, flipshift-e135 (the 1024-wide net): the change
# that paid on the fp32 classes' bed and grew at their long schedule, less dropout, on the wide net.
# Screened on the AVX-512 BF16 class (AMD EPYC Zen 4), where `auto` trains in bf16 as on AMX (the same
# keys), at 1.7 to 2.2 times AMX's minutes (1.9 on this bed).
WIDE_DROPOUT2_135 = variant(
    LONG,
    "flipshift-d02-e135",
    "flipshift-e135 with dropout 0.2 instead of 0.3 in both hidden layers",
    {"dropout": [0.2, 0.2]},
)
# The long schedule's test on the wide net, against flipshift-e600 (AMX's 48k run that chose the shipped fit).
WIDE_DROPOUT2_600 = variant(
    LONGEST,
    "flipshift-d02-e600",
    "flipshift-e600 with dropout 0.2 instead of 0.3 in both hidden layers (the long schedule's test)",
    {"dropout": [0.2, 0.2]},
)
# Its final fit on all 60,000 images: the candidate for 93%, run on AMX (`study --only`) once its 48k
# run was kept on the AVX-512 bf16 class; shipped where AMX's 48k validation is the frontier's best.
WIDE_DROPOUT2_600_60K = final_fit(
    WIDE_DROPOUT2_600,
    "flipshift-d02-e600-60k",
    "flipshift-d02-e600 trained on all 60,000 training images (train + validation)",
)
# Architecture at equal minutes on the bf16 classes' bed: Bachmann et al.'s (2023) inverted-bottleneck
# MLP, a 256-wide residual stream through 3 pre-LayerNorm blocks that expand it 4 times (GELU,
# dropout 0.2 on the expansion). Its matrix work per image (1.78 M multiply-adds) is that of the
# 784-1024-1024-10 net (1.86 M), so the same 135 epochs cost about the same minutes.
INVERTED_BOTTLENECK_135 = variant(
    WIDE_DROPOUT2_135,
    "ib256x3-flipshift-d02-e135",
    "flipshift-d02-e135 with 3 inverted-bottleneck residual blocks (width 256, expanded 4 times, "
    "LayerNorm, GELU) instead of the two 1024-wide layers: about the same matrix work per image",
    {
        "hidden": [256, 256, 256],
        "dropout": [0.2, 0.2, 0.2],
        "activation": "gelu",
        "norm": "layer",
        "expansion": 4,
    },
)
# The optimizer at equal minutes on the fp32 classes' bed: Lion (Chen et al. 2023), the sign of an
# interpolated momentum, as cheap a step as AdamW's. Its authors' rule: a learning rate 3-10 times
# smaller and a weight decay as many times larger, so here lr / 5 and weight decay x 5 (their
# product, the decay per step, AdamW's). Muon was not run: its Newton-Schulz iterations on the two
# hidden matrices cost about 9.5 GFLOP a step against 1 for the step itself at batch 256; measured on
# AVX2 (benchmarks/bench_optimizers.py, assets/optimizer_bench.jsonl) a step costs 8.4 AdamW steps with
# the iterations in fp32 and 523 with torch.optim.Muon's bf16 ones (emulated there): at equal minutes,
# about 11 epochs for the bed's 90.
MID_LION_90 = variant(
    MID_DROPOUT2_90,
    "mid512-flipshift-d02-lion-e90",
    "mid512-flipshift-d02-e90 trained with Lion (lr 4e-4, weight decay 0.25) instead of AdamW (2e-3, 0.05)",
    optimizer="lion",
    lr=4e-4,
    weight_decay=0.25,
)
# The next step in the direction that paid twice (0.3 -> 0.2 -> 0.1): no dropout at all.
MID_DROPOUT0_90 = variant(
    MID_DROPOUT1_90,
    "mid512-flipshift-d00-e90",
    "mid512-flipshift-d01-e90 without dropout (0 instead of 0.1)",
    {"dropout": [0.0, 0.0]},
)
# Dropout 0.1's long-schedule test on the fp32 classes, against the kept mid512-flipshift-d02-e400
# (less regularization may pay at 90 epochs and cost at 400, as it might have for 0.2).
MID_DROPOUT1_400 = variant(
    MID_DROPOUT2_400,
    "mid512-flipshift-d01-e400",
    "mid512-flipshift-d02-e400 with dropout 0.1 (the long schedule's test of mid512-flipshift-d01-e90)",
    {"dropout": [0.1, 0.1]},
)
# No dropout's long-schedule test, against the kept mid512-flipshift-d01-e400.
MID_DROPOUT0_400 = variant(
    MID_DROPOUT1_400,
    "mid512-flipshift-d00-e400",
    "mid512-flipshift-d01-e400 without dropout (the long schedule's test of mid512-flipshift-d00-e90)",
    {"dropout": [0.0, 0.0]},
)
# Lion paid on the d02 bed as much as dropout 0.1 did: the two together, one change (the optimizer)
# from the kept mid512-flipshift-d01-e90.
MID_LION_D01_90 = variant(
    MID_DROPOUT1_90,
    "mid512-flipshift-d01-lion-e90",
    "mid512-flipshift-d01-e90 trained with Lion (lr 4e-4, weight decay 0.25) instead of AdamW (2e-3, 0.05)",
    optimizer="lion",
    lr=4e-4,
    weight_decay=0.25,
)
# At equal minutes on the long schedule (the "2 MLPs x 15 minutes against 1 x 30"): two
# MLPs of half the epochs each, probabilities averaged, against the kept mid512-flipshift-d01-e400.
# Not one MLP trained on labels, so its own method and row.
MID_DROPOUT1_PAIR_200 = replace(
    variant(
        MID_DROPOUT1_400,
        "mid512-flipshift-d01-e200-x2",
        "an ensemble of 2 mid512-flipshift-d01 MLPs of 200 epochs each (own seeds), probabilities "
        "averaged: mid512-flipshift-d01-e400's minutes",
        epochs=200,
    ),
    method="ensemble",
    members=2,
)
# Epochs paid +0.7 points from 90 to 400 on the fp32 classes: as many more as fit the AVX2 class's
# 30 minutes a seed (a d01 epoch costs 1.8-2.2 seconds there, so 700 leaves room for a slow day).
MID_DROPOUT1_700 = variant(
    MID_DROPOUT1_400,
    "mid512-flipshift-d01-e700",
    "mid512-flipshift-d01-e400 with 700 epochs instead of 400",
    epochs=700,
)
# On the wide net, less dropout again: 0.1 paid over 0.2 on the fp32 classes' 512-wide net at 400
# epochs (+0.22 on AVX2, above on every seed); here against flipshift-d02-e600 on AMX, where both run.
WIDE_DROPOUT1_600 = variant(
    WIDE_DROPOUT2_600,
    "flipshift-d01-e600",
    "flipshift-d02-e600 with dropout 0.1 instead of 0.2 in both hidden layers",
    {"dropout": [0.1, 0.1]},
)
# Width at the long schedule: from 512 to 1024 wide, the long runs gained about 0.4 point of
# validation (mid512-flipshift-d02-e400 91.95, where 700 epochs no longer paid, against 92.33-92.42
# for flipshift-d02-e600), while at 600 epochs dropout and an ensemble of seeds move the 1024-wide
# net by tenths only. 1536 wide is 1.9 times its matrix
# work per image; against flipshift-d02-e600 (the shipped fit's 48k run) at equal epochs.
WIDE1536_600 = variant(
    WIDE_DROPOUT2_600,
    "w1536-flipshift-d02-e600",
    "flipshift-d02-e600 with two 1536-wide hidden layers instead of 1024 (1.9 times the work an epoch)",
    {"hidden": [1536, 1536]},
)
# Lion at the long schedule on the wide net: it paid on the fp32 classes' 512-wide bed at 90 epochs
# as much as dropout 0.1 did (+0.21, every seed), and its long-schedule test was never run.
WIDE_LION_600 = variant(
    WIDE_DROPOUT2_600,
    "flipshift-d02-lion-e600",
    "flipshift-d02-e600 trained with Lion (lr 4e-4, weight decay 0.25) instead of AdamW (2e-3, 0.05)",
    optimizer="lion",
    lr=4e-4,
    weight_decay=0.25,
)
# Distillation from an ensemble (its own method, its own row), tried again with what the two earlier
# tries lacked (Beyer et al. 2022, "a good teacher is patient and consistent"): the teacher is better
# than its student (3 seeds of the student's own MLP and recipe, last epochs, probabilities averaged:
# an ensemble of 3 reached +0.2 validation over one model at 600 epochs), the target is the teacher
# alone at temperature 1, and the views are every flip x shift there is (18), so the student sees the
# labels-only run's distribution, not 16 fixed draws. Screened at the 5-minute bed, flipshift-e135.
ENSEMBLE_TEACHER = TeacherSpec(
    name="mlp1024-flipshift-e135",
    mlp=LONG.model,
    members=3,
    train=replace(LONG.train, keep_best=None),
)
ENSEMBLE_DISTILLED_135 = replace(
    variant(
        LONG,
        "ens3distilled-e135",
        "flipshift-e135's MLP and schedule; targets the probabilities (temperature 1) of an ensemble of 3 "
        "seeds of that MLP and recipe (last epochs) on every flip x 1-px shift view (18)",
        augment=(),
    ),
    method="distilled",
    distill=DistillSpec(
        ENSEMBLE_TEACHER, views=18, exhaustive=True, flip=True, max_shift=1, temperature=1.0, soft_weight=1.0
    ),
)
# Dropout on the input pixels (Srivastava et al. 2014 used 0.2 on MNIST's MLPs), never screened here:
# a regularizer that costs no epoch time, screened on the AMX bed flipshift-e135 first.
INPUT_DROPOUT_135 = variant(
    LONG,
    "flipshift-in01-e135",
    "flipshift-e135 with dropout 0.1 on the input pixels",
    {"input_dropout": 0.1},
)
# Its long-schedule test: one change of flipshift-d02-e600 (the 48k run kept on the bf16 classes).
INPUT_DROPOUT_600 = variant(
    WIDE_DROPOUT2_600,
    "flipshift-d02-in01-e600",
    "flipshift-d02-e600 with dropout 0.1 on the input pixels",
    {"input_dropout": 0.1},
)
# Mixup at the long schedule on the wide net: on the 512-wide net its loss shrank from 0.7 points at
# 90 epochs to 0.3 at 400 (heavier augmentation pays with longer schedules), and the wide net fits
# 98% of its augmented training batches by epoch 600 against 92% validation: room for a regularizer
# that makes new images rather than dropping units.
MIXUP_600 = variant(
    WIDE_DROPOUT2_600,
    "flipshift-d02-mixup-e600",
    "flipshift-d02-e600 with mixup (alpha 0.2) after the flips and shifts",
    augment=SHIFT_FLIP_MIXUP,
)
# Elastic distortion (Simard et al. 2003, the augmentation that took MNIST MLPs from 1.6% to 0.7%
# error): each image bent along its own smooth field, moves of up to 1 pixel drawn at 4 x 4 knots.
# Milder than the 10-degree rotations dropped at 90 epochs (which move a corner 2.4 pixels); screened
# where dropout was, against flipshift-e135's seed 0, before any long schedule.
ELASTIC_135 = variant(
    LONG,
    "flipshift-elastic1-e135",
    "flipshift-e135 with elastic distortion (moves up to 1 px at 4 x 4 knots) after the flips and shifts",
    augment=(*SHIFT_FLIP, "elastic:1"),
)
# More epochs: the one-cycle schedule's validation climbs most in its last 100 epochs (flipshift-d02-
# e600's 3 seeds: 91.0 mean over epochs 301-400, 91.7 over 401-500, 92.15 over 501-600) and its best
# epochs are among the last (591 / 536 / 575): 600 epochs may not be where the wide net stops.
WIDE_DROPOUT2_900 = variant(
    WIDE_DROPOUT2_600,
    "flipshift-d02-e900",
    "flipshift-d02-e600 trained 900 epochs (the one-cycle schedule stretched to fit)",
    epochs=900,
)
# Mixup at 900 epochs: at 600 it trailed its base until about epoch 350 and caught up in the last 150, as
# heavier augmentation does with longer schedules, so 900 epochs may be where it pays; one change from
# flipshift-d02-e900 (mixup 0.2 after the flips and shifts), judged against both 3-seed parents.
MIXUP_900 = variant(
    WIDE_DROPOUT2_900,
    "flipshift-d02-mixup-e900",
    "flipshift-d02-e900 with mixup (alpha 0.2) after the flips and shifts",
    augment=SHIFT_FLIP_MIXUP,
)
# Its final fit on all 60,000 images: the next test of 93% on AMX.
MIXUP_900_60K = final_fit(
    MIXUP_900,
    "flipshift-d02-mixup-e900-60k",
    "flipshift-d02-mixup-e900 trained on all 60,000 training images (train + validation)",
)
# Toward 93% from the kept flipshift-d02-mixup-e900, one change each, screened on the AVX-512 bf16
# class (bf16 as on AMX, and as fast on 2026-12-06: 1.7 seconds a wide epoch) against its seed 0 run
# there the same day; a seed that gains less than AMX's seed spread (0.1-0.17) is no road to 93%.
# Stronger mixup: alpha 0.4 mixes further from either image (the mean mix weight 0.5 against ~0.7).
MIXUP04_900 = variant(
    MIXUP_900,
    "flipshift-d02-mixup04-e900",
    "flipshift-d02-mixup-e900 with mixup alpha 0.4 instead of 0.2",
    augment=(*SHIFT_FLIP, "mixup:0.4"),
)
# Random erasing at the long schedule: it lost 0.8 at 90 epochs as mixup lost 0.7 there, and mixup paid
# at 900; erased rectangles before the mix.
MIXUP_ERASE_900 = variant(
    MIXUP_900,
    "flipshift-d02-mixup-erase-e900",
    "flipshift-d02-mixup-e900 with random erasing (p 0.5, 2-20% of the area) before the mixup",
    augment=(*SHIFT_FLIP, "erase:0.5", MIXUP),
)
# More epochs with mixup: from 600 to 900 they paid +0.12 with mixup (+0.10 without); 1,200 more.
MIXUP_1200 = variant(
    MIXUP_900,
    "flipshift-d02-mixup-e1200",
    "flipshift-d02-mixup-e900 trained 1,200 epochs (the one-cycle schedule stretched to fit)",
    epochs=1200,
)
# Less dropout with mixup: mixup regularizes on its own, and dropout 0.2 was chosen without it (0.1
# tied 0.2 at 600 epochs without mixup); one change from flipshift-d02-mixup-e900.
MIXUP_DROPOUT1_900 = variant(
    MIXUP_900,
    "flipshift-d01-mixup-e900",
    "flipshift-d02-mixup-e900 with dropout 0.1 instead of 0.2 in both hidden layers",
    {"dropout": [0.1, 0.1]},
)
# No label smoothing with mixup: mixed targets are already soft, and smoothing on top of them may
# over-regularize; one change from flipshift-d02-mixup-e900.
MIXUP_NO_SMOOTHING_900 = variant(
    MIXUP_900,
    "flipshift-d02-mixup-ls0-e900",
    "flipshift-d02-mixup-e900 without label smoothing (0 instead of 0.1)",
    label_smoothing=0.0,
)
# Twice the weight decay with mixup: the last regularizer of the recipe not yet moved at 900 epochs
# (AdamW's 0.05 dates from the 25-epoch recipe); one change from flipshift-d02-mixup-e900.
MIXUP_WD01_900 = variant(
    MIXUP_900,
    "flipshift-d02-mixup-wd01-e900",
    "flipshift-d02-mixup-e900 with weight decay 0.1 instead of 0.05",
    weight_decay=0.1,
)
# Half the weight decay with mixup: twice it (0.1) lost 0.44, so the step the other way is the one
# left to see; one change from flipshift-d02-mixup-e900.
MIXUP_WD0025_900 = variant(
    MIXUP_900,
    "flipshift-d02-mixup-wd0025-e900",
    "flipshift-d02-mixup-e900 with weight decay 0.025 instead of 0.05",
    weight_decay=0.025,
)
# GELU instead of ReLU with mixup: the activation has been ReLU since the reference notebook and never
# moved; one change from flipshift-d02-mixup-e900.
MIXUP_GELU_900 = variant(
    MIXUP_900,
    "flipshift-d02-mixup-gelu-e900",
    "flipshift-d02-mixup-e900 with GELU instead of ReLU after each hidden layer",
    {"activation": "gelu"},
)
# A third 1024-wide hidden layer with mixup, at equal minutes: 1.6 times the matrix work an image, so
# 600 epochs cost what the anchor's 900 do. Depth was only tried at 512 wide and 65 epochs
# (mid512x3-flipshift-e65, no mixup); with mixup every regularizer now ties, so capacity is what is left.
MIXUP_DEPTH3_600 = variant(
    MIXUP_900,
    "w1024x3-flipshift-d02-mixup-e600",
    "flipshift-d02-mixup-e900 with a third 1024-wide hidden layer, 600 epochs (the same minutes)",
    {"hidden": [1024, 1024, 1024], "dropout": [0.2, 0.2, 0.2]},
    epochs=600,
)
# Stochastic weight averaging (Izmailov et al. 2018) in place of the schedule's tail: the one-cycle
# over 750 epochs, then 150 at a constant 1e-4 (the paper's 0.05 of the peak rate), the weights
# averaged at the end of each, batch norm's statistics with them. Three seeds averaged as an ensemble
# gained +0.3 over one; an average of one run's late weights is the single-MLP way to some of that.
MIXUP_SWA_900 = variant(
    MIXUP_900,
    "flipshift-d02-mixup-swa-e900",
    "flipshift-d02-mixup-e900 with its last 150 epochs at a constant 1e-4, weights averaged (SWA)",
    swa_epochs=150,
)
# Half the peak learning rate with mixup: 2e-3 dates from the 25-epoch recipe and never moved at the
# long schedules; AdamW's decay per step halves with it (as weight decay 0.025's did, which tied).
MIXUP_LR1E3_900 = variant(
    MIXUP_900,
    "flipshift-d02-mixup-lr1e3-e900",
    "flipshift-d02-mixup-e900 with a peak learning rate of 1e-3 instead of 2e-3",
    lr=1e-3,
)
# The learning rate's next neighbour down, from the kept 1e-3: 2e-3 to 1e-3 paid a tenth on every seed.
MIXUP_LR5E4_900 = variant(
    MIXUP_LR1E3_900,
    "flipshift-d02-mixup-lr5e4-e900",
    "flipshift-d02-mixup-lr1e3-e900 with a peak learning rate of 5e-4 instead of 1e-3",
    lr=5e-4,
)
# Shifts of up to 2 px instead of 1 under mixup, from the kept 1e-3: the 2-px crops hurt the 512-wide
# net at 90 and 400 epochs without mixup; at 900 epochs with mixup the wide net gains from none of
# its regularizers, so the one lever left in its augmentation is how far it moves what it sees.
MIXUP_LR1E3_CROP2_900 = variant(
    MIXUP_LR1E3_900,
    "flipcrop2-d02-mixup-lr1e3-e900",
    "flipshift-d02-mixup-lr1e3-e900 with shifts of up to 2 px instead of 1",
    augment=(*CROP2_FLIP, MIXUP),
)
# Its final fit on all 60,000 images, once kept: the next test of 93% on this class.
MIXUP_LR1E3_900_60K = final_fit(
    MIXUP_LR1E3_900,
    "flipshift-d02-mixup-lr1e3-e900-60k",
    "flipshift-d02-mixup-lr1e3-e900 trained on all 60,000 training images (train + validation)",
)
# Weight decay off the 1-D parameters (biases, batch norm's scales and shifts), the usual exclusion:
# at 0.05 over 900 epochs AdamW's decay pulls the last batch norm's scale, and so the logits' scale,
# toward zero with nothing but the loss to hold it; the weight matrices keep their decay.
MIXUP_NO_1D_DECAY_900 = variant(
    MIXUP_900,
    "flipshift-d02-mixup-nd1d-e900",
    "flipshift-d02-mixup-e900 with no weight decay on biases and batch norm's scales and shifts",
    decay_norms_and_biases=False,
)
# The AVX2 class's 30-minute point, mid512-flipshift-d01-e400 (chosen there by validation), trained on
# all 60,000 images: that class's answer beside AMX's flipshift-d02-e600-60k (1.25 times the 48k
# run's epoch cost).
MID_DROPOUT1_400_60K = final_fit(
    MID_DROPOUT1_400,
    "mid512-flipshift-d01-e400-60k",
    "mid512-flipshift-d01-e400 trained on all 60,000 training images (train + validation)",
)
# Width on the AVX2 class, the lever its d01-e700 run pointed to (epochs stopped paying between 400
# and 700 at 512 wide, while 512 -> 1024 gained about 0.4 point at the long schedules): 768 wide is
# 1.8 times the matrix work an image, so 400 epochs stay within 30 minutes a seed on 48k.
W768_DROPOUT1_400 = variant(
    MID_DROPOUT1_400,
    "w768-flipshift-d01-e400",
    "mid512-flipshift-d01-e400 with two 768-wide hidden layers instead of 512 (1.8 times the work an epoch)",
    {"hidden": [768, 768]},
)
ACCURACY_SCREENING: list[Recipe] = [
    MID_CROP2_90,
    MID_EMA_90,
    MID_CROP2_400,
    MID_DEEP_65,
    MID_PAIR_45,
    MID_MIXUP_90,
    MID_ERASE_90,
    MID_ROTATE_90,
    MID_SAM_45,
    MID_B512_90,
    MID_MIXUP_400,
    SELF_DISTILLED,
    MID_DROPOUT2_90,
    MID_DROPOUT2_400,
    MID_DROPOUT1_90,
    MID_NO_SMOOTHING_90,
    MID_CUTMIX_90,
    MID_SCALE_90,
    WIDE_DROPOUT2_135,
    WIDE_DROPOUT2_600,
    WIDE_DROPOUT2_600_60K,
    INVERTED_BOTTLENECK_135,
    MID_LION_90,
    MID_DROPOUT0_90,
    MID_DROPOUT1_400,
    MID_LION_D01_90,
    MID_DROPOUT0_400,
    MID_DROPOUT1_PAIR_200,
    MID_DROPOUT1_700,
    WIDE_DROPOUT1_600,
    WIDE1536_600,
    WIDE_LION_600,
    ENSEMBLE_DISTILLED_135,
    INPUT_DROPOUT_135,
    INPUT_DROPOUT_600,
    MIXUP_600,
    ELASTIC_135,
    WIDE_DROPOUT2_900,
    MIXUP_900,
    MIXUP_900_60K,
    MIXUP04_900,
    MIXUP_ERASE_900,
    MIXUP_1200,
    MIXUP_DROPOUT1_900,
    MIXUP_NO_SMOOTHING_900,
    MIXUP_WD01_900,
    MIXUP_WD0025_900,
    MIXUP_GELU_900,
    MIXUP_DEPTH3_600,
    MIXUP_SWA_900,
    MIXUP_LR1E3_900,
    MIXUP_LR1E3_900_60K,
    MIXUP_NO_1D_DECAY_900,
    MIXUP_LR5E4_900,
    MIXUP_LR1E3_CROP2_900,
    MID_DROPOUT1_400_60K,
    W768_DROPOUT1_400,
]

# The frontier: recipes (all seeds) drawn in assets/frontier.png, cheapest first.
FRONTIER_RECIPES: list[Recipe] = [*FP32_CLASS_SCREENING, LONG, LONGEST, LONGEST_60K]

# Distillation, the secondary track: the 5-minute recipe's MLP learning from a CNN teacher (trained
# on the training split only) through soft targets precomputed for 16 fixed views of each image:
# flips and 1-pixel shifts, as the labels-only recipe draws them. Its own method, its own row.
# The first teacher averaged its last feature map away (global average pooling): 91% validation,
# below the labels-only MLP it was to teach, so it taught nothing; kept here as tried, not used.
FIRST_TEACHER = TeacherSpec(name="cnn-32-64-128", head="gap")
TEACHER = TeacherSpec()
TEACHERS: dict[str, TeacherSpec] = {
    t.record_name: t for t in (FIRST_TEACHER, TEACHER, MLP_TEACHER, ENSEMBLE_TEACHER)
}
DISTILLED = replace(
    variant(
        LONG,
        "distilled-e135",
        "flipshift-e135's MLP and schedule; targets 0.9 x the teacher's probabilities at temperature 2 "
        "+ 0.1 x the label, on 16 precomputed flip/shift views",
        augment=(),
    ),
    method="distilled",
    distill=DistillSpec(TEACHER, views=16, flip=True, max_shift=1, temperature=2.0, soft_weight=0.9),
)
# The other corner of the usual knobs: the teacher's probabilities unsoftened, half the target.
DISTILLED_T1 = replace(
    DISTILLED,
    name="distilled-e135-t1-w05",
    description="the same; targets 0.5 x the teacher's probabilities at temperature 1 + 0.5 x the label",
    distill=replace(DISTILLED.distill, temperature=1.0, soft_weight=0.5),
    base=DISTILLED.name,
)
DISTILLATION: list[Recipe] = [DISTILLED, DISTILLED_T1]

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
    recipes, the accuracy screening (#18), distillation, the search's best (the ablation explains
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
    """The rows of the frontier: `FRONTIER`, the teacher the distilled students used (drawn as a
    reference), then the search's best if exported."""
    found = search_best_recipe()
    return FRONTIER + [TEACHER.record_name] + ([found.name] if found is not None else [])


def live_recipe() -> Recipe:
    """What notebook 03 trains live: the one-minute recipe of this machine's CPU class, in the
    precision ``auto`` picks here: `WIDE_25_BYTES` on AMX (or an accelerator), else
    `ONE_MINUTE_WITHOUT_AMX` (the wide net takes 1.6 minutes even where AVX-512 does bf16)."""
    from fmnist.precision import machine_class
    from fmnist.train import choose_device

    on_cpu = choose_device().type == "cpu"
    return WIDE_25_BYTES if not on_cpu or machine_class() == SELECTION_CLASS else ONE_MINUTE_WITHOUT_AMX
