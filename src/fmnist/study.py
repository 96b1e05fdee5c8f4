"""Long work as a study: candidates x seeds, each run's result file keyed by a hash of its config.

A `Candidate` is a recipe to measure (model, training config, what it trains on). `run_candidate`
trains one seed of it and writes ``assets/study/<name>-seed<seed>-<key>.json``, where ``key`` is a
hash of everything that determines the run; a file that already exists is skipped (``force``
redoes it). While a run trains, its full state is checkpointed under ``runs/study/``, so a
study killed midway (Ctrl-C, or the process killed) continues from its last epoch when run again.
`load_study` reads the files back; notebooks and the README read them, never retrain them.
"""

from __future__ import annotations

import hashlib
import json
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import torch

from fmnist import quick
from fmnist.checkpoint import safe_load, save_model
from fmnist.data import Augment, Split, Splits
from fmnist.distill import DistilledTargets, DistillSpec, indexed, precompute_views
from fmnist.evaluate import evaluate
from fmnist.models import MLP, Ensemble
from fmnist.paths import assets_dir, runs_dir, write_json
from fmnist.precision import SELECTION_CLASS
from fmnist.recipes import member_seed
from fmnist.results import environment, metrics
from fmnist.teachers import TEACHER_FORMAT, get_teacher, teacher_path, teacher_record
from fmnist.train import History, TrainConfig, fit, recipe_of, set_seed

DataChoice = Literal["48k", "60k"]


