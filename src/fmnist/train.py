"""Training: `TrainConfig`, `fit` -> `History`; device choice; seeding.

One obvious path: shuffle the in-memory training tensors, augment whole batches, step the
optimizer (and schedule, and weight average) on each batch, evaluate on the validation split once
per epoch, keep the weights of the best validation epoch. On CPU the same seed gives
bit-identical histories and weights.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

import torch
import torch.nn.functional as F
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from fmnist import augment as augmentations
from fmnist.checkpoint import CheckpointError, load_training_state, save_training_state
from fmnist.data import Augment, Splits, iterate_batches
from fmnist.evaluate import evaluate
from fmnist.precision import (
    PRECISIONS,
    Precision,
    Resolved,
    flushing_denormals,
    resolve_precision,
    warn_if_emulated,
)
from fmnist.progress import bar as progress_bar


def choose_device(device: str | torch.device | None = None) -> torch.device:
    """``device`` if given, else cuda, then mps, then cpu."""
    if device is not None:
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def set_seed(seed: int) -> None:
    """Seed torch's global generators (weights initialization, dropout)."""
    torch.manual_seed(seed)


OptimizerName = Literal["adam", "adamw", "sgd", "lion"]  # sgd: Nesterov; lion: Chen et al. 2023
OPTIMIZERS: tuple[str, ...] = get_args(OptimizerName)
ScheduleName = Literal["constant", "onecycle", "cosine"]  # the learning rate, stepped every batch
SCHEDULES: tuple[str, ...] = get_args(ScheduleName)


