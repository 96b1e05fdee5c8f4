"""Tables the notebooks draw from the result store."""

from __future__ import annotations

import json
from pathlib import Path

from fmnist.lab.frontier import (
    REFERENCE_POINTS_FILE,
    SEED_ENSEMBLES_FILE,
    frontier_rows,
    frontier_table,
    goal_verdicts,
    measured_rows,
    paired_table,
    read_screening,
    seed_ensemble_row,
    write_screening,
)
from fmnist.lab.research_log import chapter_table
from fmnist.lab.results import summarize

COMMON = {"method": "labels", "train_seconds": 60, "parameters": 1, "config": {}}


def run(
    name: str, seed: int, val: float, machine_class: str, test: float | None = None, generation: str = ""
) -> dict:
    about = {"machine_class": machine_class, "cpu_model": "cpu", "threads": 2, "cpu_generation": generation}
    scores = {"val": {"accuracy": val}, "test": {"accuracy": val if test is None else test}}
    return {**COMMON, "name": name, "seed": seed, **scores, "environment": about}


def test_the_paired_table_compares_seeds_a_candidate_and_its_base_share_per_class():
    records = [
        run("new", 0, 0.92, "x86 AMX bf16"),
        run("new", 1, 0.93, "x86 AMX bf16"),
        run("old", 0, 0.91, "x86 AMX bf16"),
        run("old", 0, 0.90, "x86 AVX2 fp32"),  # no candidate there: no rows
    ]
    table = paired_table(records, "new", "old")
    assert "| x86 AMX bf16 | 0 | 92.00 | 91.00 | +1.00 |" in table
    assert "| x86 AMX bf16 | 1 |" not in table  # the base has no seed 1
    assert "| x86 AMX bf16 | mean (n=2 / 1) | 92.50 ± 0.71 | 91.00 | +1.50 |" in table
    assert "AVX2" not in table


def test_a_seed_ensemble_is_one_labelled_measurement_that_costs_all_its_members_minutes():
    records = [run("fit", seed, 0.99, "x86 AMX bf16", test=0.92 + seed / 100) for seed in (0, 1, 2)]
    summary = summarize(records, "x86 AMX bf16")["fit"]
    row = seed_ensemble_row(summary, test_acc=0.935, val_acc=None)
    assert row["method"] == "ensemble" and row["recipe"] == "ensemble of fit's seeds 0, 1, 2"
    assert row["minutes"] == 3.0  # three members of one minute each
    assert row["parameters"] == 3
    assert row["seeds"] == [0] and row["member_seeds"] == [0, 1, 2]  # n=1: one ensemble, not 3 seeds
    assert (row["test_acc_mean"], row["test_acc_std"], row["val_acc_mean"]) == (0.935, 0.0, None)
    line = frontier_table([row]).splitlines()[-1]
    assert "| ensemble | yes | 3.0 | 1 | n/a | 93.50 | 3 |" in line  # no validation: it trained on it


def test_a_class_whose_minutes_come_from_two_cpu_generations_names_each_rows_generation():
    zen5, older = "AuthenticAMD family 26 model 2", ""  # "": a run from before generations were recorded
    records = [
        run("fast", 0, 0.92, "x86 AVX-512 bf16", generation=zen5),
        run("slow", 0, 0.91, "x86 AVX-512 bf16", generation=older),
        run("both", 0, 0.91, "x86 AVX-512 bf16", generation=zen5),
        run("both", 1, 0.91, "x86 AVX-512 bf16", generation=older),
        run("alone", 0, 0.90, "x86 AMX bf16", generation=older),
    ]
    rows = frontier_rows(records, ["fast", "slow", "both", "alone"])
    table = frontier_table(rows)
    assert f"| x86 AVX-512 bf16 ({zen5}) | fast |" in table
    assert "| x86 AVX-512 bf16 (generation not recorded) | slow |" in table
    assert f"| x86 AVX-512 bf16 ({zen5} / generation not recorded) | both |" in table  # its seeds differ
    assert "| x86 AMX bf16 | alone |" in table  # one generation there: the class says it all
    alone = next(row for row in rows if row["recipe"] == "alone")
    measured = {**alone, "recipe": "a benchmark's row", "cpu_generation": None}  # older files: no key
    assert "| x86 AMX bf16 | a benchmark's row |" in frontier_table([*rows, measured])  # still unrecorded


