"""Accuracy against training minutes: the frontier rows, the screening file, and their tables.

Both are made from the result store (``assets/results/*.json``, `fmnist.lab.results`), never typed.
`write_frontier` writes ``assets/frontier.json``; `write_screening` writes
``assets/screening.jsonl``, one line per recipe ever screened, kept or dropped. The verdicts
(`search_verdict`, `distillation_verdict`) compare rows in one sentence each.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from fmnist.lab.recipes import DISTILLED, FRONTIER, SEEDS, TEACHER, Recipe, ablation_chain
from fmnist.lab.results import Summary, machine_class_of, machine_classes, summarize
from fmnist.paths import atomic_write, write_json
from fmnist.precision import (
    SELECTION_CLASS,
    UNRECORDED_GENERATION,
    as_class,
    generations,
    recorded_generation,
)

GOALS = ((1.0, 0.90), (5.0, 0.91), (30.0, 0.925))  # (minutes per seed, test accuracy) to reach
# Rows measured by benchmarks/reference_points.py (the reference notebook as written, scikit-learn).
REFERENCE_POINTS_FILE = "reference_points.json"
# Rows measured by benchmarks/seed_ensembles.py: a recipe's finished seeds, probabilities averaged.
SEED_ENSEMBLES_FILE = "seed_ensembles.json"
REFERENCES = {
    "seed_small": "reference notebook, model 1 (reproduced)",
    "seed_deep": "reference notebook, model 2 (reproduced)",
}


def reference_rows(results: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The reference notebook's two models, as reproduced (their result records), as frontier rows:
    one per model and machine class."""
    references = [r for r in results if r["name"] in REFERENCES]
    rows = []
    for machine_class in machine_classes(references):
        for name, summary in summarize(references, machine_class).items():
            rows.append(
                {
                    "recipe": REFERENCES[name],
                    "method": "reference",
                    "fully_connected": True,
                    "minutes": summary.minutes,
                    "test_acc_mean": summary.test_acc_mean,
                    "test_acc_std": summary.test_acc_std,
                    "val_acc_mean": summary.val_acc_mean,
                    "seeds": summary.seeds,
                    "parameters": summary.parameters,
                    "train_flops": summary.train_flops,
                    "source": f"assets/results/{name}-seed*.json",
                    "machine_class": summary.machine_class,
                    "cpu_model": summary.cpu_model,
                    "cpu_generation": summary.cpu_generation,
                    "threads": summary.threads,
                }
            )
    return rows


def measured_rows(folder: Path) -> list[dict[str, Any]]:
    """The rows the benchmarks wrote to ``<folder>``: `REFERENCE_POINTS_FILE` and
    `SEED_ENSEMBLES_FILE` (none from a file before its benchmark has run)."""
    paths = (Path(folder) / name for name in (REFERENCE_POINTS_FILE, SEED_ENSEMBLES_FILE))
    return [row for path in paths if path.is_file() for row in json.loads(path.read_text())]


def seed_ensemble_row(summary: Summary, test_acc: float, val_acc: float | None) -> dict[str, Any]:
    """The finished seeds of ``summary``'s recipe as one ensemble (probabilities averaged): a row
    of its own (``method: ensemble``), one measurement, costing every member's training minutes.
    ``val_acc`` is None for a 60k recipe (its members trained on the validation images)."""
    listed = ", ".join(map(str, summary.seeds))
    return candidate_row(summary) | {
        "recipe": f"ensemble of {summary.name}'s seeds {listed}",
        "method": "ensemble",
        "minutes": summary.minutes * len(summary.seeds),
        "test_acc_mean": test_acc,
        "test_acc_std": 0.0,
        "val_acc_mean": val_acc,
        "val_acc_std": None,
        "seeds": [0],
        "member_seeds": summary.seeds,
        "member_recipe": summary.name,
        "parameters": summary.parameters * len(summary.seeds),
        "train_flops": None if summary.train_flops is None else summary.train_flops * len(summary.seeds),
        "description": f"{len(summary.seeds)} models of {summary.name} (seeds {listed}, each trained on its "
        "own), their probabilities averaged: one ensemble; minutes: all members' training",
        "source": "benchmarks/seed_ensembles.py",
    }


