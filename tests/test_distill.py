"""Distillation: a cached teacher (a CNN, or an MLP for self-distillation) trained on the training
split only, soft targets precomputed for K fixed views (mixed views labelled by the teacher on the
mixed image), and a student run."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import torch
import torch.nn.functional as F

from fmnist import augment
from fmnist.data import normalize
from fmnist.lab import distill, teachers
from fmnist.lab.distill import DistilledTargets, DistillSpec, draw_views, indexed, precompute_views, render
from fmnist.lab.recipes import Recipe
from fmnist.lab.runner import run
from fmnist.lab.teachers import ConvTeacher, TeacherSpec, get_teacher
from fmnist.train import TrainConfig

TINY_TEACHER = TeacherSpec(
    name="tiny-cnn",
    channels=(4, 8),
    convs_per_block=1,
    train=TrainConfig(epochs=2, batch_size=64, device="cpu", progress=False, keep_best=None),
)
SPEC = DistillSpec(TINY_TEACHER, views=3, max_shift=1, temperature=2.0, soft_weight=0.7)
MIXED = replace(SPEC, mixup_alpha=0.4)


def test_a_teacher_chosen_by_validation_is_refused():
    with pytest.raises(ValueError, match="keep_best=None"):
        TeacherSpec(train=TrainConfig(keep_best="val_acc"))


def test_the_teacher_is_a_convolutional_network_with_either_head():
    for head in ("gap", "flatten"):
        teacher = ConvTeacher((4, 8), 1, head)
        assert any(isinstance(m, torch.nn.Conv2d) for m in teacher.modules())
        assert teacher(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert ConvTeacher((4, 8), 1, "flatten").head[-1].in_features == 8 * 7 * 7
    with pytest.raises(ValueError, match="head"):
        ConvTeacher((4, 8), 1, "mean")


def test_the_teacher_trains_on_the_training_split_only_and_is_cached(splits, monkeypatch):
    seen = []
    original = teachers.fit

    def spying_fit(model, data, config, **kwargs):
        seen.append((data.train.images.clone(), config.keep_best))
        return original(model, data, config, **kwargs)

    monkeypatch.setattr(teachers, "fit", spying_fit)
    first = get_teacher(TINY_TEACHER, splits)
    ((trained_on, keep_best),) = seen
    assert keep_best is None
    assert torch.equal(trained_on, splits.train.images[: len(trained_on)])
    val_rows = {bytes(image.numpy()) for image in splits.val.images}
    assert not any(bytes(image.numpy()) in val_rows for image in trained_on)
    assert teachers.teacher_path(TINY_TEACHER).is_file()
    again = get_teacher(TINY_TEACHER, splits)  # from the cache: no second training
    assert len(seen) == 1 and again.val_accuracy == first.val_accuracy
    for a, b in zip(first.model.state_dict().values(), again.model.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_a_teacher_and_its_views_are_cached_per_machine_class(splits, monkeypatch):
    paths = {}
    for machine_class in ("x86 AMX bf16", "x86 AVX-512 bf16"):  # one key: "auto" resolves alike
        monkeypatch.setattr(teachers, "machine_class", lambda c=machine_class: c)
        monkeypatch.setattr(distill, "machine_class", lambda c=machine_class: c)
        paths[machine_class] = (teachers.teacher_path(TINY_TEACHER), distill.views_path(SPEC, splits.train))
    (amx_teacher, amx_views), (zen_teacher, zen_views) = paths.values()
    assert amx_teacher != zen_teacher and zen_teacher.name.endswith("-x86-avx-512-bf16.pt")
    assert amx_views != zen_views and zen_views.name.endswith("-x86-avx-512-bf16.pt")


def test_views_are_one_fixed_draw_and_render_flips_and_shifts_each_image(splits):
    table, other = draw_views(len(splits.train), SPEC), draw_views(len(splits.train), SPEC)
    assert torch.equal(table.flips, other.flips) and torch.equal(table.shifts, other.shifts)
    assert table.shifts.abs().max() <= 1 and table.flips.any() and not table.flips.all()
    rows, view = torch.arange(10), torch.full((10,), 2)
    x = splits.train.images[:10].unsqueeze(1).float() / 255
    expected = augment.shift(augment.flip_where(x, table.flips[2, :10]), table.shifts[2, :, :10].long())
    assert torch.equal(render(splits.train.images, table, view, rows), expected)


def test_the_teacher_labels_each_view_and_the_mixed_image_itself(splits):
    teacher = get_teacher(TINY_TEACHER, splits)
    table = precompute_views(teacher, splits.train, MIXED)
    assert (table.weights < 1).any() and not torch.equal(table.partners[0], torch.arange(len(splits.train)))
    rows, view = torch.arange(5), torch.ones(5, dtype=torch.long)
    mixed = render(splits.train.images, table, view, rows)
    weight = table.weights[1, :5].view(-1, 1, 1, 1)
    own = render(splits.train.images, replace(table, weights=torch.ones_like(table.weights)), view, rows)
    partner = table.partners[1, :5]
    theirs = augment.shift(
        augment.flip_where(splits.train.images[partner].unsqueeze(1).float() / 255, table.flips[1, partner]),
        torch.stack([table.shifts[1, 0, partner], table.shifts[1, 1, partner]]).long(),
    )
    assert torch.allclose(mixed, weight * own + (1 - weight) * theirs)
    with torch.no_grad():
        direct = teacher.model(normalize(mixed))
    assert torch.allclose(table.logits[1, :5].float(), direct, atol=2e-2, rtol=1e-2)
    cached = precompute_views(teacher, splits.train, MIXED)  # read back, not recomputed
    assert torch.equal(cached.logits, table.logits)


def test_targets_mix_the_softened_teacher_with_the_mixed_labels(splits):
    teacher = get_teacher(TINY_TEACHER, splits)
    table = precompute_views(teacher, splits.train, MIXED)
    targets = DistilledTargets(table, splits.train, MIXED)
    rows = torch.arange(64)
    data = indexed(splits)
    assert torch.equal(data.train.labels, torch.arange(len(splits.train)))
    batch = splits.train.images[:64].unsqueeze(1).float().div_(255.0)  # as iterate_batches gathers it
    images, y = targets(batch, rows, torch.Generator().manual_seed(0))
    assert images.shape == (64, 1, 28, 28) and y.shape == (64, 10)
    assert torch.allclose(y.sum(dim=1), torch.ones(64))
    view = torch.randint(table.views, (64,), generator=torch.Generator().manual_seed(0))
    assert torch.equal(images, render(splits.train.images, table, view, rows))
    soft = F.softmax(table.logits[view, rows].float() / 2.0, dim=1)
    weight, partner = table.weights[view, rows].view(-1, 1), table.partners[view, rows]
    labels = splits.train.labels
    hard = weight * F.one_hot(labels[rows], 10) + (1 - weight) * F.one_hot(labels[partner], 10)
    assert torch.allclose(y, 0.7 * soft + 0.3 * hard)


def test_a_distilled_student_is_its_own_labelled_row_and_the_teacher_a_cnn_record(splits, tmp_path):
    student = Recipe(
        "tiny-distilled",
        {"hidden": [32], "dropout": 0.1, "norm": "batch"},
        TrainConfig(epochs=2, batch_size=64, device="cpu", progress=False),
        method="distilled",
        distill=SPEC,
    )
    assert student.key(0) != replace(student, distill=replace(SPEC, temperature=4.0)).key(0)
    record = run(student, splits, 0, folder=tmp_path).record
    assert record["method"] == "distilled" and record["fully_connected"]
    assert "teacher" in record["description"] and record["teacher"]["name"] == "tiny-cnn"
    assert "val_flip_tta" in record  # the views flip, so flip averaging is measured too
    from fmnist.lab.folders import results_dir

    (teacher_file,) = results_dir().glob("teacher-tiny-cnn-seed0-*.json")
    teacher = json.loads(teacher_file.read_text())
    assert teacher["method"] == "cnn" and not teacher["fully_connected"]


def test_an_mlp_teacher_self_distills_and_its_record_says_fully_connected(splits, tmp_path):
    from fmnist.models import MLP

    mlp = {"hidden": [32], "dropout": 0.1, "norm": "batch"}
    teacher_spec = replace(TINY_TEACHER, name="tiny-mlp", mlp=mlp)
    assert isinstance(teacher_spec.build(), MLP) and teacher_spec.key() != TINY_TEACHER.key()
    assert "mlp" in teacher_spec.config() and "channels" not in teacher_spec.config()
    assert "channels" in TINY_TEACHER.config(), "a CNN teacher's key is what it was"
    student = Recipe(
        "tiny-self-distilled",
        mlp,
        TrainConfig(epochs=2, batch_size=64, device="cpu", progress=False),
        method="distilled",
        distill=replace(SPEC, teacher=teacher_spec),
    )
    record = run(student, splits, 0, folder=tmp_path).record
    assert record["method"] == "distilled" and record["teacher"]["name"] == "tiny-mlp"
    from fmnist.lab.folders import results_dir

    (teacher_file,) = results_dir().glob("teacher-tiny-mlp-seed0-*.json")
    teacher = json.loads(teacher_file.read_text())
    assert teacher["method"] == "mlp-teacher" and teacher["fully_connected"]
    assert "MLP 784-32-10" in teacher["description"]


def test_bad_distillation_settings_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="soft_weight"):
        DistillSpec(soft_weight=1.5)
    with pytest.raises(ValueError, match="temperature"):
        DistillSpec(temperature=0)
    assert distill.DistillSpec().views >= 1


def test_a_distilled_recipes_full_run_key_is_the_same_whether_quick_mode_is_on_or_not(monkeypatch):
    candidate = Recipe("x", {"hidden": [8]}, TrainConfig(), method="distilled", distill=SPEC)
    in_quick_mode = candidate.key(0, quick_mode=False)
    monkeypatch.setenv("FMNIST_QUICK", "0")
    assert candidate.key(0, quick_mode=False) == in_quick_mode == candidate.key(0)
    assert candidate.key(0, quick_mode=True) != in_quick_mode


def test_exhaustive_views_are_every_flip_and_shift_once_the_same_for_each_image(splits):
    spec = DistillSpec(TINY_TEACHER, views=18, exhaustive=True, flip=True, max_shift=1)
    table = draw_views(len(splits.train), spec)
    assert torch.equal(table.flips, table.flips[:, :1].expand_as(table.flips))
    assert torch.equal(table.shifts, table.shifts[:, :, :1].expand_as(table.shifts))
    combos = {(bool(table.flips[v, 0]), *table.shifts[v, :, 0].tolist()) for v in range(18)}
    assert len(combos) == 18 and {s for _, *shift in combos for s in shift} == {-1, 0, 1}
    assert "exhaustive" not in SPEC.views_config(), "earlier tables keep their keys"
    assert spec.views_config()["exhaustive"] and DistillSpec(views=9, flip=False, exhaustive=True)
    with pytest.raises(ValueError, match="views=18"):
        DistillSpec(views=16, exhaustive=True)


def test_an_ensemble_teacher_averages_its_seeds_probabilities_and_each_seed_is_a_record(splits, tmp_path):
    mlp = {"hidden": [16], "dropout": 0.1, "norm": "batch"}
    spec = replace(TINY_TEACHER, name="tiny-mlp-ensemble", mlp=mlp, members=2)
    members = spec.member_specs()
    assert [m.train.seed for m in members] == [0, 1] and len({m.key() for m in members}) == 2
    assert spec.key() not in {m.key() for m in members} and replace(spec, members=1).member_specs() == [
        replace(spec, members=1)
    ]
    with pytest.raises(ValueError, match="members"):
        replace(TINY_TEACHER, members=2)  # a CNN teacher cannot be an ensemble
    teacher = get_teacher(spec, splits)
    assert len(teacher.members) == 2
    x = normalize(splits.val.images[:8].unsqueeze(1).float() / 255)
    with torch.no_grad():
        mean = torch.stack([m.model(x).softmax(dim=1) for m in teacher.members]).mean(dim=0)
        assert torch.allclose(teacher.model(x).exp(), mean, atol=1e-5)
    assert get_teacher(spec, splits).val_accuracy == teacher.val_accuracy  # measured once, cached
    student = Recipe(
        "tiny-ensemble-distilled",
        mlp,
        TrainConfig(epochs=1, batch_size=64, device="cpu", progress=False),
        method="distilled",
        distill=replace(SPEC, teacher=spec, views=18, exhaustive=True, temperature=1.0, soft_weight=1.0),
    )
    record = run(student, splits, 0, folder=tmp_path).record
    assert record["teacher"]["members"] == 2 and record["teacher"]["val_accuracy"] == teacher.val_accuracy
    from fmnist.lab.folders import results_dir

    seeds = sorted(
        json.loads(p.read_text())["seed"] for p in results_dir().glob("teacher-tiny-mlp-ensemble-*")
    )
    assert seeds == [0, 1]


class MeanTeacher(torch.nn.Module):
    """A teacher whose logits are a fixed function of each image it is shown."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = x.flatten(1).mean(1, keepdim=True)
        return torch.cat([m * k for k in range(10)], 1)


