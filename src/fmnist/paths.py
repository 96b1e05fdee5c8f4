"""Files: the project root (for a checkout), and writes that never leave a half-written file.

The library writes only where it is told to; the research's output folders (assets/, runs/) are
`fmnist.lab.folders`.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO


def project_root() -> Path | None:
    """The repository holding this package (editable install), or None for a plain install."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "pyproject.toml").is_file() and (parent / "src" / "fmnist").is_dir():
            return parent
    return None


def quick_dir(name: str) -> Path:
    """``<tmp>/fmnist-quick-<name>``: where quick mode writes what a full run writes to ``name``."""
    return Path(tempfile.gettempdir()) / f"fmnist-quick-{name}"


def atomic_write(path: str | os.PathLike[str], write: Callable[[BinaryIO], object]) -> Path:
    """Call ``write(handle)`` on a temp file beside ``path``, fsync, then rename it over ``path``.

    An interruption at any point leaves the previous file intact and no temp file behind.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.chmod(0o644)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` with `atomic_write`."""
    data = text.encode()
    return atomic_write(path, lambda handle: handle.write(data))


def write_json(path: str | os.PathLike[str], data: Any) -> Path:
    """Write ``data`` as indented JSON to ``path`` with `atomic_write`."""
    return write_text(path, json.dumps(data, indent=1))


def shown_path(path: str | os.PathLike[str]) -> str:
    """``path`` relative to the project root when inside it (what committed outputs print), else as is."""
    root = project_root()
    resolved = Path(path).resolve()
    if root is not None and resolved.is_relative_to(root):
        return str(resolved.relative_to(root))
    return str(path)
