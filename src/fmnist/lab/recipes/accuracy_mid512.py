"""The accuracy screening on the 512-wide net, the fp32 classes' bed: one change at a time from
mid512-flipshift-e90 (their 5-minute budget), a change judged again at the 400-epoch schedule
(their 30-minute budget). Cheapest first: augmentation, then the optimizer, then the architecture."""

from __future__ import annotations

from dataclasses import replace

from fmnist.lab.distill import DistillSpec
from fmnist.lab.recipes.base import (
    CROP2_FLIP,
    ROBUST_VIEWS,
    SHIFT_FLIP,
    SHIFT_FLIP_MIXUP,
    final_fit,
    mlp_teacher,
    variant,
)
from fmnist.lab.recipes.screening import MID_FLIP_90, MID_FLIP_400
from fmnist.lab.teachers import TeacherSpec

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
# Heavier augmentation needs long schedules: 2-px crops at 400 epochs, against mid512-flipshift-e400,
# whatever they do at 90.
MID_CROP2_400 = variant(
    MID_FLIP_400,
    "mid512-flipcrop2-e400",
    "mid512-flipshift-e400 with shifts of up to 2 px instead of 1 (the long schedule's test of the crops)",
    augment=CROP2_FLIP,
)
# Depth at equal cost: a third 512-wide layer adds about 40% matrix work per epoch, so 65 epochs
# instead of 90.
MID_DEEP_65 = variant(
    MID_FLIP_90,
    "mid512x3-flipshift-e65",
    "784-512-512-512-10 (a third hidden layer), the same flips and shifts, 65 epochs: about the same minutes",
    {"hidden": [512, 512, 512], "dropout": [0.3, 0.3, 0.3]},
    epochs=65,
)
# Two MLPs of half the epochs each against one at equal cost, probabilities averaged. Not one MLP
# trained on labels, so its own method (and row).
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
# Heavier augmentation on top of flips and shifts, at 90 epochs: read beside the 400-epoch schedule,
# where heavier augmentation has the epochs to pay.
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
# Speed buys epochs: batches of 512 halve the per-step costs that do not grow with the batch (the
# optimizer, the schedule, small kernels), at the same learning rate and epochs.
MID_B512_90 = variant(
    MID_FLIP_90,
    "mid512-flipshift-b512-e90",
    "mid512-flipshift-e90 with batches of 512 instead of 256 (half the steps, the same epochs)",
    batch_size=512,
)
# Short schedules cannot judge heavier augmentation: mixup at the 400-epoch schedule, against
# mid512-flipshift-e400.
MID_MIXUP_400 = variant(
    MID_FLIP_400,
    "mid512-flipshift-mixup-e400",
    "mid512-flipshift-e400 with mixup (alpha 0.2) after the flips and shifts (the long schedule's test)",
    augment=SHIFT_FLIP_MIXUP,
)
# Less dropout: with flips and shifts already regularizing, dropout 0.3 may slow what 90 epochs can
# learn (the cheapest of the regularizers to turn down, at the same cost).
MID_DROPOUT2_90 = variant(
    MID_FLIP_90,
    "mid512-flipshift-d02-e90",
    "mid512-flipshift-e90 with dropout 0.2 instead of 0.3 in both hidden layers",
    {"dropout": [0.2, 0.2]},
)
# Dropout 0.2 at the 400-epoch schedule, against mid512-flipshift-e400 (less regularization may help
# at 90 epochs and hurt at 400).
MID_DROPOUT2_400 = variant(
    MID_FLIP_400,
    "mid512-flipshift-d02-e400",
    "mid512-flipshift-e400 with dropout 0.2 instead of 0.3 in both hidden layers (the long schedule's test)",
    {"dropout": [0.2, 0.2]},
)
# From here the bed is mid512-flipshift-d02-e90: one change each.
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
# Self-distillation (born-again networks, Furlanello et al. 2018): the teacher is the bed's own MLP
# and recipe (its last epoch: validation never chooses a teacher's weights), trained on the training
# split only; the student is the same MLP, learning from 16 precomputed views as distilled-e135 does.
# Its minutes are the student's (the teacher's come beside), so it is a screening row, never a point
# of the frontier.
MLP_TEACHER = mlp_teacher(MID_FLIP_90, "mlp512-flipshift-e90")
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
# The optimizer at equal cost: Lion (Chen et al. 2023), the sign of an interpolated momentum, a step
# as cheap as AdamW's. Its authors' rule: a learning rate 3-10 times smaller and a weight decay as
# many times larger, so here lr / 5 and weight decay x 5 (their product, the decay per step, stays
# AdamW's). Muon is left out: its Newton-Schulz iterations cost many AdamW steps a step at batch 256
# (benchmarks/bench_optimizers.py), so at equal cost it gets a small fraction of the bed's epochs.
MID_LION_90 = variant(
    MID_DROPOUT2_90,
    "mid512-flipshift-d02-lion-e90",
    "mid512-flipshift-d02-e90 trained with Lion (lr 4e-4, weight decay 0.25) instead of AdamW (2e-3, 0.05)",
    optimizer="lion",
    lr=4e-4,
    weight_decay=0.25,
)
# The next step down the dropout ladder (0.3 -> 0.2 -> 0.1): no dropout at all.
MID_DROPOUT0_90 = variant(
    MID_DROPOUT1_90,
    "mid512-flipshift-d00-e90",
    "mid512-flipshift-d01-e90 without dropout (0 instead of 0.1)",
    {"dropout": [0.0, 0.0]},
)
# Dropout 0.1 at the 400-epoch schedule, against mid512-flipshift-d02-e400 (less regularization may
# help at 90 epochs and hurt at 400).
MID_DROPOUT1_400 = variant(
    MID_DROPOUT2_400,
    "mid512-flipshift-d01-e400",
    "mid512-flipshift-d02-e400 with dropout 0.1 (the long schedule's test of mid512-flipshift-d01-e90)",
    {"dropout": [0.1, 0.1]},
)
# No dropout at the 400-epoch schedule, against mid512-flipshift-d01-e400.
MID_DROPOUT0_400 = variant(
    MID_DROPOUT1_400,
    "mid512-flipshift-d00-e400",
    "mid512-flipshift-d01-e400 without dropout (the long schedule's test of mid512-flipshift-d00-e90)",
    {"dropout": [0.0, 0.0]},
)
# Lion and dropout 0.1 together: one change (the optimizer) from mid512-flipshift-d01-e90.
MID_LION_D01_90 = variant(
    MID_DROPOUT1_90,
    "mid512-flipshift-d01-lion-e90",
    "mid512-flipshift-d01-e90 trained with Lion (lr 4e-4, weight decay 0.25) instead of AdamW (2e-3, 0.05)",
    optimizer="lion",
    lr=4e-4,
    weight_decay=0.25,
)
# Two MLPs of half the epochs each against one at the long schedule, at equal cost, probabilities
# averaged, against mid512-flipshift-d01-e400. Not one MLP trained on labels, so its own method and row.
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
# More epochs: as many as the AVX2 class's 30-minute budget holds, with room to spare.
MID_DROPOUT1_700 = variant(
    MID_DROPOUT1_400,
    "mid512-flipshift-d01-e700",
    "mid512-flipshift-d01-e400 with 700 epochs instead of 400",
    epochs=700,
)
# mid512-flipshift-d01-e400, the AVX2 class's 30-minute recipe, trained on all 60,000 images.
MID_DROPOUT1_400_60K = final_fit(
    MID_DROPOUT1_400,
    "mid512-flipshift-d01-e400-60k",
    "mid512-flipshift-d01-e400 trained on all 60,000 training images (train + validation)",
)
# Width on the AVX2 class: 768 wide is 1.8 times the matrix work an image of 512 wide, so 400 epochs
# stay within its 30-minute budget.
W768_DROPOUT1_400 = variant(
    MID_DROPOUT1_400,
    "w768-flipshift-d01-e400",
    "mid512-flipshift-d01-e400 with two 768-wide hidden layers instead of 512 (1.8 times the work an epoch)",
    {"hidden": [768, 768]},
)

