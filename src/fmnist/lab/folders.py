"""The research's output folders: assets/ (figures, result files) and runs/ (checkpoints).

In quick mode (`fmnist.quick`) both are temp folders, so a CI run never overwrites the committed
outputs of a full run.
"""

from __future__ import annotations

from pathlib import Path

from fmnist import quick
from fmnist.paths import project_root, quick_dir


def _output_dir(name: str) -> Path:
    """``<project>/<name>`` (or ``./<name>``), `quick_dir` in quick mode; created."""
    if quick.is_quick():
        folder = quick_dir(name)
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
