"""Batched, on-device augmentations: pure functions of (images, targets, generator).

Each takes a batch ``x`` of shape (B, 1, 28, 28) with values in [0, 1] on any device, its targets
``y`` (class indices (B,) or class probabilities (B, 10)) and a seeded CPU ``torch.Generator``,
and returns a new ``(x, y)`` of the same shapes, dtypes and range; the inputs are not modified.
Random numbers are drawn on the CPU generator (a few per image), so the same seed gives the same
batch on every device. `build` turns names such as ``"translate:2"`` into one composed function,
so a recipe can name its augmentations in its config.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F

Augment = Callable[[torch.Tensor, torch.Tensor, torch.Generator], tuple[torch.Tensor, torch.Tensor]]
NUM_CLASSES = 10


def _uniform(n: int, generator: torch.Generator, device: torch.device) -> torch.Tensor:
    return torch.rand(n, generator=generator).to(device)


def one_hot(y: torch.Tensor, num_classes: int = NUM_CLASSES) -> torch.Tensor:
    """Class indices -> probabilities (B, num_classes); probabilities pass through."""
    return y if y.is_floating_point() else F.one_hot(y, num_classes).float()


def box_mask(
    top: torch.Tensor, left: torch.Tensor, height: torch.Tensor, width: torch.Tensor
) -> torch.Tensor:
    """(B, 28, 28) booleans, True inside each image's rectangle (all arguments (B,) integers)."""
    grid = torch.arange(28)
    rows = (grid[None, :] >= top[:, None]) & (grid[None, :] < (top + height)[:, None])
    cols = (grid[None, :] >= left[:, None]) & (grid[None, :] < (left + width)[:, None])
    return rows[:, :, None] & cols[:, None, :]


def flip_where(x: torch.Tensor, flip: torch.Tensor) -> torch.Tensor:
    """Mirror left-right the images of ``x`` (B, 1, 28, 28) where ``flip`` (B,) is True."""
    return torch.where(flip.view(-1, 1, 1, 1), x.flip(-1), x)


def hflip(x: torch.Tensor, y: torch.Tensor, generator: torch.Generator, p: float = 0.5):
    """Mirror each image left-right with probability ``p``."""
    return flip_where(x, _uniform(x.shape[0], generator, x.device) < p), y


def shift(x: torch.Tensor, shifts: torch.Tensor, fill: float = 0.0) -> torch.Tensor:
    """Shift each image of ``x`` (B, 1, 28, 28) down by ``shifts[0]`` and right by ``shifts[1]``
    whole pixels (``shifts``: integers (2, B), negative for up / left), filling with ``fill``: one
    gather from a padded canvas, each image's window offset by its shift."""
    b, k = x.shape[0], max(1, int(shifts.abs().max()) if shifts.numel() else 1)
    shifts = shifts.to(x.device)
    side = 28 + 2 * k
    canvas = F.pad(x.reshape(b, 28, 28), (k, k, k, k), value=fill).flatten(1)
    base = torch.arange(28, device=x.device)
    window = (base[:, None] * side + base).flatten()
    start = (k - shifts[0]) * side + (k - shifts[1])  # where each image's window begins in its canvas
    return canvas.gather(1, window + start[:, None]).view(b, 1, 28, 28)


def translate(x: torch.Tensor, y: torch.Tensor, generator: torch.Generator, max_shift: int = 2):
    """Shift each image by a random whole number of pixels in [-max_shift, max_shift] per axis, zero fill."""
    if max_shift <= 0:
        return x, y
    return shift(x, torch.randint(-max_shift, max_shift + 1, (2, x.shape[0]), generator=generator)), y


def random_erasing(
    x: torch.Tensor,
    y: torch.Tensor,
    generator: torch.Generator,
    p: float = 0.5,
    scale: tuple[float, float] = (0.02, 0.2),
):
    """With probability ``p`` per image, set a random rectangle (``scale`` of the area) to 0."""
    b, device = x.shape[0], x.device
    area = (scale[0] + (scale[1] - scale[0]) * torch.rand(b, generator=generator)) * 28 * 28
    aspect = torch.exp((torch.rand(b, generator=generator) - 0.5) * 2 * 1.2)  # log-uniform in [0.3, 3.3]
    height = (area * aspect).sqrt().round().clamp(1, 28).long()
    width = (area / aspect).sqrt().round().clamp(1, 28).long()
    top = (torch.rand(b, generator=generator) * (29 - height)).long()
    left = (torch.rand(b, generator=generator) * (29 - width)).long()
    apply = torch.rand(b, generator=generator) < p
    mask = (box_mask(top, left, height, width) & apply[:, None, None]).to(device)
    return x.masked_fill(mask.unsqueeze(1), 0.0), y


