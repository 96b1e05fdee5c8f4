"""Save and load models and training states: atomic writes, safe loads, clear errors.

A checkpoint is a plain dict (format tag, version, ``MLP`` config, state dict, JSON metadata)
written to a temp file in the same folder and renamed over the target, so an interrupted save
leaves the previous file intact. Loading uses ``weights_only=True``: it never runs code.
A training state (``fit``'s per-epoch file for resuming) uses the same writer and reader.
"""

from __future__ import annotations

import json
import os
import pickle
import re
from pathlib import Path
from typing import Any

import torch
from torch import nn

from fmnist.models import MLP, Ensemble, model_from_config
from fmnist.paths import atomic_write

FORMAT = "fmnist-checkpoint"
TRAIN_STATE_FORMAT = "fmnist-train-state"
VERSION = 1


class CheckpointError(RuntimeError):
    """The file is not a usable fmnist checkpoint; the message says why and what to do."""


def atomic_torch_save(payload: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """``torch.save`` through `fmnist.paths.atomic_write`: temp file, fsync, rename."""
    return atomic_write(path, lambda handle: torch.save(payload, handle))


def safe_load(path: str | os.PathLike[str], expected_format: str) -> dict[str, Any]:
    """Load with ``weights_only=True`` and check the format tag and version."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        refused = re.search(r"Unsupported global: GLOBAL (\S+)", str(err))
        if refused is None:
            raise CheckpointError(
                f"{path} is not a readable checkpoint (damaged, or not a torch file)"
            ) from err
        raise CheckpointError(
            f"{path} was refused by the safe loader (weights_only=True): it asks to run "
            f"{refused.group(1)}, so it is not an fmnist checkpoint. Nothing in it was run."
        ) from err
    except (RuntimeError, EOFError, OSError, ValueError) as err:
        raise CheckpointError(f"{path} is not a readable checkpoint (damaged?): {err}") from err
    if not isinstance(payload, dict) or payload.get("format") != expected_format:
        found = payload.get("format") if isinstance(payload, dict) else None
        raise CheckpointError(
            f"{path} is not an {expected_format} file (format tag {found!r}); "
            + ("make one with fmnist.save_model" if expected_format == FORMAT else "fit writes these")
        )
    if payload.get("version") != VERSION:
        raise CheckpointError(
            f"{path} has checkpoint format version {payload.get('version')!r}; this fmnist reads "
            f"version {VERSION}. Upgrade fmnist or re-save the model."
        )
    return payload


WEIGHT_DTYPES = {"float32": torch.float32, "float16": torch.float16}


def round_weights_(model: nn.Module, weights_dtype: str) -> nn.Module:
    """Round ``model``'s floating-point weights and buffers, in place, to values ``weights_dtype``
    can hold (they stay float32): then the model evaluates exactly as it will after
    ``save_model(..., weights_dtype=...)`` and loading."""
    dtype = _weights_dtype(weights_dtype)
    with torch.no_grad():
        for tensor in model.state_dict().values():
            if tensor.is_floating_point():
                tensor.copy_(tensor.to(dtype))
    return model


def _weights_dtype(name: str) -> torch.dtype:
    if name not in WEIGHT_DTYPES:
        raise ValueError(f"weights_dtype must be one of {sorted(WEIGHT_DTYPES)}, got {name!r}")
    return WEIGHT_DTYPES[name]


def save_model(
    model: MLP | Ensemble,
    path: str | os.PathLike[str],
    *,
    weights_dtype: str = "float32",
    **metadata: Any,
) -> Path:
    """Write ``model`` (config + weights) and JSON-serializable ``metadata`` atomically to ``path``.

    With ``weights_dtype="float16"`` floating-point tensors are stored at half size; `load_model`
    returns float32 weights with those (rounded) values (see `round_weights_`).
    """
    if not isinstance(model, MLP | Ensemble):
        raise TypeError(f"save_model expects an fmnist MLP or Ensemble, got {type(model).__name__}")
    dtype = _weights_dtype(weights_dtype)
    try:
        metadata_json = json.dumps(metadata, sort_keys=True)
    except (TypeError, ValueError) as err:
        raise ValueError(f"metadata must be JSON-serializable (numbers, text, lists, dicts): {err}") from err
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "model_config": model.config,
        "state_dict": {
            k: v.detach().cpu().to(dtype) if v.is_floating_point() else v.detach().cpu()
            for k, v in model.state_dict().items()
        },
        "metadata": metadata_json,
    }
    return atomic_torch_save(payload, path)


def read_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The checkpoint's dict, loaded with ``weights_only=True`` and its format checked."""
    return safe_load(path, FORMAT)


def load_model(path: str | os.PathLike[str], map_location: str | torch.device = "cpu") -> MLP | Ensemble:
    """Rebuild the saved `MLP` or `Ensemble`, load its weights, put it in eval mode.

    The saved metadata is in ``model.metadata``.
    """
    payload = read_checkpoint(path)
    try:
        model = model_from_config(payload["model_config"])
    except (TypeError, ValueError, KeyError) as err:
        raise CheckpointError(f"{path}: the stored architecture is not valid: {err}") from err
    missing, unexpected = _key_mismatch(model.state_dict(), payload["state_dict"])
    if missing or unexpected:
        raise CheckpointError(
            f"{path}: weights do not match the stored architecture; missing keys {missing}, "
            f"unexpected keys {unexpected}"
        )
    try:
        model.load_state_dict(payload["state_dict"])
    except RuntimeError as err:
        raise CheckpointError(f"{path}: weights do not match the stored architecture: {err}") from err
    model.metadata = json.loads(payload["metadata"])
    return model.to(map_location).eval()


def save_training_state(state: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write ``fit``'s resumable state (weights, optimizer, RNGs, history) atomically."""
    return atomic_torch_save({"format": TRAIN_STATE_FORMAT, "version": VERSION, **state}, path)


def load_training_state(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a state written by `save_training_state`, safely."""
    return safe_load(path, TRAIN_STATE_FORMAT)


def _key_mismatch(expected: dict[str, Any], found: dict[str, Any]) -> tuple[list[str], list[str]]:
    return sorted(set(expected) - set(found)), sorted(set(found) - set(expected))
