"""Where things live: the project root, and the assets folder that figures and results go to.

In quick mode (`fmnist.quick`) figures and results go to a temp folder, so a CI run never
overwrites the committed outputs of a full run.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from fmnist import quick


def project_root() -> Path | None:
    """The repository holding this package (editable install), or None for a plain install."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "pyproject.toml").is_file() and (parent / "src" / "fmnist").is_dir():
            return parent
    return None


def assets_dir() -> Path:
    """``<project>/assets`` (or ``./assets``); a temp folder in quick mode. Created if missing."""
    if quick.is_quick():
        folder = Path(tempfile.gettempdir()) / "fmnist-quick-assets"
    else:
        root = project_root()
        folder = (root if root is not None else Path.cwd()) / "assets"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def results_dir() -> Path:
    """``assets/results``: one JSON file per reported training run."""
    folder = assets_dir() / "results"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def runs_dir() -> Path:
    """``<project>/runs`` (git-ignored) for checkpoints of training runs; a temp folder in quick mode."""
    if quick.is_quick():
        folder = Path(tempfile.gettempdir()) / "fmnist-quick-runs"
    else:
        root = project_root()
        folder = (root if root is not None else Path.cwd()) / "runs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
