"""The study across processes and machines: shares that partition the runs, and claims that stop
two processes from doing one run twice without letting a killed one block it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from fmnist.lab import claims, runner
from fmnist.lab.cli import build_parser
from fmnist.lab.recipes import Recipe
from fmnist.train import TrainConfig

TINY = Recipe(
    "tiny-claimed",
    {"hidden": [16]},
    TrainConfig(epochs=1, batch_size=64, device="cpu", progress=False),
    description="a tiny MLP for tests",
)


@pytest.mark.parametrize("count", range(1, 9))
def test_the_shares_partition_the_runs_exactly(count):
    runs = [(name, seed) for name in "abcdefg" for seed in (0, 1, 2)]
    shares = [runner.shard(runs, index, count) for index in range(1, count + 1)]
    assert sorted(run for share in shares for run in share) == sorted(runs)  # every run once
    assert sum(len(share) for share in shares) == len(runs)  # none twice
    assert max(map(len, shares)) - min(map(len, shares)) <= 1


def test_a_bad_share_is_refused_with_the_form_it_takes(capsys):
    for bad in ("0/2", "3/2", "2", "a/b"):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["study", "--shard", bad])
        err = capsys.readouterr().err
        assert "K/N" in err or "1..N" in err, err
    assert build_parser().parse_args(["study", "--shard", "2/4"]).shard == (2, 4)
    with pytest.raises(ValueError, match=r"1\.\.4"):
        runner.shard([1, 2], 5, 4)


def _claim_file(path, pid: int, host: str | None = None, age: float = 0.0) -> None:
    path.write_text(json.dumps({"host": host or socket.gethostname(), "pid": pid, "since": "then"}))
    then = time.time() - age
    os.utime(path, (then, then))


def test_a_live_claim_is_respected_and_a_dead_or_silent_one_taken_over(tmp_path):
    path = tmp_path / "run.json.claim"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _claim_file(path, sleeper.pid)
        with pytest.raises(claims.ClaimedError, match=f"pid {sleeper.pid}"), claims.claim(path):
            pass
        assert path.is_file(), "a live claim is left alone"
    finally:
        sleeper.kill()
        sleeper.wait()
    with claims.claim(path) as held:  # its process is gone: taken over
        assert json.loads(path.read_text())["pid"] == os.getpid()
        held.beat()
    assert not path.exists(), "released when the work ends"
    _claim_file(path, 1, host="another-machine", age=claims.STALE_SECONDS + 5)  # no heartbeat for long
    with claims.claim(path):
        assert json.loads(path.read_text())["host"] == socket.gethostname()
    _claim_file(path, 1, host="another-machine", age=10)  # beating recently: alive somewhere
    with pytest.raises(claims.ClaimedError, match="another-machine"), claims.claim(path):
        pass


def test_a_takeover_never_removes_a_claim_made_after_the_stale_one_was_found(tmp_path):
    path = tmp_path / "run.json.claim"
    _claim_file(path, 1, host="another-machine", age=claims.STALE_SECONDS + 5)
    assert claims.holder(path) is None  # process B finds it stale, then is descheduled...
    with claims.claim(path):  # ...while process A takes it over and holds it
        assert claims.take_over(path), "B gets the takeover lock"
        assert path.is_file() and json.loads(path.read_text())["pid"] == os.getpid(), "A's claim stays"
        with pytest.raises(claims.ClaimedError, match=f"pid {os.getpid()}"), claims.claim(path):
            pass  # and B's own attempt finds A live
    assert not path.exists()


def test_a_takeover_in_progress_is_waited_for_and_a_dead_one_cleared(tmp_path):
    path = tmp_path / "run.json.claim"
    lock = tmp_path / "run.json.claim.takeover"
    _claim_file(path, 1, host="another-machine", age=claims.STALE_SECONDS + 5)
    lock.touch()
    with pytest.raises(claims.ClaimedError, match="taking over"), claims.claim(path):
        pass
    assert path.is_file() and lock.is_file()
    then = time.time() - claims.TAKEOVER_STALE_SECONDS - 5
    os.utime(lock, (then, then))  # its process died inside the takeover
    with pytest.raises(claims.ClaimedError, match="taking over"), claims.claim(path):
        pass  # this attempt clears the dead lock...
    assert not lock.exists()
    with claims.claim(path):  # ...and the next takes the stale claim over
        assert json.loads(path.read_text())["pid"] == os.getpid()


def test_a_claim_file_still_being_written_is_live_for_a_moment_then_stale(tmp_path):
    path = tmp_path / "run.json.claim"
    path.write_text("")  # created by O_EXCL, its JSON not written yet
    assert claims.holder(path) is not None
    then = time.time() - claims.UNREADABLE_SECONDS - 5
    os.utime(path, (then, then))  # its writer died before writing
    assert claims.holder(path) is None


def test_the_runner_skips_a_run_another_process_claimed_and_beats_while_it_trains(
    splits, tmp_path, capsys, monkeypatch
):
    path = runner.result_path(TINY.name, 0, TINY.key(0), tmp_path)
    claim_file = path.with_name(path.name + ".claim")
    _claim_file(claim_file, 1, host="another-machine")  # beating: alive on another machine
    done = runner.run_many([TINY], splits, [0, 1], folder=tmp_path)
    assert [run.seed for run in done] == [1] and not path.exists()
    assert "skip tiny-claimed seed 0: " in capsys.readouterr().out
    claim_file.unlink()  # that machine finished or gave up
    beats = []
    original = claims.Claim.beat
    monkeypatch.setattr(claims.Claim, "beat", lambda self: beats.append(self.path) or original(self))
    done = runner.run_many([TINY], splits, [0, 1], folder=tmp_path)
    assert [run.val is not None for run in done] == [True, False]  # seed 0 trained, seed 1 done already
    assert path.is_file() and beats == [claim_file] * TINY.train.epochs and not claim_file.exists()
