"""The MLP and its presets: shapes, parameter counts, where dropout sits, argument checks."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from fmnist.models import MLP, build_model


def _learnable_layer_types(model: nn.Module) -> set[type]:
    return {type(m) for m in model.modules() if any(True for _ in m.parameters(recurse=False))}


@pytest.mark.parametrize(
    ("name", "hidden", "parameters", "dropouts"),
    [
        ("seed_small", [128, 64], 784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10, 1),
        ("seed_deep", [392, 196, 98, 49], 409_405, 3),
    ],
)
def test_presets_build_the_reference_architectures(name, hidden, parameters, dropouts):
    model = build_model(name)
    assert model.config["hidden"] == hidden
    assert model.num_parameters() == parameters
    assert sum(isinstance(m, nn.Dropout) for m in model.modules()) == dropouts
    assert _learnable_layer_types(model) == {nn.Linear}
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    assert model(torch.zeros(3, 784)).shape == (3, 10)


def test_seed_small_has_dropout_only_after_its_first_hidden_layer():
    layers = list(build_model("seed_small").layers)
    kinds = [type(m).__name__ for m in layers]
    assert kinds == ["Flatten", "Linear", "ReLU", "Dropout", "Linear", "ReLU", "Linear"]


def test_overrides_and_normalization_keep_linear_the_only_pixel_mixing_layer():
    model = build_model("seed_small", norm="batch", activation="gelu", dropout=0.1)
    assert _learnable_layer_types(model) == {nn.Linear, nn.BatchNorm1d}
    assert model.config["dropout"] == [0.1, 0.1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"hidden": [0]}, "positive"),
        ({"hidden": [8, 8], "dropout": [0.1]}, "1 dropout values for 2"),
        ({"dropout": 1.0}, r"\[0, 1\)"),
        ({"activation": "swish"}, "activation must be one of"),
        ({"norm": "group"}, "norm must be"),
    ],
)
def test_bad_arguments_say_what_is_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MLP(**kwargs)


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(ValueError, match="seed_deep"):
        build_model("resnet")


def test_residual_blocks_add_their_input_and_input_dropout_comes_first():
    model = MLP(hidden=[32, 32, 32], residual=True, input_dropout=0.1, norm="layer")
    kinds = [type(m).__name__ for m in model.layers]
    assert kinds == ["Flatten", "Dropout", "Linear", "LayerNorm", "ReLU", "Residual", "Residual", "Linear"]
    assert len(model.linear_layers()) == 4 and model.linear_layers()[0].in_features == 784
    block = model.layers[5]
    x = torch.randn(4, 32)
    assert torch.allclose(block(x), x + torch.nn.Sequential(*block)(x))
    rebuilt = MLP(**model.config)
    assert rebuilt.config == model.config


def test_inverted_bottleneck_blocks_expand_add_their_input_and_rebuild_from_config():
    model = MLP(hidden=[16, 16], dropout=0.2, activation="gelu", norm="layer", expansion=4)
    kinds = [type(m).__name__ for m in model.layers]
    assert kinds == ["Flatten", "Linear", "Residual", "Residual", "LayerNorm", "Linear"]
    block = model.layers[2]
    assert [type(m).__name__ for m in block] == ["LayerNorm", "Linear", "GELU", "Dropout", "Linear"]
    assert (block[1].in_features, block[1].out_features, block[-1].out_features) == (16, 64, 16)
    block.eval()
    x = torch.randn(4, 16)
    assert torch.allclose(block(x), x + torch.nn.Sequential(*block)(x))
    assert model(torch.randn(3, 1, 28, 28)).shape == (3, 10)
    assert len(model.linear_layers()) == 6 and model.linear_layers()[0].in_features == 784
    assert MLP(**model.config).config == model.config and model.config["expansion"] == 4
    assert "expansion" not in MLP(hidden=[16, 16]).config  # older configs (and keys) unchanged


@pytest.mark.parametrize(
    "kwargs",
    [
        {"hidden": [16, 32], "norm": "layer", "expansion": 4},
        {"hidden": [16, 16], "expansion": 4},
        {"hidden": [16, 16], "norm": "layer", "residual": True, "expansion": 4},
    ],
)
def test_inverted_bottleneck_rejects_what_it_cannot_build(kwargs):
    with pytest.raises(ValueError, match="inverted-bottleneck blocks"):
        MLP(**kwargs)
