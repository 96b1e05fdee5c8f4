"""The accuracy screening on the 1024-wide net, the bf16 classes' bed: one change at a time from
flipshift-e135 (their 5-minute budget) and, at the long schedules, from flipshift-d02-e600, then
flipshift-d02-e900 and flipshift-d02-mixup-e900. Screened where `auto` trains in bf16 as on AMX (the
same keys): the AVX-512 bf16 class (AMD EPYC Zen 4, Zen 5) and AMX."""

from __future__ import annotations

from dataclasses import replace

from fmnist.lab.distill import DistillSpec
from fmnist.lab.recipes.accuracy_mid512 import MID_CNN_DISTILLED_90
from fmnist.lab.recipes.base import (
    CROP2_FLIP,
    MIXUP,
    SHIFT_FLIP,
    SHIFT_FLIP_MIXUP,
    final_fit,
    mlp_teacher,
    variant,
)
from fmnist.lab.recipes.screening import LONG, LONGEST

# Less dropout, the first change tried on the 512-wide bed, on the wide net.
WIDE_DROPOUT2_135 = variant(
    LONG,
    "flipshift-d02-e135",
    "flipshift-e135 with dropout 0.2 instead of 0.3 in both hidden layers",
    {"dropout": [0.2, 0.2]},
)
# The same change at the long schedule, against flipshift-e600.
WIDE_DROPOUT2_600 = variant(
    LONGEST,
    "flipshift-d02-e600",
    "flipshift-e600 with dropout 0.2 instead of 0.3 in both hidden layers (the long schedule's test)",
    {"dropout": [0.2, 0.2]},
)
WIDE_DROPOUT2_600_60K = final_fit(
    WIDE_DROPOUT2_600,
    "flipshift-d02-e600-60k",
    "flipshift-d02-e600 trained on all 60,000 training images (train + validation)",
)
# Architecture at equal cost: Bachmann et al.'s (2023) inverted-bottleneck MLP, a 256-wide residual
# stream through 3 pre-LayerNorm blocks that expand it 4 times (GELU, dropout 0.2 on the expansion).
# Its matrix work per image is about that of the 784-1024-1024-10 net, so the same 135 epochs.
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
# Dropout 0.1 on the wide net at the long schedule, as on the 512-wide net at 400 epochs.
WIDE_DROPOUT1_600 = variant(
    WIDE_DROPOUT2_600,
    "flipshift-d01-e600",
    "flipshift-d02-e600 with dropout 0.1 instead of 0.2 in both hidden layers",
    {"dropout": [0.1, 0.1]},
)
# Width at the long schedule: 1536 wide is 1.9 times the 1024-wide net's matrix work per image;
# against flipshift-d02-e600 at equal epochs.
WIDE1536_600 = variant(
    WIDE_DROPOUT2_600,
    "w1536-flipshift-d02-e600",
    "flipshift-d02-e600 with two 1536-wide hidden layers instead of 1024 (1.9 times the work an epoch)",
    {"hidden": [1536, 1536]},
)
# Lion at the long schedule on the wide net (its 90-epoch test is on the 512-wide bed).
WIDE_LION_600 = variant(
    WIDE_DROPOUT2_600,
    "flipshift-d02-lion-e600",
    "flipshift-d02-e600 trained with Lion (lr 4e-4, weight decay 0.25) instead of AdamW (2e-3, 0.05)",
    optimizer="lion",
    lr=4e-4,
    weight_decay=0.25,
)
# Distillation from an ensemble (its own method, its own row), as Beyer et al. (2022) advise ("a good
# teacher is patient and consistent"): a teacher better than its student (an ensemble of the student's
# own MLP and recipe, last epochs, probabilities averaged), the teacher alone as the target at
# temperature 1, and every flip x shift view there is (18), so the student sees the labels-only run's
# distribution, not 16 fixed draws. On the bed flipshift-e135.
ENSEMBLE_TEACHER = mlp_teacher(LONG, "mlp1024-flipshift-e135", members=3)
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
# Dropout on the input pixels (Srivastava et al. 2014 use 0.2 on MNIST's MLPs): a regularizer that
# costs no epoch time, on the bed flipshift-e135 first.
INPUT_DROPOUT_135 = variant(
    LONG,
    "flipshift-in01-e135",
    "flipshift-e135 with dropout 0.1 on the input pixels",
    {"input_dropout": 0.1},
)
# Its long-schedule test: one change of flipshift-d02-e600.
INPUT_DROPOUT_600 = variant(
    WIDE_DROPOUT2_600,
    "flipshift-d02-in01-e600",
    "flipshift-d02-e600 with dropout 0.1 on the input pixels",
    {"input_dropout": 0.1},
)
# Mixup at the long schedule on the wide net: heavier augmentation needs long schedules, and mixup
# makes new images rather than dropping units, for a net that fits its training batches far better
# than it does validation.
MIXUP_600 = variant(
    WIDE_DROPOUT2_600,
    "flipshift-d02-mixup-e600",
    "flipshift-d02-e600 with mixup (alpha 0.2) after the flips and shifts",
    augment=SHIFT_FLIP_MIXUP,
)
# Elastic distortion (Simard et al. 2003): each image bent along its own smooth field, moves of up to
# 1 pixel drawn at 4 x 4 knots, milder than 10-degree rotations (which move a corner 2.4 pixels);
# against flipshift-e135, before any long schedule.
ELASTIC_135 = variant(
    LONG,
    "flipshift-elastic1-e135",
    "flipshift-e135 with elastic distortion (moves up to 1 px at 4 x 4 knots) after the flips and shifts",
    augment=(*SHIFT_FLIP, "elastic:1"),
)
# More epochs: the one-cycle schedule's validation climbs most in its last epochs, and its best
# epochs are among the last, so 600 epochs may not be where the wide net stops.
WIDE_DROPOUT2_900 = variant(
    WIDE_DROPOUT2_600,
    "flipshift-d02-e900",
    "flipshift-d02-e600 trained 900 epochs (the one-cycle schedule stretched to fit)",
    epochs=900,
)
# Mixup at 900 epochs, where heavier augmentation has the epochs to pay: one change from
# flipshift-d02-e900, judged against both parents.
MIXUP_900 = variant(
    WIDE_DROPOUT2_900,
    "flipshift-d02-mixup-e900",
    "flipshift-d02-e900 with mixup (alpha 0.2) after the flips and shifts",
    augment=SHIFT_FLIP_MIXUP,
)
MIXUP_900_60K = final_fit(
    MIXUP_900,
    "flipshift-d02-mixup-e900-60k",
    "flipshift-d02-mixup-e900 trained on all 60,000 training images (train + validation)",
)

