"""The one runner: train a registry recipe for a seed, resumably, and write its result record.

`run` trains one seed of a `Recipe` unless its result file (``assets/results/<name>-seed<seed>-
<key>.json``, `fmnist.lab.results`) exists; ``force`` redoes it. While it trains, its full state is
checkpointed under ``runs/results/`` about once a minute (`TrainConfig.checkpoint_every`), so a run
killed midway (Ctrl-C, or the process killed) continues from its last saved epoch when run again.
The trained model is kept as ``runs/results/<key>.pt``, suffixed by the machine class as the result
file is (`run_stem`). `run_many` runs recipes x seeds; `ship_best` publishes the frontier's best
model. ``python -m fmnist train`` and ``python -m fmnist study`` are both views of `run`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch

from fmnist import precision, quick
from fmnist.checkpoint import load_model, read_checkpoint, round_weights_, safe_load, save_model
from fmnist.data import Augment, Split, Splits
from fmnist.evaluate import EvalResult, evaluate
from fmnist.lab.claims import ClaimedError, claim
from fmnist.lab.distill import DistilledTargets, DistillSpec, indexed, matched_targets, precompute_views
from fmnist.lab.folders import runs_dir
from fmnist.lab.recipes import Recipe, all_recipes, frontier_names, get_recipe
from fmnist.lab.results import (
    Summary,
    environment,
    load_results,
    machine_class_of,
    metrics,
    result_path,
    summarize,
    write_result,
)
from fmnist.lab.teachers import TEACHER_FORMAT, Teacher, get_teacher, teacher_path, teacher_record
from fmnist.models import MLP, Ensemble
from fmnist.precision import SELECTION_CLASS, as_class, class_suffix
from fmnist.robustness import accuracy_under
from fmnist.train import History, choose_device, fit, set_seed

SEEN_VAL_EXAMPLES = 1_000  # a 60k fit still validates each epoch: on this many (seen) images only


@dataclass
class Run:
    """What `run` returns: the result record and where it lives; the model and histories.

    ``model`` is None when the run was done already and its model file is not on this machine
    (``runs/`` is not committed); ``val`` and ``test`` are set when this call trained it.
    """

    recipe: Recipe
    seed: int
    record: dict[str, Any]
    result_path: Path
    model_path: Path
    model: MLP | Ensemble | None = None
    val: EvalResult | None = None
    test: EvalResult | None = None

    @property
    def histories(self) -> list[History]:
        """One training history per member (one for a single MLP), as recorded."""
        return [History.from_dict(h) for h in self.record.get("histories", [])]

    @property
    def history(self) -> History:
        """The training history of the (first) member."""
        return self.histories[0]

    @property
    def val_accuracy(self) -> float:
        return self.record["val"]["accuracy"]

    @property
    def test_accuracy(self) -> float:
        return self.record["test"]["accuracy"]

    @property
    def seconds(self) -> float:
        """Training time of all members together, validation included."""
        return self.record["train_seconds"]


def member_seed(seed: int, member: int) -> int:
    """Seed of ensemble member ``member`` in run ``seed``: member 0 uses ``seed`` itself."""
    return seed + 1000 * member


def states_dir() -> Path:
    """``runs/results``: training states while a run trains, and each finished run's model."""
    folder = runs_dir() / "results"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def run_stem(recipe: Recipe, seed: int, machine_class: str | None = None) -> str:
    """``<key><class suffix>``: the name of a run's model and training states on ``machine_class``
    (default: this machine's), suffixed as its result file is. Two CPU classes share a key where
    ``auto`` resolves alike (both bf16 classes); the suffix keeps them from overwriting each other's
    model or resuming each other's states."""
    return recipe.key(seed) + class_suffix(machine_class or precision.machine_class())


def model_path(recipe: Recipe, seed: int, machine_class: str | None = None) -> Path:
    """Where `run` keeps the trained model on ``machine_class`` (default: this machine's):
    ``runs/results/<run_stem>.pt`` (git-ignored). A model kept before the suffix existed
    (``<key>.pt``, whatever class trained it) is first moved to its own class's name."""
    _adopt_unsuffixed_model(states_dir() / f"{recipe.key(seed)}.pt")
    return states_dir() / f"{run_stem(recipe, seed, machine_class)}.pt"


def trained_on(path: Path) -> str | None:
    """The machine class a kept model's metadata names (None for a model saved without one); read
    from the checkpoint's metadata, without rebuilding the model."""
    return json.loads(read_checkpoint(path)["metadata"]).get("machine_class")


