"""Distillation, the secondary track: the 5-minute recipe's MLP (flipshift-e135) learning from a CNN
teacher, trained on the training split only, through soft targets precomputed for 16 fixed views of
each image: flips and 1-pixel shifts, as the labels-only recipe draws them. Its own method, its own
row. `TEACHERS` names every teacher the recipes use, the screening's MLP teachers included."""

from __future__ import annotations

from dataclasses import replace

from fmnist.lab.distill import DistillSpec
from fmnist.lab.recipes.accuracy_mid512 import ALIGNED_TEACHER, BED_ENSEMBLE_TEACHER, CNN_TEACHER, MLP_TEACHER
from fmnist.lab.recipes.accuracy_wide import ENSEMBLE_TEACHER
from fmnist.lab.recipes.base import Recipe, variant
from fmnist.lab.recipes.screening import LONG
from fmnist.lab.teachers import TeacherSpec

# The first teacher averages its last feature map away (global average pooling); no student
# learns from it, it stays registered so its runs keep their name.
FIRST_TEACHER = TeacherSpec(name="cnn-32-64-128", head="gap")
TEACHER = TeacherSpec()
TEACHERS: dict[str, TeacherSpec] = {
    t.record_name: t
    for t in (
        FIRST_TEACHER,
        TEACHER,
        MLP_TEACHER,
        ENSEMBLE_TEACHER,
        ALIGNED_TEACHER,
        BED_ENSEMBLE_TEACHER,
        CNN_TEACHER,
    )
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
