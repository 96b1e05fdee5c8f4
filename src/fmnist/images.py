"""Image files -> 28x28 uint8 arrays that look like Fashion-MNIST (light object, dark background).

Conversion, in order: read with Pillow and convert to grayscale; if the border is brighter than
the middle grey (a dark object photographed on a light background), invert; crop to the bounding
box of the object; scale the longest side to 28 pixels keeping the aspect ratio; centre on a
black 28x28 canvas. A file that is already 28x28 with a dark background is used unchanged.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError


class ImageFileError(ValueError):
    """The file is missing or is not an image; the message names it."""


def load_image_file(path: str | Path) -> np.ndarray:
    """A PNG/JPEG/... file as a (28, 28) uint8 array in Fashion-MNIST's style."""
    path = Path(path)
    if not path.is_file():
        raise ImageFileError(f"{path}: no such file")
    try:
        with Image.open(path) as opened:
            image = opened.convert("L")
    except (UnidentifiedImageError, OSError) as err:
        raise ImageFileError(f"{path}: not an image file Pillow can read ({err})") from err
    return to_fashion_mnist(image)


def to_fashion_mnist(image: Image.Image) -> np.ndarray:
    """Grayscale ``image`` -> (28, 28) uint8, light object on a dark background, centred."""
    pixels = np.asarray(image, dtype=np.uint8)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    if border.mean() > 127:
        image = ImageOps.invert(image)
    if image.size == (28, 28):
        return np.asarray(image, dtype=np.uint8).copy()
    box = image.point(lambda v: 255 if v > 20 else 0).getbbox()
    if box is not None:
        image = image.crop(box)
    scale = 28 / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    image = image.resize(size, Image.Resampling.LANCZOS)
    canvas = Image.new("L", (28, 28), 0)
    canvas.paste(image, ((28 - image.width) // 2, (28 - image.height) // 2))
    return np.asarray(canvas, dtype=np.uint8).copy()
