"""Quick mode parsing and the command line."""

from __future__ import annotations

import pytest

from fmnist import quick
from fmnist.lab.cli import main


@pytest.mark.parametrize(
    ("value", "expected"), [("1", True), ("yes", True), ("0", False), ("", False), ("false", False)]
)
def test_quick_mode_reads_one_variable(monkeypatch, value, expected):
    monkeypatch.setenv(quick.QUICK_ENV, value)
    assert quick.is_quick() is expected
    assert quick.epochs(25) == (quick.QUICK_EPOCHS if expected else 25)
    assert quick.limit(48_000) == (quick.QUICK_EXAMPLES if expected else 48_000)


def test_cli_data_reports_missing_data_with_a_non_zero_exit(tmp_path, monkeypatch, capsys):
    import fmnist.data as data

    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "absent")
    assert main(["data", "--root", str(tmp_path), "--no-download"]) == 1
    assert "dataset-fashion-mnist" in capsys.readouterr().err


def test_cli_data_succeeds_on_the_real_data(capsys):
    assert main(["data", "--no-download"]) == 0
    assert "verified" in capsys.readouterr().out


def test_running_some_notebooks_keeps_the_other_notebooks_times(tmp_path):
    import json

    from fmnist.lab.notebooks import merged_run_times, notebook_paths

    names = [p.name for p in notebook_paths()]
    path = tmp_path / "run_times.json"
    earlier = [{"notebook": name, "seconds": 10.0} for name in names]
    earlier.append({"notebook": "gone.ipynb", "seconds": 5.0})
    path.write_text(json.dumps({"notebooks": earlier}))
    record = merged_run_times(path, [{"notebook": names[1], "seconds": 99.0}])
    assert [row["notebook"] for row in record["notebooks"]] == names
    assert record["notebooks"][1]["seconds"] == 99.0
    assert record["total_seconds"] == 10.0 * (len(names) - 1) + 99.0


def test_notebook_kernels_talk_over_unix_sockets_without_a_tcp_warning(tmp_path, capfd):
    import nbformat
    from nbconvert.preprocessors import ExecutePreprocessor

    from fmnist.lab.notebooks import local_kernel

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    with local_kernel() as kernel:
        assert kernel.transport == "ipc"
        ExecutePreprocessor(timeout=120, kernel_name="python3").preprocess(
            notebook, {"metadata": {"path": str(tmp_path)}}, km=kernel
        )
    assert notebook.cells[0].outputs[0]["text"] == "42\n"
    assert "without encryption" not in capfd.readouterr().err
