"""Teachers for distillation: a training-time tool, never a shipped model.

A `TeacherSpec` names a small VGG-style CNN, or an MLP (``mlp``: `fmnist.models.MLP`'s arguments,
for self-distillation), and how to train it. `get_teacher` trains it on the
**training split only** (never a validation or test image: no epoch is chosen by validation, the
last one is kept) or loads it from its cache, `teacher_path`, keyed by a hash of the spec and by
the machine class; the cache is written atomically and read with ``weights_only=True``. A
teacher's training checkpoints about once a minute and resumes after a kill. Its accuracy is
written next to the study's result files (``method: "cnn"``, ``fully_connected: false``; an MLP's:
``"mlp-teacher"``, true) so it can be drawn as a reference.

An MLP teacher with ``members > 1`` is an ensemble: the same MLP and recipe trained with seeds 0 to
``members - 1`` (each its own cached teacher and record), its logits the log of their averaged
probabilities (`fmnist.models.Ensemble`). A small payload at its own path holds the ensemble's
accuracies, so they are measured once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import torch
from torch import nn

from fmnist import quick
from fmnist.checkpoint import atomic_torch_save, safe_load
from fmnist.data import Splits
from fmnist.evaluate import evaluate
from fmnist.lab.folders import runs_dir
from fmnist.lab.keys import config_hash
from fmnist.models import MLP, Ensemble
from fmnist.precision import class_suffix, machine_class
from fmnist.train import TrainConfig, fit, recipe_of, set_seed, unless_default

TEACHER_FORMAT = "fmnist-teacher"


Head = Literal["gap", "flatten"]


class ConvTeacher(nn.Module):
    """Blocks of (3x3 conv, batch norm, ReLU) x ``convs_per_block``, then one linear layer to the
    10 classes. ``head="flatten"``: every block ends in 2x2 max pooling and the linear layer sees the
    whole last feature map (where things are stays known); ``"gap"``: every block but the last
    pools, then global average pooling (position is averaged away)."""

    def __init__(
        self, channels: tuple[int, ...] = (32, 64, 128), convs_per_block: int = 1, head: Head = "flatten"
    ) -> None:
        super().__init__()
        if head not in ("gap", "flatten"):
            raise ValueError(f"head must be 'gap' or 'flatten', got {head!r}")
        layers: list[nn.Module] = []
        width, side = 1, 28
        for index, out in enumerate(channels):
            for _ in range(convs_per_block):
                layers += [nn.Conv2d(width, out, 3, padding=1, bias=False), nn.BatchNorm2d(out), nn.ReLU()]
                width = out
            if head == "flatten" or index < len(channels) - 1:
                layers.append(nn.MaxPool2d(2))
                side //= 2
        self.features = nn.Sequential(*layers)
        if head == "gap":
            self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, 10))
        else:
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(width * side * side, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x.view(-1, 1, 28, 28)))

    def num_parameters(self) -> int:
        """Learnable parameters."""
        return sum(p.numel() for p in self.parameters())


# Knobs added after teachers were cached, at their defaults (fmnist.train.unless_default): the first
# teacher had no choice of head.
_LATE_KNOBS = {"head": "gap", "members": 1}


@dataclass(frozen=True)
class TeacherSpec:
    """A teacher: its architecture and training config (trained on the training split only).

    ``mlp`` set: the teacher is that `MLP` (its arguments), and the CNN's fields are unused."""

    name: str = "cnn-32-64-128-flat"
    channels: tuple[int, ...] = (32, 64, 128)
    convs_per_block: int = 1
    head: Head = "flatten"
    mlp: dict[str, Any] | None = None
    members: int = 1  # > 1 (an MLP only): an ensemble of seeds 0..members-1, probabilities averaged
    train: TrainConfig = field(
        default_factory=lambda: TrainConfig(
            epochs=20,
            batch_size=256,
            lr=3e-3,
            optimizer="adamw",
            weight_decay=0.05,
            schedule="onecycle",
            label_smoothing=0.1,
            augment=("hflip", "translate:2"),
            keep_best=None,  # the last epoch: validation never chooses anything of a teacher
        )
    )

    def __post_init__(self) -> None:
        if self.train.keep_best is not None:
            raise ValueError(
                "a teacher must not be chosen by validation accuracy: set keep_best=None in its TrainConfig"
            )
        if self.members < 1 or (self.members > 1 and self.mlp is None):
            raise ValueError(
                f"members must be 1, or more for an MLP teacher (an ensemble of seeds), got {self.members}"
            )

    def member_specs(self) -> list[TeacherSpec]:
        """The teachers an ensemble averages: this spec with seeds 0..members-1 (itself if one)."""
        if self.members == 1:
            return [self]
        return [replace(self, members=1, train=replace(self.train, seed=i)) for i in range(self.members)]

    def config(self, quick_mode: bool | None = None) -> dict[str, Any]:
        """Everything that determines the teacher's weights."""
        if self.mlp is not None:
            network: dict[str, Any] = {"mlp": MLP(**self.mlp).config}
        else:
            network = {
                "channels": list(self.channels),
                "convs_per_block": self.convs_per_block,
                "head": self.head,
            }
        config = {
            **network,
            "members": self.members,
            "train": recipe_of(self.train),
            "data": "48k train split",
            "quick": quick.is_quick() if quick_mode is None else quick_mode,
        }
        return unless_default(config, _LATE_KNOBS)

    @property
    def record_name(self) -> str:
        """``teacher-<name>``: the name of its result record in the study (`teacher_record`)."""
        return f"teacher-{self.name}"

    def key(self, quick_mode: bool | None = None) -> str:
        """`config`'s hash: the cache's file name."""
        return config_hash(self.config(quick_mode))

    def build(self) -> ConvTeacher | MLP:
        """A fresh, untrained network."""
        if self.mlp is not None:
            return MLP(**self.mlp)
        return ConvTeacher(self.channels, self.convs_per_block, self.head)

    def describe(self) -> str:
        """What the network is, in words."""
        if self.mlp is not None:
            mlp = f"MLP 784-{'-'.join(map(str, self.mlp['hidden']))}-10"
            return mlp if self.members == 1 else f"ensemble of {self.members} seeds of the {mlp}"
        return (
            f"CNN: {self.convs_per_block} conv(s) per block, channels {'-'.join(map(str, self.channels))}, "
            f"{self.head} head"
        )


