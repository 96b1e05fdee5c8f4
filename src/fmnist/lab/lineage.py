"""The path of kept changes to a recipe: its chain of bases, each step with its paired numbers.

Every screening candidate names the recipe it changes one thing of (``Recipe.base``), so the
shipped recipe's history is a chain read from the registry, not a list typed anywhere. For each
step the table takes the CPU class where it shares the most seeds with its base, and gives the
change in validation accuracy over those paired seeds, then its test accuracy and minutes there.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from typing import Any

from fmnist.lab.frontier import paired_seeds
from fmnist.lab.recipes import Recipe
from fmnist.lab.results import Summary, machine_classes, summarize


def lineage(name: str, recipes: Mapping[str, Recipe]) -> list[Recipe]:
    """``name``'s recipe and its bases, oldest first; an error naming a base that is not registered."""
    chain: list[Recipe] = []
    while name is not None:
        if name not in recipes:
            raise ValueError(f"{name!r} is not a registered recipe (a base of {chain[-1].name!r})")
        chain.append(recipes[name])
        name = recipes[name].base  # type: ignore[assignment]
    return chain[::-1]


def step_row(
    records: list[Mapping[str, Any]], recipe: Recipe, summaries: Mapping[str, Mapping[str, Summary]]
) -> dict[str, Any] | None:
    """One step: the class with the most seeds paired with the base (the most seeds of its own for
    the first step and a final fit), the paired validation changes there, and its `Summary` there
    (``summaries``: each class's, `summarize`); None if it never ran."""
    best: tuple[tuple[int, int, int], str, list[float], Summary] | None = None
    for order, (machine_class, by_name) in enumerate(summaries.items()):
        summary = by_name.get(recipe.name)
        if summary is None:
            continue
        paired = recipe.base is not None and recipe.data != "60k"  # a final fit's validation was seen
        pairs = paired_seeds(records, recipe.name, recipe.base, machine_class) if paired else []
        changes = [ours - theirs for _, ours, theirs in pairs]
        rank = (len(changes), len(summary.seeds), -order)  # ties: the class listed first
        if best is None or rank > best[0]:
            best = (rank, machine_class, changes, summary)
    if best is None:
        return None
    _, machine_class, changes, summary = best
    return {"recipe": recipe, "machine_class": machine_class, "changes": changes, "summary": summary}


def lineage_table(records: Iterable[Mapping[str, Any]], chain: Iterable[Recipe]) -> str:
    """Markdown: one row per step of ``chain``: what it changes, where it was paired, the mean
    change of validation over the paired seeds, test accuracy (mean ± std, n) and minutes a seed."""
    records = list(records)
    summaries = {
        machine_class: summarize(records, machine_class) for machine_class in machine_classes(records)
    }
    lines = [
        "| step | recipe | what it changes | CPU class | paired seeds | val change (points) | test % "
        "| min/seed |",
        "|---:|---|---|---|---:|---:|---:|---:|",
    ]
    for number, recipe in enumerate(chain):
        row = step_row(records, recipe, summaries)
        if row is None:
            lines.append(f"| {number} | `{recipe.name}` | {recipe.description} | not run | | | | |")
            continue
        summary, changes = row["summary"], row["changes"]
        change = f"{statistics.fmean(changes):+.2f}" if changes else ""
        if recipe.data == "60k":
            change = "(validation seen in training)"
        lines.append(
            f"| {number} | `{recipe.name}` | {recipe.description} | {row['machine_class']} "
            f"| {len(changes) or ''} | {change} | {100 * summary.test_acc_mean:.2f} "
            f"± {100 * summary.test_acc_std:.2f} (n={len(summary.seeds)}) | {summary.minutes:.1f} |"
        )
    return "\n".join(lines)