def mixup(x: torch.Tensor, y: torch.Tensor, generator: torch.Generator, alpha: float = 0.2):
    """Blend the batch with a shuffled copy of itself, weight ~ Beta(alpha, alpha); soft targets."""
    b, device = x.shape[0], x.device
    lam = beta_weights(alpha, b, generator)
    partner = torch.randperm(b, generator=generator).to(device)
    lam = lam.to(device)
    targets = one_hot(y)
    mixed = lam.view(-1, 1, 1, 1) * x + (1 - lam.view(-1, 1, 1, 1)) * x[partner]
    return mixed, lam.view(-1, 1) * targets + (1 - lam.view(-1, 1)) * targets[partner]


def cutmix(x: torch.Tensor, y: torch.Tensor, generator: torch.Generator, alpha: float = 1.0):
    """Paste a random box from a shuffled copy of the batch; targets mixed by the pasted area."""
    b, device = x.shape[0], x.device
    lam = beta_weights(alpha, b, generator)
    side = ((1 - lam).sqrt() * 28).round().long()
    top = (torch.rand(b, generator=generator) * (29 - side)).long()
    left = (torch.rand(b, generator=generator) * (29 - side)).long()
    mask = box_mask(top, left, side, side).to(device)
    partner = torch.randperm(b, generator=generator).to(device)
    pasted = torch.where(mask.unsqueeze(1), x[partner], x)
    kept = (1 - mask.flatten(1).float().mean(dim=1)).view(-1, 1)
    targets = one_hot(y)
    return pasted, kept * targets + (1 - kept) * targets[partner]


