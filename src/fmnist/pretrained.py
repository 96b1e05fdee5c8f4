"""Trained models shipped with the package: `load_pretrained` works offline, without training.

The weights live in ``src/fmnist/weights/<name>.pt`` (committed, package data), written by a
full run of the notebook that trains them (`publish`). Each file's metadata records the test
accuracy measured when it was saved.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from fmnist import quick
from fmnist.checkpoint import load_model, read_checkpoint
from fmnist.models import MLP, Ensemble
from fmnist.paths import atomic_write, quick_dir

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
DEFAULT = "best"  # the strongest recipe (notebook 03); "seed_deep" is reference model 2


def available() -> list[str]:
    """Names of the shipped models."""
    return sorted(p.stem for p in WEIGHTS_DIR.glob("*.pt"))


def pretrained_path(name: str = DEFAULT) -> Path:
    """Path of shipped model ``name``; `FileNotFoundError` listing the available ones if absent."""
    path = WEIGHTS_DIR / f"{name}.pt"
    if not path.is_file():
        raise FileNotFoundError(f"no pretrained model {name!r}; available: {available() or 'none'}")
    return path


def load_pretrained(name: str = DEFAULT, map_location: str = "cpu") -> MLP | Ensemble:
    """The shipped model ``name`` with its weights, in eval mode; metadata in ``model.metadata``."""
    return load_model(pretrained_path(name), map_location=map_location)


def publish(checkpoint: str | Path, name: str) -> Path:
    """Copy a run's checkpoint into the shipped weights as ``name`` (a temp folder in quick mode)."""
    read_checkpoint(checkpoint)  # refuse to ship anything that does not load
    folder = quick_dir("weights") if quick.is_quick() else WEIGHTS_DIR
    with open(checkpoint, "rb") as source:
        return atomic_write(folder / f"{name}.pt", lambda handle: shutil.copyfileobj(source, handle))
