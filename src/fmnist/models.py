"""Fully-connected classifiers: `MLP` (only ``nn.Linear`` learns) and named presets.

Every learnable layer that mixes pixels is an ``nn.Linear`` on the whole flattened image.
The model returns logits; ``log_softmax`` + ``NLLLoss`` on them is exactly cross-entropy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from fmnist.align import Align

# What the classifier's 10 outputs mean: Fashion-MNIST's label order.
CLASSES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "tanh": nn.Tanh,
}
NORMS: dict[str, type[nn.Module]] = {"batch": nn.BatchNorm1d, "layer": nn.LayerNorm}


class ByteDropout(nn.Module):
    """Inverted dropout whose mask comes from random bytes: 8 per 64-bit draw.

    On a CPU, ``nn.Dropout`` draws one Bernoulli sample per unit, which costs several times the
    matrix products of a 1024-wide layer in bfloat16; here one 64-bit random integer gives eight
    units their bytes, and a unit is dropped when its byte is below ``round(256 p)``. So the drop
    probability is ``p`` rounded to a multiple of 1/256 (0.3 -> 77/256 = 0.3008), and kept units
    are scaled by ``1 / (1 - that)``: the expectation is unchanged, as with ``nn.Dropout``.
    """

    def __init__(self, p: float) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability must be in [0, 1), got {p}")
        self.p = p
        self.threshold = round(256 * p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.threshold == 0:
            return x
        words = torch.empty((x.numel() + 7) // 8, dtype=torch.int64, device=x.device)
        noise = words.random_(-(2**63), 2**63 - 1).view(torch.uint8)[: x.numel()].view(x.shape)
        # One float mask (0 or the scale) and one product: its backward is one product too, where
        # torch.where's pair (forward and backward) costs several times as much on a CPU.
        mask = (noise >= self.threshold).to(x.dtype).mul_(256 / (256 - self.threshold))
        return x * mask

    def extra_repr(self) -> str:
        return f"p={self.p} (drops {self.threshold}/256)"


DROPOUT_MASKS: dict[str, type[nn.Module]] = {"bernoulli": nn.Dropout, "bytes": ByteDropout}


class Residual(nn.Sequential):
    """``x + block(x)``: a hidden block whose input and output widths match."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + super().forward(x)