def _adopt_unsuffixed_model(unsuffixed: Path) -> None:
    """Rename ``<key>.pt`` to ``<key><suffix>.pt`` where its metadata names another class than
    `SELECTION_CLASS` (the one class whose name has no suffix) and that name is free."""
    if not unsuffixed.is_file():
        return
    machine_class = trained_on(unsuffixed)
    if machine_class is None or machine_class == SELECTION_CLASS:
        return
    target = unsuffixed.with_name(f"{unsuffixed.stem}{class_suffix(machine_class)}.pt")
    if not target.exists():
        unsuffixed.rename(target)


def training_splits(splits: Splits, recipe: Recipe) -> Splits:
    """What ``recipe`` trains and validates on. ``48k``: as given. ``60k``: train on train +
    validation; the per-epoch "validation" is then a sanity check on images it trains on, so it
    is cut to `SEEN_VAL_EXAMPLES` (cheap). Quick mode then cuts the training split."""
    if recipe.data == "60k":
        together = Split(
            torch.cat([splits.train.images, splits.val.images]),
            torch.cat([splits.train.labels, splits.val.labels]),
        )
        splits = replace(splits, train=together, val=splits.val.subset(SEEN_VAL_EXAMPLES))
    return quick.train_subset(splits)


def train_recipe(
    recipe: Recipe,
    splits: Splits,
    seed: int,
    *,
    checkpoints: Path | None = None,
    on_epoch_end: Callable[[History, torch.nn.Module], None] | None = None,
) -> tuple[MLP | Ensemble, list[History], Splits]:
    """Train one seed of ``recipe``; return (model, one history per member, the splits used).

    Quick mode cuts the training split as `quick.train_subset` does and shortens the epochs. With
    ``checkpoints`` (a folder) each member's full state is saved there about once a minute
    (`TrainConfig.checkpoint_every`) and a saved state is resumed. A ``weights_dtype`` other than
    float32 rounds the weights after training (what the checkpoint holds). Raises
    `KeyboardInterrupt` if the training was interrupted.
    """
    stem = run_stem(recipe, seed)
    data = training_splits(splits, recipe)
    targets: Augment | None = None
    if recipe.distill is not None and recipe.distill.on_the_fly:
        targets = matched_targets(
            _trained_teacher(recipe.distill, splits),
            recipe.train.augment,
            recipe.distill,
            choose_device(recipe.train.device),
        )
    elif recipe.distill is not None:
        targets = _distilled_targets(recipe.distill, splits, data)
        data = indexed(data)
    members, histories = [], []
    for member in range(recipe.members):
        state = checkpoints / f"{stem}-m{member}.state" if checkpoints is not None else None
        config = replace(
            recipe.train,
            seed=member_seed(seed, member),
            epochs=quick.epochs(recipe.train.epochs),
            checkpoint_path=None if state is None else str(state),
            keep_best=None if recipe.data == "60k" else recipe.train.keep_best,
        )
        resume = state if state is not None and state.is_file() else None
        if resume is not None:
            print(f"resume {recipe.name} seed {seed} member {member} from {state.name}")
        set_seed(config.seed)
        model = MLP(**recipe.model)
        history = fit(model, data, config, augment=targets, resume_from=resume, on_epoch_end=on_epoch_end)
        if history.interrupted:
            raise KeyboardInterrupt(f"{recipe.name} seed {seed} interrupted; run again to resume")
        members.append(model)
        histories.append(history)
    trained = members[0] if len(members) == 1 else Ensemble(members)
    round_weights_(trained, recipe.weights_dtype)  # evaluate exactly what the checkpoint will hold
    return trained, histories, data


def _trained_teacher(spec: DistillSpec, splits: Splits) -> Teacher:
    """The teacher of ``spec``, trained on ``splits.train`` only or cached; its result record, or
    each ensemble member's, written to the store."""
    teacher = get_teacher(spec.teacher, splits)
    for member in teacher.members or (teacher,):  # an ensemble's members are the trained teachers
        record = teacher_record(member)
        if not result_path(record["name"], record["seed"], record["key"]).is_file():
            write_result(record)
    return teacher


def _distilled_targets(spec: DistillSpec, splits: Splits, data: Splits) -> DistilledTargets:
    """The teacher of ``spec`` and its soft targets precomputed for ``data.train``'s views."""
    teacher = _trained_teacher(spec, splits)
    return DistilledTargets(precompute_views(teacher, data.train, spec), data.train, spec)


