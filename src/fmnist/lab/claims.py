"""Claim a piece of work with a lock file, so two processes sharing a folder never do it twice.

`claim` creates ``<path>`` atomically (``O_CREAT | O_EXCL``) holding the claimant's host and pid;
while the work runs, `Claim.beat` refreshes its time. A claim whose process is gone (same host,
pid not alive) or whose heartbeat is older than `STALE_SECONDS` (any host: a killed machine) is
stale and taken over, so a killed process never blocks the work for long. A takeover is itself
claimed (``<path>.takeover``, created the same way): only its holder removes the stale claim, and
only after checking again that it is still stale, so two processes that both found it stale cannot
both end up holding the work (the second finds the first's fresh claim, live).
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
UNREADABLE_SECONDS = 10  # a claim file still empty or half-written after this long: its writer died
TAKEOVER_STALE_SECONDS = 60  # a takeover lock older than this: its process died inside the takeover


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
        age = time.time() - path.stat().st_mtime
        owner = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except json.JSONDecodeError:  # being written this instant, or its writer died while writing
        if age > UNREADABLE_SECONDS:
            return None
        return {"host": "?", "pid": "?", "since": "just now (being written)"}
    if age > STALE_SECONDS:
        return None
    if owner.get("host") == socket.gethostname() and not _alive(int(owner.get("pid", -1))):
        return None
    return owner


def take_over(path: Path) -> bool:
    """Remove the claim at ``path`` if it is (still) stale, holding ``<path>.takeover`` meanwhile;
    False if another process is taking it over now (try again later)."""
    lock = path.with_name(path.name + ".takeover")
    try:
        os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    except FileExistsError:
        try:
            if time.time() - lock.stat().st_mtime > TAKEOVER_STALE_SECONDS:
                lock.unlink(missing_ok=True)  # its process died inside the takeover
        except FileNotFoundError:
            pass
        return False
    try:
        if holder(path) is None:  # checked again under the lock: nobody claimed it meanwhile
            path.unlink(missing_ok=True)
    finally:
        lock.unlink(missing_ok=True)
    return True


@contextmanager
def claim(path: str | os.PathLike[str]) -> Iterator[Claim]:
    """Hold the claim at ``path`` for the block, taking over a stale one; `ClaimedError` naming the
    holder if a live process holds it. The claim file is removed when the block ends."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    me = {"host": socket.gethostname(), "pid": os.getpid(), "since": time.strftime("%Y-%m-%dT%H:%M:%S")}
    for _ in range(2):  # a stale claim is taken over once, then claimed
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            owner = holder(path)
            if owner is not None:
                raise ClaimedError(
                    f"{path.name} is claimed by {owner['host']} pid {owner['pid']} since {owner['since']}"
                ) from None
            if not take_over(path):
                raise ClaimedError(f"{path.name}: another process is taking over its stale claim") from None
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