# One change each from flipshift-d02-mixup-e900.
# Stronger mixup: a larger alpha draws mix weights nearer 0.5, further from either image.
MIXUP04_900 = variant(
    MIXUP_900,
    "flipshift-d02-mixup04-e900",
    "flipshift-d02-mixup-e900 with mixup alpha 0.4 instead of 0.2",
    augment=(*SHIFT_FLIP, "mixup:0.4"),
)
# Random erasing at the long schedule, as mixup is: erased rectangles before the mix.
MIXUP_ERASE_900 = variant(
    MIXUP_900,
    "flipshift-d02-mixup-erase-e900",
    "flipshift-d02-mixup-e900 with random erasing (p 0.5, 2-20% of the area) before the mixup",
    augment=(*SHIFT_FLIP, "erase:0.5", MIXUP),
)
# More epochs with mixup.
MIXUP_1200 = variant(
    MIXUP_900,
    "flipshift-d02-mixup-e1200",
    "flipshift-d02-mixup-e900 trained 1,200 epochs (the one-cycle schedule stretched to fit)",
    epochs=1200,
)
# Less dropout with mixup: mixup regularizes on its own, and dropout 0.2 was chosen without it.
MIXUP_DROPOUT1_900 = variant(
    MIXUP_900,
    "flipshift-d01-mixup-e900",
    "flipshift-d02-mixup-e900 with dropout 0.1 instead of 0.2 in both hidden layers",
    {"dropout": [0.1, 0.1]},
)
# No label smoothing with mixup: mixed targets are already soft, and smoothing on top of them may
# over-regularize.
MIXUP_NO_SMOOTHING_900 = variant(
    MIXUP_900,
    "flipshift-d02-mixup-ls0-e900",
    "flipshift-d02-mixup-e900 without label smoothing (0 instead of 0.1)",
    label_smoothing=0.0,
)
# Twice the weight decay: AdamW's 0.05 dates from the 25-epoch recipe.
MIXUP_WD01_900 = variant(
    MIXUP_900,
    "flipshift-d02-mixup-wd01-e900",
    "flipshift-d02-mixup-e900 with weight decay 0.1 instead of 0.05",
    weight_decay=0.1,
)
# Half the weight decay: the step the other way.
MIXUP_WD0025_900 = variant(
    MIXUP_900,
    "flipshift-d02-mixup-wd0025-e900",
    "flipshift-d02-mixup-e900 with weight decay 0.025 instead of 0.05",
    weight_decay=0.025,
)
# GELU instead of ReLU: the activation has been ReLU since the reference notebook.
MIXUP_GELU_900 = variant(
    MIXUP_900,
    "flipshift-d02-mixup-gelu-e900",
    "flipshift-d02-mixup-e900 with GELU instead of ReLU after each hidden layer",
    {"activation": "gelu"},
)
# Capacity rather than regularization: a third 1024-wide hidden layer at equal cost, 1.6 times the
# matrix work an image, so 600 epochs cost what the base's 900 do. Depth is otherwise tried only at
# 512 wide without mixup (mid512x3-flipshift-e65).
MIXUP_DEPTH3_600 = variant(
    MIXUP_900,
    "w1024x3-flipshift-d02-mixup-e600",
    "flipshift-d02-mixup-e900 with a third 1024-wide hidden layer, 600 epochs (the same minutes)",
    {"hidden": [1024, 1024, 1024], "dropout": [0.2, 0.2, 0.2]},
    epochs=600,
)
# Half the peak learning rate: 2e-3 dates from the 25-epoch recipe; AdamW's decay per step halves
# with it.
MIXUP_LR1E3_900 = variant(
    MIXUP_900,
    "flipshift-d02-mixup-lr1e3-e900",
    "flipshift-d02-mixup-e900 with a peak learning rate of 1e-3 instead of 2e-3",
    lr=1e-3,
)
# The learning rate's next neighbour down, from flipshift-d02-mixup-lr1e3-e900.
MIXUP_LR5E4_900 = variant(
    MIXUP_LR1E3_900,
    "flipshift-d02-mixup-lr5e4-e900",
    "flipshift-d02-mixup-lr1e3-e900 with a peak learning rate of 5e-4 instead of 1e-3",
    lr=5e-4,
)
# Shifts of up to 2 px instead of 1 under mixup, from flipshift-d02-mixup-lr1e3-e900: how far the
# augmentation moves what the net sees (2-px crops are otherwise tried only at 512 wide, without mixup).
MIXUP_LR1E3_CROP2_900 = variant(
    MIXUP_LR1E3_900,
    "flipcrop2-d02-mixup-lr1e3-e900",
    "flipshift-d02-mixup-lr1e3-e900 with shifts of up to 2 px instead of 1",
    augment=(*CROP2_FLIP, MIXUP),
)
# Input alignment on the accuracy line (`fmnist.align`, screened on the narrower net's short bed):
# each image's intensities stretched and its garment centred in front of the first layer, the
# one-pixel shifts made after alignment (jitter 1) since alignment undoes those made before it.
ALIGNED_MIXUP_LR1E3_900 = variant(
    MIXUP_LR1E3_900,
    "aligned-d02-mixup-lr1e3-e900",
    "flipshift-d02-mixup-lr1e3-e900 with input alignment in front of the first layer and its one-pixel "
    "shifts made after alignment (jitter 1) instead of before",
    {"align": True, "align_jitter": 1},
    augment=("hflip", MIXUP),
)
# What alignment cannot undo, rotations and zooms, as mild views on a quarter of the images, each
# rotated and zoomed in one resampling (the short bed's best trade of clean accuracy for robustness).
ALIGNED_AFFINE_MIXUP_LR1E3_900 = variant(
    ALIGNED_MIXUP_LR1E3_900,
    "aligned-affine-quarter-d02-mixup-lr1e3-e900",
    "aligned-d02-mixup-lr1e3-e900 with a quarter of the images rotated by up to 10 degrees and zoomed by "
    "up to 10% (one resampling) after the flips",
    augment=("hflip", "affine:0.25", MIXUP),
)
MIXUP_LR1E3_900_60K = final_fit(
    MIXUP_LR1E3_900,
    "flipshift-d02-mixup-lr1e3-e900-60k",
    "flipshift-d02-mixup-lr1e3-e900 trained on all 60,000 training images (train + validation)",
)
# The CNN teacher that lifts the 512-wide bed (`accuracy_mid512.MID_CNN_DISTILLED_90`), for the wide
# net's long schedule: its logits on every flip x 1-px shift view are the whole set of views, so the
# student draws exactly those and mixup, whose blends the table does not hold, leaves. The teacher
# trains once on the class that runs it and is cached there for every student seed.
CNN_DISTILLED_LR1E3_900 = replace(
    variant(
        MIXUP_LR1E3_900,
        "cnn-distilled-d02-lr1e3-e900",
        "flipshift-d02-mixup-lr1e3-e900's MLP and schedule learning as mid512-cnn-distilled-d00-e90 does: "
        "0.5 x the CNN's probabilities + 0.5 x the label on every flip x 1-px shift view, without mixup",
        augment=(),
    ),
    method="distilled",
    distill=MID_CNN_DISTILLED_90.distill,
)
