"""The accuracy screening, in the order it is run: one change at a time on the bed of the CPU class
at hand (validation only), a change that helps at the short schedule judged again at the long one.
The 512-wide net is the fp32 classes' bed (`accuracy_mid512`), the 1024-wide net the bf16 classes'
(`accuracy_wide`). Candidates whose knob left `TrainConfig` after losing everywhere (SAM, SWA,
no weight decay on biases and norms) are retired: their rows stay in ``assets/retired.jsonl`` with
the commit that ran them."""

from __future__ import annotations

from fmnist.lab.recipes import accuracy_mid512 as mid
from fmnist.lab.recipes import accuracy_wide as wide
from fmnist.lab.recipes.base import Recipe

ACCURACY_SCREENING: list[Recipe] = [
    mid.MID_CROP2_90,
    mid.MID_EMA_90,
    mid.MID_CROP2_400,
    mid.MID_DEEP_65,
    mid.MID_PAIR_45,
    mid.MID_MIXUP_90,
    mid.MID_ERASE_90,
    mid.MID_ROTATE_90,
    mid.MID_B512_90,
    mid.MID_MIXUP_400,
    mid.SELF_DISTILLED,
    mid.MID_DROPOUT2_90,
    mid.MID_DROPOUT2_400,
    mid.MID_DROPOUT1_90,
    mid.MID_NO_SMOOTHING_90,
    mid.MID_CUTMIX_90,
    mid.MID_SCALE_90,
    wide.WIDE_DROPOUT2_135,
    wide.WIDE_DROPOUT2_600,
    wide.WIDE_DROPOUT2_600_60K,
    wide.INVERTED_BOTTLENECK_135,
    mid.MID_LION_90,
    mid.MID_DROPOUT0_90,
    mid.MID_DROPOUT1_400,
    mid.MID_LION_D01_90,
    mid.MID_DROPOUT0_400,
    mid.MID_DROPOUT1_PAIR_200,
    mid.MID_DROPOUT1_700,
    wide.WIDE_DROPOUT1_600,
    wide.WIDE1536_600,
    wide.WIDE_LION_600,
    wide.ENSEMBLE_DISTILLED_135,
    wide.INPUT_DROPOUT_135,
    wide.INPUT_DROPOUT_600,
    wide.MIXUP_600,
    wide.ELASTIC_135,
    wide.WIDE_DROPOUT2_900,
    wide.MIXUP_900,
    wide.MIXUP_900_60K,
    wide.MIXUP04_900,
    wide.MIXUP_ERASE_900,
    wide.MIXUP_1200,
    wide.MIXUP_DROPOUT1_900,
    wide.MIXUP_NO_SMOOTHING_900,
    wide.MIXUP_WD01_900,
    wide.MIXUP_WD0025_900,
    wide.MIXUP_GELU_900,
    wide.MIXUP_DEPTH3_600,
    wide.MIXUP_LR1E3_900,
    wide.MIXUP_LR1E3_900_60K,
    wide.MIXUP_LR5E4_900,
    wide.MIXUP_LR1E3_CROP2_900,
    mid.MID_DROPOUT1_400_60K,
    mid.W768_DROPOUT1_400,
    mid.MID_ROBUST_90,
    mid.MID_ROBUST_MATCHED_90,
    mid.MID_ROBUST_ERASE_90,
]
