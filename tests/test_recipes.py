"""run_recipe(): one call trains, evaluates, and writes a result file and a loadable checkpoint."""

from __future__ import annotations

import json

import pytest

from fmnist import quick
from fmnist.checkpoint import load_model
from fmnist.cli import main
from fmnist.evaluate import evaluate
from fmnist.recipes import RECIPES, recipe_config, run_recipe


def test_reference_recipes_match_the_reference_notebook():
    small, deep = RECIPES["seed_small"].train, RECIPES["seed_deep"].train
    assert (small.epochs, small.lr, small.batch_size, small.optimizer) == (25, 3e-3, 64, "adam")
    assert (deep.epochs, deep.lr, deep.batch_size, deep.optimizer) == (35, 7e-4, 64, "adam")


def test_quick_mode_shortens_epochs_and_unknown_recipes_are_named(monkeypatch):
    assert recipe_config("seed_deep", seed=3).epochs == quick.QUICK_EPOCHS
    monkeypatch.setenv(quick.QUICK_ENV, "0")
    assert recipe_config("seed_deep", seed=3).seed == 3
    assert recipe_config("seed_deep").epochs == 35
    with pytest.raises(ValueError, match="seed_small"):
        recipe_config("nope")


def test_run_recipe_writes_a_result_and_a_checkpoint_that_reproduces_it(splits):
    run = run_recipe("seed_small", splits, seed=5, device="cpu", progress=False)
    record = json.loads(run.result_path.read_text())
    assert record["seed"] == 5 and record["quick"] is True
    assert record["reference_test_accuracy"] == 0.8742
    assert "fmnist-quick" in str(run.result_path), "quick runs never write into the repository"
    loaded = load_model(run.checkpoint_path)
    assert loaded.metadata["test_accuracy"] == run.test.accuracy
    assert evaluate(loaded, splits.test.images, splits.test.labels).accuracy == run.test.accuracy


def test_cli_train_runs_each_seed(monkeypatch, capsys, splits):
    import fmnist.data

    monkeypatch.setattr(fmnist.data, "load_data", lambda: splits)
    assert main(["train", "--preset", "seed_small", "--seeds", "0", "1", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "seed_small seed 0: val accuracy" in out and "test accuracy" in out and "seed_small seed 1" in out