def warp(x: torch.Tensor, angles: torch.Tensor, scales: torch.Tensor) -> torch.Tensor:
    """Rotate each image of ``x`` by ``angles`` (radians, (B,)) and zoom by ``scales`` (B,) about its
    centre: bilinear, zero outside the image."""
    cos, sin = torch.cos(angles) / scales, torch.sin(angles) / scales
    zero = torch.zeros_like(cos)
    theta = torch.stack([torch.stack([cos, -sin, zero], 1), torch.stack([sin, cos, zero], 1)], 1)
    grid = F.affine_grid(theta.to(x.device, x.dtype), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def _angles(n: int, generator: torch.Generator, max_degrees: float) -> torch.Tensor:
    """``n`` angles in radians, uniform in [-max_degrees, max_degrees] degrees."""
    return (torch.rand(n, generator=generator) * 2 - 1) * max_degrees * torch.pi / 180


def _factors(n: int, generator: torch.Generator, max_change: float) -> torch.Tensor:
    """``n`` zoom factors, uniform in [1 - max_change, 1 + max_change]."""
    return 1 + (torch.rand(n, generator=generator) * 2 - 1) * max_change


def rotate(x: torch.Tensor, y: torch.Tensor, generator: torch.Generator, max_degrees: float = 10.0):
    """Rotate each image by a random angle in [-max_degrees, max_degrees] about its centre."""
    angles = _angles(x.shape[0], generator, max_degrees)
    return warp(x, angles, torch.ones_like(angles)), y


def scale(x: torch.Tensor, y: torch.Tensor, generator: torch.Generator, max_change: float = 0.1):
    """Zoom each image about its centre by a random factor in [1 - max_change, 1 + max_change]."""
    factors = _factors(x.shape[0], generator, max_change)
    return warp(x, torch.zeros_like(factors), factors), y


def affine(
    x: torch.Tensor,
    y: torch.Tensor,
    generator: torch.Generator,
    p: float = 1.0,
    max_degrees: float = 10.0,
    max_change: float = 0.1,
):
    """With probability ``p`` per image, `rotate` and `scale` in one resampling (one bilinear blur
    instead of two); the other images are left untouched."""
    b = x.shape[0]
    angles, factors = _angles(b, generator, max_degrees), _factors(b, generator, max_change)
    chosen = (torch.rand(b, generator=generator) < p).nonzero().squeeze(1)
    if len(chosen) == b:
        return warp(x, angles, factors), y
    if len(chosen) == 0:
        return x, y
    index = chosen.to(x.device)
    moved = warp(x.index_select(0, index), angles[chosen], factors[chosen])
    return x.index_copy(0, index, moved), y


def brightness(x: torch.Tensor, y: torch.Tensor, generator: torch.Generator, max_lift: float = 0.25):
    """Lift every pixel of each image by a random amount in [0, max_lift]: a grey background."""
    lift = _uniform(x.shape[0], generator, x.device).view(-1, 1, 1, 1) * max_lift
    return (x + lift).clamp(0, 1), y


def contrast(x: torch.Tensor, y: torch.Tensor, generator: torch.Generator, max_drop: float = 0.5):
    """Scale each image about its mean by a random factor in [1 - max_drop, 1]."""
    factor = 1 - _uniform(x.shape[0], generator, x.device).view(-1, 1, 1, 1) * max_drop
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (mean + factor * (x - mean)).clamp(0, 1), y


def noise(x: torch.Tensor, y: torch.Tensor, generator: torch.Generator, max_std: float = 0.1):
    """Gaussian noise on each image, its standard deviation random in [0, max_std]."""
    std = _uniform(x.shape[0], generator, x.device).view(-1, 1, 1, 1) * max_std
    return (x + std * torch.randn(x.shape, generator=generator).to(x.device, x.dtype)).clamp(0, 1), y


def gaussian_blur(x: torch.Tensor) -> torch.Tensor:
    """Each image of ``x`` (B, 1, 28, 28) blurred by a Gaussian of one pixel's standard deviation."""
    taps = torch.exp(-0.5 * torch.arange(-2, 3, dtype=x.dtype, device=x.device) ** 2)
    taps = taps / taps.sum()
    return F.conv2d(F.pad(x, (2, 2, 2, 2)), (taps[:, None] * taps[None, :]).view(1, 1, 5, 5))


def blur(x: torch.Tensor, y: torch.Tensor, generator: torch.Generator, p: float = 0.5):
    """Blur each image (`gaussian_blur`) with probability ``p``."""
    chosen = (_uniform(x.shape[0], generator, x.device) < p).view(-1, 1, 1, 1)
    return torch.where(chosen, gaussian_blur(x), x), y


@functools.cache
def _bicubic_spread(knots: int) -> torch.Tensor:
    """(knots * knots, 784): row i is the 28 x 28 bicubic interpolation of the i-th knot alone, so a
    matrix product spreads knot values over the image (F.interpolate's bicubic is 20 times slower)."""
    basis = torch.eye(knots * knots).view(-1, 1, knots, knots)
    return F.interpolate(basis, size=(28, 28), mode="bicubic", align_corners=True).view(knots * knots, 784)


@functools.cache
def _identity_grid() -> torch.Tensor:
    """(1, 28, 28, 2): grid_sample's coordinates of each pixel's own centre."""
    theta = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    return F.affine_grid(theta, [1, 1, 28, 28], align_corners=False)


def elastic(
    x: torch.Tensor, y: torch.Tensor, generator: torch.Generator, magnitude: float = 1.0, knots: int = 4
):
    """Simard et al.'s (2003) elastic distortion, smoothed by interpolation instead of a Gaussian: each
    image moves along its own smooth field, drawn uniformly in [-magnitude, magnitude] pixels per axis at
    ``knots`` x ``knots`` points and spread bicubically over the 28 x 28 grid; bilinear, zero outside."""
    b = x.shape[0]
    knot_moves = (torch.rand(b * 2, knots * knots, generator=generator) * 2 - 1) * magnitude
    field = (knot_moves @ _bicubic_spread(knots)).view(b, 2, 28, 28)
    grid = _identity_grid() + field.permute(0, 2, 3, 1) * (2 / 28)  # pixels -> grid_sample's [-1, 1] units
    grid = grid.to(x.device, x.dtype)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False), y


def beta_weights(alpha: float, n: int, generator: torch.Generator) -> torch.Tensor:
    """Beta(alpha, alpha) samples, seeded from ``generator`` (torch's Beta takes no generator)."""
    if alpha <= 0:
        return torch.ones(n)
    seed = int(torch.randint(0, 2**62, (1,), generator=generator))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return torch.distributions.Beta(float(alpha), float(alpha)).sample((n,))


REGISTRY: dict[str, Callable[..., tuple[torch.Tensor, torch.Tensor]]] = {
    "hflip": hflip,
    "translate": translate,
    "erase": random_erasing,
    "mixup": mixup,
    "cutmix": cutmix,
    "rotate": rotate,
    "scale": scale,
    "affine": affine,
    "elastic": elastic,
    "brightness": brightness,
    "contrast": contrast,
    "noise": noise,
    "blur": blur,
}
_PARAMETER = {
    "hflip": "p",
    "translate": "max_shift",
    "erase": "p",
    "mixup": "alpha",
    "cutmix": "alpha",
    "rotate": "max_degrees",
    "scale": "max_change",
    "affine": "p",
    "elastic": "magnitude",
    "brightness": "max_lift",
    "contrast": "max_drop",
    "noise": "max_std",
    "blur": "p",
}


