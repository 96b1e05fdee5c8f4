"""Run identities: the stable hash of a config.

A result file, a teacher's cache and a distillation table are named by 12 hex digits of their
config's sha256. A knob added after results were recorded joins a config only when set away from
its default (`fmnist.train.unless_default`), so every run that never used it keeps its key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def config_hash(config: Mapping[str, Any]) -> str:
    """12 hex digits of the sha256 of ``config`` as JSON with sorted keys."""
    text = json.dumps(config, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]
