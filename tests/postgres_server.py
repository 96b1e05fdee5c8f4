"""A throwaway PostgreSQL server for tests: Debian's binaries, a temp folder, 127.0.0.1, a free port.

The server refuses to run as root, so as root it runs as the ``postgres`` user. Where no server
can be had, tests skip with a message saying how to get one, unless ``FMNIST_REQUIRE_POSTGRES``
is set (CI sets it): then they fail.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REQUIRE_ENV = "FMNIST_REQUIRE_POSTGRES"
HOW_TO_GET = (
    "no PostgreSQL server binaries (initdb, pg_ctl) found; install Debian's 'postgresql' package "
    "(apt-get install postgresql; `make test` does this when run as root)"
)


def server_bin() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` holding initdb and pg_ctl, else PATH's."""

    def version(folder: str) -> tuple[int, ...]:
        return tuple(int(part) for part in Path(folder).parent.name.split(".") if part.isdigit())

    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version)
    for folder in reversed(folders):
        if Path(folder, "initdb").is_file() and Path(folder, "pg_ctl").is_file():
            return Path(folder)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{reason} ({REQUIRE_ENV} is set, so this test must run)")
    pytest.skip(reason)


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server, yield its URL ``postgresql://postgres@127.0.0.1:<port>/postgres``, stop it."""
    binaries = server_bin()
    if binaries is None:
        _unavailable(HOW_TO_GET)
    as_root = os.geteuid() == 0
    if as_root:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("running as root but there is no 'postgres' user to run the server as")
    folder = Path(tempfile.mkdtemp(prefix="fmnist-pg-", dir="/tmp"))
    data = folder / "data"
    if as_root:
        os.chown(folder, account.pw_uid, account.pw_gid)
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    port = _free_port()

    def run(*args: str) -> None:
        subprocess.run(
            prefix + list(args), check=True, capture_output=True, text=True, timeout=120, cwd=folder
        )

    try:
        run(str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        run(
            str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"
        )
    except subprocess.CalledProcessError as err:
        shutil.rmtree(folder, ignore_errors=True)
        _unavailable(f"PostgreSQL did not start: {err.stderr.strip() or err.stdout.strip()}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
            cwd=folder,
        )
        shutil.rmtree(folder, ignore_errors=True)
