"""Run the notebooks top to bottom in place (what ``make run`` does) and record how long each took.

Each notebook runs in a fresh kernel, so none depends on another's hidden state; progress bars print
their final state as text (`fmnist.progress`), never a frozen widget. The times go to
``assets/run_times.json``, one record per CPU class with the machine it was measured on; the
README's table is made from it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from fmnist.lab.folders import assets_dir
from fmnist.paths import project_root, write_json
from fmnist.precision import machine_class, machine_description
from fmnist.progress import PROGRESS_ENV


def notebook_paths() -> list[Path]:
    """The project's notebooks, in their numbered order."""
    return sorted(((project_root() or Path.cwd()) / "notebooks").glob("*.ipynb"))


def execute(paths: Sequence[Path]) -> dict[str, Any]:
    """Execute each notebook in place, in a fresh kernel; return and write the timing record."""
    import nbformat
    from nbconvert.preprocessors import ExecutePreprocessor

    os.environ[PROGRESS_ENV] = "text"  # inherited by each kernel
    rows = []
    for path in paths:
        print(f"running {path.name} ...", flush=True)
        notebook = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        with local_kernel() as kernel:
            ExecutePreprocessor(timeout=None, kernel_name="python3").preprocess(
                notebook, {"metadata": {"path": str(path.parent)}}, km=kernel
            )
        seconds = time.perf_counter() - start
        notebook.metadata.pop("widgets", None)
        nbformat.write(notebook, path)
        print(f"{path.name}: {seconds / 60:.1f} min", flush=True)
        rows.append({"notebook": path.name, "seconds": seconds})
    path = assets_dir() / "run_times.json"
    record = merged_run_times(path, rows)
    write_json(path, {"classes": {**_by_class(path), record["machine_class"]: record}})
    return record


def _by_class(path: Path) -> dict[str, Any]:
    """The timing records in ``path`` by machine class (a file of the older, one-record kind: as
    this machine's class)."""
    import json

    return _records(json.loads(path.read_text())) if path.is_file() else {}


def _records(saved: dict[str, Any]) -> dict[str, Any]:
    """A saved timing file's records by machine class (the older, one-record kind: as this machine's)."""
    return saved["classes"] if "classes" in saved else {machine_class(): saved}


@contextlib.contextmanager
def local_kernel() -> Iterator[Any]:
    """A kernel manager whose kernel talks to us over Unix sockets (IPC) in a private temp folder,
    not over loopback TCP: nothing listens on a port, and ipykernel has no reason to warn that the
    traffic is unencrypted. The socket path is absolute, so kernel and client agree on it."""
    from jupyter_client.manager import KernelManager

    with tempfile.TemporaryDirectory(prefix="fmnist-kernel-") as folder:
        yield KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(folder) / "kernel"))


def merged_run_times(path: Path, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """This machine class's timing record with ``rows`` (notebooks just run) replacing those
    notebooks' earlier rows in ``path``; the other notebooks that still exist keep their earlier
    times (``--only``). Each CPU class keeps its own record."""
    earlier = _by_class(path).get(machine_class(), {}).get("notebooks", [])
    fresh, existing = {row["notebook"] for row in rows}, {p.name for p in notebook_paths()}
    kept = [row for row in earlier if row["notebook"] not in fresh and row["notebook"] in existing]
    merged = sorted(kept + rows, key=lambda row: row["notebook"])
    return {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_description(),
        "machine_class": machine_class(),
        "notebooks": merged,
        "total_seconds": sum(row["seconds"] for row in merged),
    }


def run_times_table(saved: dict[str, Any]) -> str:
    """Markdown: each notebook's wall time in the last ``make run`` of each CPU class, and the total."""
    by_class = _records(saved)
    records = list(by_class.values())
    names = sorted({row["notebook"] for record in records for row in record["notebooks"]})
    header = " | ".join(f"minutes, {machine_class}" for machine_class in by_class)
    lines = [f"| notebook | {header} |", "|---|" + "---:|" * len(records)]
    for name in names:
        cells = []
        for record in records:
            seconds = {row["notebook"]: row["seconds"] for row in record["notebooks"]}.get(name)
            cells.append("" if seconds is None else f"{seconds / 60:.1f}")
        lines.append(f"| `{name}` | {' | '.join(cells)} |")
    totals = " | ".join(f"**{record['total_seconds'] / 60:.1f}**" for record in records)
    lines.append(f"| **all notebooks** (`make run`, set-up excluded) | {totals} |")
    measured = "; ".join(f"{record['created'][:10]} on {record['machine']}" for record in records)
    return "\n".join(lines) + f"\n\nMeasured {measured}."
