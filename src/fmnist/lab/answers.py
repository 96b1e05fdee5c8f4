"""The README's answers: the headline accuracies and the single MLP validation chooses per budget and
CPU class.

Both are computed from files that runs wrote (``assets/frontier.json``, the shipped model's
metadata, the reference recipes' published numbers, ``assets/published.json``); nothing is typed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from fmnist.lab.frontier import best_within
from fmnist.lab.recipes import RECIPES, SEEDS

BUDGETS = (1.0, 5.0, 30.0)  # minutes per seed: the README's columns
PUBLISHED_FILE = "published.json"  # results from the literature, each with its source


def single_mlp_rows(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Frontier rows that are one MLP trained on labels (48k or 60k), tested plainly (no flip
    averaging), over at least `SEEDS` seeds: the rows a budget's answer may come from."""
    return [
        r
        for r in rows
        if r["fully_connected"]
        and str(r["method"]).startswith("labels")
        and not r.get("flip_tta")
        and len(r["seeds"]) >= len(SEEDS)
    ]


def _pct(value: float) -> str:
    return f"{100 * value:.2f}"


def _cell(row: Mapping[str, Any] | None) -> str:
    if row is None:
        return "none yet"
    return (
        f"**{_pct(row['test_acc_mean'])}** ± {_pct(row['test_acc_std'])} "
        f"`{row['recipe']}`, {row['minutes']:.1f} min"
    )


def budget_table(rows: Iterable[Mapping[str, Any]], budgets: Sequence[float] = BUDGETS) -> str:
    """Per CPU class: the single MLP (`single_mlp_rows`) validation chooses within each budget of
    minutes per seed, and at any cost (`best_within`); test accuracy %, mean ± std over seeds."""
    rows = list(rows)
    singles = single_mlp_rows(rows)
    classes = list(dict.fromkeys(r["machine_class"] for r in singles))
    head = " | ".join(f"within {b:g} min" for b in budgets)
    lines = [f"| CPU class | {head} | best at any cost |", "|---" * (len(budgets) + 2) + "|"]
    for machine_class in classes:
        mine = [r for r in singles if r["machine_class"] == machine_class]
        cells = [_cell(best_within(mine, b, rows)) for b in (*budgets, None)]
        lines.append(f"| {machine_class} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def headline_table(
    rows: Iterable[Mapping[str, Any]], shipped: Mapping[str, Any], published: Iterable[Mapping[str, Any]]
) -> str:
    """The shipped model (its metadata), the single MLP validation chooses over every class
    (`best_within`), the ensemble of that recipe's seeds on its class (its own row), the best
    published plain MLP and the reference notebook's models: test accuracy %."""
    rows = list(rows)
    lines = ["| model | test accuracy % | what it is |", "|---|---:|---|"]
    lines.append(
        f"| **`fmnist.load_pretrained()`**, the shipped model | **{_pct(shipped['test_accuracy'])}** | "
        f"one MLP, recipe `{shipped['recipe']}` seed {shipped['seed']}, chosen by its validation |"
    )
    best = best_within(single_mlp_rows(rows), None, rows)
    if best is not None:
        lines.append(
            f"| best single MLP by validation, mean ± std of {len(best['seeds'])} seeds | "
            f"{_pct(best['test_acc_mean'])} ± "
            f"{_pct(best['test_acc_std'])} | `{best['recipe']}` on {best['machine_class']}, "
            f"{best['minutes']:.0f} min a seed |"
        )
    ensembles = [r for r in rows if r["method"] == "ensemble"]
    if best is not None:
        ensembles = [
            r
            for r in ensembles
            if r.get("member_recipe") == best["recipe"] and r["machine_class"] == best["machine_class"]
        ]
    top = best_within(ensembles, None, rows)
    if top is not None:
        lines.append(
            f"| an ensemble of its seeds (its own row, not one MLP) | {_pct(top['test_acc_mean'])} | "
            f"{top['recipe']}, "
            f"{top['minutes']:.0f} min of training in all |"
        )
    for entry in published:
        lines.append(
            f"| {entry['name']} | {_pct(entry['test_accuracy'])} | [{entry['source']}]({entry['url']}) |"
        )
    for recipe in RECIPES.values():
        if recipe.reference_test_accuracy is not None:
            name, published = recipe.description.split(":")[0], _pct(recipe.reference_test_accuracy)
            lines.append(
                f"| {name}, as published | {published} "
                f"| the starting point, reproduced in notebook 02 (`{recipe.name}`) |"
            )
    return "\n".join(lines)


def read_published(folder: Path) -> list[dict[str, Any]]:
    """``<folder>/published.json``: results from the literature (empty when absent)."""
    path = folder / PUBLISHED_FILE
    return json.loads(path.read_text()) if path.is_file() else []
