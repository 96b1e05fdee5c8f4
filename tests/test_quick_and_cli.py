"""Quick mode parsing and the command line."""

from __future__ import annotations

import pytest

from fmnist import quick
from fmnist.cli import main


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
