"""The result store (one record format, one loader) and the pages generated from it."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from fmnist.lab.frontier import read_screening
from fmnist.lab.recipes import REGISTRY, SEED_SMALL, get_recipe
from fmnist.lab.report import BEGIN, END, RESEARCH_LOG, fill_blocks, render_readme
from fmnist.lab.research_log import read_notes, read_retired, research_log
from fmnist.lab.results import from_v1_record, load_results, results_table, summarize
from fmnist.lab.runner import run
from fmnist.paths import project_root
from fmnist.precision import as_class

# The last commit with the record format before the one store (assets/results/<name>-seed<seed>.json).
V1_COMMIT = "fb700934086df1632f833b97cf72e25fbb7c127d"


def test_a_run_writes_a_result_file_and_the_table_shows_mean_and_std(splits, tmp_path):
    small = SEED_SMALL.with_train(epochs=1, device="cpu", progress=False)
    records = [run(small, splits, seed, folder=tmp_path).record for seed in (0, 1)]
    assert [r["seed"] for r in records] == [0, 1] and all(r["environment"]["torch"] for r in records)
    assert load_results(tmp_path) == records
    table = results_table(records, ["seed_small", "not run"])
    mean = 100 * sum(r["test"]["accuracy"] for r in records) / 2
    assert "| seed_small | 128-64 | 109,386 | 1 | 2 |" in table and "not run" not in table
    assert f"{mean:.2f} ± " in table and "| 87.42 |" in table
    suite = records[0]["robustness"]
    assert set(suite) == {"val", "test"} and "shift 2 px" in suite["test"] and "clean" in suite["val"]
    assert suite["test"]["clean"] == records[0]["test"]["accuracy"]
    summary = summarize(records, records[0]["environment"]["machine_class"])["seed_small"]
    assert 0 < summary.extra["robustness"]["test"] <= 1


def _v1_files() -> dict[str, dict]:
    """The v1 result files as committed at `V1_COMMIT`, read through git."""
    root = project_root()
    if shutil.which("git") is None or not (root / ".git").exists():
        pytest.skip("not a git checkout: the v1 files are read from its history")
    listed = subprocess.run(
        ["git", "ls-tree", "--name-only", V1_COMMIT, "assets/results/"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    if listed.returncode != 0:
        pytest.skip(f"commit {V1_COMMIT[:7]} is not in this clone (shallow?): {listed.stderr.strip()}")
    files = {}
    for path in listed.stdout.split():
        shown = subprocess.run(
            ["git", "show", f"{V1_COMMIT}:{path}"], cwd=root, capture_output=True, check=True
        )
        files[path] = json.loads(shown.stdout)
    return files


def test_the_migrated_v1_records_keep_their_numbers_and_get_the_registrys_keys():
    """Every v1 file is in the store, rewritten not retrained: the same numbers, the key its recipe
    gives today (for the class it ran on), the config it was trained with."""
    old_files = _v1_files()
    assert len(old_files) == 11
    store = {(r["name"], r["seed"], r["environment"]["machine_class"]): r for r in load_results()}
    for path, old in old_files.items():
        machine_class = old["environment"]["machine_class"]
        new = store[old["name"], old["seed"], machine_class]
        recipe = get_recipe(old["name"])
        with as_class(machine_class):
            key, config = (
                recipe.key(old["seed"], quick_mode=False),
                recipe.config(old["seed"], quick_mode=False),
            )
        assert new["key"] == key, path
        if new["created"] != old["created"]:  # retrained since by notebook 02's live run (seed 0 here)
            assert new["created"] > old["created"] and new["seed"] == 0, path
            continue
        ran = {k: v for k, v in old["train_config"].items() if k in config["train"]}
        assert json.loads(json.dumps(ran)) == json.loads(json.dumps(config["train"])), path
        assert new == json.loads(
            json.dumps(from_v1_record(old, key=key, method=recipe.method, config=config))
        )
        for field in ("test", "train_seconds", "parameters", "environment", "created"):
            assert new[field] == old[field], (path, field)
        assert new["histories"] == old.get("member_histories", [old["history"]]), path
        if "val" in old:
            assert new["val"] == old["val"], path


def test_render_readme_replaces_only_the_marked_block():
    text = f"intro\n{BEGIN}\nold table\n{END}\noutro\n"
    assert render_readme(text, "new") == f"intro\n{BEGIN}\nnew\n{END}\noutro\n"
    with pytest.raises(ValueError, match="results"):
        render_readme("no markers", "new")


def test_the_committed_result_files_are_full_runs():
    records = load_results(project_root() / "assets" / "results")
    assert records, "assets/results/ holds no result files: run `make run`"
    assert not any(r["config"]["quick"] for r in records), "a quick-mode result was committed"
    assert not (project_root() / "assets" / "ablation.json").exists(), (
        "the ablation comes from the result store"
    )


@pytest.mark.parametrize(
    ("page", "blocks"),
    [
        ("README.md", ["headline", "budget"]),
        ("docs/results.md", ["frontier", "suite", "results", "ablation"]),
        ("docs/speed.md", ["runtimes", "step", "denormals", "checkpoints", "augment", "benchmark", "gpu"]),
    ],
)
def test_every_generated_block_is_the_one_made_from_the_committed_files(page, blocks):
    root = project_root()
    text = (root / page).read_text()
    for name in blocks:
        assert f"<!-- {name}:begin -->" in text, f"{page} lacks its {name} block"
    assert fill_blocks(text, root) == text, f"{page} is stale: run `make report`"


def test_the_research_log_is_the_one_made_from_the_committed_files(tmp_path):
    root = project_root()
    screening = read_screening(root / "assets") + read_retired(root / "assets")
    expected = research_log(read_notes(root / "assets"), screening, REGISTRY)
    assert (root / RESEARCH_LOG).read_text() == expected, "docs/research-log.md is stale: run `make report`"
