"""Progress bars: one final line of text when a file keeps the output (`make run`), else tqdm."""

from __future__ import annotations

from fmnist import progress
from fmnist.models import MLP
from fmnist.train import TrainConfig, fit


def test_text_mode_prints_only_the_final_state_once(monkeypatch, capsys):
    monkeypatch.setenv(progress.PROGRESS_ENV, "text")
    assert progress.text_mode()
    for _ in progress.bar(range(40), desc="epochs", unit="epoch"):
        pass
    out = capsys.readouterr()
    assert out.out.count("\n") == 1 and "\r" not in out.out and out.err == ""
    assert out.out.startswith("epochs: 100%") and "40/40" in out.out


def test_fit_in_text_mode_leaves_one_line_with_its_last_metrics(monkeypatch, capsys, splits):
    monkeypatch.setenv(progress.PROGRESS_ENV, "text")
    fit(MLP([16]), splits, TrainConfig(epochs=2, batch_size=64, device="cpu"))
    line = capsys.readouterr().out.strip()
    assert "2/2" in line and "val_acc=" in line and "\n" not in line


def test_without_the_variable_bars_are_tqdms_own(monkeypatch):
    monkeypatch.delenv(progress.PROGRESS_ENV, raising=False)
    bar = progress.bar(range(2), disable=True)
    assert not isinstance(bar, progress.FinalLineBar)
    bar.close()
