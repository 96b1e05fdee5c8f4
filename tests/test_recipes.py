"""The one registry: every named recipe, what it trains, and the key that names its runs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fmnist.lab import recipes
from fmnist.lab.cli import main
from fmnist.lab.recipes import RECIPES, REGISTRY, get_recipe


def test_reference_recipes_match_the_reference_notebook():
    small, deep = RECIPES["seed_small"].train, RECIPES["seed_deep"].train
    assert (small.epochs, small.lr, small.batch_size, small.optimizer) == (25, 3e-3, 64, "adam")
    assert (deep.epochs, deep.lr, deep.batch_size, deep.optimizer) == (35, 7e-4, 64, "adam")
    assert RECIPES["seed_small"].model == {"hidden": [128, 64], "dropout": [0.25, 0.0]}
    assert (RECIPES["seed_small"].reference_test_accuracy, RECIPES["seed_deep"].reference_test_accuracy) == (
        0.8742,
        0.8865,
    )


def test_every_named_configuration_is_one_registry_entry_with_a_unique_name():
    names = [
        r.name for r in [*RECIPES.values(), *recipes.ABLATION, *recipes.SCREENING, *recipes.FRONTIER_RECIPES]
    ]
    assert set(names) <= set(REGISTRY) and len(REGISTRY) == len(set(REGISTRY))
    assert all(isinstance(r, recipes.Recipe) for r in REGISTRY.values())
    for recipe in REGISTRY.values():
        assert recipe.base is None or recipe.base in REGISTRY, recipe.name


def test_unknown_recipes_are_named_with_the_choices():
    assert get_recipe("seed_deep") is RECIPES["seed_deep"]
    with pytest.raises(ValueError, match="seed_small"):
        get_recipe("nope")


def test_the_key_ignores_the_device_and_progress_and_notes_half_size_weights():
    small = RECIPES["seed_small"]
    assert small.with_train(device="cpu", progress=False).key(0) == small.key(0)
    assert "weights_dtype" not in small.config(0) and RECIPES["best"].config(0)["weights_dtype"] == "float16"
    assert replace(small, weights_dtype="float16").key(0) != small.key(0)


def test_a_decision_is_kept_per_machine_class():
    mid = REGISTRY["mid512-e20"]
    assert mid.decision(recipes.FP32_CLASS)[0] == "kept" and mid.decision()[0] == "pending"
    assert mid.kept_on(recipes.FP32_CLASS) and not mid.kept_on() and mid.kept_on(None)


@pytest.mark.parametrize(
    ("verdict", "kept"),
    [("kept", True), ("pending", False), ("measured", False), ("dropped", False)],
)
def test_kept_on_reads_the_verdict_of_one_class_or_of_any(verdict, kept):
    recipe = replace(RECIPES["seed_small"], decisions={recipes.FP32_CLASS: (verdict, "why")})
    assert recipe.kept_on(recipes.FP32_CLASS) is kept and recipe.kept_on(None) is kept
    assert not recipe.kept_on(recipes.AVX2_CLASS) and not replace(recipe, decisions={}).kept_on(None)


def test_a_screening_candidate_joins_the_frontier_once_kept_somewhere():
    kept = REGISTRY["mid512-flipshift-d02-e400"]
    assert kept.decision(recipes.FP32_CLASS)[0] == "kept" and kept.decision()[0] == "pending"
    assert kept.name in recipes.FRONTIER and kept.name in recipes.frontier_names()
    dropped = REGISTRY["mid512-flipcrop2-e400"]
    assert dropped.decision(recipes.FP32_CLASS)[0] == "dropped" and dropped.name not in recipes.FRONTIER
    assert len(recipes.FRONTIER) == len(set(recipes.FRONTIER))


@pytest.mark.parametrize(
    ("machine_class", "device", "expected"),
    [
        ("x86 AMX bf16", "cpu", "wide-e25-bf16-bytes"),
        ("x86 AVX-512 bf16", "cpu", "mid512-e20"),
        ("x86 AVX2 fp32", "cpu", "mid512-e20"),
        ("x86 AVX2 fp32", "cuda", "wide-e25-bf16-bytes"),
    ],
)
def test_the_live_recipe_is_the_one_minute_point_of_the_machine_class(
    monkeypatch, machine_class, device, expected
):
    import torch

    monkeypatch.setattr("fmnist.precision.machine_class", lambda: machine_class)
    monkeypatch.setattr("fmnist.train.choose_device", lambda device_=None: torch.device(device))
    assert recipes.live_recipe().name == expected


def test_cli_train_runs_each_seed_through_the_runner(monkeypatch, capsys, splits):
    import fmnist.data

    monkeypatch.setattr(fmnist.data, "load_data", lambda: splits)
    assert main(["train", "--preset", "seed_small", "--seeds", "0", "1", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "seed_small seed 0: val accuracy" in out and "test accuracy" in out and "seed_small seed 1" in out
    assert main(["train", "--recipe", "seed_small", "--seeds", "0", "--device", "cpu"]) == 0
    assert "skip seed_small-seed0-" in capsys.readouterr().out
    assert main(["train", "--preset", "seed_small", "--seeds", "0", "--device", "cpu"]) == 0
    assert "--preset is an alias of --recipe" in capsys.readouterr().err
