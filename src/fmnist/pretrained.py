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
DEFAULT_FILE = "DEFAULT"  # beside the weights: the name `load_pretrained()` returns, written by `make study`
FALLBACK = "best"  # the earlier shipped recipe, while no study has published a model


def default_name() -> str:
    """The name `load_pretrained()` returns: the one in ``weights/DEFAULT``, else ``best``."""
    path = WEIGHTS_DIR / DEFAULT_FILE
    return path.read_text().strip() if path.is_file() else FALLBACK


def available() -> list[str]:
    """Names of the shipped models."""
    return sorted(p.stem for p in WEIGHTS_DIR.glob("*.pt"))


def pretrained_path(name: str | None = None) -> Path:
    """Path of shipped model ``name`` (default: `default_name`); `FileNotFoundError` listing the
    available ones if absent."""
    name = name or default_name()
    path = WEIGHTS_DIR / f"{name}.pt"
    if not path.is_file():
        raise FileNotFoundError(f"no pretrained model {name!r}; available: {available() or 'none'}")
    return path


def load_pretrained(name: str | None = None, map_location: str = "cpu") -> MLP | Ensemble:
    """The shipped model ``name`` (default: the best fully-connected model by validation, see
    `default_name`) with its weights, in eval mode; how it was trained is in ``model.metadata``."""
    return load_model(pretrained_path(name), map_location=map_location)


def publish(checkpoint: str | Path, name: str, *, default: bool = False) -> Path:
    """Copy a run's checkpoint into the shipped weights as ``name`` (a temp folder in quick mode);
    with ``default`` it becomes what `load_pretrained()` returns."""
    read_checkpoint(checkpoint)  # refuse to ship anything that does not load
    folder = quick_dir("weights") if quick.is_quick() else WEIGHTS_DIR
    with open(checkpoint, "rb") as source:
        target = atomic_write(folder / f"{name}.pt", lambda handle: shutil.copyfileobj(source, handle))
    if default:
        atomic_write(folder / DEFAULT_FILE, lambda handle: handle.write(f"{name}\n".encode()))
    return target