def candidate_row(summary: Summary) -> dict[str, Any]:
    """A recipe's `Summary` as a frontier row."""
    row = {
        "recipe": summary.name,
        "method": summary.method,
        "fully_connected": summary.fully_connected,
        "minutes": summary.minutes,
        "test_acc_mean": summary.test_acc_mean,
        "test_acc_std": summary.test_acc_std,
        "val_acc_mean": summary.val_acc_mean,
        "val_acc_std": summary.val_acc_std,
        "seeds": summary.seeds,
        "parameters": summary.parameters,
        "train_flops": summary.train_flops,
        "description": summary.description,
        "source": f"assets/results/{summary.name}-seed*.json",
        "machine_class": summary.machine_class,
        "cpu_model": summary.cpu_model,
        "cpu_generation": summary.cpu_generation,
        "threads": summary.threads,
    }
    if summary.selected_by is not None:
        row["selected_by"] = summary.selected_by
    if "robustness" in summary.extra:
        row["robust_test_mean"] = summary.extra["robustness"]["test"]
    return row


def frontier_rows(
    records: Iterable[Mapping[str, Any]],
    names: Iterable[str],
    measured: Iterable[Mapping[str, Any]] = (),
) -> list[dict[str, Any]]:
    """Reference rows (reproduced, and ``measured`` ones: `measured_rows`), then one row
    per recipe in ``names`` that has results, for each machine class measured (its
    ``machine_class``); sorted by class (`SELECTION_CLASS` first), then minutes."""
    records = list(records)
    rows = reference_rows(records) + [dict(row) for row in measured]
    for machine_class in machine_classes(records):
        summaries = summarize(records, machine_class)
        for name in (n for n in names if n in summaries):
            rows.append(candidate_row(summaries[name]))
            if "flip_tta" in summaries[name].extra:
                rows.append(flip_tta_row(summaries[name]))
    return sorted(
        rows, key=lambda row: (row["machine_class"] != SELECTION_CLASS, row["machine_class"], row["minutes"])
    )


def flip_tta_row(summary: Summary) -> dict[str, Any]:
    """The same runs evaluated with flip averaging (each image and its mirror): no extra training."""
    flip = summary.extra["flip_tta"]
    return candidate_row(summary) | {
        "recipe": f"{summary.name} + flip averaging",
        "test_acc_mean": flip["test_acc_mean"],
        "test_acc_std": flip["test_acc_std"],
        "val_acc_mean": flip["val_acc_mean"],
        "val_acc_std": flip["val_acc_std"],
        "description": f"{summary.description}; tested on each image and its mirror, probabilities averaged",
        "flip_tta": True,
    }


def selection_accuracy(row: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]) -> float | None:
    """The validation accuracy that chose ``row``: its own mean over seeds, or, where its validation
    images were seen in training (a final fit on 60k, an ensemble of final fits), that of the recipe
    that selected it (``selected_by``, evaluated the same way) on the same CPU class; None where
    there is none."""
    parent = row.get("selected_by")
    if parent is None:
        return row.get("val_acc_mean")
    if row.get("flip_tta"):
        parent = f"{parent} + flip averaging"  # its own evaluation, as the selecting recipe's row
    found = [r for r in rows if r["recipe"] == parent and r["machine_class"] == row["machine_class"]]
    return found[0].get("val_acc_mean") if found else None


def best_within(
    rows: Iterable[Mapping[str, Any]],
    minutes: float | None,
    context: Iterable[Mapping[str, Any]] = (),
) -> Mapping[str, Any] | None:
    """The row chosen on validation (`selection_accuracy`, the selecting recipes looked up in
    ``rows`` and ``context``) among those whose minutes per seed are at most ``minutes`` (None: any),
    a final fit before the recipe that selected it; None if no row has a validation accuracy. The
    test split only reports the chosen row."""
    rows = list(rows)
    lookup = [*rows, *context]
    within = [r for r in rows if minutes is None or r["minutes"] <= minutes]
    scored = [(score, r) for r in within if (score := selection_accuracy(r, lookup)) is not None]
    # on a tie of both keys the later row, as the rows come
    return max(
        reversed(scored), key=lambda t: (t[0], t[1].get("selected_by") is not None), default=(None, None)
    )[1]


