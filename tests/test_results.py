"""Result files and the README blocks generated from them."""

from __future__ import annotations

import json

import pytest

from fmnist.evaluate import evaluate
from fmnist.models import build_model
from fmnist.paths import project_root
from fmnist.report import (
    ABLATION_BEGIN,
    ABLATION_END,
    BEGIN,
    BENCH_BEGIN,
    BENCH_END,
    END,
    ablation_block,
    benchmark_block,
    render_readme,
)
from fmnist.results import load_results, results_table, save_result
from fmnist.train import TrainConfig, fit, set_seed


def test_a_run_writes_a_result_file_and_the_table_shows_mean_and_std(splits, tmp_path):
    for seed in (0, 1):
        set_seed(seed)
        model = build_model("seed_small")
        config = TrainConfig(epochs=1, seed=seed, device="cpu", progress=False)
        history = fit(model, splits, config)
        test = evaluate(model, splits.test.images, splits.test.labels)
        path = save_result(
            "tiny", model, config, history, test, folder=tmp_path, reference_test_accuracy=0.8742
        )
        record = json.loads(path.read_text())
        assert record["test"]["accuracy"] == test.accuracy
        assert record["seed"] == seed and record["environment"]["torch"]
    records = load_results(tmp_path)
    table = results_table(records)
    mean = 100 * sum(r["test"]["accuracy"] for r in records) / 2
    assert "| tiny | 128-64 | 109,386 | 1 | 2 |" in table
    assert f"{mean:.2f} ± " in table and "| 87.42 |" in table


def test_render_readme_replaces_only_the_marked_block():
    text = f"intro\n{BEGIN}\nold table\n{END}\noutro\n"
    assert render_readme(text, "new") == f"intro\n{BEGIN}\nnew\n{END}\noutro\n"
    with pytest.raises(ValueError, match="results"):
        render_readme("no markers", "new")


def test_the_readme_table_is_the_one_generated_from_the_committed_result_files():
    root = project_root()
    readme = (root / "README.md").read_text()
    records = load_results(root / "assets" / "results")
    assert records, "assets/results/ holds no result files: run `make run`"
    assert not any(r["quick"] for r in records), "a quick-mode result was committed"
    assert render_readme(readme, results_table(records)) == readme, "README is stale: run `make report`"
    if BENCH_BEGIN in readme:
        expected = render_readme(readme, benchmark_block(root), BENCH_BEGIN, BENCH_END)
        assert expected == readme, "README's benchmark block is stale: run `make report`"
    assert ABLATION_BEGIN in readme, "README has no ablation block"
    ablation_rows = json.loads((root / "assets" / "ablation.json").read_text())
    assert ablation_rows and not any(row["quick"] for row in ablation_rows), (
        "a quick-mode ablation was committed"
    )
    expected = render_readme(readme, ablation_block(root), ABLATION_BEGIN, ABLATION_END)
    assert expected == readme, "README's ablation table is stale: run `make report`"


def test_every_generated_readme_block_is_up_to_date(tmp_path):
    from fmnist.report import FRONTIER_BEGIN, TIMES_BEGIN, update_readme

    readme = (project_root() / "README.md").read_text()
    assert FRONTIER_BEGIN in readme and TIMES_BEGIN in readme, "README lacks the frontier or run-time block"
    copy = tmp_path / "README.md"
    copy.write_text(readme)
    assert update_readme(copy).read_text() == readme, "README is stale: run `make report`"
