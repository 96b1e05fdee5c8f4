"""Image files -> 28x28 uint8 arrays that look like Fashion-MNIST (light object, dark background).

Conversion, in order: read with Pillow and convert to grayscale; if the border is brighter than
the middle grey (a dark object photographed on a light background), invert; make the background
black and the brightest pixel white (a plane fitted to the border, the background's level and its
lighting gradient, is subtracted and the rest stretched), so that grey paper or a wall under uneven
light does not read as part of the garment; crop to the bounding box of the object; scale the
longest side to 28 pixels keeping the aspect ratio; centre on a black 28x28 canvas. A file that
is already 28x28 with a dark background is used unchanged.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 64_000_000
"""Images with more pixels are refused before decoding (a 50-megapixel phone photo passes)."""


class ImageFileError(ValueError):
    """The file is missing, empty, too large or not an image; the message names it and the fix."""


def load_image_file(path: str | Path) -> np.ndarray:
    """A PNG/JPEG/... file as a (28, 28) uint8 array in Fashion-MNIST's style."""
    path = Path(path)
    if not path.is_file():
        raise ImageFileError(f"{path}: no such file")
    return read_image_bytes(path.read_bytes(), name=str(path))


def read_image_bytes(data: bytes, name: str = "the upload", max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """An image file's bytes, held in memory, as a (28, 28) uint8 array in Fashion-MNIST's style.

    Nothing is written to disk. An empty file, one that Pillow cannot read, or one with more than
    ``max_pixels`` pixels (checked from the header, before decoding) raises `ImageFileError`.
    """
    if not data:
        raise ImageFileError(f"{name} is empty (0 bytes): choose an image file (PNG, JPEG, ...)")
    try:
        with Image.open(io.BytesIO(data)) as opened:
            width, height = opened.size
            if width * height > max_pixels:
                raise ImageFileError(
                    f"{name} is {width} x {height} pixels, more than the {max_pixels / 1e6:.0f}-megapixel "
                    "limit: resize it (a few hundred pixels a side is plenty for a 28 x 28 input)"
                )
            image = opened.convert("L")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as err:
        raise ImageFileError(
            f"{name} is not an image Pillow can read ({type(err).__name__}): use PNG, JPEG, GIF, BMP or WebP"
        ) from err
    return to_fashion_mnist(image)


def to_fashion_mnist(image: Image.Image) -> np.ndarray:
    """Grayscale ``image`` -> (28, 28) uint8, light object on a dark background, centred."""
    pixels = np.asarray(image, dtype=np.uint8)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    if border.mean() > 127:
        image = ImageOps.invert(image)
    if image.size == (28, 28):
        return np.asarray(image, dtype=np.uint8).copy()
    image = _background_to_black(image)
    box = image.point(lambda v: 255 if v > 20 else 0).getbbox()
    if box is not None:
        image = image.crop(box)
    scale = 28 / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    image = image.resize(size, Image.Resampling.LANCZOS)
    canvas = Image.new("L", (28, 28), 0)
    canvas.paste(image, ((28 - image.width) // 2, (28 - image.height) // 2))
    return np.asarray(canvas, dtype=np.uint8).copy()


def _background_to_black(image: Image.Image) -> Image.Image:
    """Subtract the background, a plane fitted to the border (even light or a gradient across the
    photo), and stretch what remains to 0..255. Large images are first shrunk to 256 pixels a side."""
    image = image.copy()
    image.thumbnail((256, 256), Image.Resampling.LANCZOS)
    pixels = np.asarray(image, dtype=np.float32)
    rows, cols = np.indices(pixels.shape, dtype=np.float32)
    edge = np.zeros(pixels.shape, dtype=bool)
    edge[[0, -1], :] = edge[:, [0, -1]] = True
    design = np.stack([np.ones_like(rows), rows, cols], axis=-1)
    plane, *_ = np.linalg.lstsq(design[edge], pixels[edge], rcond=None)
    levels = np.clip(pixels - design @ plane, 0, None)
    if levels.max() <= 0:
        return image
    return Image.fromarray((levels * (255.0 / levels.max())).round().astype(np.uint8))
