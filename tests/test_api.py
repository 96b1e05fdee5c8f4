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
        "Ensemble",
    ):
        assert hasattr(fmnist, name), name
    assert set(fmnist.__all__) <= set(dir(fmnist))
    for name in ("run", "get_recipe", "RECIPES", "Recipe", "Run"):  # the research machinery's names
        assert name not in fmnist.__all__ and hasattr(fmnist.lab, name), name
    assert fmnist.CLASSES[0] == "T-shirt/top" and len(fmnist.CLASSES) == 10


def test_a_name_that_is_also_a_submodule_stays_the_function_users_call():
    import importlib

    module = importlib.import_module("fmnist.evaluate")  # loaded: the import system binds it on fmnist
    from fmnist.evaluate import per_class_metrics

    assert fmnist.evaluate is module.evaluate and callable(per_class_metrics)
    assert fmnist.quick is importlib.import_module("fmnist.quick")  # a submodule by name stays one


def test_the_library_imports_without_the_lab_or_its_extras():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "for blocked in ('optuna', 'lion_pytorch', 'gradio', 'psycopg', 'sklearn'):\n"
        "    sys.modules[blocked] = None\n"
        "import fmnist, fmnist.train, fmnist.plots, fmnist.pretrained, fmnist.evaluate, fmnist.calibration\n"
        "model = fmnist.build_model('seed_small')\n"
        "assert not [m for m in sys.modules if m.startswith('fmnist.lab')], 'the library imported the lab'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