def goal_verdicts(
    rows: Iterable[Mapping[str, Any]], goals: Iterable[tuple[float, float]] = GOALS
) -> list[str]:
    """One line per CPU class and goal (minutes per seed, test accuracy): whether the row validation
    chooses within the minutes (`best_within`, over at least 3 seeds) reaches the accuracy on test;
    if not, whether a row of fewer seeds chosen the same way does (not established yet). Only single
    MLPs trained on labels count (methods ``labels`` and ``labels-60k``, flip averaging included):
    an ensemble, a distilled student or a CNN is its own row, never a goal's answer."""
    rows = list(rows)
    singles = [r for r in rows if r["fully_connected"] and r["method"].startswith("labels")]
    lines = []
    for machine_class in dict.fromkeys(r["machine_class"] for r in singles):
        mine = [r for r in singles if r["machine_class"] == machine_class]
        for minutes, accuracy in goals:
            top = best_within([r for r in mine if len(r["seeds"]) >= len(SEEDS)], minutes, rows)
            early = best_within([r for r in mine if len(r["seeds"]) < len(SEEDS)], minutes, rows)
            if top is not None and top["test_acc_mean"] >= accuracy:
                verdict = "reached"
            elif early is not None and early["test_acc_mean"] >= accuracy:
                verdict, top = f"reached on fewer than {len(SEEDS)} seeds only: not established yet", early
            else:
                verdict, top = "NOT reached", top or early
            best = (
                "none"
                if top is None
                else f"{top['recipe']} {_pct(top['test_acc_mean'])}% (n={len(top['seeds'])})"
            )
            lines.append(
                f"[{machine_class}] goal {accuracy:.1%} within {minutes:g} min: {verdict}; "
                f"chosen on validation: {best}"
            )
    return lines


def write_frontier(rows: list[dict[str, Any]], folder: Path) -> Path:
    """``<folder>/frontier.json``."""
    return write_json(folder / "frontier.json", rows)


def _pct(mean: float | None, std: float | None = None) -> str:
    if mean is None:
        return "n/a"
    return f"{100 * mean:.2f}" if not std else f"{100 * mean:.2f} ± {100 * std:.2f}"


def generation_of(row: Mapping[str, Any]) -> str:
    """The CPU generation a row's minutes were measured on (`UNRECORDED_GENERATION` if unknown)."""
    return recorded_generation(row.get("cpu_generation"))


def mixed_generation_classes(rows: Iterable[Mapping[str, Any]]) -> set[str]:
    """The machine classes whose rows' minutes come from more than one CPU generation (or partly
    from unrecorded ones): their minutes compare only within one generation."""
    labels: dict[str, list[str | None]] = defaultdict(list)
    for row in rows:
        labels[row["machine_class"]].append(row.get("cpu_generation"))
    return {machine_class for machine_class, found in labels.items() if len(generations(found)) > 1}


def same_cpu(base: Summary, candidate: Summary, mixed: bool) -> bool:
    """Whether two recipes' minutes were measured on one CPU generation: one recorded generation
    each, the same; or, in a class of one generation (not ``mixed``), both unrecorded."""
    found = generations([base.cpu_generation, candidate.cpu_generation])
    return len(found) == 1 and (not mixed or UNRECORDED_GENERATION not in found)


