"""The screening's start: the wide net and its first variants, its long flip/shift schedules, and
the cheaper recipes for the fp32 classes, where the wide net is too slow for the short budgets."""

from __future__ import annotations

from typing import Any

from fmnist.lab.recipes.base import SHIFT_FLIP, Recipe, final_fit, variant
from fmnist.train import TrainConfig

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
    precision="fp32",  # the screening's fp32 baseline, pinned (its keys predate "auto")
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
# faster (AMX, where these keys say bf16), fp32 elsewhere.
WIDE_25_BYTES = variant(
    WIDE_25_BF16,
    "wide-e25-bf16-bytes",
    "the same, dropout masks from random bytes",
    {"dropout_mask": "bytes"},
    precision="auto",
)
SCREENING: list[Recipe] = [WIDE_25, WIDE_25_BF16, WIDE_25_BYTES]

# Long schedules: random flips and 1-pixel shifts, an augmentation that needs many epochs.
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
LONGEST_60K = final_fit(
    LONGEST,
    "flipshift-e600-60k",
    "the same recipe trained on all 60,000 training images (train + validation)",
)

# Where bf16 does not pay (AVX2, AVX-512 without BF16 or AMX on Intel: "auto" trains in fp32), the
# one-minute budget needs a cheaper recipe: fewer epochs of the same net, or a narrower net for more
# epochs. Both are screened on the AVX-512 fp32 class.
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
# Where even mid512-e20 runs a little over a minute (the AVX2 class), fewer of its epochs.
MID_15 = variant(
    MID_20,
    "mid512-e15",
    "mid512-e20 with 15 epochs instead of 20 (a minute where 20 take a little more)",
    epochs=15,
)
# Flips and shifts need long schedules; on the fp32 classes the narrower net buys the epochs for the
# 5- and 30-minute budgets.
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
FP32_CLASS_SCREENING: list[Recipe] = [WIDE_7, MID_15, MID_20, MID_FLIP_90, MID_FLIP_400]
# The one-minute recipe where there is no AMX: the fp32 classes, and the AVX-512 bf16 class.
ONE_MINUTE_WITHOUT_AMX = MID_20
