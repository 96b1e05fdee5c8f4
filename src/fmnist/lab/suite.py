"""The corruption suite's results, as a table: every recipe whose runs measured it.

A run records its accuracy under `fmnist.robustness.SUITE` on validation and test (the
``robustness`` of its result file); a recipe whose files predate the suite is measured by
``benchmarks/suite_backfill.py`` (``assets/suite_backfill.json``, retrained seeds). The table takes
the suite's mean over seeds from either, per CPU class.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from fmnist.lab.results import machine_class_of
from fmnist.robustness import mean_accuracy

BACKFILL_FILE = "suite_backfill.json"


def read_backfill(folder: Path) -> list[dict[str, Any]]:
    """``<folder>/suite_backfill.json`` (empty when absent)."""
    path = folder / BACKFILL_FILE
    return json.loads(path.read_text()) if path.is_file() else []


def suite_rows(
    records: Iterable[Mapping[str, Any]], backfill: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """One row per recipe and CPU class with the suite measured: seeds, clean and suite-mean
    accuracy on validation and test (means over seeds), and where the numbers come from."""
    groups: dict[tuple[str, str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for record in records:
        if "robustness" in record:
            groups[(record["name"], machine_class_of(record), "result files")].append(record["robustness"])
    for row in backfill:
        groups[(row["recipe"], row["machine_class"], "retrained (suite_backfill)")].append(row["robustness"])
    rows = []
    for (name, machine_class, source), suites in groups.items():
        rows.append(
            {
                "recipe": name,
                "machine_class": machine_class,
                "seeds": len(suites),
                "val_clean": statistics.fmean(s["val"]["clean"] for s in suites),
                "val_suite": statistics.fmean(mean_accuracy(s["val"]) for s in suites),
                "test_clean": statistics.fmean(s["test"]["clean"] for s in suites),
                "test_suite": statistics.fmean(mean_accuracy(s["test"]) for s in suites),
                "source": source,
            }
        )
    return sorted(rows, key=lambda r: (r["machine_class"], -r["val_suite"]))


def suite_table(rows: Iterable[Mapping[str, Any]]) -> str:
    """Markdown of `suite_rows`: accuracy %, clean and the suite's mean, validation then test."""
    lines = [
        "| recipe | CPU class | n seeds | val clean | val suite mean | test clean | test suite mean | from |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| `{r['recipe']}` | {r['machine_class']} | {r['seeds']} | {100 * r['val_clean']:.2f} "
            f"| {100 * r['val_suite']:.2f} | {100 * r['test_clean']:.2f} | {100 * r['test_suite']:.2f} "
            f"| {r['source']} |"
        )
    return "\n".join(lines)