def run(
    recipe: Recipe | str, splits: Splits, seed: int = 0, *, force: bool = False, folder: Path | None = None
) -> Run:
    """Train one seed of ``recipe`` (a `Recipe` or a registry name) unless its result file exists
    in ``folder`` (default `fmnist.lab.folders.results_dir`); write the record and keep the model.

    A finished run is skipped (``force`` redoes it) and returned from its file, with its model if
    the model file is on this machine. The training state is checkpointed in ``runs/results``
    about once a minute, so a killed run resumes there next time; once the result file is written the
    state files are removed. While it trains, the run is claimed (``<result file>.claim``,
    `fmnist.lab.claims`): another process sharing the folder gets `ClaimedError` instead of doing it
    twice; a killed process's claim goes stale and is taken over.
    """
    recipe = get_recipe(recipe) if isinstance(recipe, str) else recipe
    key = recipe.key(seed)
    path, kept = result_path(recipe.name, seed, key, folder), model_path(recipe, seed)
    if path.is_file() and not force:
        return _done(recipe, seed, path, kept)
    with claim(path.with_name(path.name + ".claim")) as held:
        if path.is_file() and not force:  # finished by another process while this one waited
            return _done(recipe, seed, path, kept)
        return _train_and_record(recipe, splits, seed, force, folder, kept, held.beat)


def _done(recipe: Recipe, seed: int, path: Path, kept: Path) -> Run:
    print(f"skip {path.name}: done already (use --force to redo it)")
    model = load_model(kept) if kept.is_file() else None
    return Run(recipe, seed, json.loads(path.read_text()), path, kept, model)


def _train_and_record(
    recipe: Recipe,
    splits: Splits,
    seed: int,
    force: bool,
    folder: Path | None,
    kept: Path,
    heartbeat: Callable[[], None],
) -> Run:
    states = states_dir()
    if force:
        for stale in states.glob(f"{run_stem(recipe, seed)}-m*.state"):
            stale.unlink()
    print(f"train {recipe.name} seed {seed} ({recipe.description})", flush=True)
    model, histories, data = train_recipe(
        recipe, splits, seed, checkpoints=states, on_epoch_end=lambda _history, _model: heartbeat()
    )
    record, val, test = _record(recipe, seed, model, histories, data)
    save_model(
        model,
        kept,
        weights_dtype=recipe.weights_dtype,
        recipe=recipe.name,
        seed=seed,
        best_epochs=[h.best_epoch for h in histories],
        **_shipping_metadata(record),
    )
    written = write_result(record, folder)
    for state in states.glob(f"{run_stem(recipe, seed)}-m*.state"):
        state.unlink()
    return Run(recipe, seed, json.loads(written.read_text()), written, kept, model, val, test)


def _shipping_metadata(record: dict[str, Any]) -> dict[str, Any]:
    """What a shipped model says of itself: how it was trained and what it measured (``test_accuracy``
    is plain `evaluate`, without flip averaging, so anyone can reproduce it in one call)."""
    return {
        "method": record["method"],
        "data": record["config"]["data"],
        "description": record["description"],
        "selected_by": record["selected_by"],
        "val_accuracy": record["val"]["accuracy"],
        "test_accuracy": record.get("test_plain", record["test"])["accuracy"],
        "test_accuracy_reported": record["test"]["accuracy"],
        "tta": record["config"]["train"]["tta"],
        "precision": record["config"]["train"]["precision"],
        "machine_class": record["environment"]["machine_class"],
        "study_key": record["key"],
        **({"teacher": record["teacher"]} if "teacher" in record else {}),
    }


