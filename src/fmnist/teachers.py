"""Teachers for distillation: a training-time tool, never a shipped model.

A `TeacherSpec` names a small VGG-style CNN, or an MLP (``mlp``: `fmnist.models.MLP`'s arguments,
for self-distillation), and how to train it. `get_teacher` trains it on the
**training split only** (never a validation or test image: no epoch is chosen by validation, the
last one is kept) or loads it from its cache, ``runs/teachers/<key>.pt``, keyed by a hash of the
spec; the cache is written atomically and read with ``weights_only=True``. A teacher's training
checkpoints every epoch and resumes after a kill. Its accuracy is written next to the study's
result files (``method: "cnn"``, ``fully_connected: false``; an MLP's: ``"mlp-teacher"``, true) so it
can be drawn as a reference.
"""

from __future__ import annotations

import hashlib
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
from fmnist.models import MLP
from fmnist.paths import runs_dir
from fmnist.train import TrainConfig, fit, recipe_of, set_seed

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


@dataclass(frozen=True)
class TeacherSpec:
    """A teacher: its architecture and training config (trained on the training split only).

    ``mlp`` set: the teacher is that `MLP` (its arguments), and the CNN's fields are unused."""

    name: str = "cnn-32-64-128-flat"
    channels: tuple[int, ...] = (32, 64, 128)
    convs_per_block: int = 1
    head: Head = "flatten"
    mlp: dict[str, Any] | None = None
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

    def config(self, quick_mode: bool | None = None) -> dict[str, Any]:
        """Everything that determines the teacher's weights."""
        if self.mlp is not None:
            network: dict[str, Any] = {"mlp": MLP(**self.mlp).config}
        else:
            network = {
                "channels": list(self.channels),
                "convs_per_block": self.convs_per_block,
                **({"head": self.head} if self.head != "gap" else {}),  # the first teacher had no choice
            }
        return {
            **network,
            "train": recipe_of(self.train),
            "data": "48k train split",
            "quick": quick.is_quick() if quick_mode is None else quick_mode,
        }

    @property
    def record_name(self) -> str:
        """``teacher-<name>``: the name of its result record in the study (`teacher_record`)."""
        return f"teacher-{self.name}"

    def key(self, quick_mode: bool | None = None) -> str:
        """12 hex digits of the sha256 of `config`: the cache's file name."""
        text = json.dumps(self.config(quick_mode), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def build(self) -> ConvTeacher | MLP:
        """A fresh, untrained network."""
        if self.mlp is not None:
            return MLP(**self.mlp)
        return ConvTeacher(self.channels, self.convs_per_block, self.head)

    def describe(self) -> str:
        """What the network is, in words."""
        if self.mlp is not None:
            return f"MLP 784-{'-'.join(map(str, self.mlp['hidden']))}-10"
        return (
            f"CNN: {self.convs_per_block} conv(s) per block, channels {'-'.join(map(str, self.channels))}, "
            f"{self.head} head"
        )


def teacher_path(spec: TeacherSpec) -> Path:
    """``runs/teachers/<name>-<key>.pt`` (git-ignored)."""
    return runs_dir() / "teachers" / f"{spec.name}-{spec.key()}.pt"


@dataclass
class Teacher:
    """A trained teacher network and what it measured."""

    spec: TeacherSpec
    model: ConvTeacher | MLP
    val_accuracy: float
    test_accuracy: float
    train_seconds: float
    train_examples: int


def get_teacher(spec: TeacherSpec, splits: Splits) -> Teacher:
    """The cached teacher of ``spec``, trained on ``splits.train`` first if not cached yet.

    Quick mode trains it on `quick.train_subset` for `quick.epochs` epochs (a separate cache key).
    """
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


def teacher_record(teacher: Teacher) -> dict[str, Any]:
    """The teacher as a study result record (``method: "cnn"``, not fully connected; an MLP's
    ``"mlp-teacher"``, fully connected)."""
    from fmnist.results import environment

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
