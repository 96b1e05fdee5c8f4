"""torch.hub entry points: fmnist's shipped fully-connected models, in eval mode, with metadata.

    import torch
    model = torch.hub.load("/path/to/clone", "mlp", source="local")  # from a clone of this repository
    model.metadata   # recipe, seed, val/test accuracy, precision, the CPU class it trained on

The model takes normalized images, float (N, 784) or (N, 1, 28, 28): ``(pixels / 255 - 0.2860) /
0.3530`` (the training set's mean and std, `fmnist.data.PIXEL_MEAN` / ``PIXEL_STD``), white garment
on black as in Fashion-MNIST; ``model(x).argmax(1)`` indexes `CLASSES`. With the package installed,
``fmnist.predict(model, images)`` does the conversion for uint8 or float images and photos
(`fmnist.images`). Nothing needs installing but torch: the package is read from this checkout's
``src/``, and loading a shipped model imports torch alone.
"""

from __future__ import annotations

import sys
from pathlib import Path

dependencies = ["torch"]

_SRC = str(Path(__file__).resolve().parent / "src")
if _SRC not in sys.path:
    sys.path.insert(0, _SRC)

from fmnist.models import CLASSES  # noqa: E402, F401 (after the path above; the outputs' names)
from fmnist.pretrained import load_pretrained  # noqa: E402


def mlp(**kwargs):
    """The shipped model (``weights/DEFAULT``): the best fully-connected model by validation."""
    return load_pretrained(**kwargs)


def seed_deep(**kwargs):
    """Reference model 2 (784-392-196-98-49-10) as reproduced by notebook 02."""
    return load_pretrained("seed_deep", **kwargs)


def seed_small(**kwargs):
    """Reference model 1 (784-128-64-10) as reproduced by notebook 02."""
    return load_pretrained("seed_small", **kwargs)


def best(**kwargs):
    """The earlier shipped model: an ensemble of two 784-1024-1024-10 MLPs (weights float16)."""
    return load_pretrained("best", **kwargs)
