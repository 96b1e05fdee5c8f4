"""The tracking sheet (assets/decisions.jsonl) and the research notes: data a program reads."""

from __future__ import annotations

import json

import pytest

from fmnist.lab import recipes
from fmnist.lab.decisions import decisions_path, read_decisions, tracking_sheet, typed_numbers
from fmnist.lab.research_log import read_notes, read_retired
from fmnist.paths import project_root

RETIRED = {row["candidate"] for row in read_retired(project_root() / "assets")}


def test_every_decision_names_a_registered_recipe_and_a_known_class():
    sheet = tracking_sheet()
    assert sheet, "assets/decisions.jsonl holds no decision"
    known = set(recipes.all_recipes()) | RETIRED
    assert set(sheet) <= known, sorted(set(sheet) - known)
    classes = {c for by_class in sheet.values() for c in by_class}
    assert classes <= {
        recipes.SELECTION_CLASS,
        recipes.FP32_CLASS,
        recipes.AVX2_CLASS,
        recipes.AVX512_BF16_CLASS,
    }


def test_no_note_carries_a_typed_number():
    for name, by_class in tracking_sheet().items():
        for machine_class, (_, note) in by_class.items():
            assert not typed_numbers(note), f"{name} on {machine_class}: {note!r}"
            assert "\n" not in note and note, (name, machine_class)


def test_typed_numbers_ignores_recipe_names_only():
    assert typed_numbers("below `mid512-flipshift-e90` by far") == []
    assert typed_numbers("below `mid512-e20` by 0.8 points in 3 seeds") == ["0.8", "3"]


def test_a_bad_line_is_an_error_naming_the_line(tmp_path):
    path = tmp_path / "decisions.jsonl"
    good = {"recipe": "a", "class": "x86 AMX bf16", "status": "kept", "note": "why"}
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "status": "kept, maybe"}) + "\n")
    with pytest.raises(ValueError, match=r"decisions.jsonl:2: status 'kept, maybe'"):
        read_decisions(path)
    path.write_text(json.dumps(good) + "\n" + json.dumps(good) + "\n")
    with pytest.raises(ValueError, match=r":2: a second decision on a"):
        read_decisions(path)
    path.write_text("{not json\n")
    with pytest.raises(ValueError, match=r":1: not a decision"):
        read_decisions(path)


def test_the_sheet_is_read_from_the_checkouts_assets():
    assert decisions_path() == project_root() / "assets" / "decisions.jsonl"


def test_the_research_notes_place_every_tried_recipe_once_without_typed_numbers():
    notes = read_notes(project_root() / "assets")
    placed = [name for chapter in notes for name in chapter["recipes"]]
    assert len(placed) == len(set(placed)), "a recipe sits in two chapters"
    tried = {r.name for r in [*recipes.screened(), *recipes.ABLATION, *recipes.RECIPES.values()]}
    assert tried <= set(placed), sorted(tried - set(placed))
    known = set(recipes.all_recipes()) | RETIRED
    assert set(placed) <= known, sorted(set(placed) - known)
    assert set(placed) >= RETIRED, "a retired candidate keeps its place in the log"
    for chapter in notes:
        assert not typed_numbers(chapter["title"] + " " + chapter["note"]), chapter["title"]
