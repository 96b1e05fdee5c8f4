"""What `make study` runs on a machine class: the screening's next steps there, not every recipe.

A screening candidate changes one thing of its base, so it is worth its minutes on a class once
its base was kept there, and until it is decided there itself: a candidate whose base is pending
or was dropped on this class waits, and one dropped (or only measured) here is not run again. The
reference recipes and the ablation are not candidates and always run, after the open candidates
(the questions a class's minutes are for). ``--only NAME`` runs any recipe on any class, planned
or not.
"""

from __future__ import annotations

from dataclasses import dataclass

from fmnist.lab.decisions import DROPPED, MEASURED
from fmnist.lab.recipes import Recipe, all_recipes, screened

# Statuses that close a candidate on a class: more seeds there would not change what was decided.
CLOSED = (DROPPED, MEASURED)


@dataclass(frozen=True)
class Plan:
    """The recipes `make study` runs on ``machine_class``, in order (the screening's open
    candidates first, then the reference recipes and the ablation, each in registry order), and
    those it leaves waiting (each with why)."""

    machine_class: str
    runs: list[Recipe]
    waits: list[tuple[Recipe, str]]


def why_waiting(candidate: Recipe, machine_class: str, recipes: dict[str, Recipe]) -> str | None:
    """Why screening ``candidate`` is not run on ``machine_class`` (None: it is run); ``recipes``
    holds its base."""
    verdict = candidate.decision(machine_class)[0]
    if verdict in CLOSED:
        return f"{verdict} here already"
    if candidate.base is None or candidate.kept_on(machine_class):
        return None
    if candidate.base not in recipes:
        raise ValueError(f"{candidate.name!r} names an unknown base {candidate.base!r}; register it first")
    base = recipes[candidate.base]
    if not base.kept_on(machine_class):
        return f"its base {candidate.base} is {base.decision(machine_class)[0]} here"
    return None


def plan(machine_class: str, recipes: dict[str, Recipe] | None = None) -> Plan:
    """What `make study` runs on ``machine_class`` out of ``recipes`` (default `all_recipes`)."""
    recipes = all_recipes() if recipes is None else recipes
    candidates = {r.name for r in screened()}
    runs, references, waits = [], [], []
    for recipe in recipes.values():
        if recipe.name not in candidates:
            references.append(recipe)
        elif (why := why_waiting(recipe, machine_class, recipes)) is None:
            runs.append(recipe)
        else:
            waits.append((recipe, why))
    return Plan(machine_class, runs + references, waits)
