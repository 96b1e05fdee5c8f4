"""The one runner and the one store: runs keyed by config hash, skipped when done, resumed after a
kill; the frontier and screening files made from the store; the committed store itself."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from fmnist.lab import frontier, runner
from fmnist.lab.recipes import Recipe
from fmnist.lab.results import load_results, machine_class_of, result_path, summarize
from fmnist.models import MLP, ByteDropout
from fmnist.precision import SELECTION_CLASS, as_class
from fmnist.train import TrainConfig

TINY = Recipe(
    "tiny",
    {"hidden": [32], "dropout": 0.2, "norm": "batch", "dropout_mask": "bytes"},
    TrainConfig(epochs=3, batch_size=64, lr=3e-3, device="cpu", progress=False, precision="bf16"),
    description="a tiny MLP for tests",
)


def test_the_key_changes_with_anything_that_changes_the_result_and_nothing_else():
    assert TINY.key(0) == TINY.key(0) and TINY.key(0) != TINY.key(1)
    assert TINY.key(0) != replace(TINY, train=replace(TINY.train, lr=1e-3)).key(0)
    assert TINY.key(0) != replace(TINY, data="60k").key(0)
    assert TINY.key(0) != replace(TINY, model={**TINY.model, "hidden": [64]}).key(0)
    assert TINY.key(0) == replace(TINY, train=replace(TINY.train, progress=True, device=None)).key(0)
    assert TINY.key(0) == replace(TINY, name="renamed", description="other words").key(0)


def run_record(recipe: Recipe, splits, seed: int, folder: Path, **kwargs) -> dict:
    return runner.run(recipe, splits, seed, folder=folder, **kwargs).record


def test_a_finished_run_is_skipped_and_force_redoes_it(splits, tmp_path, capsys):
    first = runner.run(TINY, splits, 0, folder=tmp_path)
    assert first.result_path == result_path("tiny", 0, TINY.key(0), tmp_path) and first.result_path.is_file()
    assert 0.0 <= first.val_accuracy <= 1.0 and first.record["train_examples"] == len(splits.train)
    assert first.val is not None and first.val.accuracy == first.val_accuracy
    again = runner.run(TINY, splits, 0, folder=tmp_path)
    assert "skip" in capsys.readouterr().out and again.record == first.record
    assert again.model is not None and again.val is None  # the kept model, loaded; nothing retrained
    assert again.history.epochs == first.history.epochs
    redone = runner.run(TINY, splits, 0, folder=tmp_path, force=True)
    assert "train tiny seed 0" in capsys.readouterr().out and redone.record["key"] == first.record["key"]


def test_a_run_keeps_a_checkpoint_that_reproduces_its_record(splits, tmp_path):
    from fmnist.checkpoint import load_model
    from fmnist.evaluate import evaluate

    done = runner.run(TINY, splits, 5, folder=tmp_path)
    loaded = load_model(done.model_path)
    assert loaded.metadata["recipe"] == "tiny" and loaded.metadata["seed"] == 5
    assert loaded.metadata["test_accuracy"] == done.test_accuracy == done.record["test"]["accuracy"]
    assert evaluate(loaded, splits.test.images, splits.test.labels).accuracy == done.test_accuracy
    assert done.record["environment"]["machine_class"] and done.record["precision"] in ("fp32", "bf16")


def test_an_interrupted_run_resumes_where_it_stopped_with_the_same_result(splits, tmp_path, monkeypatch):
    import fmnist.quick
    import fmnist.train as train

    monkeypatch.setattr(fmnist.quick, "epochs", lambda full: full)  # all 3 epochs, even in quick mode
    straight = run_record(TINY, splits, 1, tmp_path / "straight")
    original, calls = train._train_one_epoch, {"n": 0}

    def interrupting(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(train, "_train_one_epoch", interrupting)
    with pytest.raises(KeyboardInterrupt):
        runner.run(TINY, splits, 1, folder=tmp_path / "resumed")
    assert not result_path("tiny", 1, TINY.key(1), tmp_path / "resumed").exists()
    monkeypatch.setattr(train, "_train_one_epoch", original)
    resumed = run_record(TINY, splits, 1, tmp_path / "resumed")
    assert resumed["val"] == straight["val"] and resumed["test"] == straight["test"]
    assert [e["val_acc"] for e in resumed["histories"][0]["epochs"]] == [
        e["val_acc"] for e in straight["histories"][0]["epochs"]
    ]


def test_a_60k_fit_trains_on_train_and_validation_and_keeps_its_last_epoch(splits, tmp_path):
    record = run_record(replace(TINY, name="tiny-60k", data="60k"), splits, 0, tmp_path)
    assert record["train_examples"] == len(splits.train) + len(splits.val)
    assert record["val_seen_in_training"] and record["histories"][0]["best_epoch"] is None
    assert record["val"]["total"] == min(len(splits.val), runner.SEEN_VAL_EXAMPLES)


def measured_on(records: list[dict], machine_class: str) -> list[dict]:
    """The same records, as if measured on ``machine_class``."""
    return [r | {"environment": r["environment"] | {"machine_class": machine_class}} for r in records]


def test_summaries_and_frontier_rows_come_from_the_result_files(splits, tmp_path):
    records = measured_on([r.record for r in runner.run_many([TINY], splits, [0, 1, 2])], SELECTION_CLASS)
    (summary,) = summarize(records).values()
    assert summary.seeds == [0, 1, 2] and summary.minutes > 0
    assert summary.test_acc_mean == pytest.approx(sum(r["test"]["accuracy"] for r in records) / 3)
    rows = frontier.frontier_rows(records, ["tiny"])
    assert rows[0]["recipe"] == "tiny" and rows[0]["method"] == "labels" and rows[0]["fully_connected"]
    assert {"minutes", "test_acc_mean", "test_acc_std", "val_acc_mean", "seeds", "parameters"} <= set(rows[0])
    assert f"| {SELECTION_CLASS} | tiny | labels | yes |" in frontier.frontier_table(rows)
    kept = replace(TINY, decisions={SELECTION_CLASS: ("kept", "x")})
    screening = frontier.screening_rows([kept, replace(TINY, name="untried")], records)
    assert [(r["candidate"], r["decision"], len(r["seeds"])) for r in screening] == [
        ("tiny", "kept", 3),
        ("untried", "pending", 0),
    ]
    path = frontier.write_screening(screening, tmp_path)
    assert [json.loads(line)["candidate"] for line in path.read_text().splitlines()] == ["tiny", "untried"]


def test_two_cpu_classes_never_mix_their_minutes(splits):
    amx = measured_on([r.record for r in runner.run_many([TINY], splits, [0, 1])], "x86 AMX bf16")
    avx2 = [r | {"train_seconds": 10 * r["train_seconds"]} for r in measured_on(amx, "x86 AVX2 fp32")]
    with pytest.raises(ValueError, match="several machine classes"):
        summarize(amx + avx2, machine_class=None)
    assert summarize(amx + avx2)["tiny"].minutes == summarize(amx)["tiny"].minutes
    slow = summarize(amx + avx2, "x86 AVX2 fp32")["tiny"].minutes
    assert slow == pytest.approx(10 * summarize(amx)["tiny"].minutes)
    rows = frontier.frontier_rows(amx + avx2, ["tiny"])
    assert [(r["machine_class"], r["recipe"]) for r in rows] == [
        ("x86 AMX bf16", "tiny"),
        ("x86 AVX2 fp32", "tiny"),
    ]
    there = replace(TINY, decisions={"x86 AVX2 fp32": ("kept", "there")})
    screening = frontier.screening_rows([there, replace(TINY, name="untried")], amx + avx2)
    assert [(r["machine_class"], r["candidate"], r["decision"]) for r in screening] == [
        ("x86 AMX bf16", "tiny", "pending"),
        ("x86 AMX bf16", "untried", "pending"),
        ("x86 AVX2 fp32", "tiny", "kept"),  # another class lists what ran there only
    ]
    assert {r["config"]["train"]["precision"] for r in screening} == {"bf16"}  # TINY pins bf16


def test_a_speedup_compares_the_minutes_of_one_cpu_generation_only(splits):
    (base,) = measured_on([r.record for r in runner.run_many([TINY], splits, [0])], SELECTION_CLASS)
    faster = base | {"name": "faster", "train_seconds": base["train_seconds"] / 2}
    candidate = replace(TINY, name="faster", base="tiny")

    def on(record: dict, generation: str) -> dict:
        return record | {"environment": record["environment"] | {"cpu_generation": generation}}

    def speedup(base_generation: str, candidate_generation: str, *others: dict) -> float | None:
        records = [on(base, base_generation), on(faster, candidate_generation), *others]
        rows = frontier.screening_rows([TINY, candidate], records)
        return next(r for r in rows if r["candidate"] == "faster")["speedup_vs_base"]

    assert speedup("family 26", "family 26") == pytest.approx(2.0)
    assert speedup("", "family 26") is None  # the base's CPU is not known: its minutes may be another's
    assert speedup("", "") == pytest.approx(2.0)  # unrecorded, but the class has only ever had one CPU
    elsewhere = on(base | {"name": "elsewhere"}, "family 25")  # now the class holds two CPUs
    assert speedup("", "", elsewhere) is None
    assert speedup("family 26", "family 26", elsewhere) == pytest.approx(2.0)


def test_two_classes_that_share_a_key_keep_their_own_model_files():
    from fmnist.checkpoint import save_model

    zen = "x86 AVX-512 bf16"  # resolves "auto" as AMX does: the same key
    amx_file, zen_file = runner.model_path(TINY, 0, SELECTION_CLASS), runner.model_path(TINY, 0, zen)
    assert amx_file.name == f"{TINY.key(0)}.pt" and zen_file.name == f"{TINY.key(0)}-x86-avx-512-bf16.pt"
    save_model(MLP(**TINY.model), amx_file, machine_class=zen)  # kept by zen before the suffix
    assert runner.model_path(TINY, 0, SELECTION_CLASS) == amx_file and not amx_file.exists()
    assert zen_file.is_file() and runner.trained_on(zen_file) == zen  # moved to its own class's name
    save_model(MLP(**TINY.model), amx_file, machine_class=SELECTION_CLASS)
    runner.model_path(TINY, 0, zen)
    assert runner.trained_on(amx_file) == SELECTION_CLASS  # the selection class's file stays


def test_ship_best_ships_only_a_model_trained_where_its_record_was(splits, tmp_path, monkeypatch, capsys):
    import fmnist.lab.folders
    from fmnist.checkpoint import save_model
    from fmnist.lab.results import write_result

    done = runner.run(TINY, splits, 0, folder=tmp_path)
    write_result(measured_on([done.record], SELECTION_CLASS)[0], tmp_path)
    monkeypatch.setattr(fmnist.lab.folders, "results_dir", lambda: tmp_path)
    monkeypatch.setattr(runner, "frontier_names", lambda: ["tiny"])
    monkeypatch.setattr(runner, "all_recipes", lambda: {"tiny": TINY})
    with as_class(SELECTION_CLASS):
        amx_file = runner.model_path(TINY, 0, SELECTION_CLASS)
    save_model(done.model, amx_file, machine_class=None)
    assert runner.ship_best("tiny-shipped") is None
    assert f"trained on None, not on {SELECTION_CLASS}" in capsys.readouterr().out
    save_model(done.model, amx_file, machine_class=SELECTION_CLASS)
    shipped = runner.ship_best("tiny-shipped")
    assert shipped is not None and runner.trained_on(shipped) == SELECTION_CLASS


def test_flip_trained_runs_also_report_flip_averaging_as_its_own_row(splits, tmp_path):
    flipped = replace(TINY, name="flipped", train=replace(TINY.train, augment=("hflip",)))
    records = [run_record(flipped, splits, seed, tmp_path) for seed in (0, 1)]
    assert all("test_flip_tta" in r for r in records)
    recipes = [r["recipe"] for r in frontier.frontier_rows(records, ["flipped"])]
    assert recipes == ["flipped", "flipped + flip averaging"]


def test_the_ablation_comes_from_the_store_once_every_step_ran_on_a_class(splits, tmp_path):
    from fmnist.lab.recipes import ablation_chain

    record = runner.run(TINY, splits, 0, folder=tmp_path).record
    chain = [recipe.name for recipe in ablation_chain()]
    records = [
        record | {"name": name, "val": record["val"] | {"accuracy": 0.8 + 0.01 * step}}
        for step, name in enumerate(chain)
    ]
    machine_class = machine_class_of(record)
    assert frontier.ablation_rows(records[:-1], machine_class) is None  # a step missing: no table
    rows = frontier.ablation_rows(records, machine_class)
    assert [row["step"] for row in rows] == list(range(len(chain))) and rows[0]["recipe"] == "seed_deep"
    assert rows[-1]["val_accuracy"] == pytest.approx(0.8 + 0.01 * (len(chain) - 1))
    table = frontier.ablation_table(rows)
    assert table.count("\n") == len(rows) + 1 and "| +1.00 |" in table


def test_byte_dropout_drops_the_rounded_share_and_keeps_the_expectation():
    layer = ByteDropout(0.3)
    x = torch.ones(200, 1000)
    y = layer(x)
    dropped = float((y == 0).float().mean())
    assert dropped == pytest.approx(77 / 256, abs=0.01)
    assert float(y.mean()) == pytest.approx(1.0, abs=0.02)
    assert torch.equal(layer.eval()(x), x)
    assert "dropout_mask" not in MLP([8], dropout=0.1).config  # old configs and hashes unchanged
    assert MLP([8], dropout=0.1, dropout_mask="bytes").config["dropout_mask"] == "bytes"
    with pytest.raises(ValueError, match="dropout_mask"):
        MLP([8], dropout_mask="coin")


def test_the_study_command_resumes_after_being_killed_and_skips_what_was_done(tmp_path):
    """`python -m fmnist study` in quick mode on real data: kill it after its first result, rerun."""
    env = {**os.environ, "FMNIST_QUICK": "1", "TMPDIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "fmnist", "study", "--only", "wide-e25-fp32", "--seeds", "0", "1", "2"]
    results = tmp_path / "fmnist-quick-assets" / "results"
    worker = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 240
    while not list(results.glob("*.json")) and time.monotonic() < deadline and worker.poll() is None:
        time.sleep(0.1)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    first = sorted(p.name for p in results.glob("*.json"))
    assert len(first) >= 1, worker.stdout.read()
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"skip {first[0]}" in again.stdout
    done = sorted(p.name for p in results.glob("*.json"))
    assert len(done) == 3 and all(name.startswith("wide-e25-fp32-seed") for name in done)
    assert all(json.loads(p.read_text())["config"]["quick"] for p in results.glob("*.json"))
    assert (tmp_path / "fmnist-quick-assets" / "frontier.json").is_file()


def test_committed_results_are_full_runs_and_their_keys_match_the_registry():
    from fmnist.lab.recipes import TEACHERS, all_recipes
    from fmnist.lab.research_log import read_retired
    from fmnist.paths import project_root

    recipes, records = all_recipes(), load_results()
    retired = {row["candidate"]: row for row in read_retired(Path(project_root()) / "assets")}
    assert {"seed_small", "seed_deep", "best", "flipshift-e600-60k"} <= {r["name"] for r in records}
    for record in records:
        assert not record["config"]["quick"], f"a quick-mode result was committed: {record['name']}"
        name = record["name"]
        if name in retired:  # its knob left TrainConfig: the commit that ran it is recorded, not its key
            assert len(retired[name]["retired_after"]) == 40 and name not in recipes
            continue
        with as_class(machine_class_of(record)):  # "auto" as it resolved where it was measured
            if record["method"] in ("cnn", "mlp-teacher"):  # a teacher's record: keyed by its spec
                keys = {member.key(quick_mode=False) for member in TEACHERS[name].member_specs()}
                assert record["key"] in keys, f"{name} changed"
            else:
                assert recipes[name].key(record["seed"], quick_mode=False) == record["key"], f"{name} changed"


def test_committed_frontier_and_screening_are_the_ones_the_result_files_give():
    from fmnist.lab.recipes import frontier_names, screened
    from fmnist.paths import project_root

    assets = Path(project_root()) / "assets"
    records = load_results()
    measured = frontier.measured_rows(assets)
    expected = frontier.frontier_rows(records, frontier_names(), measured)
    assert json.loads((assets / "frontier.json").read_text()) == json.loads(json.dumps(expected))
    lines = (assets / "screening.jsonl").read_text().splitlines()
    expected_screening = frontier.screening_rows(screened(), records)
    assert [json.loads(line) for line in lines] == json.loads(json.dumps(expected_screening, default=str))


def test_the_store_is_a_temp_folder_in_quick_mode():
    from fmnist.lab.folders import results_dir

    assert "fmnist-quick-assets" in str(results_dir()) and "fmnist-quick-runs" in str(runner.states_dir())
