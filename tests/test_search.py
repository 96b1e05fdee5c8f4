"""A tiny Optuna study: 2 trials, 1 epoch, small synthetic data, stored in SQLite."""

from __future__ import annotations

import optuna

from fmnist.lab.search import run_study


def test_a_tiny_study_runs_and_resumes_from_its_database(splits, tmp_path):
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    study = run_study(splits, 2, epochs=1, storage=storage, device="cpu", sampler_seed=0)
    assert len(study.trials) == 2
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    assert 0.0 <= study.best_value <= 1.0 and "width" in study.best_params
    again = run_study(splits, 1, epochs=1, storage=storage, device="cpu")  # another machine, say
    assert len(again.trials) == 3


def test_search_command_adds_trials_to_the_named_storage(splits, tmp_path, monkeypatch, capsys):
    import fmnist.data
    from fmnist.lab.cli import main

    monkeypatch.setattr(fmnist.data, "load_data", lambda: splits)
    storage = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["search", "--trials", "1", "--epochs", "1", "--storage", storage, "--device", "cpu"]) == 0
    assert "1 trials; best validation accuracy" in capsys.readouterr().out
    assert len(optuna.load_study(study_name="fmnist-mlp", storage=storage).trials) == 1
