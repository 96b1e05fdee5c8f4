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


def _output_dir(name: str) -> Path:
    """``<project>/<name>`` (or ``./<name>``), ``<tmp>/fmnist-quick-<name>`` in quick mode; created."""
    if quick.is_quick():
        folder = Path(tempfile.gettempdir()) / f"fmnist-quick-{name}"
    else:
        root = project_root()
        folder = (root if root is not None else Path.cwd()) / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def assets_dir() -> Path:
    """``<project>/assets``: generated figures and result files; a temp folder in quick mode."""
    return _output_dir("assets")


def results_dir() -> Path:
    """``assets/results``: one JSON file per reported training run."""
    folder = assets_dir() / "results"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def runs_dir() -> Path:
    """``<project>/runs`` (git-ignored): checkpoints of training runs; a temp folder in quick mode."""
    return _output_dir("runs")
