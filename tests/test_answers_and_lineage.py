"""The README's generated answers and the path of kept changes read from the registry."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fmnist.lab.answers import best_within, budget_table, headline_table, single_mlp_rows
from fmnist.lab.frontier import selection_accuracy
from fmnist.lab.lineage import lineage, lineage_table
from fmnist.lab.recipes import SEED_SMALL


def row(recipe: str, minutes: float, acc: float, *, method: str = "labels", seeds=(0, 1, 2), **extra) -> dict:
    return {
        "recipe": recipe,
        "method": method,
        "fully_connected": True,
        "minutes": minutes,
        "test_acc_mean": acc,
        "test_acc_std": 0.001,
        "seeds": list(seeds),
        "machine_class": extra.pop("machine_class", "x86 AMX bf16"),
        **extra,
    }


def test_a_budget_takes_only_single_mlps_over_enough_seeds_within_its_minutes():
    rows = [
        row("cheap", 0.8, 0.90, val_acc_mean=0.90),
        row("one-seed", 0.5, 0.95, seeds=[0], val_acc_mean=0.95),
        row("flipped", 0.8, 0.96, flip_tta=True, val_acc_mean=0.96),
        row("ensemble", 0.7, 0.97, method="ensemble", val_acc_mean=0.97),
        row("mid", 4.0, 0.91, val_acc_mean=0.91),
        row("long-48k", 24.0, 0.92, val_acc_mean=0.925),
        row("long", 29.0, 0.925, method="labels-60k", selected_by="long-48k", val_acc_mean=0.99),
        row("longer", 45.0, 0.93, val_acc_mean=0.935),
    ]
    singles = single_mlp_rows(rows)
    assert [r["recipe"] for r in singles] == ["cheap", "mid", "long-48k", "long", "longer"]
    assert best_within(singles, 1.0)["recipe"] == "cheap"
    assert best_within(singles, 30.0)["recipe"] == "long", "a final fit comes before the recipe that chose it"
    assert best_within(singles, 25.0)["recipe"] == "long-48k"
    assert best_within(singles, None)["recipe"] == "longer"
    assert best_within(singles, 0.1) is None
    table = budget_table(rows)
    assert "| x86 AMX bf16 | **90.00** ± 0.10 `cheap`, 0.8 min | **91.00** ± 0.10 `mid`, 4.0 min |" in table
    assert table.rstrip().endswith("**93.00** ± 0.10 `longer`, 45.0 min |")
    assert "none yet" in budget_table([row("slow", 2.0, 0.9, val_acc_mean=0.9)])


def test_validation_chooses_a_budgets_row_and_the_test_split_only_reports_it():
    lucky = row("lucky-on-test", 4.0, 0.93, val_acc_mean=0.90)
    sound = row("best-on-validation", 4.5, 0.91, val_acc_mean=0.92)
    unseen = row("fit-60k", 3.0, 0.95, method="labels-60k", selected_by="missing", val_acc_mean=0.99)
    assert best_within([lucky, sound, unseen], 5.0)["recipe"] == "best-on-validation"
    assert selection_accuracy(unseen, [lucky, sound, unseen]) is None, "seen validation never chooses"
    parent = row("missing", 2.0, 0.90, val_acc_mean=0.95, machine_class="x86 AVX2 fp32")
    assert selection_accuracy(unseen, [parent]) is None, "the selecting recipe counts on its own class only"
    assert selection_accuracy(unseen, [replace_class(parent)]) == 0.95
    flipped = {**unseen, "recipe": "fit-60k + flip averaging", "flip_tta": True}
    parent_flipped = {**replace_class(parent), "recipe": "missing + flip averaging", "val_acc_mean": 0.96}
    assert selection_accuracy(flipped, [replace_class(parent), parent_flipped]) == 0.96


def replace_class(r: dict) -> dict:
    return {**r, "machine_class": "x86 AMX bf16"}


def test_the_headline_names_the_shipped_model_the_best_rows_and_the_published_marks():
    rows = [
        row("single", 30.0, 0.9285, val_acc_mean=0.925),
        row("luckier", 30.0, 0.9290, val_acc_mean=0.920),
        row("ens of single", 90.0, 0.9305, method="ensemble", seeds=[0], member_recipe="single"),
        row("ens of luckier", 90.0, 0.9400, method="ensemble", seeds=[0], member_recipe="luckier"),
    ]
    rows[2]["val_acc_mean"] = rows[3]["val_acc_mean"] = 0.93
    shipped = {"recipe": "single", "seed": 0, "test_accuracy": 0.9277}
    published = [{"name": "best published plain MLP", "test_accuracy": 0.9163, "source": "A & B", "url": "u"}]
    table = headline_table(rows, shipped, published)
    assert "| **92.77** | one MLP, recipe `single` seed 0" in table
    assert "| best single MLP by validation, mean ± std of 3 seeds | 92.85 ± 0.10 |" in table
    assert "| an ensemble of its seeds (its own row, not one MLP) | 93.05 |" in table
    assert "| best published plain MLP | 91.63 | [A & B](u) |" in table
    assert "| reference model 1, as published | 87.42 |" in table  # from the recipe, not typed here


def test_the_lineage_follows_the_bases_and_names_a_missing_one():
    a = replace(SEED_SMALL, name="a", base=None)
    b = replace(SEED_SMALL, name="b", base="a")
    c = replace(SEED_SMALL, name="c", base="b")
    assert [r.name for r in lineage("c", {"a": a, "b": b, "c": c})] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="'a' is not a registered recipe"):
        lineage("c", {"b": b, "c": c})


def _record(name: str, seed: int, val: float, test: float) -> dict:
    return {
        "name": name,
        "method": "labels",
        "seed": seed,
        "val": {"accuracy": val},
        "test": {"accuracy": test},
        "train_seconds": 60.0,
        "parameters": 10,
        "config": {},
        "environment": {"machine_class": "x86 AMX bf16", "cpu_model": "cpu", "threads": 2},
    }


def test_a_lineage_step_pairs_seeds_with_its_base():
    a = replace(SEED_SMALL, name="a", base=None, description="first")
    b = replace(SEED_SMALL, name="b", base="a", description="one change")
    records = [_record("a", s, 0.90, 0.89) for s in (0, 1)] + [
        _record("b", s, 0.91 + s / 100, 0.9) for s in (0, 1, 2)
    ]
    table = lineage_table(records, [a, b, replace(b, name="c", base="b")])
    assert "| 0 | `a` | first | x86 AMX bf16 |  |  | 89.00 ± 0.00 (n=2) | 1.0 |" in table
    assert "| 1 | `b` | one change | x86 AMX bf16 | 2 | +1.50 | 90.00 ± 0.00 (n=3) | 1.0 |" in table
    assert "| 2 | `c` | one change | not run |" in table
