"""fmnist: Fashion-MNIST with fully-connected networks only.

What a notebook imports::

    import fmnist
    splits = fmnist.load_data()
    model = fmnist.build_model("seed_small")
    history = fmnist.fit(model, splits, fmnist.TrainConfig(epochs=25, lr=3e-3))
    fmnist.evaluate(model, splits.test.images, splits.test.labels)

Names are imported on first use (PEP 562), so loading a shipped model (`fmnist.pretrained`,
`hubconf.py`) needs torch alone, not torchvision or matplotlib. The research machinery (the
recipe registry, the runner, the result store, the report) is `fmnist.lab`, which this library
never imports.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from fmnist.lazy import lazy_getattr

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS = {
    "CheckpointError": "checkpoint",
    "load_model": "checkpoint",
    "save_model": "checkpoint",
    "CLASSES": "data",
    "DataError": "data",
    "Split": "data",
    "Splits": "data",
    "iterate_batches": "data",
    "load_data": "data",
    "prepare": "data",
    "EvalResult": "evaluate",
    "Prediction": "evaluate",
    "evaluate": "evaluate",
    "predict": "evaluate",
    "MLP": "models",
    "PRESETS": "models",
    "Ensemble": "models",
    "build_model": "models",
    "load_pretrained": "pretrained",
    "History": "train",
    "TrainConfig": "train",
    "TrainingDivergedError": "train",
    "choose_device": "train",
    "fit": "train",
    "set_seed": "train",
}

__all__ = [
    "CLASSES",
    "MLP",
    "PRESETS",
    "CheckpointError",
    "DataError",
    "Ensemble",
    "EvalResult",
    "History",
    "Prediction",
    "Split",
    "Splits",
    "TrainConfig",
    "TrainingDivergedError",
    "build_model",
    "choose_device",
    "evaluate",
    "fit",
    "iterate_batches",
    "load_data",
    "load_model",
    "load_pretrained",
    "predict",
    "prepare",
    "quick",
    "save_model",
    "set_seed",
]


# A public name from its module, or a submodule (``fmnist.paths``), imported on first use.
__getattr__ = lazy_getattr(__name__, _EXPORTS, globals())


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(types.ModuleType):
    """This package's module type: the import system binds each loaded submodule on its package
    (``fmnist.evaluate = <module fmnist.evaluate>``); where a public name is also a submodule's
    (`evaluate`), the name users call keeps its meaning."""

    def __setattr__(self, name: str, value: Any) -> None:
        if (
            name in _EXPORTS
            and isinstance(value, types.ModuleType)
            and value.__name__ == f"{__name__}.{name}"
        ):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


if TYPE_CHECKING:  # what type checkers and IDEs see
    from fmnist import quick
    from fmnist.checkpoint import CheckpointError, load_model, save_model
    from fmnist.data import CLASSES, DataError, Split, Splits, iterate_batches, load_data, prepare
    from fmnist.evaluate import EvalResult, Prediction, evaluate, predict
    from fmnist.models import MLP, PRESETS, Ensemble, build_model
    from fmnist.pretrained import load_pretrained
    from fmnist.train import History, TrainConfig, TrainingDivergedError, choose_device, fit, set_seed
