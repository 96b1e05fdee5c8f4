"""Progress bars: a live bar where someone watches, one line of text where a file keeps the output.

An interactive notebook gets tqdm's widget. A notebook executed headless (``make run`` sets
``FMNIST_PROGRESS=text``) would commit that widget frozen at its first frame, ``0/40``, so there
the bar draws nothing while it runs and prints its final state once, as text, when it closes:
``epochs: 100%|##########| 40/40 [06:05<00:00, 9.13s/epoch, ...]``. The variable is read here only.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterable
from typing import Any

from tqdm import std
from tqdm.auto import tqdm as auto_tqdm

PROGRESS_ENV = "FMNIST_PROGRESS"


def text_mode() -> bool:
    """True when ``FMNIST_PROGRESS`` is ``text``: bars print only their final line."""
    return os.environ.get(PROGRESS_ENV, "").strip().lower() == "text"


class FinalLineBar(std.tqdm):
    """A tqdm bar that draws nowhere while running and prints its final state to stdout on close."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.update(file=io.StringIO(), ascii=True)
        super().__init__(*args, **kwargs)

    def close(self) -> None:
        if self.disable:
            return
        line = str(self)
        super().close()
        print(line, file=sys.stdout, flush=True)


def bar(iterable: Iterable[Any] | None = None, **kwargs: Any) -> std.tqdm:
    """``tqdm(iterable, **kwargs)``: a widget in a live notebook, a terminal bar in a shell, one
    final line of text in `text_mode`."""
    if text_mode():
        return FinalLineBar(iterable, **kwargs)
    return auto_tqdm(iterable, **kwargs)