def teacher_path(spec: TeacherSpec) -> Path:
    """``runs/teachers/<name>-<key><class suffix>.pt`` (git-ignored): suffixed by this machine's class
    as result files are, since two classes share a key where ``auto`` resolves alike, and a teacher
    (its weights, its minutes) is only reused on the class that trained it."""
    return runs_dir() / "teachers" / f"{spec.name}-{spec.key()}{class_suffix(machine_class())}.pt"


@dataclass
class Teacher:
    """A trained teacher network and what it measured."""

    spec: TeacherSpec
    model: ConvTeacher | MLP | Ensemble
    val_accuracy: float
    test_accuracy: float
    train_seconds: float
    train_examples: int
    members: tuple[Teacher, ...] = ()  # an ensemble's own teachers


def get_teacher(spec: TeacherSpec, splits: Splits) -> Teacher:
    """The cached teacher of ``spec``, trained on ``splits.train`` first if not cached yet.

    Quick mode trains it on `quick.train_subset` for `quick.epochs` epochs (a separate cache key).
    An ensemble gets (or trains) each of its members, then measures itself once.
    """
    if spec.members > 1:
        return _ensemble_teacher(spec, splits)
    path = teacher_path(spec)
    if path.is_file():
        payload = safe_load(path, TEACHER_FORMAT)
        model = spec.build()
        model.load_state_dict(payload["state"])
        model.eval()
        numbers = [payload[k] for k in ("val_accuracy", "test_accuracy", "train_seconds", "train_examples")]
        return Teacher(spec, model, *numbers)
    state = path.with_suffix(".state")
    config = replace(spec.train, epochs=quick.epochs(spec.train.epochs), checkpoint_path=str(state))
    print(f"train teacher {spec.name} ({path.name}): training split only, {config.epochs} epochs", flush=True)
    set_seed(config.seed)
    model = spec.build()
    data = quick.train_subset(splits)
    history = fit(model, data, config, resume_from=state if state.is_file() else None)
    if history.interrupted:
        raise KeyboardInterrupt(f"teacher {spec.name} interrupted; run again to resume")
    model = model.cpu().eval()
    val = evaluate(model, splits.val.images, splits.val.labels).accuracy
    test = evaluate(model, splits.test.images, splits.test.labels).accuracy
    atomic_torch_save(
        {
            "format": TEACHER_FORMAT,
            "version": 1,
            "spec": json.loads(json.dumps(spec.config(), default=str)),
            "state": model.state_dict(),
            "val_accuracy": val,
            "test_accuracy": test,
            "train_seconds": history.seconds,
            "train_examples": len(data.train),
        },
        path,
    )
    state.unlink(missing_ok=True)
    return Teacher(spec, model, val, test, history.seconds, len(data.train))


def _ensemble_teacher(spec: TeacherSpec, splits: Splits) -> Teacher:
    """`get_teacher` for an ensemble: its members, and its accuracies (cached at `teacher_path`)."""
    members = tuple(get_teacher(member, splits) for member in spec.member_specs())
    model = Ensemble([member.model for member in members]).eval()
    seconds = sum(member.train_seconds for member in members)
    path = teacher_path(spec)
    if path.is_file():
        payload = safe_load(path, TEACHER_FORMAT)
        val, test = payload["val_accuracy"], payload["test_accuracy"]
    else:
        val = evaluate(model, splits.val.images, splits.val.labels).accuracy
        test = evaluate(model, splits.test.images, splits.test.labels).accuracy
        payload = {
            "format": TEACHER_FORMAT,
            "version": 1,
            "spec": json.loads(json.dumps(spec.config(), default=str)),
            "member_keys": [member.spec.key() for member in members],
            "val_accuracy": val,
            "test_accuracy": test,
            "train_seconds": seconds,
            "train_examples": members[0].train_examples,
        }
        atomic_torch_save(payload, path)
    return Teacher(spec, model, val, test, seconds, members[0].train_examples, members)


def teacher_record(teacher: Teacher) -> dict[str, Any]:
    """The teacher as a study result record (``method: "cnn"``, not fully connected; an MLP's
    ``"mlp-teacher"``, fully connected)."""
    from fmnist.lab.results import environment

    spec = teacher.spec
    return {
        "name": spec.record_name,
        "method": "cnn" if spec.mlp is None else "mlp-teacher",
        "description": f"teacher (training-time tool, never shipped): {spec.describe()}, trained on the "
        "training split only",
        "selected_by": None,
        "seed": spec.train.seed,
        "key": spec.key(),
        "config": spec.config(),
        "fully_connected": spec.mlp is not None,
        "parameters": teacher.model.num_parameters(),
        "train_examples": teacher.train_examples,
        "val_seen_in_training": False,
        "train_seconds": teacher.train_seconds,
        "val": {"accuracy": teacher.val_accuracy},
        "test": {"accuracy": teacher.test_accuracy},
        "environment": environment(),
    }
