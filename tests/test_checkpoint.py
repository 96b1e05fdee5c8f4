"""Checkpoints: round trip, atomic writes, safe loading, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import fmnist.checkpoint as checkpoint
from fmnist.checkpoint import CheckpointError, load_model, save_model
from fmnist.models import build_model


@pytest.fixture
def model():
    torch.manual_seed(0)
    return build_model("seed_deep", norm="batch").eval()


def test_round_trip_restores_architecture_weights_and_metadata(model, tmp_path):
    path = save_model(model, tmp_path / "m.pt", test_accuracy=0.8765, note="hello")
    loaded = load_model(path)
    assert loaded.config == model.config
    assert loaded.metadata == {"test_accuracy": 0.8765, "note": "hello"}
    assert not loaded.training
    x = torch.randn(5, 784)
    assert torch.equal(loaded(x), model(x))
    assert list(tmp_path.iterdir()) == [path], "no temp file may be left behind"


def test_an_interrupted_save_leaves_the_previous_file_intact(model, tmp_path, monkeypatch):
    path = save_model(model, tmp_path / "m.pt", version="first")
    before = path.read_bytes()

    def crash_midway(obj, handle, *args, **kwargs):
        handle.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(checkpoint.torch, "save", crash_midway)
    with pytest.raises(KeyboardInterrupt):
        save_model(model, path, version="second")
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]


class RunsCode:
    """Unpickling this object creates a file: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_crafted_pickle_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    evil = RunsCode(marker)
    path = tmp_path / "evil.pt"
    torch.save({"format": "fmnist-checkpoint", "payload": evil}, path)
    assert not marker.exists()
    with pytest.raises(CheckpointError, match="refused by the safe loader"):
        load_model(path)
    assert not marker.exists()
    # The same file on an unsafe load would have run code: the test is not vacuous.
    torch.load(path, weights_only=False)
    assert marker.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a checkpoint at all", "not a readable checkpoint"),
        ({"just": "a dict"}, "not an fmnist-checkpoint file"),
        ({"format": "fmnist-checkpoint", "version": 99}, "version 99"),
    ],
)
def test_files_that_are_not_our_checkpoints_get_clear_errors(tmp_path, content, message):
    path = tmp_path / "x.pt"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        torch.save(content, path)
    with pytest.raises(CheckpointError, match=message):
        load_model(path)


def test_weights_that_do_not_fit_the_architecture_list_the_keys(model, tmp_path):
    path = save_model(model, tmp_path / "m.pt")
    payload = torch.load(path, weights_only=True)
    payload["state_dict"]["layers.99.weight"] = payload["state_dict"].pop("layers.1.weight")
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match=r"missing keys \['layers.1.weight'\].*layers.99.weight"):
        load_model(path)


def test_missing_file_and_bad_metadata(model, tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_model(tmp_path / "absent.pt")
    with pytest.raises(ValueError, match="JSON-serializable"):
        save_model(model, tmp_path / "m.pt", tensor=torch.zeros(1))
    with pytest.raises(TypeError, match="MLP"):
        save_model(torch.nn.Linear(2, 2), tmp_path / "m.pt")
