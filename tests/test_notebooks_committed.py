"""The committed notebooks hold the text outputs of a full run: no widgets, no quick mode, no
absolute paths of the machine that ran them, and sizes that GitHub renders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
WIDGET = "application/vnd.jupyter.widget-view+json"
MAX_BYTES = {"04_evaluate_model.ipynb": 500_000}
DEFAULT_MAX_BYTES = 1_000_000


def _outputs(notebook: dict) -> list[dict]:
    return [
        out for cell in notebook["cells"] if cell["cell_type"] == "code" for out in cell.get("outputs", [])
    ]


def _text(output: dict) -> str:
    if "text" in output:
        return "".join(output["text"])
    return "".join("".join(v) if isinstance(v, list) else str(v) for v in output.get("data", {}).values())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_committed_notebook_holds_a_full_runs_text_outputs(path):
    notebook = json.loads(path.read_text())
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert all(cell.get("execution_count") for cell in code), f"{path.name}: not every cell was run"
    outputs = _outputs(notebook)
    assert not any(WIDGET in out.get("data", {}) for out in outputs), f"{path.name}: widget outputs"
    assert "widgets" not in notebook["metadata"], f"{path.name}: widget state in the metadata"
    text = "\n".join(_text(out) for out in outputs)
    assert "quick mode: True" not in text and "fmnist-quick-" not in text, f"{path.name}: quick-mode outputs"
    assert not any(out.get("output_type") == "error" for out in outputs), f"{path.name}: an error output"
    for absolute in ("/work/", "/home/", "/root/", "/tmp/"):
        assert absolute not in text, f"{path.name} prints an absolute path ({absolute}...)"
    assert "\r" not in text, f"{path.name}: a progress bar's intermediate frames were kept"
    assert path.stat().st_size <= MAX_BYTES.get(path.name, DEFAULT_MAX_BYTES), f"{path.name} is too large"
