"""fmnist: Fashion-MNIST with fully-connected networks only.

What a notebook imports::

    import fmnist
    splits = fmnist.load_data()
    model = fmnist.build_model("seed_small")
    history = fmnist.fit(model, splits, fmnist.TrainConfig(epochs=25, lr=3e-3))
    fmnist.evaluate(model, splits.test.images, splits.test.labels)
"""

from fmnist import quick
from fmnist.checkpoint import CheckpointError, load_model, save_model
from fmnist.data import CLASSES, DataError, Split, Splits, iterate_batches, load_data, prepare
from fmnist.evaluate import EvalResult, Prediction, evaluate, predict
from fmnist.models import MLP, PRESETS, Ensemble, build_model
from fmnist.pretrained import load_pretrained
from fmnist.recipes import RECIPES, Recipe, get_recipe
from fmnist.runner import Run, run
from fmnist.train import History, TrainConfig, TrainingDivergedError, choose_device, fit, set_seed

__version__ = "0.1.0"

__all__ = [
    "CLASSES",
    "MLP",
    "PRESETS",
    "RECIPES",
    "CheckpointError",
    "DataError",
    "Ensemble",
    "EvalResult",
    "History",
    "Prediction",
    "Recipe",
    "Run",
    "Split",
    "Splits",
    "TrainConfig",
    "TrainingDivergedError",
    "build_model",
    "choose_device",
    "evaluate",
    "fit",
    "get_recipe",
    "iterate_batches",
    "load_data",
    "load_model",
    "load_pretrained",
    "predict",
    "prepare",
    "quick",
    "run",
    "save_model",
    "set_seed",
]
