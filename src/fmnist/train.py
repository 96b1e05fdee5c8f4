"""Training: `TrainConfig`, `fit` -> `History`; device choice; seeding.

One obvious path: shuffle the in-memory training tensors, step the optimizer on each batch,
evaluate on the validation split once per epoch, keep the weights of the best validation epoch.
On CPU the same seed gives bit-identical histories and weights.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from fmnist.checkpoint import CheckpointError, load_training_state, save_training_state
from fmnist.data import Augment, Splits, iterate_batches
from fmnist.evaluate import evaluate


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


@dataclass
class TrainConfig:
    """Every knob of a training run, readable in one screen."""

    epochs: int = 25
    batch_size: int = 64
    lr: float = 3e-3
    optimizer: Literal["adam", "adamw", "sgd"] = "adam"
    weight_decay: float = 0.0
    momentum: float = 0.9  # sgd only
    seed: int = 0
    device: str | None = None  # None: cuda, then mps, then cpu
    drop_last: bool = False
    keep_best: Literal["val_acc", "val_loss"] | None = "val_acc"
    eval_batch_size: int = 4096
    progress: bool = True
    checkpoint_path: str | None = None  # if set, the resumable state is written here every epoch

    def __post_init__(self) -> None:
        if self.epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {self.epochs}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {self.batch_size}")
        if not self.lr > 0:
            raise ValueError(f"lr must be positive, got {self.lr}")
        if self.optimizer not in ("adam", "adamw", "sgd"):
            raise ValueError(f"optimizer must be 'adam', 'adamw' or 'sgd', got {self.optimizer!r}")
        if self.keep_best not in ("val_acc", "val_loss", None):
            raise ValueError(f"keep_best must be 'val_acc', 'val_loss' or None, got {self.keep_best!r}")


@dataclass
class History:
    """Per-epoch records (train/val loss and accuracy, seconds) and which epoch was kept."""

    epochs: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int | None = None
    device: str = "cpu"
    interrupted: bool = False

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


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or infinite."""


def _make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    params = model.parameters()
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    if config.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    return torch.optim.SGD(
        params,
        lr=config.lr,
        momentum=config.momentum,
        nesterov=True,
        weight_decay=config.weight_decay,
    )


def _train_one_epoch(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    splits: Splits,
    config: TrainConfig,
    generator: torch.Generator,
    device: torch.device,
    augment: Augment | None,
    epoch: int,
) -> tuple[float, float]:
    """One pass over the training split; returns (mean loss, accuracy). Syncs once, at the end."""
    model.train()
    n = len(splits.train)
    steps = n // config.batch_size if config.drop_last else math.ceil(n / config.batch_size)
    losses = torch.zeros(steps, device=device)
    correct = torch.zeros((), dtype=torch.long, device=device)
    seen = 0
    batches = iterate_batches(
        splits.train,
        config.batch_size,
        shuffle=True,
        generator=generator,
        device=device,
        drop_last=config.drop_last,
        augment=augment,
    )
    for step, (x, y) in enumerate(batches):
        logits = model(x)
        loss = F.nll_loss(F.log_softmax(logits, dim=1), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses[step] = loss.detach() * y.shape[0]
        correct += (logits.detach().argmax(dim=1) == y).sum()
        seen += y.shape[0]
    finite = torch.isfinite(losses)
    if not bool(finite.all()):
        bad_step = int((~finite).nonzero()[0]) + 1
        raise TrainingDivergedError(
            f"loss became {float(losses[bad_step - 1]) / config.batch_size} at epoch {epoch}, "
            f"step {bad_step} (lr={config.lr}): lower the learning rate (try {config.lr / 10:g})."
        )
    return float(losses.sum()) / seen, int(correct) / seen


# Settings that may differ between an interrupted run and its resumption.
_RESUME_FREE = ("device", "progress", "checkpoint_path", "eval_batch_size")


def _recipe_of(config: TrainConfig) -> dict[str, Any]:
    return {k: v for k, v in asdict(config).items() if k not in _RESUME_FREE}


def fit(
    model: nn.Module,
    splits: Splits,
    config: TrainConfig | None = None,
    *,
    augment: Augment | None = None,
    resume_from: str | Path | None = None,
) -> History:
    """Train ``model`` on ``splits.train``, validate on ``splits.val`` each epoch.

    Returns the `History`. The model ends on the chosen device holding the weights of the best
    validation epoch (``config.keep_best``). Seed the weights beforehand with `set_seed`; the
    shuffling and dropout are seeded here from ``config.seed``. Interrupting (Ctrl-C, a
    notebook's stop button) returns the history so far with the best weights kept. With
    ``config.checkpoint_path`` the full state is saved after every epoch; ``resume_from`` that
    file continues the run, and on CPU ends with the same weights as an uninterrupted run.
    """
    config = config or TrainConfig()
    device = choose_device(config.device)
    model.to(device)
    data = splits.to(device)
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    optimizer = _make_optimizer(model, config)
    history = History(device=str(device))
    best_score, best_state = -math.inf, None
    first_epoch = 1
    if resume_from is not None:
        state = load_training_state(resume_from)
        if state["recipe"] != _recipe_of(config):
            raise CheckpointError(
                f"{resume_from} was written by a run with another config: {state['recipe']}; "
                "resume with the same TrainConfig (only device, progress and paths may change)"
            )
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["torch_rng"])
        generator.set_state(state["generator"])
        history.epochs, history.best_epoch = list(state["history"]), state["best_epoch"]
        best_score, best_state = state["best_score"], state["best_state"]
        first_epoch = state["epoch"] + 1
    bar = tqdm(
        range(first_epoch, config.epochs + 1), desc="epochs", unit="epoch", disable=not config.progress
    )
    try:
        for epoch in bar:
            start = time.perf_counter()
            train_loss, train_acc = _train_one_epoch(
                model, optimizer, data, config, generator, device, augment, epoch
            )
            val = evaluate(model, data.val.images, data.val.labels, batch_size=config.eval_batch_size)
            record = {
                "epoch": epoch,
                "train_loss": train_loss,
                "train_acc": train_acc,
                "val_loss": val.loss,
                "val_acc": val.accuracy,
                "seconds": time.perf_counter() - start,
            }
            history.epochs.append(record)
            bar.set_postfix(loss=f"{train_loss:.4f}", val_acc=f"{val.accuracy:.4f}")
            if config.keep_best is not None:
                score = val.accuracy if config.keep_best == "val_acc" else -val.loss
                if score > best_score:
                    best_score, history.best_epoch = score, epoch
                    best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            if config.checkpoint_path is not None:
                save_training_state(
                    {
                        "epoch": epoch,
                        "recipe": _recipe_of(config),
                        "model": model.state_dict(),
                        "optimizer": optimizer.state_dict(),
                        "torch_rng": torch.get_rng_state(),
                        "generator": generator.get_state(),
                        "history": history.epochs,
                        "best_epoch": history.best_epoch,
                        "best_score": best_score,
                        "best_state": best_state,
                    },
                    config.checkpoint_path,
                )
    except KeyboardInterrupt:
        history.interrupted = True
    finally:
        bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return history