def _record(
    recipe: Recipe, seed: int, model: MLP | Ensemble, histories: list[History], data: Splits
) -> tuple[dict[str, Any], EvalResult, EvalResult]:
    """The result record of one trained seed, and its validation and test evaluations."""
    tta = recipe.train.tta
    val = evaluate(model, data.val.images, data.val.labels, tta=tta)
    test = evaluate(model, data.test.images, data.test.labels, tta=tta)
    plain = {"test_plain": metrics(evaluate(model, data.test.images, data.test.labels))} if tta else {}
    flipped = any(name.startswith("hflip") for name in recipe.train.augment) or (
        recipe.distill is not None and recipe.distill.flip
    )
    if not tta and flipped:
        # Trained on mirrored images: also measure averaging each image with its mirror (no retraining).
        plain = {
            "val_flip_tta": metrics(evaluate(model, data.val.images, data.val.labels, tta=True)),
            "test_flip_tta": metrics(evaluate(model, data.test.images, data.test.labels, tta=True)),
        }
    description, teacher = recipe.description, {}
    if recipe.distill is not None:
        teacher = {"teacher": _teacher_summary(recipe.distill)}
        description += f" (teacher: {teacher['teacher']['val_accuracy']:.2%} val)"
    reference = recipe.reference_test_accuracy
    record = {
        "name": recipe.name,
        "method": recipe.method,
        "description": description,
        "selected_by": recipe.selected_by,
        "seed": seed,
        "key": recipe.key(seed),
        "config": recipe.config(seed),
        "fully_connected": True,
        "parameters": model.num_parameters(),
        "train_examples": len(data.train),
        "val_seen_in_training": recipe.data == "60k",
        "train_seconds": sum(h.seconds for h in histories),
        "precision": histories[0].precision,
        "histories": [h.to_dict() for h in histories],
        "val": metrics(val),
        "test": metrics(test),
        **plain,
        "robustness": {
            "val": accuracy_under(model, data.val.images, data.val.labels),
            "test": accuracy_under(model, data.test.images, data.test.labels),
        },
        **teacher,
        "environment": environment(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **({"reference_test_accuracy": reference} if reference is not None else {}),
    }
    return record, val, test


def _teacher_summary(spec: DistillSpec) -> dict[str, Any]:
    """Which teacher taught, and its accuracy (validation: it never trained on those images)."""
    payload = safe_load(teacher_path(spec.teacher), TEACHER_FORMAT)
    return {
        "name": spec.teacher.name,
        "key": spec.teacher.key(),
        **({"members": spec.teacher.members} if spec.teacher.members > 1 else {}),
        "val_accuracy": payload["val_accuracy"],
        "test_accuracy": payload["test_accuracy"],
    }


def shard(items: Sequence[Any], index: int, count: int) -> list[Any]:
    """Share ``index`` of ``count`` (1-based, like ``--shard 2/4``): every ``count``-th item from
    the ``index``-th, so the ``count`` shares partition ``items`` exactly, sizes within one."""
    if not 1 <= index <= count:
        raise ValueError(f"shard {index}/{count}: the share must be 1..{count}, e.g. --shard 1/{count}")
    return list(items[index - 1 :: count])


def run_many(
    recipes: Iterable[Recipe],
    splits: Splits,
    seeds: Sequence[int],
    *,
    force: bool = False,
    share: tuple[int, int] = (1, 1),
    folder: Path | None = None,
) -> list[Run]:
    """Every recipe with every seed, in order, skipping the runs already done and those another
    process has claimed; with ``share`` ``(K, N)`` only the K-th of N shares of them (`shard`)."""
    done = []
    for recipe, seed in shard([(r, s) for r in recipes for s in seeds], *share):
        try:
            done.append(run(recipe, splits, seed, force=force, folder=folder))
        except ClaimedError as busy:
            print(f"skip {recipe.name} seed {seed}: {busy}")
    return done


def selection_val(summary: Summary, summaries: dict[str, Summary]) -> float:
    """The validation mean that chose a row: a 60k fit's own validation images were trained on,
    so it is chosen by the 48k run named in ``selected_by``."""
    if summary.selected_by is not None:
        chooser = summaries.get(summary.selected_by)
        return chooser.val_acc_mean if chooser is not None else float("-inf")  # not chosen yet
    return summary.val_acc_mean


def ship_best(name: str = "mlp") -> Path | None:
    """Publish the frontier's fully-connected recipe with the best validation mean as the default
    shipped model ``name``; ties go to the 60k fit. Of its seeds, the one with the best validation
    accuracy (a 60k fit: the lowest seed). None if its model file is not here (``runs/`` is not
    committed: run `make study` on a machine of that class first) or says another class trained it."""
    from fmnist.lab.folders import results_dir
    from fmnist.pretrained import publish

    records = load_results(results_dir())
    summaries = summarize(records)
    rows = [summaries[n] for n in frontier_names() if n in summaries and summaries[n].fully_connected]
    if not rows:
        return None
    best = max(rows, key=lambda s: (selection_val(s, summaries), s.selected_by is not None))
    runs = [r for r in records if r["name"] == best.name and machine_class_of(r) == best.machine_class]
    chosen = (
        min(runs, key=lambda r: r["seed"])
        if best.selected_by is not None
        else max(runs, key=lambda r: (r["val"]["accuracy"], -r["seed"]))
    )
    with as_class(best.machine_class):  # its key as "auto" resolved where it trained
        checkpoint = model_path(all_recipes()[best.name], chosen["seed"], best.machine_class)
    if not checkpoint.is_file():
        print(f"not shipped: {checkpoint} is missing (trained on another machine?)")
        return None
    if (trained := trained_on(checkpoint)) != best.machine_class:
        print(
            f"not shipped: {checkpoint} was trained on {trained}, not on {best.machine_class} where "
            f"{best.name} seed {chosen['seed']} was chosen; train it there (`make study`)"
        )
        return None
    return publish(checkpoint, name, default=True)
