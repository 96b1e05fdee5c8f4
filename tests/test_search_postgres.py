"""The search against a real PostgreSQL server: workers started together, one killed mid-trial.

Each worker is a real ``python -m fmnist search`` process (tests/search_worker.py: synthetic data,
epochs slowed a little so that a trial can be caught running). Skips where no server can be had,
unless FMNIST_REQUIRE_POSTGRES is set (as in CI).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from postgres_server import postgres_server

from fmnist.lab.search import open_storage

WORKER = [sys.executable, str(Path(__file__).with_name("search_worker.py"))]
TrialState = optuna.trial.TrialState


def _worker_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "FMNIST_QUICK"}  # real epochs, explicit storage
    return {**env, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}


def _search(url: str, study: str, trials: int, epochs: int = 8) -> list[str]:
    return [
        *WORKER,
        "search",
        "--storage",
        url,
        "--study",
        study,
        "--trials",
        str(trials),
        "--epochs",
        str(epochs),
        "--threads",
        "1",
        "--heartbeat",
        "1",
        "--grace",
        "2",
    ]


@pytest.fixture(scope="module")
def server_url():
    with postgres_server() as url:
        yield url


def test_workers_started_together_on_a_fresh_database_all_succeed(server_url):
    workers = [
        subprocess.Popen(
            _search(server_url, "together", 0), env=_worker_env(), stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    errors = [w.communicate(timeout=180)[1] for w in workers]
    assert [w.returncode for w in workers] == [0, 0, 0, 0], errors
    assert optuna.load_study(study_name="together", storage=server_url).trials == []


def _running_trial_of(storage, study_name: str, pid: int, before_epoch: int) -> int | None:
    try:
        study = optuna.load_study(study_name=study_name, storage=storage)
    except KeyError:  # not created yet
        return None
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        if (
            trial.user_attrs.get("worker", "").endswith(f":{pid}")
            and len(trial.intermediate_values) < before_epoch
        ):
            return trial.number
    return None


def test_a_worker_killed_mid_trial_does_not_wedge_the_study(server_url):
    name, epochs = "killed", 8
    victim = subprocess.Popen(_search(server_url, name, 4, epochs), env=_worker_env())
    survivor = subprocess.Popen(_search(server_url, name, 4, epochs), env=_worker_env())
    storage = open_storage(server_url)
    killed, deadline = None, time.monotonic() + 120
    while killed is None and time.monotonic() < deadline and victim.poll() is None:
        killed = _running_trial_of(storage, name, victim.pid, before_epoch=epochs - 4)
        time.sleep(0.02)
    assert killed is not None, "never saw the first worker's trial running"
    victim.kill()  # SIGKILL: no clean-up, its trial stays RUNNING until its heartbeat goes stale
    victim.wait(timeout=30)
    assert survivor.wait(timeout=300) == 0
    time.sleep(2.5)  # past the grace period: the next worker to start a trial fails the stale one
    later = subprocess.run(_search(server_url, name, 1, epochs), env=_worker_env(), timeout=300)
    assert later.returncode == 0

    trials = optuna.load_study(study_name=name, storage=storage).trials
    states = {t.number: t.state for t in trials}
    assert states[killed] == TrialState.FAIL
    retries = [
        t
        for t in trials
        if optuna.storages.RetryHeartbeatStaleTrialCallback.retried_trial_number(t) == killed
    ]
    assert len(retries) == 1 and retries[0].params == trials[killed].params
    assert retries[0].state in (TrialState.COMPLETE, TrialState.PRUNED)
    others = [t for t in trials if t.number != killed]
    assert all(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in others), states
    assert sum(t.user_attrs.get("worker", "").endswith(f":{survivor.pid}") for t in others) == 4
    assert any(t.state == TrialState.COMPLETE for t in others)
