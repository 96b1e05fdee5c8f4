"""Input alignment: each image brought to Fashion-MNIST's own framing before the first layer.

Fashion-MNIST's images are made one way: the garment's longest side fills the frame, its box is
centred, the background is black and the brightest pixel is near white. A photo or drawing a user
brings, or a corrupted test image, breaks that framing: a shifted garment, a grey background, a
faded print. `align_images` restores it with no learned weight:
  1. intensity: each image's values stretched so that its darkest pixel is 0 and its brightest 1
     (a lifted background and a lower contrast are undone);
  2. position: the garment's box (the rows and columns whose sum reaches ``threshold`` of the
     largest row's or column's) moved to the centre by whole pixels (a shift is undone).
`Align` is the same as a layer on normalized images (`fmnist.data.normalize`), for the front of
an `fmnist.models.MLP` (``align=True``): the model then aligns whatever it is given, in training,
in evaluation and in `fmnist.predict`, so no caller has to remember to. Aligning twice is aligning
once. With ``jitter`` the layer shifts each aligned training image by up to that many pixels
(in ``train()`` mode only, like dropout): the one-pixel shifts an augmentation would have made
before alignment undid them.
"""

from __future__ import annotations

import torch
from torch import nn

from fmnist.augment import shift
from fmnist.pixels import PIXEL_MEAN, PIXEL_STD

SIDE = 28
THRESHOLD = 0.1  # a row or column is the garment's when its sum reaches this share of the largest


def _centring_shifts(profiles: torch.Tensor, threshold: float) -> torch.Tensor:
    """Whole-pixel shifts (B,) that centre each profile's span of values at or above ``threshold``
    times its largest value (a profile with nothing above zero stays where it is)."""
    on = (profiles >= threshold * profiles.amax(dim=1, keepdim=True)) & (profiles > 0)
    index = torch.arange(profiles.shape[1], device=profiles.device).expand_as(profiles)
    first = torch.where(on, index, profiles.shape[1]).amin(dim=1)
    last = torch.where(on, index, -1).amax(dim=1)
    centre = (profiles.shape[1] - 1) / 2
    return torch.where(last >= 0, torch.round(centre - (first + last) / 2), 0).long()


def _align(
    x: torch.Tensor, mean: float, std: float, threshold: float, jitter: torch.Tensor | None = None
) -> torch.Tensor:
    """Images ``x`` (B, 784) whose pixels in [0, 1] are ``x * std + mean``, aligned, in the same
    units; ``jitter`` (2, B) whole pixels added to the centring shifts."""
    low = x.amin(dim=1, keepdim=True)
    span = x.amax(dim=1, keepdim=True) - low
    scale = torch.where(span > 0, 1 / (span.clamp_min(1e-12) * std), 0)  # a blank image stays blank
    background = -mean / std  # where a black pixel lands
    stretched = torch.addcmul(background - low * scale, x, scale)
    grid = stretched.view(-1, SIDE, SIDE)
    rows = _centring_shifts(grid.sum(dim=2) - SIDE * background, threshold)
    cols = _centring_shifts(grid.sum(dim=1) - SIDE * background, threshold)
    if jitter is not None:
        rows, cols = rows + jitter[0], cols + jitter[1]
    return shift(grid.unsqueeze(1), torch.stack([rows, cols]), fill=background).flatten(1)


def align_images(x: torch.Tensor, threshold: float = THRESHOLD) -> torch.Tensor:
    """Images ``x`` ((B, 28, 28) or (B, 1, 28, 28); uint8, or floats in [0, 1]) stretched to [0, 1]
    each and their garment's box centred (see the module's docstring), as floats (B, 1, 28, 28).
    A blank image stays blank."""
    if x.shape[-2:] != (SIDE, SIDE) or x.dim() not in (3, 4) or (x.dim() == 4 and x.shape[1] != 1):
        raise ValueError(
            f"align_images takes images of shape (B, 28, 28) or (B, 1, 28, 28), got {tuple(x.shape)}"
        )
    pixels = x.float() / 255 if x.dtype == torch.uint8 else x
    return _align(pixels.reshape(x.shape[0], SIDE * SIDE), 0.0, 1.0, threshold).view(-1, 1, SIDE, SIDE)


class Align(nn.Module):
    """`align_images` on normalized images (B, 1, 28, 28) or (B, 784); returns (B, 1, 28, 28),
    normalized. ``jitter`` > 0: in training, a random whole-pixel shift of up to ``jitter`` per
    axis after aligning (the global torch generator draws it, as dropout's masks)."""

    def __init__(self, jitter: int = 0, threshold: float = THRESHOLD) -> None:
        super().__init__()
        if jitter < 0:
            raise ValueError(f"jitter must be 0 or more pixels, got {jitter}")
        self.jitter, self.threshold = int(jitter), float(threshold)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(x.shape[0], SIDE * SIDE)
        moves = None
        if self.training and self.jitter:
            moves = torch.randint(-self.jitter, self.jitter + 1, (2, x.shape[0]), device=x.device)
        return _align(flat, PIXEL_MEAN, PIXEL_STD, self.threshold, moves).view(-1, 1, SIDE, SIDE)

    def extra_repr(self) -> str:
        return f"jitter={self.jitter}, threshold={self.threshold}"