@dataclass(frozen=True)
class Candidate:
    """One recipe measured over seeds: model arguments, training config, training data, method.

    ``data="60k"`` trains on train + validation (the final fit): its validation numbers are then
    measured on images it trained on and mean nothing; ``selected_by`` names the 48k candidate whose
    validation accuracy chose the recipe. ``method`` labels the row (``labels``, ``labels-60k``,
    ``ensemble``, ...): a method that is not "one MLP trained on labels" is never folded into another.
    """

    name: str
    model: dict[str, Any]
    train: TrainConfig
    method: str = "labels"
    data: DataChoice = "48k"
    members: int = 1
    description: str = ""
    selected_by: str | None = None
    base: str | None = None  # the candidate this one changes one thing of (screening)
    distill: DistillSpec | None = None  # learn from a CNN teacher's soft targets (`fmnist.distill`)

    def config(self, seed: int, quick_mode: bool | None = None) -> dict[str, Any]:
        """Everything that determines one seed's result (and nothing that does not); ``quick_mode``
        defaults to whether quick mode is on now."""
        quick_mode = quick.is_quick() if quick_mode is None else quick_mode
        return {
            "model": MLP(**self.model).config,
            "train": recipe_of(replace(self.train, seed=seed)),
            "data": self.data,
            "members": self.members,
            "quick": quick_mode,
        } | ({"distill": self.distill.config(quick_mode)} if self.distill is not None else {})

    def key(self, seed: int, quick_mode: bool | None = None) -> str:
        """12 hex digits of the sha256 of `config`: the run's identity."""
        text = json.dumps(self.config(seed, quick_mode), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def study_dir() -> Path:
    """``assets/study``: one JSON per finished run (a temp folder in quick mode)."""
    folder = assets_dir() / "study"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def result_path(candidate: Candidate, seed: int, folder: Path | None = None) -> Path:
    """Where the result file of ``candidate`` with ``seed`` lives."""
    return (folder or study_dir()) / f"{candidate.name}-seed{seed}-{candidate.key(seed)}.json"


SEEN_VAL_EXAMPLES = 1_000  # a 60k fit still validates each epoch: on this many (seen) images only


def _training_splits(splits: Splits, data: DataChoice) -> Splits:
    """``48k``: as given. ``60k``: train on train + validation; the per-epoch "validation" is then
    a sanity check on images it trains on, so it is cut to `SEEN_VAL_EXAMPLES` (cheap)."""
    if data == "48k":
        return splits
    together = Split(
        torch.cat([splits.train.images, splits.val.images]),
        torch.cat([splits.train.labels, splits.val.labels]),
    )
    return replace(splits, train=together, val=splits.val.subset(SEEN_VAL_EXAMPLES))


def train_candidate(
    candidate: Candidate, splits: Splits, seed: int, *, checkpoints: Path | None = None
) -> tuple[MLP | Ensemble, list[History], Splits]:
    """Train one seed of ``candidate``; return (model, one history per member, the splits used).

    Quick mode cuts the training split as `quick.train_subset` does and shortens the epochs. With
    ``checkpoints`` (a folder) each member's full state is saved there every epoch and a saved
    state is resumed. Raises `KeyboardInterrupt` if the training was interrupted.
    """
    key = candidate.key(seed)
    data = quick.train_subset(_training_splits(splits, candidate.data))
    targets: Augment | None = None
    if candidate.distill is not None:
        targets = _distilled_targets(candidate.distill, splits, data)
        data = indexed(data)
    members, histories = [], []
    for member in range(candidate.members):
        state = checkpoints / f"{key}-m{member}.state" if checkpoints is not None else None
        config = replace(
            candidate.train,
            seed=member_seed(seed, member),
            epochs=quick.epochs(candidate.train.epochs),
            checkpoint_path=None if state is None else str(state),
            keep_best=None if candidate.data == "60k" else candidate.train.keep_best,
        )
        resume = state if state is not None and state.is_file() else None
        if resume is not None:
            print(f"resume {candidate.name} seed {seed} member {member} from {state.name}")
        set_seed(config.seed)
        model = MLP(**candidate.model)
        history = fit(model, data, config, augment=targets, resume_from=resume)
        if history.interrupted:
            raise KeyboardInterrupt(f"{candidate.name} seed {seed} interrupted; run again to resume")
        members.append(model)
        histories.append(history)
    return (members[0] if len(members) == 1 else Ensemble(members)), histories, data


def _distilled_targets(spec: DistillSpec, splits: Splits, data: Splits) -> DistilledTargets:
    """The teacher of ``spec`` (trained on ``splits.train`` only, or cached; its result file written
    next to the study's) and its soft targets for ``data.train``'s views."""
    teacher = get_teacher(spec.teacher, splits)
    record = teacher_record(teacher)
    path = study_dir() / f"{record['name']}-seed{record['seed']}-{record['key']}.json"
    if not path.is_file():
        write_json(path, record)
    return DistilledTargets(precompute_views(teacher, data.train, spec), data.train, spec)


def run_candidate(
    candidate: Candidate, splits: Splits, seed: int, *, force: bool = False, folder: Path | None = None
) -> dict[str, Any]:
    """Train one seed of ``candidate`` unless its result file exists; return the result record.

    The training state is checkpointed in ``runs/study`` every epoch, so a killed run resumes
    there next time; once the result file is written the state files are removed and the model is
    kept as ``runs/study/<key>.pt``.
    """
    path = result_path(candidate, seed, folder)
    if path.is_file() and not force:
        print(f"skip {path.name}: done already (use --force to redo it)")
        return json.loads(path.read_text())
    states = runs_dir() / "study"
    if force:
        for stale in states.glob(f"{candidate.key(seed)}-m*.state"):
            stale.unlink()
    print(f"train {candidate.name} seed {seed} ({candidate.description})", flush=True)
    model, histories, data = train_candidate(candidate, splits, seed, checkpoints=states)
    record = _record(candidate, seed, model, histories, data)
    save_model(
        model, model_path(candidate, seed), recipe=candidate.name, seed=seed, **_shipping_metadata(record)
    )
    write_json(path, record)
    for state in states.glob(f"{record['key']}-m*.state"):
        state.unlink()
    return json.loads(path.read_text())  # as a later skip returns it


def model_path(candidate: Candidate, seed: int) -> Path:
    """Where `run_candidate` keeps the trained model: ``runs/study/<key>.pt`` (git-ignored)."""
    return runs_dir() / "study" / f"{candidate.key(seed)}.pt"


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
    candidate: Candidate, seed: int, model: MLP | Ensemble, histories: list[History], data: Splits
) -> dict[str, Any]:
    tta = candidate.train.tta
    val = evaluate(model, data.val.images, data.val.labels, tta=tta)
    test = evaluate(model, data.test.images, data.test.labels, tta=tta)
    plain = {"test_plain": metrics(evaluate(model, data.test.images, data.test.labels))} if tta else {}
    flipped = any(name.startswith("hflip") for name in candidate.train.augment) or (
        candidate.distill is not None and candidate.distill.flip
    )
    if not tta and flipped:
        # Trained on mirrored images: also measure averaging each image with its mirror (no retraining).
        plain = {
            "val_flip_tta": metrics(evaluate(model, data.val.images, data.val.labels, tta=True)),
            "test_flip_tta": metrics(evaluate(model, data.test.images, data.test.labels, tta=True)),
        }
    description, teacher = candidate.description, {}
    if candidate.distill is not None:
        teacher = {"teacher": _teacher_summary(candidate.distill)}
        description += f" (teacher: {teacher['teacher']['val_accuracy']:.2%} val)"
    return {
        "name": candidate.name,
        "method": candidate.method,
        "description": description,
        "selected_by": candidate.selected_by,
        "seed": seed,
        "key": candidate.key(seed),
        "config": candidate.config(seed),
        "fully_connected": True,
        "parameters": model.num_parameters(),
        "train_examples": len(data.train),
        "val_seen_in_training": candidate.data == "60k",
        "train_seconds": sum(h.seconds for h in histories),
        "precision": histories[0].precision,
        "histories": [h.to_dict() for h in histories],
        "val": metrics(val),
        "test": metrics(test),
        **plain,
        **teacher,
        "environment": environment(),
    }


