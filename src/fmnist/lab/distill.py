"""Distillation from a teacher (a CNN, or an MLP: self-distillation): soft targets precomputed once
for K augmented views, or computed on the fly on the student's own batch (function matching).

With ``on_the_fly`` (`MatchedTargets`, Beyer et al. 2022, "Knowledge distillation: A good teacher
is patient and consistent"), the student's own augmentations (its `TrainConfig.augment`, mixup
included) draw each batch and the teacher scores exactly those images every step: the target is
``soft_weight * softmax(teacher / T) + (1 - soft_weight) * labels``. A student step then costs a
teacher forward pass too. Without it, as follows:

A student epoch must cost no more than a labels-only one, so the teacher never runs while the
student trains. Instead, `precompute_views` draws K fixed views of every training image (a
random flip, a shift of up to ``max_shift`` pixels, and with ``mixup_alpha > 0`` a blend with a
fixed partner image at a fixed weight) and stores the teacher's logits for each: the teacher
labels the very image the student will see, mixed images included. The table is cached under
``runs/distill/`` keyed by the teacher and the view settings, and shared by every student seed.
With ``exhaustive`` the K views are every flip and shift there is, the same for each image, so a
student that picks one at random sees exactly the distribution a labels-only run draws from.

While training, `DistilledTargets` (an `fmnist.augment` function) picks one of the K views per
image at random, renders it, and returns the target ``soft_weight * softmax(teacher / T) +
(1 - soft_weight) * labels`` (labels mixed like the images). It needs each batch's example
indices, so the student trains on `indexed` splits whose training labels are row numbers.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from fmnist import augment
from fmnist.checkpoint import atomic_torch_save, safe_load
from fmnist.data import Split, Splits, normalize
from fmnist.lab.folders import runs_dir
from fmnist.lab.keys import config_hash
from fmnist.lab.teachers import Teacher, TeacherSpec
from fmnist.precision import class_suffix, machine_class, resolve_precision
from fmnist.progress import bar as progress_bar
from fmnist.train import unless_default

VIEWS_FORMAT = "fmnist-teacher-views"
VIEW_SEED = 20_261_130  # the views are one fixed draw, shared by every student seed


# Knobs added after results were recorded, at their defaults (fmnist.lab.keys.unless_default).
_LATE_KNOBS = {"exhaustive": False, "on_the_fly": False}


@dataclass(frozen=True)
class DistillSpec:
    """How a student learns from a teacher: the teacher, the K views, and the target's mix."""

    teacher: TeacherSpec = field(default_factory=TeacherSpec)
    views: int = 16
    flip: bool = True
    max_shift: int = 1
    mixup_alpha: float = 0.0  # > 0: every view blends its image with a fixed partner
    exhaustive: bool = False  # the views are every flip x shift combination (views must be their count)
    temperature: float = 2.0  # the teacher's logits are divided by this before the softmax
    soft_weight: float = 0.9  # the target's share of the teacher; the rest is the (mixed) label
    on_the_fly: bool = False  # the teacher scores the student's own augmented batch (the view fields unused)

    def __post_init__(self) -> None:
        checks = [
            (self.views >= 1, f"views must be at least 1, got {self.views}"),
            (self.max_shift >= 0, f"max_shift must be 0 or more, got {self.max_shift}"),
            (self.mixup_alpha >= 0, f"mixup_alpha must be 0 or more, got {self.mixup_alpha}"),
            (self.temperature > 0, f"temperature must be positive, got {self.temperature}"),
            (0 <= self.soft_weight <= 1, f"soft_weight must be in [0, 1], got {self.soft_weight}"),
            (
                not self.exhaustive or self.views == self.combinations,
                f"exhaustive views need views={self.combinations} (every flip and shift), got {self.views}",
            ),
            (
                not (self.exhaustive and self.mixup_alpha > 0),
                "exhaustive views cannot be mixed (mixup_alpha)",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    @property
    def combinations(self) -> int:
        """How many distinct flip x shift views an image has."""
        return (2 if self.flip else 1) * (2 * self.max_shift + 1) ** 2

    def config(self, quick_mode: bool | None = None) -> dict[str, Any]:
        """Plain data for keys and result files (the teacher as its own config; ``quick_mode`` as in
        `TeacherSpec.config`)."""
        fields = unless_default({k: v for k, v in asdict(self).items() if k != "teacher"}, _LATE_KNOBS)
        return {"teacher": self.teacher.config(quick_mode), "teacher_name": self.teacher.name, **fields}

    def views_config(self) -> dict[str, Any]:
        """What determines the precomputed table (not the temperature or the weight)."""
        fields = {k: getattr(self, k) for k in ("views", "flip", "max_shift", "mixup_alpha", "exhaustive")}
        return {"teacher": self.teacher.key(), **unless_default(fields, _LATE_KNOBS)}


@dataclass
class ViewTable:
    """K fixed views of N images and the teacher's logits for each.

    ``flips`` (K, N) bool, ``shifts`` (K, 2, N) int8, ``partners`` (K, N) int64 and ``weights``
    (K, N) float32 (the own image's share when mixed; all 1 without mixup), ``logits``
    (K, N, 10) float16.
    """

    flips: torch.Tensor
    shifts: torch.Tensor
    partners: torch.Tensor
    weights: torch.Tensor
    logits: torch.Tensor

    @property
    def views(self) -> int:
        return self.flips.shape[0]

    def to_dict(self) -> dict[str, torch.Tensor]:
        return {k: getattr(self, k) for k in ("flips", "shifts", "partners", "weights", "logits")}


def draw_views(n: int, spec: DistillSpec) -> ViewTable:
    """The K views' random parameters for ``n`` images (logits still empty), from a fixed seed;
    with ``spec.exhaustive``, view k is the k-th flip x shift combination for every image."""
    generator = torch.Generator().manual_seed(VIEW_SEED)
    k, s = spec.views, spec.max_shift
    if spec.exhaustive:
        combos = [
            (f, dy, dx)
            for f in ([False, True] if spec.flip else [False])
            for dy in range(-s, s + 1)
            for dx in range(-s, s + 1)
        ]
        flips = torch.tensor([f for f, _, _ in combos]).view(k, 1).expand(k, n).clone()
        shifts = (
            torch.tensor([[dy, dx] for _, dy, dx in combos], dtype=torch.int8).view(k, 2, 1).expand(k, 2, n)
        )
        partners, weights = torch.arange(n).expand(k, n).clone(), torch.ones(k, n)
        return ViewTable(flips, shifts.clone(), partners, weights, torch.empty(k, n, 10, dtype=torch.float16))
    flips = torch.rand(k, n, generator=generator) < 0.5 if spec.flip else torch.zeros(k, n, dtype=torch.bool)
    shifts = torch.randint(-s, s + 1, (k, 2, n), generator=generator, dtype=torch.int8)
    if spec.mixup_alpha > 0:
        partners = torch.stack([torch.randperm(n, generator=generator) for _ in range(k)])
        draws = [augment.beta_weights(spec.mixup_alpha, n, generator) for _ in range(k)]
        weights = torch.stack(draws).float()
    else:
        partners = torch.arange(n).expand(k, n).clone()
        weights = torch.ones(k, n)
    return ViewTable(flips, shifts, partners, weights, torch.empty(k, n, 10, dtype=torch.float16))


def render(
    images: torch.Tensor,
    table: ViewTable,
    view: torch.Tensor,
    index: torch.Tensor,
    gathered: torch.Tensor | None = None,
) -> torch.Tensor:
    """Views ``view`` (B,) of images ``index`` (B,) of ``images`` (N, 28, 28 uint8), in [0, 1],
    shape (B, 1, 28, 28): flipped, shifted, and blended with their partner's view when mixed.
    ``gathered``: those images already gathered, (B, 1, 28, 28) in [0, 1] on any device (a
    training batch), so they are not gathered again; the result is then on its device."""

    def one(rows: torch.Tensor, x: torch.Tensor | None = None) -> torch.Tensor:
        if x is None:
            x = images.index_select(0, rows).unsqueeze(1).float().div_(255.0)
        x = augment.flip_where(x, table.flips[view, rows].to(x.device))
        shifts = torch.stack([table.shifts[view, 0, rows], table.shifts[view, 1, rows]]).long()
        return augment.shift(x, shifts)

    own = one(index, gathered)
    partner = table.partners[view, index]
    if bool((partner == index).all()):
        return own
    weight = table.weights[view, index].to(own.device).view(-1, 1, 1, 1)
    return weight * own + (1 - weight) * one(partner).to(own.device)


def views_path(spec: DistillSpec, train: Split) -> Path:
    """``runs/distill/views-<key><class suffix>.pt``: the table for ``spec``'s teacher and views of
    ``train`` (keyed by the images and labels themselves too, so another split never reuses it), on
    this machine's class, whose own teacher computed it (`fmnist.lab.teachers.teacher_path`)."""
    content = hashlib.sha256(train.images.cpu().numpy().tobytes() + train.labels.cpu().numpy().tobytes())
    key = config_hash({**spec.views_config(), "data": content.hexdigest()})
    return runs_dir() / "distill" / f"views-{key}{class_suffix(machine_class())}.pt"


@torch.inference_mode()
def precompute_views(teacher: Teacher, train: Split, spec: DistillSpec, batch_size: int = 256) -> ViewTable:
    """The teacher's logits on K views of every image of ``train`` (cached; computed once)."""
    path = views_path(spec, train)
    if path.is_file():
        saved = safe_load(path, VIEWS_FORMAT)
        return ViewTable(**{k: saved[k] for k in ViewTable.__annotations__})
    table = draw_views(len(train), spec)
    model = teacher.model.eval()
    device = next(model.parameters()).device
    low_precision = resolve_precision(teacher.spec.train.precision, device) == "bf16"
    for view in progress_bar(range(table.views), desc="teacher views", unit="view"):
        for start in range(0, len(train), batch_size):
            index = torch.arange(start, min(start + batch_size, len(train)))
            x = normalize(render(train.images, table, torch.full_like(index, view), index)).to(device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=low_precision):
                logits = model(x)
            table.logits[view, start : start + len(index)] = logits.float().to(torch.float16).cpu()
    atomic_torch_save({"format": VIEWS_FORMAT, "version": 1, **table.to_dict()}, path)
    return table


def indexed(splits: Splits) -> Splits:
    """``splits`` whose training labels are the row numbers 0..N-1 (for `DistilledTargets`)."""
    rows = torch.arange(len(splits.train), device=splits.train.labels.device)
    return replace(splits, train=Split(splits.train.images, rows))


class DistilledTargets:
    """An `fmnist.augment` function for a student trained on `indexed` splits: each image
    becomes one of its K precomputed views, its target the teacher's softened probabilities mixed
    with the label."""

    def __init__(self, table: ViewTable, train: Split, spec: DistillSpec) -> None:
        self.table, self.images, self.labels, self.spec = table, train.images, train.labels, spec
        self.soft = F.softmax(table.logits.float() / spec.temperature, dim=-1)  # (K, N, 10)

    def __call__(self, x: torch.Tensor, rows: torch.Tensor, generator: torch.Generator):
        """``x``: the batch's images ``rows`` of the training split, in [0, 1] (as `iterate_batches`
        gathered them); returns their views and targets."""
        rows_cpu = rows.cpu()
        view = torch.randint(self.table.views, rows_cpu.shape, generator=generator)
        images = render(self.images, self.table, view, rows_cpu, gathered=x)
        weight = self.table.weights[view, rows_cpu].view(-1, 1)
        partner = self.table.partners[view, rows_cpu]
        own, other = augment.one_hot(self.labels[rows_cpu]), augment.one_hot(self.labels[partner])
        hard = weight * own + (1 - weight) * other
        w = self.spec.soft_weight
        targets = w * self.soft[view, rows_cpu] + (1 - w) * hard
        return images, targets.to(x.device)


class MatchedTargets:
    """Function matching: an `fmnist.augment` function that draws the student's views (``views``,
    its own augmentations) and sets each image's target from the teacher's output on exactly that
    image, mixed with its (possibly mixed) label. Run in ``precision`` (bf16 autocast or fp32)."""

    def __init__(
        self, teacher: torch.nn.Module, views: augment.Augment | None, spec: DistillSpec, precision: str
    ) -> None:
        self.teacher, self.views, self.spec, self.precision = teacher.eval(), views, spec, precision

    def targets(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The targets of the images ``x`` (B, 1, 28, 28) in [0, 1] with labels ``y``."""
        self.teacher.to(x.device)
        with torch.no_grad(), torch.autocast(x.device.type, torch.bfloat16, enabled=self.precision == "bf16"):
            logits = self.teacher(normalize(x)).float()
        soft = F.softmax(logits / self.spec.temperature, dim=1)
        return self.spec.soft_weight * soft + (1 - self.spec.soft_weight) * augment.one_hot(y).to(soft.device)

    def _scored(self, x: torch.Tensor, y: torch.Tensor, generator: torch.Generator):
        return x, self.targets(x, y)

    def augment(self) -> augment.Augment:
        """The function `fmnist.train.fit` is handed: the views, then the teacher's targets; a leading
        flip and shift keep their one-pass uint8 path (`fmnist.augment.FlipShift`)."""
        views = self.views
        if isinstance(views, augment.FlipShift):
            then = views.then

            def after(x: torch.Tensor, y: torch.Tensor, generator: torch.Generator):
                if then is not None:
                    x, y = then(x, y, generator)
                return self._scored(x, y, generator)

            return augment.FlipShift(views.p, views.max_shift, then=after)

        def full(x: torch.Tensor, y: torch.Tensor, generator: torch.Generator):
            if views is not None:
                x, y = views(x, y, generator)
            return self._scored(x, y, generator)

        return full


def matched_targets(
    teacher: Teacher, names: tuple[str, ...], spec: DistillSpec, device: torch.device
) -> augment.Augment:
    """`MatchedTargets` for ``teacher`` on the views named ``names``, as the augmentation `fit` takes."""
    precision = resolve_precision("auto", device)
    return MatchedTargets(teacher.model, augment.build(names), spec, precision).augment()