# Robustness to the images users bring: the same bed trained on views of the corruption suite's
# kinds instead of flips and one-pixel shifts, judged on validation and on the suite's mean.
MID_ROBUST_90 = variant(
    MID_DROPOUT0_90,
    "mid512-robust-d00-e90",
    "mid512-flipshift-d00-e90 trained on the robustness views (flips, shifts of up to 3 px, rotations "
    "of up to 15 degrees, zooms of up to 15%, lifted background, lower contrast, noise, blur) instead "
    "of flips and 1-px shifts",
    augment=ROBUST_VIEWS,
)
# The same views with the teacher scoring each augmented batch (function matching): can a teacher
# that trained on mild views keep the clean accuracy that the heavy views cost from labels alone?
MID_ROBUST_MATCHED_90 = replace(
    variant(
        MID_ROBUST_90,
        "mid512-robust-matched-d00-e90",
        "mid512-robust-d00-e90 learning from mlp512-flipshift-e90 on the fly: targets 0.5 x the teacher's "
        "probabilities on the student's own augmented image + 0.5 x the label",
    ),
    method="distilled",
    distill=DistillSpec(MLP_TEACHER, temperature=1.0, soft_weight=0.5, on_the_fly=True),
)
# Occlusion is the one corruption the views leave out: random erasing added to them.
MID_ROBUST_ERASE_90 = variant(
    MID_ROBUST_90,
    "mid512-robust-erase-d00-e90",
    "mid512-robust-d00-e90 with random erasing (probability 0.5) after the robustness views",
    augment=(*ROBUST_VIEWS, "erase:0.5"),
)
# Alignment instead of views: the model stretches each image's intensities and centres its garment
# before the first layer (`fmnist.align`), so shifts, a lifted background and a lower contrast are
# undone rather than learned. Alignment undoes the one-pixel shifts too; the jitter variant shifts
# the aligned training images instead, as the augmentation did before alignment.
MID_ALIGNED_90 = variant(
    MID_DROPOUT0_90,
    "mid512-aligned-d00-e90",
    "mid512-flipshift-d00-e90 with input alignment (intensities stretched, garment centred) in front "
    "of the first layer",
    {"align": True},
)
MID_ALIGNED_JITTER_90 = variant(
    MID_ALIGNED_90,
    "mid512-aligned-jitter-d00-e90",
    "mid512-aligned-d00-e90 with the one-pixel shifts made after alignment (jitter 1) instead of before",
    {"align_jitter": 1},
    augment=("hflip",),
)
# What alignment cannot undo: rotations and zooms, as mild training views after the flips.
MID_ALIGNED_WARP_90 = variant(
    MID_ALIGNED_JITTER_90,
    "mid512-aligned-warp-d00-e90",
    "mid512-aligned-jitter-d00-e90 with random rotations of up to 10 degrees and zooms of up to 10% "
    "after the flips",
    augment=("hflip", "rotate:10", "scale:0.1"),
)
# The short bed's most robust aligned recipe at the long schedule: does the clean accuracy that mild
# rotations and zooms cost at 90 epochs come back with more epochs?
MID_ALIGNED_WARP_400 = variant(
    MID_DROPOUT0_400,
    "mid512-aligned-warp-d00-e400",
    "mid512-flipshift-d00-e400 with mid512-aligned-warp-d00-e90's changes: input alignment, one-pixel "
    "shifts after it (jitter 1), random rotations of up to 10 degrees and zooms of up to 10%",
    {"align": True, "align_jitter": 1},
    augment=("hflip", "rotate:10", "scale:0.1"),
)
# Function matching for the aligned warp views (the matched robustness row's own lesson: heavy views
# need a teacher that handles them). Alignment leaves only mild rotations and zooms for a teacher to
# misjudge, so the kept aligned recipe (its last epoch, trained on the training split only) scores
# each rotated or zoomed batch the student sees: can soft targets on those views keep the clean
# accuracy that labels alone lose?
ALIGNED_TEACHER = mlp_teacher(MID_ALIGNED_JITTER_90, "mlp512-aligned-jitter-e90")
MID_ALIGNED_WARP_MATCHED_90 = replace(
    variant(
        MID_ALIGNED_WARP_90,
        "mid512-aligned-warp-matched-d00-e90",
        "mid512-aligned-warp-d00-e90 learning from mlp512-aligned-jitter-e90 on the fly: targets 0.5 x "
        "the teacher's probabilities on the student's own flipped, rotated and zoomed image + 0.5 x the "
        "label",
    ),
    method="distilled",
    distill=DistillSpec(ALIGNED_TEACHER, temperature=1.0, soft_weight=0.5, on_the_fly=True),
)
# Function matching for accuracy (Beyer et al. 2022: a patient, consistent teacher, mixup making new
# points between images): an ensemble of three bed MLPs (seeds 0-2, last epochs, training split only)
# scores every flipped, shifted and mixed batch the student sees, and is the whole target.
BED_ENSEMBLE_TEACHER = mlp_teacher(MID_DROPOUT0_90, "mlp512-flipshift-d00-e90", members=3)
MID_MATCHED_MIXUP_90 = replace(
    variant(
        MID_DROPOUT0_90,
        "mid512-matched-mixup-d00-e90",
        "mid512-flipshift-d00-e90 with mixup (alpha 0.2) after the flips and shifts, learning only from an "
        "ensemble of three mlp512-flipshift-d00-e90 seeds on the fly: the target is the ensemble's "
        "probabilities on the student's own image",
        augment=SHIFT_FLIP_MIXUP,
    ),
    method="distilled",
    distill=DistillSpec(BED_ENSEMBLE_TEACHER, temperature=1.0, soft_weight=1.0, on_the_fly=True),
)
# The warp views' clean cost, two cheap suspects one at a time: rotation and zoom resampled twice
# (two bilinear blurs) where one resampling does both, then every image warped where half would do.
MID_ALIGNED_AFFINE_90 = variant(
    MID_ALIGNED_WARP_90,
    "mid512-aligned-affine-d00-e90",
    "mid512-aligned-warp-d00-e90 with each image's rotation and zoom made in one resampling instead of two",
    augment=("hflip", "affine:1"),
)
MID_ALIGNED_AFFINE_HALF_90 = variant(
    MID_ALIGNED_AFFINE_90,
    "mid512-aligned-affine-half-d00-e90",
    "mid512-aligned-affine-d00-e90 with half the images rotated and zoomed, the others left as they are",
    augment=("hflip", "affine:0.5"),
)
MID_ALIGNED_AFFINE_QUARTER_90 = variant(
    MID_ALIGNED_AFFINE_HALF_90,
    "mid512-aligned-affine-quarter-d00-e90",
    "mid512-aligned-affine-half-d00-e90 with a quarter of the images rotated and zoomed instead of half",
    augment=("hflip", "affine:0.25"),
)
# A teacher well above the student, the lever the MLP teachers lacked: a VGG-style CNN of two convs
# per block, trained on the training split only, without label smoothing (Müller et al. 2019: a
# smoothed teacher's logits lose the similarities between classes a student learns from). Its
# logits on every flip x 1-px shift view (18, exactly the bed's own draws, so the targets are
# consistent with what the student sees) are computed once; the bed's MLP and schedule learn from
# them, half teacher and half label.
CNN_TEACHER = TeacherSpec(
    name="cnn-32x2-64x2-128x2-flat-ls0-e30",
    convs_per_block=2,
    train=replace(TeacherSpec().train, epochs=30, label_smoothing=0.0),
)
MID_CNN_DISTILLED_90 = replace(
    variant(
        MID_DROPOUT0_90,
        "mid512-cnn-distilled-d00-e90",
        "mid512-flipshift-d00-e90's MLP and schedule learning from a CNN of two convs per block (32-64-128, "
        "30 epochs, no label smoothing): targets 0.5 x its probabilities + 0.5 x the label, on every flip "
        "x 1-px shift view (18), the bed's own draws",
        augment=(),
    ),
    method="distilled",
    distill=DistillSpec(
        CNN_TEACHER, views=18, flip=True, max_shift=1, exhaustive=True, temperature=1.0, soft_weight=0.5
    ),
)
MID_CNN_DISTILLED_W1_90 = replace(
    variant(
        MID_CNN_DISTILLED_90,
        "mid512-cnn-distilled-w1-d00-e90",
        "mid512-cnn-distilled-d00-e90 with the teacher's probabilities as the whole target (no label share)",
    ),
    distill=replace(MID_CNN_DISTILLED_90.distill, soft_weight=1.0),
)
# The same targets at the long schedule, against labels alone there (a patient student: the gain of
# distillation grows with the epochs, Beyer et al. 2022).
MID_CNN_DISTILLED_400 = replace(
    variant(
        MID_DROPOUT0_400,
        "mid512-cnn-distilled-d00-e400",
        "mid512-flipshift-d00-e400's MLP and schedule learning as mid512-cnn-distilled-d00-e90 does: 0.5 x "
        "the CNN's probabilities + 0.5 x the label, on every flip x 1-px shift view",
        augment=(),
    ),
    method="distilled",
    distill=MID_CNN_DISTILLED_90.distill,
)