def test_function_matching_scores_exactly_the_images_the_student_gets():
    spec = replace(SPEC, on_the_fly=True, temperature=1.5, soft_weight=0.6)
    names = ("hflip", "translate:2", "mixup:0.4")
    fitted = distill.MatchedTargets(MeanTeacher(), augment.build(names), spec, "fp32").augment()
    assert isinstance(fitted, augment.FlipShift), "a leading flip and shift keep their uint8 path"
    x, y = torch.rand(16, 1, 28, 28), torch.randint(0, 10, (16,))
    seen, targets = fitted(x, y, torch.Generator().manual_seed(3))
    views, mixed = augment.build(names)(x, y, torch.Generator().manual_seed(3))
    assert torch.equal(seen, views), "the student sees what its own augmentations draw"
    expected = 0.6 * F.softmax(MeanTeacher()(normalize(views)) / 1.5, dim=1) + 0.4 * mixed
    assert torch.allclose(targets, expected, atol=1e-6), "the teacher scored exactly those images"
    alone = distill.MatchedTargets(MeanTeacher(), augment.build(("rotate:10",)), spec, "fp32").augment()
    assert not isinstance(alone, augment.FlipShift) and alone(x, y, torch.Generator())[1].shape == (16, 10)


def test_a_function_matching_student_trains_keeps_its_key_and_names_its_teacher(splits, tmp_path):
    student = Recipe(
        "tiny-matched",
        {"hidden": [16]},
        TrainConfig(epochs=1, batch_size=64, device="cpu", progress=False, augment=("hflip", "translate:1")),
        method="distilled",
        distill=replace(SPEC, on_the_fly=True),
    )
    assert "on_the_fly" not in replace(student, distill=SPEC).config(0)["distill"], "older keys unchanged"
    assert student.config(0)["distill"]["on_the_fly"] is True
    done = run(student, splits, 0, folder=tmp_path)
    assert done.record["method"] == "distilled" and done.record["teacher"]["name"] == TINY_TEACHER.name
    assert 0 < done.record["val"]["accuracy"] <= 1
