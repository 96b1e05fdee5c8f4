"""The public API a notebook imports."""

from __future__ import annotations

import fmnist


def test_import_fmnist_exposes_the_documented_names():
    for name in (
        "CLASSES",
        "load_data",
        "build_model",
        "MLP",
        "fit",
        "evaluate",
        "predict",
        "save_model",
        "load_model",
        "load_pretrained",
        "TrainConfig",
        "run",
        "get_recipe",
        "RECIPES",
        "Ensemble",
    ):
        assert hasattr(fmnist, name), name
    assert set(fmnist.__all__) <= set(dir(fmnist))
    assert fmnist.CLASSES[0] == "T-shirt/top" and len(fmnist.CLASSES) == 10


def test_a_name_that_is_also_a_submodule_stays_the_function_users_call():
    import importlib

    module = importlib.import_module("fmnist.evaluate")  # loaded: the import system binds it on fmnist
    from fmnist.evaluate import per_class_metrics

    assert fmnist.evaluate is module.evaluate and callable(per_class_metrics)
    assert fmnist.quick is importlib.import_module("fmnist.quick")  # a submodule by name stays one