@dataclass
class TrainConfig:
    """Every knob of a training run, readable in one screen."""

    epochs: int = 25
    batch_size: int = 64
    lr: float = 3e-3  # the peak learning rate when a schedule is used
    optimizer: OptimizerName = "adam"
    weight_decay: float = 0.0
    momentum: float = 0.9  # sgd only
    schedule: ScheduleName = "constant"  # stepped every batch
    warmup_epochs: float = 0.0  # cosine only: linear warm-up from 0
    label_smoothing: float = 0.0
    grad_clip: float | None = None  # max global gradient norm
    ema_decay: float | None = None  # evaluate and keep an exponential moving average of weights
    augment: tuple[str, ...] = ()  # names for fmnist.augment.build, e.g. ("hflip", "erase:0.5")
    tta: bool = False  # validate with flip test-time augmentation
    seed: int = 0
    device: str | None = None  # None: cuda, then mps, then cpu
    drop_last: bool = False
    keep_best: Literal["val_acc", "val_loss"] | None = "val_acc"
    eval_batch_size: int = 4096
    precision: Precision = "auto"  # auto: bf16 autocast where native and faster, else fp32
    progress: bool = True
    checkpoint_path: str | None = None  # if set, the resumable state is written here (see checkpoint_every)
    checkpoint_every: float = 60.0  # seconds: write the state once this long has passed (0: every epoch)

    def __post_init__(self) -> None:
        self.augment = tuple(self.augment)
        checks = [
            (self.epochs >= 1, f"epochs must be at least 1, got {self.epochs}"),
            (
                self.checkpoint_every >= 0,
                f"checkpoint_every must be 0 or more seconds, got {self.checkpoint_every}",
            ),
            (self.batch_size >= 1, f"batch_size must be at least 1, got {self.batch_size}"),
            (self.lr > 0, f"lr must be positive, got {self.lr}"),
            (
                self.optimizer in OPTIMIZERS,
                f"optimizer must be one of {', '.join(map(repr, OPTIMIZERS))}, got {self.optimizer!r}",
            ),
            (
                self.schedule in SCHEDULES,
                f"schedule must be one of {', '.join(map(repr, SCHEDULES))}, got {self.schedule!r}",
            ),
            (
                0 <= self.warmup_epochs < self.epochs or self.schedule != "cosine",
                f"warmup_epochs must be in [0, epochs), got {self.warmup_epochs}",
            ),
            (0 <= self.label_smoothing < 1, f"label_smoothing must be in [0, 1), got {self.label_smoothing}"),
            (
                self.grad_clip is None or self.grad_clip > 0,
                f"grad_clip must be positive, got {self.grad_clip}",
            ),
            (
                self.ema_decay is None or 0 < self.ema_decay < 1,
                f"ema_decay must be in (0, 1), got {self.ema_decay}",
            ),
            (
                self.precision in PRECISIONS,
                f"precision must be 'auto', 'fp32' or 'bf16', got {self.precision!r}",
            ),
            (
                self.keep_best in ("val_acc", "val_loss", None),
                f"keep_best must be 'val_acc', 'val_loss' or None, got {self.keep_best!r}",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)
        augmentations.build(self.augment)  # unknown names fail now, not after an epoch


@dataclass
class History:
    """Per-epoch records and which epoch was kept.

    Each record: epoch, train_loss, train_acc (over the epoch, dropout and augmentation active),
    val_loss, val_acc, seconds (training + validation) and train_seconds (training only).
    ``precision`` is the one that ran (``auto`` resolved for the device).
    """

    epochs: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int | None = None
    device: str = "cpu"
    interrupted: bool = False
    precision: Resolved = "fp32"

    def column(self, key: str) -> list[float]:
        """One metric over the epochs, e.g. ``history.column("val_acc")``."""
        return [record[key] for record in self.epochs]

    @property
    def seconds(self) -> float:
        """Total training time, validation included."""
        return sum(self.column("seconds"))

    @property
    def best(self) -> dict[str, float]:
        """The record of the kept epoch (the last one if none was selected)."""
        index = self.best_epoch if self.best_epoch is not None else len(self.epochs)
        return self.epochs[index - 1]

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON result files."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        """The `History` that `to_dict` wrote (a result file's ``histories`` entries)."""
        return cls(
            **{
                k: data[k]
                for k in ("epochs", "best_epoch", "device", "interrupted", "precision")
                if k in data
            }
        )


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or infinite."""


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    """Adam, AdamW or SGD (Nesterov), fused into one kernel where the device supports it; or Lion.

    On a CPU, PyTorch's default optimizer step loops over the parameters in Python: about half
    of a small model's step time. The fused step does the same arithmetic in one kernel. Lion
    (the sign of an interpolated momentum, Chen et al. 2023) comes from ``lion-pytorch``, unfused;
    its weight decay is AdamW's decoupled form, so ``lr * weight_decay`` compares across the two.
    """
    params: list[Any] = list(model.parameters())
    if config.optimizer == "lion":
        try:
            from lion_pytorch import Lion
        except ImportError as err:
            raise ImportError(
                "optimizer='lion' needs the lion-pytorch package: pip install 'fmnist[lab]'"
            ) from err
        return Lion(params, lr=config.lr, weight_decay=config.weight_decay)
    kinds: dict[str, tuple[type[torch.optim.Optimizer], dict[str, Any]]] = {
        "adam": (torch.optim.Adam, {}),
        "adamw": (torch.optim.AdamW, {}),
        "sgd": (torch.optim.SGD, {"momentum": config.momentum, "nesterov": True}),
    }
    kind, extra = kinds[config.optimizer]
    options = {"lr": config.lr, "weight_decay": config.weight_decay, **extra}
    try:
        return kind(params, fused=True, **options)
    except (RuntimeError, ValueError):  # no fused kernel for this device or dtype
        return kind(params, **options)


def _make_schedule(
    optimizer: torch.optim.Optimizer, config: TrainConfig, steps_per_epoch: int
) -> torch.optim.lr_scheduler.LRScheduler | None:
    total = config.epochs * steps_per_epoch
    if config.schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr, total_steps=total)
    if config.schedule == "cosine":
        warmup = round(config.warmup_epochs * steps_per_epoch)

        def factor(step: int) -> float:
            if step < warmup:
                return (step + 1) / warmup
            return 0.5 * (1 + math.cos(math.pi * min(1.0, (step - warmup) / max(1, total - warmup))))

        return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    return None


def training_loss(logits: torch.Tensor, targets: torch.Tensor, label_smoothing: float = 0.0) -> torch.Tensor:
    """NLL of ``log_softmax`` (the reference's loss) for class indices; soft-target CE for mixes."""
    if targets.is_floating_point():
        if label_smoothing:
            targets = targets * (1 - label_smoothing) + label_smoothing / targets.shape[1]
        return -(targets * F.log_softmax(logits, dim=1)).sum(dim=1).mean()
    if label_smoothing:
        return F.cross_entropy(logits, targets, label_smoothing=label_smoothing)
    return F.nll_loss(F.log_softmax(logits, dim=1), targets)


@dataclass
class _Run:
    """The moving parts of one training run."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    schedule: torch.optim.lr_scheduler.LRScheduler | None
    average: AveragedModel | None  # the EMA of the weights, updated every step
    generator: torch.Generator
    augment: Augment | None
    device: torch.device
    precision: Resolved

    @property
    def evaluated(self) -> nn.Module:
        """The weights that are validated and kept: the average where there is one."""
        return self.model if self.average is None else self.average.module


def _steps_per_epoch(n: int, config: TrainConfig) -> int:
    return n // config.batch_size if config.drop_last else math.ceil(n / config.batch_size)


def _train_one_epoch(run: _Run, splits: Splits, config: TrainConfig, epoch: int) -> tuple[float, float]:
    """One pass over the training split; returns (mean loss, accuracy). Syncs once, at the end."""
    run.model.train()
    losses = torch.zeros(_steps_per_epoch(len(splits.train), config), device=run.device)
    correct = torch.zeros((), dtype=torch.long, device=run.device)
    seen = 0
    batches = iterate_batches(
        splits.train,
        config.batch_size,
        shuffle=True,
        generator=run.generator,
        device=run.device,
        drop_last=config.drop_last,
        augment=run.augment,
    )
    low_precision = run.precision == "bf16"

    for step, (x, y) in enumerate(batches):
        with torch.autocast(run.device.type, dtype=torch.bfloat16, enabled=low_precision):
            logits = run.model(x)
        loss = training_loss(logits.float(), y, config.label_smoothing)
        run.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if config.grad_clip is not None:
            nn.utils.clip_grad_norm_(run.model.parameters(), config.grad_clip)
        run.optimizer.step()
        if run.schedule is not None:
            run.schedule.step()
        if run.average is not None:
            run.average.update_parameters(run.model)
        hard = y.argmax(dim=1) if y.is_floating_point() else y
        losses[step] = loss.detach() * y.shape[0]
        correct += (logits.detach().argmax(dim=1) == hard).sum()
        seen += y.shape[0]
    finite = torch.isfinite(losses)
    if not bool(finite.all()):
        bad_step = int((~finite).nonzero()[0]) + 1
        raise TrainingDivergedError(
            f"loss became {float(losses[bad_step - 1]) / config.batch_size} at epoch {epoch}, "
            f"step {bad_step} (lr={config.lr}): lower the learning rate (try {config.lr / 10:g})."
        )
    return float(losses.sum()) / seen, int(correct) / seen


def unless_default(fields: Mapping[str, Any], late_knobs: Mapping[str, Any]) -> dict[str, Any]:
    """``fields`` without each late knob (a name of ``late_knobs``) at its default there."""
    return {k: v for k, v in fields.items() if not (k in late_knobs and v == late_knobs[k])}


# Settings that may differ between an interrupted run and its resumption.
_RESUME_FREE = ("device", "progress", "checkpoint_path", "checkpoint_every", "eval_batch_size")
# Knobs added after results were recorded, at their defaults (`unless_default`).
# Knobs that lost on every class left this config (sharpness-aware minimization, stochastic weight
# averaging, no weight decay on biases and norms); their runs stay in the result store, with the
# commit that ran them in assets/retired.jsonl.
_LATE_KNOBS: dict[str, Any] = {}


def recipe_of(config: TrainConfig) -> dict[str, Any]:
    """The fields of ``config`` that determine a run's result (device, progress and paths aside),
    with ``precision`` the one that runs: ``auto`` resolved for the config's device. So a study key
    holds the precision that ran, and two machine classes give two result files."""
    fields = {k: v for k, v in asdict(config).items() if k not in _RESUME_FREE}
    recipe = unless_default(fields, _LATE_KNOBS)
    recipe["precision"] = resolve_precision(config.precision, choose_device(config.device))
    return recipe


@flushing_denormals()  # late epochs' denormal optimizer moments cost many times their work
def fit(
    model: nn.Module,
    splits: Splits,
    config: TrainConfig | None = None,
    *,
    augment: Augment | None = None,
    resume_from: str | Path | None = None,
    on_epoch_end: Callable[[History, nn.Module], None] | None = None,
) -> History:
    """Train ``model`` on ``splits.train``, validate on ``splits.val`` each epoch.

    Returns the `History`. The model ends on the chosen device holding the weights of the best
    validation epoch (``config.keep_best``; the weight average's where ``ema_decay`` is set). Seed
    the weights beforehand with `set_seed`; shuffling, dropout and augmentations are seeded here
    from ``config.seed``. ``augment`` (a function, see `fmnist.augment`) replaces
    ``config.augment``. Interrupting (Ctrl-C, a notebook's stop button) returns the history so
    far with the best weights kept. With ``config.checkpoint_path`` the full state is saved
    after the first epoch, then after the first epoch that ends ``config.checkpoint_every`` seconds
    or more after the last save, and after the last epoch (a save of the frontier MLP's ~30 MB
    state costs 5-10% of its epoch on AMX, `benchmarks/bench_checkpoint.py`; a kill loses about a
    minute); ``resume_from`` that file continues the run, and on CPU ends with the same weights
    as an uninterrupted run. ``on_epoch_end(history, model)`` is called after each epoch
    with the history so far and the weights being validated (for logging or pruning; its time is
    not counted in the history; an exception it raises ends the run).
    """
    config = config or TrainConfig()
    device = choose_device(config.device)
    model.to(device)
    data = splits.to(device)
    torch.manual_seed(config.seed)
    optimizer = make_optimizer(model, config)
    average = None
    if config.ema_decay is not None:
        average = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(config.ema_decay), use_buffers=True)
    run = _Run(
        model=model,
        optimizer=optimizer,
        schedule=_make_schedule(optimizer, config, _steps_per_epoch(len(data.train), config)),
        average=average,
        generator=torch.Generator().manual_seed(config.seed),
        augment=augment if augment is not None else augmentations.build(config.augment),
        device=device,
        precision=resolve_precision(config.precision, device),
    )
    warn_if_emulated(run.precision, device)
    history = History(device=str(device), precision=run.precision)
    best_score, best_state = -math.inf, None
    first_epoch = 1
    if resume_from is not None:
        state = load_training_state(resume_from)
        if state["recipe"] != recipe_of(config):
            raise CheckpointError(
                f"{resume_from} was written by a run with another config: {state['recipe']}; "
                "resume with the same TrainConfig (only device, progress and paths may change)"
            )
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if run.schedule is not None:
            run.schedule.load_state_dict(state["schedule"])
        if run.average is not None:
            run.average.load_state_dict(state["ema"])
        torch.set_rng_state(state["torch_rng"])
        run.generator.set_state(state["generator"])
        history.epochs, history.best_epoch = list(state["history"]), state["best_epoch"]
        best_score, best_state = state["best_score"], state["best_state"]
        first_epoch = state["epoch"] + 1
    bar = progress_bar(
        range(first_epoch, config.epochs + 1), desc="epochs", unit="epoch", disable=not config.progress
    )
    last_save = -math.inf  # the first epoch always saves
    try:
        for epoch in bar:
            start = time.perf_counter()
            train_loss, train_acc = _train_one_epoch(run, data, config, epoch)
            train_seconds = time.perf_counter() - start
            val = evaluate(
                run.evaluated,
                data.val.images,
                data.val.labels,
                batch_size=config.eval_batch_size,
                tta=config.tta,
            )
            history.epochs.append(
                {
                    "epoch": epoch,
                    "train_loss": train_loss,
                    "train_acc": train_acc,
                    "val_loss": val.loss,
                    "val_acc": val.accuracy,
                    "seconds": time.perf_counter() - start,
                    "train_seconds": train_seconds,
                }
            )
            bar.set_postfix(loss=f"{train_loss:.4f}", val_acc=f"{val.accuracy:.4f}")
            if config.keep_best is not None:
                score = val.accuracy if config.keep_best == "val_acc" else -val.loss
                if score > best_score:
                    best_score, history.best_epoch = score, epoch
                    best_state = {k: v.detach().clone() for k, v in run.evaluated.state_dict().items()}
            due = time.perf_counter() - last_save >= config.checkpoint_every or epoch == config.epochs
            if config.checkpoint_path is not None and due:
                last_save = time.perf_counter()
                save_training_state(
                    {
                        "epoch": epoch,
                        "recipe": recipe_of(config),
                        "model": model.state_dict(),
                        "optimizer": optimizer.state_dict(),
                        "schedule": run.schedule.state_dict() if run.schedule is not None else None,
                        "ema": run.average.state_dict() if run.average is not None else None,
                        "torch_rng": torch.get_rng_state(),
                        "generator": run.generator.get_state(),
                        "history": history.epochs,
                        "best_epoch": history.best_epoch,
                        "best_score": best_score,
                        "best_state": best_state,
                    },
                    config.checkpoint_path,
                )
            if on_epoch_end is not None:
                on_epoch_end(history, run.evaluated)
    except KeyboardInterrupt:
        history.interrupted = True
    finally:
        bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    elif run.average is not None:
        model.load_state_dict(run.evaluated.state_dict())
    model.eval()
    return history
