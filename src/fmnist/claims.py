"""Claim a piece of work with a lock file, so two processes sharing a folder never do it twice.

`claim` creates ``<path>`` atomically (``O_CREAT | O_EXCL``) holding the claimant's host and pid;
while the work runs, `Claim.beat` refreshes its time. A claim whose process is gone (same host,
pid not alive) or whose heartbeat is older than `STALE_SECONDS` (any host: a killed machine) is
stale and taken over, so a killed process never blocks the work for long.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STALE_SECONDS = 15 * 60  # no heartbeat for this long: the claimant is taken for dead


class ClaimedError(RuntimeError):
    """The work is claimed by another live process."""


class Claim:
    """A held claim: `beat` shows the claimant is alive (call it every epoch or so)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def beat(self) -> None:
        """Refresh the claim's heartbeat (its modification time)."""
        os.utime(self.path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def holder(path: Path) -> dict | None:
    """Who holds the claim at ``path`` if it is live, else None (no claim, or a stale one)."""
    try:
        owner = json.loads(path.read_text())
        age = time.time() - path.stat().st_mtime
    except (FileNotFoundError, json.JSONDecodeError):
        return None  # gone, or half-written by a process killed in the instant of creating it
    if age > STALE_SECONDS:
        return None
    if owner.get("host") == socket.gethostname() and not _alive(int(owner.get("pid", -1))):
        return None
    return owner


@contextmanager
def claim(path: str | os.PathLike[str]) -> Iterator[Claim]:
    """Hold the claim at ``path`` for the block, taking over a stale one; `ClaimedError` naming the
    holder if a live process holds it. The claim file is removed when the block ends."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    me = {"host": socket.gethostname(), "pid": os.getpid(), "since": time.strftime("%Y-%m-%dT%H:%M:%S")}
    for _ in range(2):  # a stale claim is removed once, then claimed
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            owner = holder(path)
            if owner is not None:
                raise ClaimedError(
                    f"{path.name} is claimed by {owner['host']} pid {owner['pid']} since {owner['since']}"
                ) from None
            path.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w") as handle:
            json.dump(me, handle)
        break
    else:
        raise ClaimedError(f"{path.name}: another process claimed it in the same instant")
    try:
        yield Claim(path)
    finally:
        path.unlink(missing_ok=True)
