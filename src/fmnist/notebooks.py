"""Run the notebooks top to bottom in place (what ``make run`` does) and record how long each took.

Each notebook runs in a fresh kernel, so none depends on another's hidden state; progress bars print
their final state as text (`fmnist.progress`), never a frozen widget. The times go to
``assets/run_times.json`` with the machine they were measured on; the README's table is made from it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from fmnist.paths import assets_dir, project_root, write_json
from fmnist.progress import PROGRESS_ENV
from fmnist.results import machine


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
        ExecutePreprocessor(timeout=None, kernel_name="python3").preprocess(
            notebook, {"metadata": {"path": str(path.parent)}}
        )
        seconds = time.perf_counter() - start
        notebook.metadata.pop("widgets", None)
        nbformat.write(notebook, path)
        print(f"{path.name}: {seconds / 60:.1f} min", flush=True)
        rows.append({"notebook": path.name, "seconds": seconds})
    record = merged_run_times(assets_dir() / "run_times.json", rows)
    write_json(assets_dir() / "run_times.json", record)
    return record


def merged_run_times(path: Path, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The timing record with ``rows`` (notebooks just run) replacing those notebooks' earlier rows
    in ``path``; the other notebooks that still exist keep their earlier times (``--only``)."""
    import json

    earlier = json.loads(path.read_text())["notebooks"] if path.is_file() else []
    fresh, existing = {row["notebook"] for row in rows}, {p.name for p in notebook_paths()}
    kept = [row for row in earlier if row["notebook"] not in fresh and row["notebook"] in existing]
    merged = sorted(kept + rows, key=lambda row: row["notebook"])
    return {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "notebooks": merged,
        "total_seconds": sum(row["seconds"] for row in merged),
    }


def run_times_table(record: dict[str, Any]) -> str:
    """Markdown: each notebook's wall time in the last ``make run``, and the total."""
    lines = ["| notebook | minutes |", "|---|---:|"]
    lines += [f"| `{row['notebook']}` | {row['seconds'] / 60:.1f} |" for row in record["notebooks"]]
    lines.append(
        f"| **all notebooks** (`make run`, set-up excluded) | **{record['total_seconds'] / 60:.1f}** |"
    )
    return "\n".join(lines) + f"\n\nMeasured {record['created'][:10]} on {record['machine']}."