def _teacher_summary(spec: DistillSpec) -> dict[str, Any]:
    """Which teacher taught, and its accuracy (validation: it never trained on those images)."""
    payload = safe_load(teacher_path(spec.teacher), TEACHER_FORMAT)
    return {
        "name": spec.teacher.name,
        "key": spec.teacher.key(),
        "val_accuracy": payload["val_accuracy"],
        "test_accuracy": payload["test_accuracy"],
    }


def run_study(
    candidates: Iterable[Candidate], splits: Splits, seeds: Sequence[int], *, force: bool = False
) -> list[dict[str, Any]]:
    """Every candidate with every seed, in order, skipping the runs already done."""
    return [run_candidate(c, splits, seed, force=force) for c in candidates for seed in seeds]


def load_study(folder: Path | None = None) -> list[dict[str, Any]]:
    """Every result record in ``folder`` (default: the committed ``assets/study``)."""
    if folder is None:
        from fmnist.paths import project_root

        folder = (project_root() or Path.cwd()) / "assets" / "study"
    return [json.loads(p.read_text()) for p in sorted(Path(folder).glob("*.json"))]


@dataclass
class Summary:
    """One candidate's runs, summarized: the row of the frontier and of the screening file."""

    name: str
    method: str
    seeds: list[int]
    minutes: float  # training minutes per seed (validation included), mean over seeds
    val_acc_mean: float
    val_acc_std: float
    test_acc_mean: float
    test_acc_std: float
    parameters: int
    fully_connected: bool = True
    description: str = ""
    selected_by: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    machine_class: str = SELECTION_CLASS  # what its minutes were measured on
    cpu_model: str = ""
    threads: int = 0


def _std(values: list[float]) -> float:
    return statistics.stdev(values) if len(values) > 1 else 0.0


def machine_class_of(record: dict[str, Any]) -> str:
    """The machine class a result was measured on (``environment.machine_class``)."""
    return record["environment"]["machine_class"]


def machine_classes(records: Iterable[dict[str, Any]]) -> list[str]:
    """The classes these records were measured on: `SELECTION_CLASS` first, then by name."""
    return sorted({machine_class_of(r) for r in records}, key=lambda c: (c != SELECTION_CLASS, c))


def summarize(
    records: Iterable[dict[str, Any]], machine_class: str | None = SELECTION_CLASS
) -> dict[str, Summary]:
    """Group result records by candidate name (all seeds of one config) into `Summary` rows, of
    the records measured on ``machine_class`` only: minutes from two CPU classes never mix. With
    None, every record, and each name must come from one class."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        if machine_class is None or machine_class_of(record) == machine_class:
            groups[record["name"]].append(record)
    for name, runs in groups.items():
        if len({machine_class_of(r) for r in runs}) > 1:
            raise ValueError(f"{name}'s results come from several machine classes: pass machine_class")
    rows = {}
    for name, runs in groups.items():
        vals = [r["val"]["accuracy"] for r in runs]
        tests = [r["test"]["accuracy"] for r in runs]
        extra = {}
        if all("test_flip_tta" in r for r in runs):
            flip_vals = [r["val_flip_tta"]["accuracy"] for r in runs]
            flip_tests = [r["test_flip_tta"]["accuracy"] for r in runs]
            extra = {
                "flip_tta": {
                    "val_acc_mean": statistics.fmean(flip_vals),
                    "val_acc_std": _std(flip_vals),
                    "test_acc_mean": statistics.fmean(flip_tests),
                    "test_acc_std": _std(flip_tests),
                }
            }
        rows[name] = Summary(
            name=name,
            method=runs[0]["method"],
            seeds=sorted(r["seed"] for r in runs),
            minutes=statistics.fmean(r["train_seconds"] for r in runs) / 60,
            val_acc_mean=statistics.fmean(vals),
            val_acc_std=_std(vals),
            test_acc_mean=statistics.fmean(tests),
            test_acc_std=_std(tests),
            parameters=runs[0]["parameters"],
            fully_connected=runs[0].get("fully_connected", True),
            description=runs[0].get("description", ""),
            selected_by=runs[0].get("selected_by"),
            extra=extra,
            machine_class=machine_class_of(runs[0]),
            cpu_model=runs[0]["environment"]["cpu_model"],
            threads=runs[0]["environment"]["threads"],
        )
    return rows