def test_the_research_log_names_generations_as_the_frontier_does():
    def screened(candidate: str, generation: str | None, seeds: list[int]) -> dict:
        return {
            "candidate": candidate,
            "machine_class": "x86 AVX-512 bf16",
            "base": None,
            "description": "a change",
            "seeds": seeds,
            "val_acc_mean": 0.9,
            "val_acc_std": 0.0,
            "val_change_vs_base": None,
            "val_seen_in_training": False,
            "minutes": 1.0,
            "cpu_generation": generation,
            "decision": "dropped",
            "why": "below its base",
        }

    rows = [screened("new", "family 26", [0]), screened("old", None, [0]), screened("untried", None, [])]
    table = chapter_table(["new", "old", "untried"], rows, {})
    assert "| `new` |  | a change | x86 AVX-512 bf16 (family 26) |" in table
    assert "| `old` |  | a change | x86 AVX-512 bf16 (generation not recorded) |" in table
    assert "| `untried` |  |  | | | | | | not run yet | |" in table
    assert "| `elsewhere` |  |  | | | | | | not a candidate | |" in chapter_table(["elsewhere"], rows, {})
    alone = chapter_table(["new"], rows[:1], {})
    assert "| `new` |  | a change | x86 AVX-512 bf16 |" in alone


def test_measured_rows_gather_both_benchmarks_files_and_need_neither(tmp_path: Path):
    assert measured_rows(tmp_path) == []
    (tmp_path / SEED_ENSEMBLES_FILE).write_text(json.dumps([{"recipe": "an ensemble"}]))
    assert measured_rows(tmp_path) == [{"recipe": "an ensemble"}]
    (tmp_path / REFERENCE_POINTS_FILE).write_text(json.dumps([{"recipe": "a reference"}]))
    assert [row["recipe"] for row in measured_rows(tmp_path)] == ["a reference", "an ensemble"]


def test_the_research_log_shows_each_run_with_its_change_from_base_and_its_decision():
    ran = {
        "machine_class": "x86 AMX bf16",
        "candidate": "new",
        "base": "old",
        "description": "one change",
        "seeds": [0, 1],
        "val_acc_mean": 0.925,
        "val_acc_std": 0.001,
        "val_change_vs_base": 0.0026,
        "val_seen_in_training": False,
        "minutes": 26.33,
        "decision": "kept",
        "why": "above its base",
    }
    fit = {**ran, "candidate": "new-60k", "base": "new", "val_change_vs_base": None}
    fit["val_seen_in_training"] = True
    table = chapter_table(["new", "new-60k"], [ran, fit], {})
    assert (
        "| `new` | old | one change | x86 AMX bf16 | 2 | 92.50 ± 0.10 | +0.26 | 26.3 | kept "
        "| above its base |" in table
    )
    assert (
        "| `new-60k` | new | one change | x86 AMX bf16 | 2 | 92.50 ± 0.10 (seen in training) |  | 26.3 |"
        in table
    )


def test_the_screening_file_reads_back_what_was_written(tmp_path: Path):
    rows = [{"candidate": "new", "seeds": [0]}, {"candidate": "later", "seeds": []}]
    write_screening(rows, tmp_path)
    assert read_screening(tmp_path) == rows
    assert read_screening(tmp_path / "none") == []


def test_a_goal_is_judged_on_the_row_validation_chooses_over_three_seeds():
    def row(recipe: str, minutes: float, val: float, test: float, seeds: int, method: str = "labels") -> dict:
        about = {"machine_class": "x86 AMX bf16", "recipe": recipe, "method": method, "fully_connected": True}
        measured = {"minutes": minutes, "val_acc_mean": val, "test_acc_mean": test}
        return about | measured | {"seeds": list(range(seeds))}

    rows = [row("three", 20, 0.93, 0.926, 3), row("one", 29, 0.93, 0.928, 1), row("slow", 31, 0.95, 0.94, 3)]
    rows.append(row("lucky", 25, 0.92, 0.96, 3))  # the highest test, but validation does not choose it
    rows.append(row("ensemble", 10, 0.99, 0.95, 1, method="ensemble"))  # its own row: never a goal's answer
    reached, tentative, missed = goal_verdicts(rows, [(30, 0.925), (30, 0.927), (5, 0.9)])
    assert reached == (
        "[x86 AMX bf16] goal 92.5% within 30 min: reached; chosen on validation: three 92.60% (n=3)"
    )
    assert tentative.endswith(
        "92.7% within 30 min: reached on fewer than 3 seeds only: not established yet; "
        "chosen on validation: one 92.80% (n=1)"
    )
    assert missed == "[x86 AMX bf16] goal 90.0% within 5 min: NOT reached; chosen on validation: none"