class MLP(nn.Module):
    """Flatten -> (input dropout) -> [Linear -> (norm) -> activation -> (dropout)] per hidden layer -> Linear.

    ``dropout`` is one probability for every hidden layer or one per hidden layer (0 = none).
    With ``residual``, each hidden block whose width equals the previous one's adds its input to
    its output (a skip connection between Linear blocks). ``dropout_mask="bytes"`` draws dropout
    masks with `ByteDropout` (several times faster on a CPU). ``model.config`` holds the constructor
    arguments, so a checkpoint can rebuild the model.

    ``expansion`` above 0 builds the inverted-bottleneck MLP of Bachmann et al. (2023, "Scaling
    MLPs") instead: Linear(784, d), then per hidden layer of width d a pre-norm residual block
    ``x + Linear(e d, d)(dropout(activation(Linear(d, e d)(norm(x)))))``, then norm -> Linear(d, 10);
    every hidden width must be the same d, and ``norm`` is required (the paper's is ``"layer"``).

    ``align=True`` puts `fmnist.align.Align` in front: every image, in training and after, is
    stretched to the full intensity range and its garment centred (no learned weight); with
    ``align_jitter`` the aligned training images are shifted by up to that many pixels.
    """

    def __init__(
        self,
        hidden: Sequence[int] = (128, 64),
        dropout: float | Sequence[float] = 0.0,
        activation: str = "relu",
        norm: str | None = None,
        in_features: int = 28 * 28,
        num_classes: int = 10,
        input_dropout: float = 0.0,
        residual: bool = False,
        dropout_mask: str = "bernoulli",
        expansion: int = 0,
        align: bool = False,
        align_jitter: int = 0,
    ) -> None:
        super().__init__()
        hidden = [int(h) for h in hidden]
        if any(h < 1 for h in hidden):
            raise ValueError(f"hidden sizes must be positive, got {hidden}")
        drops = [float(dropout)] * len(hidden) if isinstance(dropout, int | float) else list(dropout)
        if len(drops) != len(hidden):
            raise ValueError(f"{len(drops)} dropout values for {len(hidden)} hidden layers")
        if any(not 0.0 <= p < 1.0 for p in drops):
            raise ValueError(f"dropout probabilities must be in [0, 1), got {drops}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        if norm is not None and norm not in NORMS:
            raise ValueError(f"norm must be None or one of {sorted(NORMS)}, got {norm!r}")
        if not 0.0 <= input_dropout < 1.0:
            raise ValueError(f"input_dropout must be in [0, 1), got {input_dropout}")
        if dropout_mask not in DROPOUT_MASKS:
            raise ValueError(f"dropout_mask must be one of {sorted(DROPOUT_MASKS)}, got {dropout_mask!r}")
        if align_jitter and not align:
            raise ValueError(f"align_jitter={align_jitter} needs align=True (it shifts aligned images)")
        if expansion < 0:
            raise ValueError(f"expansion must be 0 (plain blocks) or a positive factor, got {expansion}")
        if expansion and (norm is None or residual or len(set(hidden)) != 1):
            raise ValueError(
                f"inverted-bottleneck blocks (expansion {expansion}) need one hidden width repeated, a norm "
                f"and residual=False (they are residual already); got hidden {hidden}, norm {norm!r}, "
                f"residual {residual}"
            )
        self.config: dict[str, Any] = {
            "hidden": hidden,
            "dropout": drops,
            "activation": activation,
            "norm": norm,
            "in_features": in_features,
            "num_classes": num_classes,
            "input_dropout": float(input_dropout),
            "residual": bool(residual),
            # Recorded only when not the default, so configs written before it existed stay equal.
            **({"dropout_mask": dropout_mask} if dropout_mask != "bernoulli" else {}),
            **({"expansion": int(expansion)} if expansion else {}),
            **({"align": True} if align else {}),
            **({"align_jitter": int(align_jitter)} if align_jitter else {}),
        }
        layers: list[nn.Module] = [Align(align_jitter)] if align else []
        layers.append(nn.Flatten())
        if input_dropout > 0:
            layers.append(DROPOUT_MASKS[dropout_mask](input_dropout))
        if expansion:
            layers.extend(self._inverted_bottleneck())
        else:
            width = in_features
            for size, p in zip(hidden, drops, strict=True):
                block: list[nn.Module] = [nn.Linear(width, size)]
                if norm is not None:
                    block.append(NORMS[norm](size))
                block.append(ACTIVATIONS[activation]())
                if p > 0:
                    block.append(DROPOUT_MASKS[dropout_mask](p))
                layers.extend([Residual(*block)] if residual and size == width else block)
                width = size
            layers.append(nn.Linear(width, num_classes))
        self.layers = nn.Sequential(*layers)

    def _inverted_bottleneck(self) -> list[nn.Module]:
        """The embedding, one pre-norm inverted-bottleneck residual block per hidden layer, the head
        (everything read from ``self.config``)."""
        config = self.config
        width, expansion = config["hidden"][0], config["expansion"]
        norm, mask = NORMS[config["norm"]], DROPOUT_MASKS[config.get("dropout_mask", "bernoulli")]
        layers: list[nn.Module] = [nn.Linear(config["in_features"], width)]
        for p in config["dropout"]:
            block: list[nn.Module] = [
                norm(width),
                nn.Linear(width, expansion * width),
                ACTIVATIONS[config["activation"]](),
            ]
            if p > 0:
                block.append(mask(p))
            layers.append(Residual(*block, nn.Linear(expansion * width, width)))
        return [*layers, norm(width), nn.Linear(width, config["num_classes"])]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (N, num_classes) for normalized images (N, 1, 28, 28) or (N, 784)."""
        return self.layers(x)

    def linear_layers(self) -> list[nn.Linear]:
        """The ``nn.Linear`` layers in order; ``[0]`` looks at the pixels, ``[-1]`` gives the logits."""
        return [m for m in self.modules() if isinstance(m, nn.Linear)]

    def num_parameters(self) -> int:
        """Number of trainable parameters."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)


class Ensemble(nn.Module):
    """Several `MLP`s voting: the log of their averaged class probabilities (usable as logits).

    Each member is a complete fully-connected classifier trained on its own (own seed); the
    ensemble adds no learnable layer. ``model.config`` holds the members' configs.
    """

    def __init__(self, members: Sequence[MLP]) -> None:
        super().__init__()
        if len(members) < 1 or not all(isinstance(m, MLP) for m in members):
            raise ValueError("an Ensemble needs one or more fmnist MLPs")
        self.members = nn.ModuleList(members)
        self.config: dict[str, Any] = {"members": [m.config for m in members]}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """log(mean of the members' softmax), shape (N, num_classes)."""
        log_probabilities = torch.stack([m(x).log_softmax(dim=1) for m in self.members])
        return torch.logsumexp(log_probabilities, dim=0) - math.log(len(self.members))

    def linear_layers(self) -> list[nn.Linear]:
        """Every member's ``nn.Linear`` layers, member after member (``[0]``: the first one's input layer)."""
        return [layer for m in self.members for layer in m.linear_layers()]

    def num_parameters(self) -> int:
        """Number of trainable parameters over all members."""
        return sum(m.num_parameters() for m in self.members)


def model_from_config(config: dict[str, Any]) -> MLP | Ensemble:
    """Rebuild an `MLP` or `Ensemble` (untrained) from its ``config``."""
    if "members" in config:
        return Ensemble([MLP(**member) for member in config["members"]])
    return MLP(**config)


# Presets: the reference notebook's two models, as they actually ran.
# Model 1 declared its two dropout layers under the same name in an OrderedDict, so only the first
# (after the 128-unit layer) was built; model 2 used dropout after its first three hidden layers.
PRESETS: dict[str, dict[str, Any]] = {
    "seed_small": {"hidden": [128, 64], "dropout": [0.25, 0.0]},
    "seed_deep": {"hidden": [392, 196, 98, 49], "dropout": [0.25, 0.25, 0.25, 0.0]},
    # Small and quick to train: the benchmark's time-to-accuracy model (chosen on validation).
    "fast": {"hidden": [256, 256], "dropout": 0.2, "norm": "batch"},
    # The strongest recipe's model (chosen on validation, see notebook 03 and fmnist.ablation).
    "best": {"hidden": [1024, 1024], "dropout": 0.4, "norm": "batch"},
}


def build_model(name: str, **overrides: Any) -> MLP:
    """An `MLP` from preset ``name`` (see `PRESETS`), with any constructor argument overridden."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
    return MLP(**{**PRESETS[name], **overrides})
