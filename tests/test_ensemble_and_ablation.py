"""Ensembles of MLPs (checkpointed, evaluated, recorded) and the ablation chain behind `best`."""

from __future__ import annotations

import dataclasses
import itertools
import math

import pytest
import torch

from fmnist.checkpoint import load_model, round_weights_, save_model
from fmnist.evaluate import evaluate, hidden_features
from fmnist.lab.recipes import ABLATION, BEST_ENSEMBLE, SEED_DEEP, SEED_SMALL, ablation_chain
from fmnist.lab.results import architecture, results_table
from fmnist.lab.runner import member_seed, run
from fmnist.models import MLP, PRESETS, Ensemble, model_from_config


def _members(count: int = 3) -> list[MLP]:
    members = []
    for seed in range(count):
        torch.manual_seed(seed)
        members.append(MLP(hidden=[16], norm="batch").eval())
    return members


def test_an_ensemble_returns_the_log_of_its_members_mean_probabilities():
    members = _members()
    x = torch.randn(5, 1, 28, 28)
    expected = torch.stack([m(x).softmax(dim=1) for m in members]).mean(dim=0).log()
    ensemble = Ensemble(members).eval()
    assert torch.allclose(ensemble(x), expected, atol=1e-6)
    assert torch.allclose(ensemble(x).exp().sum(dim=1), torch.ones(5), atol=1e-6)
    assert ensemble.num_parameters() == sum(m.num_parameters() for m in members)
    assert len(ensemble.linear_layers()) == 6 and ensemble.linear_layers()[0] is members[0].linear_layers()[0]


def test_an_ensemble_needs_mlp_members():
    with pytest.raises(ValueError, match="one or more fmnist MLPs"):
        Ensemble([])
    with pytest.raises(ValueError, match="one or more fmnist MLPs"):
        Ensemble([torch.nn.Linear(784, 10)])


def test_an_ensemble_checkpoint_round_trips(tmp_path, splits):
    ensemble = Ensemble(_members())
    path = save_model(ensemble, tmp_path / "ensemble.pt", test_accuracy=0.5)
    loaded = load_model(path)
    assert isinstance(loaded, Ensemble) and loaded.config == ensemble.config
    assert loaded.metadata == {"test_accuracy": 0.5}
    before = evaluate(ensemble, splits.test.images, splits.test.labels)
    after = evaluate(loaded, splits.test.images, splits.test.labels)
    assert before.accuracy == after.accuracy and math.isclose(before.loss, after.loss, rel_tol=1e-6)
    assert isinstance(model_from_config(PRESETS["seed_small"]), MLP)


def test_ensemble_hidden_features_put_the_members_side_by_side(splits):
    ensemble = Ensemble(_members(2))
    features = hidden_features(ensemble, splits.test.images[:7])
    assert features.shape == (7, 32)
    assert torch.equal(features[:, :16], hidden_features(ensemble.members[0], splits.test.images[:7]))


def test_an_ensemble_recipe_trains_each_member_with_its_own_seed_and_records_the_ensemble(splits, tmp_path):
    small = SEED_SMALL.with_train(device="cpu", progress=False)
    pair = dataclasses.replace(small, name="pair", description="two small MLPs", members=2, method="ensemble")
    done = run(pair, splits, seed=4, folder=tmp_path)
    assert isinstance(done.model, Ensemble) and len(done.histories) == 2
    assert [member_seed(4, i) for i in range(2)] == [4, 1004]
    single = run(small, splits, seed=4, folder=tmp_path)
    assert torch.equal(
        done.model.members[0].linear_layers()[0].weight, single.model.linear_layers()[0].weight
    )
    record = done.record
    assert len(record["histories"]) == 2 and record["config"]["members"] == 2
    assert record["config"]["model"] == done.model.members[0].config and record["method"] == "ensemble"
    assert (
        record["val"]["accuracy"]
        == done.val.accuracy
        == evaluate(done.model, splits.val.images, splits.val.labels).accuracy
    )
    assert "| pair | 2 x 128-64 |" in results_table([record], ["pair"])
    assert load_model(done.model_path).metadata["val_accuracy"] == done.val.accuracy


def test_architecture_names_single_models_and_ensembles():
    assert architecture({"model": PRESETS["seed_deep"]}) == "392-196-98-49"
    assert architecture({"model": PRESETS["best"], "members": 3}) == "3 x 1024-1024"


def test_the_ablation_chain_starts_at_reference_model_2_and_ends_exactly_at_best():
    chain = ablation_chain()
    first, last = chain[0], chain[-1]
    assert first is SEED_DEEP and chain[1:] == ABLATION
    assert [r.name for r in ABLATION] == [f"ablation-{i}" for i in range(1, len(chain))]
    best = BEST_ENSEMBLE
    assert last.members == best.members and last.train == best.train and last.method == "ensemble"
    assert MLP(**last.model).config == MLP(**best.model).config
    for before, after in itertools.pairwise(chain):
        assert after.base == before.name
        assert (before.model, before.train, before.members) != (after.model, after.train, after.members), (
            after.description
        )


def test_the_ensemble_recipe_rounds_its_weights_as_its_checkpoint_stores_them(splits, tmp_path):
    tiny = dataclasses.replace(
        BEST_ENSEMBLE, name="tiny-best", model={"hidden": [32, 32], "dropout": 0.3, "norm": "batch"}
    ).with_train(epochs=1, device="cpu", progress=False)
    done = run(tiny, splits, seed=0, folder=tmp_path)
    assert done.record["config"]["weights_dtype"] == "float16"
    assert all(torch.equal(p, p.half().float()) for p in done.model.parameters())
    loaded = load_model(done.model_path)
    assert evaluate(loaded, splits.test.images, splits.test.labels).accuracy == done.test_accuracy


def test_half_size_weights_load_as_float32_and_evaluate_exactly_as_the_rounded_model(tmp_path, splits):
    ensemble = Ensemble(_members())
    full = save_model(ensemble, tmp_path / "full.pt")
    half = save_model(ensemble, tmp_path / "half.pt", weights_dtype="float16")
    assert half.stat().st_size < 0.6 * full.stat().st_size
    loaded = load_model(half)
    assert all(p.dtype == torch.float32 for p in loaded.parameters())
    round_weights_(ensemble, "float16")
    assert all(
        torch.equal(a, b)
        for a, b in zip(ensemble.state_dict().values(), loaded.state_dict().values(), strict=True)
    )
    rounded = evaluate(ensemble, splits.test.images, splits.test.labels)
    assert evaluate(loaded, splits.test.images, splits.test.labels).accuracy == rounded.accuracy
    with pytest.raises(ValueError, match="weights_dtype must be one of"):
        save_model(ensemble, tmp_path / "x.pt", weights_dtype="int8")
