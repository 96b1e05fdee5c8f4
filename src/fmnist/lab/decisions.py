"""The tracking sheet: what was decided on each recipe, per CPU class, as data.

``assets/decisions.jsonl`` holds one line per recipe and class: its ``status`` (``kept``,
``dropped`` or ``measured``; a recipe with no line there is ``pending``) and a one-line ``note``
saying why, with no typed numbers: the numbers beside a decision (validation, its change from the
base, minutes, seeds) are computed from the result store (`fmnist.lab.frontier.screening_rows`).
`fmnist.lab.plan` reads the status, never the note.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from pathlib import Path

from fmnist.paths import project_root

DECISIONS_FILE = "decisions.jsonl"
KEPT, DROPPED, MEASURED = "kept", "dropped", "measured"
STATUSES = (KEPT, DROPPED, MEASURED)
PENDING = "pending"
Decision = tuple[str, str]  # (status, note)


def decisions_path() -> Path:
    """``<project>/assets/decisions.jsonl`` (``./assets/`` outside a checkout)."""
    return (project_root() or Path.cwd()) / "assets" / DECISIONS_FILE


def read_decisions(path: str | Path) -> dict[str, dict[str, Decision]]:
    """recipe name -> machine class -> (status, note), from a tracking sheet; a clear error naming
    the line for anything that is not a decision."""
    table: dict[str, dict[str, Decision]] = {}
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            recipe, machine_class, status, note = row["recipe"], row["class"], row["status"], row["note"]
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise ValueError(
                f"{path}:{number}: not a decision ({err}); each line is a JSON object with recipe, class, "
                "status and note"
            ) from None
        if status not in STATUSES:
            raise ValueError(f"{path}:{number}: status {status!r} is not one of {STATUSES}")
        if machine_class in table.get(recipe, {}):
            raise ValueError(f"{path}:{number}: a second decision on {recipe} for {machine_class}")
        table.setdefault(recipe, {})[machine_class] = (status, note)
    return table


@functools.cache
def tracking_sheet() -> Mapping[str, dict[str, Decision]]:
    """The project's tracking sheet (`decisions_path`), read once per process; empty when absent."""
    path = decisions_path()
    return read_decisions(path) if path.is_file() else {}


def typed_numbers(note: str) -> list[str]:
    """The numbers typed in ``note`` outside backticked names (recipe names hold digits)."""
    return re.findall(r"\d+(?:\.\d+)?", re.sub(r"`[^`]*`", "", note))