def frontier_table(rows: Iterable[Mapping[str, Any]]) -> str:
    """Markdown: one line per frontier row, with its method, minutes per seed and seeds. A class
    whose minutes come from several CPU generations (`mixed_generation_classes`) names each row's."""
    rows = list(rows)
    mixed = mixed_generation_classes(rows)
    lines = [
        "| CPU class | recipe | method | fully connected | minutes per seed | n seeds | val acc % "
        "| test acc % | parameters |",
        "|---|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        val = _pct(row["val_acc_mean"]) + (" (seen in training)" if row["method"].endswith("60k") else "")
        lines.append(
            f"| {_class_cell(row, mixed)} | {row['recipe']} | {row['method']} "
            f"| {'yes' if row['fully_connected'] else 'no'} "
            f"| {row['minutes']:.1f} | {len(row['seeds'])} | {val} "
            f"| {_pct(row['test_acc_mean'], row['test_acc_std'])} | {row['parameters']:,} |"
        )
    return "\n".join(lines)


def _class_cell(row: Mapping[str, Any], mixed: set[str]) -> str:
    machine_class = row["machine_class"]
    named = machine_class in mixed and row.get("seeds")  # a screening row that never ran has no CPU
    return f"{machine_class} ({generation_of(row)})" if named else machine_class


def screening_rows(recipes: Iterable[Recipe], records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per screened recipe (in screening order) and machine class: its config (``auto``
    resolved for that class), seeds, validation accuracy, minutes, and the decision taken there
    (`Recipe.decision`: ``pending`` until one is recorded). `SELECTION_CLASS` lists every recipe
    (with no seeds where none ran yet); another class, those that ran there."""
    records, recipes = list(records), list(recipes)
    rows = []
    for machine_class in dict.fromkeys([SELECTION_CLASS, *machine_classes(records)]):
        summaries = summarize(records, machine_class)
        mixed = len(generations(s.cpu_generation for s in summaries.values())) > 1
        for recipe in recipes:
            summary = summaries.get(recipe.name)
            if summary is None and machine_class != SELECTION_CLASS:
                continue
            base = summaries.get(recipe.base) if recipe.base else None
            compared = summary is not None and base is not None
            verdict, why = recipe.decision(machine_class)
            seen = recipe.data == "60k"  # its validation images were trained on: no comparison
            with as_class(machine_class):
                config = _recipe_config(recipe)
            rows.append(
                {
                    "candidate": recipe.name,
                    "machine_class": machine_class,
                    "base": recipe.base,
                    "val_change_vs_base": summary.val_acc_mean - base.val_acc_mean
                    if compared and not seen
                    else None,
                    "val_seen_in_training": seen,
                    "speedup_vs_base": base.minutes / summary.minutes
                    if compared and same_cpu(base, summary, mixed)
                    else None,
                    "description": recipe.description,
                    "method": recipe.method,
                    "config": config,
                    "seeds": summary.seeds if summary else [],
                    "val_acc_mean": summary.val_acc_mean if summary else None,
                    "val_acc_std": summary.val_acc_std if summary else None,
                    "minutes": summary.minutes if summary else None,
                    "cpu_generation": summary.cpu_generation if summary else None,
                    "decision": verdict,
                    "why": why,
                }
            )
    return rows


def _recipe_config(recipe: Recipe) -> dict[str, Any]:
    """The recipe's config without a seed or a run mode."""
    config = recipe.config(0, quick_mode=False)
    del config["quick"]
    return config | {"train": {**config["train"], "seed": None}}


def write_screening(rows: Iterable[Mapping[str, Any]], folder: Path) -> Path:
    """``<folder>/screening.jsonl``: one JSON object per line, in screening order."""
    text = "".join(json.dumps(row, default=str) + "\n" for row in rows).encode()
    return atomic_write(folder / "screening.jsonl", lambda handle: handle.write(text))


def read_screening(folder: Path) -> list[dict[str, Any]]:
    """The rows `write_screening` wrote to ``<folder>/screening.jsonl``; [] where there is none."""
    path = folder / "screening.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _screening_val_and_change(row: Mapping[str, Any]) -> tuple[str, str]:
    """A screening row's validation cell (mean ± std, flagged where its images were trained on;
    empty before any seed ran) and its change from the base in points (empty where not compared)."""
    val = "" if row["val_acc_mean"] is None else _pct(row["val_acc_mean"], row["val_acc_std"])
    val += " (seen in training)" if val and row.get("val_seen_in_training") else ""
    change = "" if row["val_change_vs_base"] is None else f"{100 * row['val_change_vs_base']:+.2f}"
    return val, change


def screening_cells(row: Mapping[str, Any], mixed: set[str]) -> dict[str, str]:
    """A screening row's cells: its class (`_class_cell`), validation, change from the base in
    points, and minutes per seed (blank before any seed ran)."""
    val, change = _screening_val_and_change(row)
    minutes = "" if row["minutes"] is None else f"{row['minutes']:.1f}"
    return {"class": _class_cell(row, mixed), "val": val, "change": change, "minutes": minutes}


def screening_table(rows: Iterable[Mapping[str, Any]]) -> str:
    """Markdown: candidate, what it changes, seeds, validation mean ± std, minutes, decision. The
    speed against the base is blank where their minutes come from unequal or unknown CPUs
    (`same_cpu`); a class of several CPU generations names each row's (`frontier_table`)."""
    rows = list(rows)
    mixed = mixed_generation_classes(row for row in rows if row["seeds"])
    lines = [
        "| CPU class | candidate | changes from | what | n seeds | val acc % | vs base (points) "
        "| minutes per seed | speed vs base | decision | why |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for row in rows:
        cells = screening_cells(row, mixed)
        speed = "" if row["speedup_vs_base"] is None else f"{row['speedup_vs_base']:.2f}x"
        lines.append(
            f"| {cells['class']} | {row['candidate']} | {row['base'] or ''} | {row['description']} "
            f"| {len(row['seeds'])} | {cells['val']} | {cells['change']} | {cells['minutes']} | {speed} "
            f"| {row['decision']} | {row['why']} |"
        )
    return "\n".join(lines)


def ablation_rows(records: Iterable[Mapping[str, Any]], machine_class: str) -> list[dict[str, Any]] | None:
    """The ablation chain (`fmnist.lab.recipes.ablation_chain`: step 0 is ``seed_deep``) as measured on
    ``machine_class``: per step its validation mean over the seeds run there, their number and
    minutes; None unless every step has at least one seed there."""
    summaries = summarize(records, machine_class)
    chain = ablation_chain()
    if not all(recipe.name in summaries for recipe in chain):
        return None
    rows = []
    for step, recipe in enumerate(chain):
        summary = summaries[recipe.name]
        rows.append(
            {
                "step": step,
                "recipe": recipe.name,
                "change": "reference model 2, as trained in notebook 02" if step == 0 else recipe.description,
                "parameters": summary.parameters,
                "epochs": summary.epochs,
                "seeds": summary.seeds,
                "val_accuracy": summary.val_acc_mean,
                "val_acc_std": summary.val_acc_std,
                "minutes": summary.minutes,
                "machine_class": machine_class,
            }
        )
    return rows


def ablation_table(rows: Iterable[Mapping[str, Any]]) -> str:
    """Markdown: one line per step, its validation mean, the change from the step before, its seeds."""
    lines = [
        "| step | change | parameters | epochs | n seeds | val acc % | change (points) | minutes per seed |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    previous = None
    for row in rows:
        accuracy = 100 * row["val_accuracy"]
        delta = "" if previous is None else f"{accuracy - previous:+.2f}"
        val = _pct(row["val_accuracy"], row["val_acc_std"])
        lines.append(
            f"| {row['step']} | {row['change']} | {row['parameters']:,} | {row['epochs']} "
            f"| {len(row['seeds'])} | {val} | {delta} | {row['minutes']:.1f} |"
        )
        previous = accuracy
    return "\n".join(lines)


def _versus(one: Summary, other: Summary) -> tuple[str, float, float]:
    """(beat / did not beat / tied with, the validation gap in points, the larger seed std in points)."""
    gap = 100 * (one.val_acc_mean - other.val_acc_mean)
    noise = 100 * max(one.val_acc_std, other.val_acc_std)
    outcome = "beat" if gap > noise else "did not beat" if gap < -noise else "tied (within seed noise) with"
    return outcome, gap, noise


def search_verdict(summaries: Mapping[str, Summary]) -> str:
    """One sentence: did the search's best beat the hand-picked frontier recipe nearest in cost?"""
    if "search-best" not in summaries:
        return "The search's best configuration has not been trained with 3 seeds yet (`make study`)."
    found = summaries["search-best"]
    hand = [summaries[n] for n in FRONTIER if n in summaries and summaries[n].method == "labels"]
    if not hand:
        return "No hand-picked frontier recipe has results yet to compare with."
    nearest = min(hand, key=lambda s: abs(math.log(s.minutes / found.minutes)))
    outcome, gap, noise = _versus(found, nearest)
    return (
        f"The search's best ({found.val_acc_mean:.2%} val, {found.minutes:.1f} min per seed) {outcome} the "
        f"hand-picked {nearest.name} ({nearest.val_acc_mean:.2%} val, {nearest.minutes:.1f} min per seed): "
        f"{gap:+.2f} points of validation accuracy against a seed std of {noise:.2f}."
    )


def distillation_verdict(summaries: Mapping[str, Summary]) -> str:
    """One sentence: did the distilled student beat labels alone at the same student epochs?"""
    student, labels = summaries.get(DISTILLED.name), summaries.get(DISTILLED.base or "")
    teacher = summaries.get(TEACHER.record_name)
    if student is None or labels is None or teacher is None:
        return "No distilled student has been trained yet (`make study`)."
    outcome, gap, noise = _versus(student, labels)
    return (
        f"The MLP distilled from the CNN teacher (teacher: {teacher.val_acc_mean:.2%} val, "
        f"{teacher.test_acc_mean:.2%} test, {teacher.minutes:.1f} min, trained once) {outcome} labels alone "
        f"at the same {DISTILLED.train.epochs} student epochs: {student.val_acc_mean:.2%} val "
        f"(n={len(student.seeds)}, {student.minutes:.1f} min per seed) against {labels.val_acc_mean:.2%} "
        f"(n={len(labels.seeds)}, {labels.minutes:.1f} min per seed), {gap:+.2f} points against a seed "
        f"std of {noise:.2f}."
    )


def paired_seeds(
    records: Iterable[Mapping[str, Any]], candidate: str, base: str, machine_class: str
) -> list[tuple[int, float, float]]:
    """Each seed both ``candidate`` and ``base`` ran on ``machine_class``, in order: (seed, the
    candidate's validation accuracy %, the base's)."""
    val = {
        (r["name"], r["seed"]): 100 * r["val"]["accuracy"]
        for r in records
        if machine_class_of(r) == machine_class and r["name"] in (candidate, base)
    }
    seeds = sorted({s for n, s in val if n == candidate} & {s for n, s in val if n == base})
    return [(seed, val[(candidate, seed)], val[(base, seed)]) for seed in seeds]


def paired_table(records: Iterable[Mapping[str, Any]], candidate: str, base: str) -> str:
    """Markdown: per machine class, each seed both ``candidate`` and ``base`` ran there, their
    validation accuracy and the change (a screening decision compares paired seeds), then both
    means over all their seeds there."""
    records = list(records)
    lines = [
        f"| CPU class | seed | {candidate} val % | {base} val % | change (points) |",
        "|---|---|---:|---:|---:|",
    ]
    for machine_class in machine_classes(records):
        summaries = summarize(records, machine_class)
        if candidate not in summaries or base not in summaries:
            continue
        new, old = summaries[candidate], summaries[base]
        for seed, ours, theirs in paired_seeds(records, candidate, base, machine_class):
            lines.append(f"| {machine_class} | {seed} | {ours:.2f} | {theirs:.2f} | {ours - theirs:+.2f} |")
        lines.append(
            f"| {machine_class} | mean (n={len(new.seeds)} / {len(old.seeds)}) "
            f"| {_pct(new.val_acc_mean, new.val_acc_std)} | {_pct(old.val_acc_mean, old.val_acc_std)} "
            f"| {100 * (new.val_acc_mean - old.val_acc_mean):+.2f} |"
        )
    return "\n".join(lines)


__all__ = [
    "GOALS",
    "REFERENCE_POINTS_FILE",
    "SEED_ENSEMBLES_FILE",
    "ablation_rows",
    "ablation_table",
    "best_within",
    "candidate_row",
    "distillation_verdict",
    "frontier_rows",
    "frontier_table",
    "generation_of",
    "goal_verdicts",
    "measured_rows",
    "mixed_generation_classes",
    "paired_seeds",
    "paired_table",
    "read_screening",
    "reference_rows",
    "same_cpu",
    "screening_cells",
    "screening_rows",
    "screening_table",
    "search_verdict",
    "seed_ensemble_row",
    "selection_accuracy",
    "write_frontier",
    "write_screening",
]