class FlipShift:
    """`hflip` then `translate`, with the same draws and the same images as composing the two, plus
    `on_uint8`: both done as one gather on the raw uint8 batch (a quarter of the bytes of floats,
    one pass instead of flip, where, pad and gather). ``then``, if given, is what follows them in a
    recipe (mixup, say), run on the floats. `iterate_batches` takes the uint8 path, then ``then``."""

    def __init__(self, p: float = 0.5, max_shift: int = 0, then: Augment | None = None) -> None:
        self.p, self.max_shift, self.then = p, max_shift, then

    def _draw(self, b: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor | None]:
        flip = torch.rand(b, generator=generator) < self.p  # as hflip draws
        if self.max_shift <= 0:
            return flip, None
        return flip, torch.randint(-self.max_shift, self.max_shift + 1, (2, b), generator=generator)

    def __call__(self, x: torch.Tensor, y: torch.Tensor, generator: torch.Generator):
        flip, shifts = self._draw(x.shape[0], generator)
        x = flip_where(x, flip.to(x.device))
        x = x if shifts is None else shift(x, shifts)
        return (x, y) if self.then is None else self.then(x, y, generator)

    def on_uint8(self, images: torch.Tensor, y: torch.Tensor, generator: torch.Generator):
        """The flips and shifts, with their draws and images as on ``images / 255``, on uint8
        (B, 1, 28, 28); ``then`` is left to the caller."""
        b, device = images.shape[0], images.device
        flip, shifts = self._draw(b, generator)
        if shifts is None:
            shifts = torch.zeros(2, b, dtype=torch.long)
        k = max(1, int(shifts.abs().max()))
        flip, shifts = flip.to(device), shifts.to(device)
        padded = F.pad(images, (k, k, k, k))
        base = torch.arange(28, device=device)
        rows = base[None, :] + k - shifts[0][:, None]  # (B, 28): the source row of each output row
        straight = base[None, :] + k - shifts[1][:, None]
        mirrored = 27 - base[None, :] + k + shifts[1][:, None]  # flip first, then shift
        cols = torch.where(flip[:, None], mirrored, straight)
        side = 28 + 2 * k
        batch = torch.arange(b, device=device)[:, None, None]
        flat = (batch * side + rows[:, :, None]) * side + cols[:, None, :]  # take: 3x faster than [b, r, c]
        return padded.view(-1).take(flat).unsqueeze(1), y


def build(names: Sequence[str]) -> Augment | None:
    """Compose augmentations named like ``["hflip", "translate:2", "erase:0.5", "mixup:0.2"]``.

    The number after ``:`` is the main parameter (hflip/erase: probability; translate: pixels;
    mixup/cutmix: Beta alpha; rotate: degrees either way; scale: the zoom's fraction either way;
    affine: the probability an image is rotated (10 degrees either way) and zoomed (10%) at once;
    elastic: the largest move in pixels; brightness: the largest lift; contrast: the largest drop;
    noise: the largest standard deviation; blur: probability).
    Returns None for an empty list. A leading ``hflip`` (with the ``translate`` after it) gives a
    `FlipShift`, whose flips and shifts are made in one pass on uint8, the rest after them on floats.
    """
    steps = []
    for name in names:
        key, _, value = name.partition(":")
        if key not in REGISTRY:
            raise ValueError(f"unknown augmentation {key!r}; choose from {sorted(REGISTRY)}")
        kwargs = {}
        if value:
            number = float(value)
            kwargs[_PARAMETER[key]] = int(number) if key == "translate" else number
        steps.append((REGISTRY[key], kwargs))
    if not steps:
        return None
    kinds = [function for function, _ in steps]
    head = 2 if kinds[:2] == [hflip, translate] else 1 if kinds[:1] == [hflip] else 0
    rest = _compose(steps[head:])
    if head == 0:
        return rest
    max_shift = steps[1][1].get("max_shift", 2) if head == 2 else 0
    return FlipShift(steps[0][1].get("p", 0.5), max_shift, then=rest)


def _compose(steps: list[tuple[Callable[..., tuple[torch.Tensor, torch.Tensor]], dict]]) -> Augment | None:
    """The steps (function, keyword arguments) run in order on floats; None for no steps."""
    if not steps:
        return None

    def composed(x: torch.Tensor, y: torch.Tensor, generator: torch.Generator):
        for function, kwargs in steps:
            x, y = function(x, y, generator, **kwargs)
        return x, y

    return composed
