"""The shipped model, image files, and `python -m fmnist evaluate | predict`."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from fmnist.data import CLASSES, load_data
from fmnist.evaluate import evaluate, predict
from fmnist.images import ImageFileError, load_image_file, to_fashion_mnist
from fmnist.lab.cli import main
from fmnist.lab.recipes import RECIPES
from fmnist.models import MLP, model_from_config
from fmnist.pretrained import available, load_pretrained, pretrained_path, publish


def _best_recipe_config() -> dict:
    """The config of an untrained model of recipe ``best``."""
    best = RECIPES["best"]
    member = MLP(**best.model).config
    config = {"members": [member] * best.members} if best.members > 1 else member
    return model_from_config(config).config


@pytest.fixture(scope="module")
def test_split():
    return load_data().test


@pytest.mark.parametrize("name", available())
def test_each_shipped_model_reproduces_the_accuracy_in_its_metadata(test_split, name):
    model = load_pretrained(name)
    assert evaluate(model, test_split.images, test_split.labels).accuracy == model.metadata["test_accuracy"]


def test_the_best_ensemble_is_still_shipped_under_its_name():
    model = load_pretrained("best")
    assert model.metadata["recipe"] == "best" and model.config == _best_recipe_config()


def test_the_default_shipped_model_is_the_frontiers_best_by_validation_and_says_how_it_was_trained():
    from fmnist.lab.recipes import all_recipes, frontier_names
    from fmnist.lab.results import load_results, summarize
    from fmnist.lab.runner import selection_val
    from fmnist.precision import as_class
    from fmnist.pretrained import default_name

    model = load_pretrained()
    assert pretrained_path().stat().st_size <= 10_000_000
    if default_name() == "best":  # no study has published a model yet
        return
    meta = model.metadata
    assert {"method", "data", "val_accuracy", "test_accuracy", "study_key", "description"} <= set(meta)
    assert {"precision", "machine_class"} <= set(meta) and meta["machine_class"].endswith(meta["precision"])
    candidate = all_recipes()[meta["recipe"]]
    assert candidate.members == 1 and model.config == model_from_config(candidate.model).config
    with as_class(meta["machine_class"]):  # its key as "auto" resolved where it trained
        assert meta["study_key"] == candidate.key(meta["seed"], quick_mode=False)
    summaries = summarize(load_results())
    frontier = [summaries[n] for n in frontier_names() if n in summaries and summaries[n].fully_connected]
    assert meta["recipe"] in {s.name for s in frontier}  # never the CNN teacher drawn beside them
    assert selection_val(summaries[meta["recipe"]], summaries) == max(
        selection_val(s, summaries) for s in frontier
    )
    assert all(isinstance(layer, torch.nn.Linear) for layer in model.linear_layers())
    assert not any(isinstance(m, torch.nn.Conv2d | torch.nn.Conv1d) for m in model.modules())


def test_unknown_pretrained_names_list_the_available_ones():
    with pytest.raises(FileNotFoundError, match="available"):
        pretrained_path("nope")
    assert available()


def test_publish_in_quick_mode_never_touches_the_shipped_weights(tmp_path):
    shipped = pretrained_path().read_bytes()
    target = publish(pretrained_path(), "copy")
    assert "fmnist-quick-weights" in str(target) and target.read_bytes() == shipped


def test_predict_command_returns_the_class_of_a_saved_test_image(tmp_path, test_split, capsys):
    model = load_pretrained()
    expected = predict(model, test_split.images[:50])
    index = next(i for i in range(50) if int(expected.labels[i]) == int(test_split.labels[i]))
    path = tmp_path / "test_image.png"
    Image.fromarray(test_split.images[index].numpy()).save(path)
    assert np.array_equal(load_image_file(path), test_split.images[index].numpy())
    assert main(["predict", str(path), "--top", "2"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"{path}: {CLASSES[int(test_split.labels[index])]} ")


def test_a_dark_object_on_a_light_photo_is_inverted_cropped_and_centred():
    photo = np.full((100, 60), 240, dtype=np.uint8)
    photo[20:80, 10:50] = 30  # a dark block on a light background
    image = to_fashion_mnist(Image.fromarray(photo))
    assert image.shape == (28, 28) and image.dtype == np.uint8
    assert image[14, 14] > 200 and image[0, 0] == 0  # light object, dark background
    assert image[:, 13:15].mean() > image[:, :3].mean()  # centred


@pytest.mark.parametrize("content", [None, b"this is not an image"])
def test_predict_on_a_missing_or_non_image_file_fails_clearly(tmp_path, capsys, content):
    path = tmp_path / "photo.png"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ImageFileError):
        load_image_file(path)
    assert main(["predict", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(path) in err


def test_evaluate_command_prints_accuracy_and_per_class_metrics(capsys):
    assert main(["evaluate"]) == 0
    out = capsys.readouterr().out
    assert "test accuracy" in out and "ECE" in out and "Ankle boot" in out


def test_a_bad_model_path_fails_with_exit_code_2(tmp_path, capsys):
    assert main(["evaluate", "--model", str(tmp_path / "absent.pt")]) == 2
    assert "no checkpoint" in capsys.readouterr().err


def test_every_subcommand_has_help():
    for command in ("data", "train", "evaluate", "predict", "report"):
        done = subprocess.run(
            [sys.executable, "-m", "fmnist", command, "--help"], capture_output=True, text=True
        )
        assert done.returncode == 0 and "usage: fmnist" in done.stdout
