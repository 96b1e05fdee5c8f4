"""What `make study` runs on a machine class: candidates wait for their base to be kept there."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fmnist import precision
from fmnist.lab import runner
from fmnist.lab.cli import main
from fmnist.lab.plan import plan, why_waiting
from fmnist.lab.recipes import ABLATION, RECIPES, Recipe, all_recipes, screened
from fmnist.train import TrainConfig

HERE, ELSEWHERE = "x86 HERE fp32", "x86 ELSEWHERE bf16"
ROOT = Recipe("root", {"hidden": [8]}, TrainConfig(epochs=1), description="a screening's start")


def candidate(decisions: dict[str, tuple[str, str]], base_decisions: dict[str, tuple[str, str]]):
    """A candidate and the registry holding its base, each with the given decisions."""
    base = replace(ROOT, decisions=base_decisions)
    return replace(ROOT, name="child", base="root", decisions=decisions), {"root": base}


@pytest.mark.parametrize("base_verdict", ["pending", "dropped", "measured"])
def test_a_candidate_waits_until_its_base_is_kept_on_this_class(base_verdict):
    base_decisions = {} if base_verdict == "pending" else {HERE: (base_verdict, "")}
    child, recipes = candidate({}, {**base_decisions, ELSEWHERE: ("kept", "")})
    assert why_waiting(child, HERE, recipes) == f"its base root is {base_verdict} here"
    assert why_waiting(child, ELSEWHERE, recipes) is None  # another class's decision is its own


def test_a_candidate_runs_once_its_base_is_kept_and_until_it_is_decided_itself():
    child, recipes = candidate({}, {HERE: ("kept", "")})
    assert why_waiting(child, HERE, recipes) is None
    for verdict in ("dropped", "measured"):
        closed, recipes = candidate({HERE: (verdict, "")}, {HERE: ("kept", "")})
        assert why_waiting(closed, HERE, recipes) == f"{verdict} here already"


def test_a_kept_candidate_runs_to_finish_its_seeds_whatever_its_base():
    child, recipes = candidate({HERE: ("kept", "")}, {})
    assert why_waiting(child, HERE, recipes) is None
    assert why_waiting(ROOT, HERE, {}) is None  # no base: the screening's start


def test_a_base_missing_from_the_registry_is_named():
    child, _ = candidate({}, {})
    with pytest.raises(ValueError, match="unknown base 'root'"):
        why_waiting(child, HERE, {})


def test_the_registry_plan_runs_open_candidates_then_every_reference_recipe():
    recipes, candidates = all_recipes(), {r.name for r in screened()}
    for machine_class in ("x86 AMX bf16", "x86 AVX2 fp32", HERE):
        planned = plan(machine_class)
        names = [r.name for r in planned.runs]
        waiting = [r.name for r, _ in planned.waits]
        assert sorted(names + waiting) == sorted(recipes) and not set(names) & set(waiting)
        assert {r.name for r in [*RECIPES.values(), *ABLATION]} <= set(names)
        assert set(waiting) <= candidates
        is_candidate = [name in candidates for name in names]
        assert is_candidate == sorted(is_candidate, reverse=True)  # open candidates first
    # nothing decided on a new class: only the screening's starts run there
    assert {r.name for r in plan(HERE).runs if r.name in candidates} == {
        r.name for r in screened() if r.base is None
    }


def test_study_plan_lists_runs_and_waits_and_trains_nothing(monkeypatch, capsys):
    monkeypatch.setattr(precision, "machine_class", lambda: HERE)
    monkeypatch.setattr(runner, "run_many", lambda *a, **k: pytest.fail("--plan must not train"))
    assert main(["study", "--plan", "--seeds", "0"]) == 0
    out = capsys.readouterr().out
    assert f"make study on {HERE}:" in out
    assert "  run   seed_small: " in out
    assert "  wait  flipshift-e600: its base flipshift-e135 is pending here" in out
