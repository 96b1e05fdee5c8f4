"""Command line: ``python -m fmnist data | train | study | evaluate | predict | search | notebooks | report``.

Errors the user can fix (missing data, a bad model file, a file that is not an image) print one
line starting with ``error:`` and exit with status 2 (1 for data that cannot be prepared).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from fmnist.checkpoint import CheckpointError
from fmnist.data import DataError, prepare
from fmnist.images import ImageFileError
from fmnist.precision import flushing_denormals

if TYPE_CHECKING:
    from fmnist.lab.recipes import Recipe


def _data(args: argparse.Namespace) -> int:
    try:
        raw = prepare(args.root, download=not args.no_download)
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"Fashion-MNIST ready and verified in {raw}")
    return 0


def _train(args: argparse.Namespace) -> int:
    from fmnist.data import load_data
    from fmnist.lab.recipes import get_recipe
    from fmnist.lab.runner import run

    if args.preset is not None:
        print("note: --preset is an alias of --recipe, its older name", file=sys.stderr)
    recipe = get_recipe(args.recipe or args.preset)
    changes = {k: v for k, v in (("epochs", args.epochs), ("device", args.device)) if v is not None}
    recipe = recipe.with_train(**changes) if changes else recipe
    splits = load_data()
    for seed in args.seeds:
        done = run(recipe, splits, seed, force=args.force)
        epochs = [h.best_epoch for h in done.histories]
        print(
            f"{recipe.name} seed {seed}: val accuracy {done.val_accuracy:.2%}, test accuracy "
            f"{done.test_accuracy:.2%} (kept epochs {epochs}, {done.seconds:.0f} s) -> {done.result_path}"
            + (f", {done.model_path}" if done.model is not None else "")
        )
    return 0


def _load(model_path: str | None):
    from fmnist.checkpoint import load_model
    from fmnist.pretrained import load_pretrained

    return load_pretrained() if model_path is None else load_model(model_path)


def _evaluate(args: argparse.Namespace) -> int:
    from fmnist.calibration import expected_calibration_error
    from fmnist.data import CLASSES, load_data
    from fmnist.evaluate import evaluate, per_class_metrics, predict

    model = _load(args.model)
    test = load_data().test
    result = evaluate(model, test.images, test.labels)
    ece = expected_calibration_error(predict(model, test.images).probabilities, test.labels)
    print(
        f"test accuracy {result.accuracy:.2%} ({result.correct:,}/{result.total:,}), "
        f"loss {result.loss:.4f}, ECE {ece:.4f}"
    )
    recorded = getattr(model, "metadata", {}).get("test_accuracy")
    if recorded is not None:
        print(f"recorded in the model's metadata: {recorded:.2%}")
    metrics = per_class_metrics(result.confusion)
    print(f"{'class':12s} {'precision':>9} {'recall':>7} {'f1':>6}")
    for index, name in enumerate(CLASSES):
        print(
            f"{name:12s} {float(metrics['precision'][index]):9.3f} "
            f"{float(metrics['recall'][index]):7.3f} {float(metrics['f1'][index]):6.3f}"
        )
    return 0


def _predict(args: argparse.Namespace) -> int:
    import numpy as np

    from fmnist.data import CLASSES
    from fmnist.evaluate import predict
    from fmnist.images import load_image_file

    images = np.stack([load_image_file(path) for path in args.images])  # all checked before any work
    prediction = predict(_load(args.model), images)
    for path, probabilities in zip(args.images, prediction.probabilities, strict=True):
        top = probabilities.topk(args.top)
        ranked = ", ".join(f"{CLASSES[int(i)]} {float(p):.1%}" for p, i in zip(*top, strict=True))
        print(f"{path}: {ranked}")
    return 0


def _search(args: argparse.Namespace) -> int:
    import dataclasses
    from pathlib import Path

    import optuna
    import torch

    from fmnist import quick
    from fmnist.data import load_data
    from fmnist.lab import search

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    liveness = {"heartbeat_seconds": args.heartbeat, "grace_seconds": args.grace}
    storage = args.storage or search.default_storage()
    if args.trials > 0:
        splits = quick.train_subset(load_data())
        if args.train_examples is not None:
            splits = dataclasses.replace(splits, train=splits.train.subset(args.train_examples))
        study = search.run_study(
            splits,
            args.trials,
            epochs=quick.epochs(args.epochs),
            storage=storage,
            study_name=args.study,
            device=args.device,
            **liveness,
        )
    else:
        study = search.load_or_create_study(storage, args.study, **liveness)
    finished = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    best = (
        f"best validation accuracy {study.best_value:.4f} with {study.best_params}"
        if finished
        else "none finished"
    )
    print(f"study {study.study_name!r}: {len(study.trials)} trials; {best}")
    if args.export is not None:
        files = search.export_study(storage, args.study, Path(args.export))
        print(f"exported to {files['csv']} and {files['sqlite']}")
    return 0


def _study(args: argparse.Namespace) -> int:
    from fmnist.data import load_data
    from fmnist.lab.recipes import SEEDS, all_recipes
    from fmnist.lab.report import write_outputs
    from fmnist.lab.runner import run_many, ship_best

    recipes = all_recipes()
    unknown = sorted(set(args.only or []) - set(recipes))
    if unknown:
        print(f"error: unknown recipe(s) {unknown}; choose from {sorted(recipes)}", file=sys.stderr)
        return 2
    if args.plan:
        _print_plan(recipes, args.seeds or SEEDS)
        return 0
    try:
        if not args.files_only:
            if args.only:
                chosen = [r for name, r in recipes.items() if name in args.only]
            else:
                chosen = _planned(recipes)
            run_many(chosen, load_data(), args.seeds or SEEDS, force=args.force, share=args.shard)
    except KeyboardInterrupt as stop:
        print(f"interrupted: {stop}; run the same command again to resume", file=sys.stderr)
        return 130
    for kind, path in write_outputs().items():
        print(f"{kind}: {path}")
    shipped = ship_best()
    if shipped is not None:
        print(f"shipped: {shipped} (fmnist.load_pretrained() returns it)")
    return 0


def _planned(recipes: dict[str, Recipe]) -> list[Recipe]:
    """The recipes this machine class's plan runs (`fmnist.lab.plan`), saying how many candidates wait."""
    from fmnist.lab.plan import plan
    from fmnist.precision import machine_class

    planned = plan(machine_class(), recipes)
    if planned.waits:
        print(
            f"{len(planned.waits)} screening candidates wait on {planned.machine_class} (their base is not "
            "kept here, or they were decided here): --plan lists them, --only NAME runs one anyway"
        )
    return planned.runs


def _print_plan(recipes: dict[str, Recipe], seeds: list[int]) -> None:
    """This machine class's plan: each planned recipe's seeds still to run, each waiting candidate's
    reason."""
    from fmnist.lab.plan import plan
    from fmnist.lab.results import result_path
    from fmnist.precision import machine_class

    planned = plan(machine_class(), recipes)
    print(f"make study on {planned.machine_class}:")
    for recipe in planned.runs:
        left = [s for s in seeds if not result_path(recipe.name, s, recipe.key(s)).is_file()]
        print(f"  run   {recipe.name}: " + (f"seeds {left}" if left else "done"))
    for recipe, why in planned.waits:
        print(f"  wait  {recipe.name}: {why}")


def _notebooks(args: argparse.Namespace) -> int:
    from fmnist.lab.notebooks import execute, notebook_paths

    paths = notebook_paths()
    if args.only:
        paths = [p for p in paths if any(p.name.startswith(prefix) for prefix in args.only)]
    record = execute(paths)
    print(f"all notebooks: {record['total_seconds'] / 60:.1f} min")
    return 0


def _report(args: argparse.Namespace) -> int:
    from fmnist.lab.report import update_pages, write_outputs
    from fmnist.paths import shown_path

    for kind, path in write_outputs().items():  # the reference rows follow notebook 02's fresh seed 0
        print(f"{kind}: {path}")
    print("pages regenerated: " + ", ".join(shown_path(page) for page in update_pages()))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from fmnist.demo import INSTALL_HINT, gradio_available, serve

    if not gradio_available():
        raise DemoUnavailable(INSTALL_HINT)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"warning: serving on {args.host}: whoever reaches this machine can use the page", file=sys.stderr
        )
    try:
        serve(_load(args.model), host=args.host, port=args.port)
    except OSError as err:  # the port is taken, or the address is not this machine's
        raise DemoUnavailable(
            f"cannot serve on {args.host}:{args.port} ({err}): pass another --port"
        ) from err
    return 0


class DemoUnavailable(RuntimeError):
    """The demo page's optional dependency is missing; the message says how to install it."""


def _share(text: str) -> tuple[int, int]:
    """``K/N`` -> (K, N) with 1 <= K <= N: the share of the study's runs this process does."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not K/N, e.g. 2/4 (share 2 of 4)") from None
    if not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"{text!r}: K must be 1..N, e.g. 1/{max(count, 1)}")
    return index, count


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    from fmnist.lab.recipes import REGISTRY

    parser = argparse.ArgumentParser(prog="fmnist", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    data = commands.add_parser("data", help="prepare and verify the raw data files")
    data.add_argument("--root", default=None, help="data root (default: $FMNIST_DATA, then data/)")
    data.add_argument("--no-download", action="store_true", help="never try torchvision's download")
    data.set_defaults(handler=_data)

    train = commands.add_parser(
        "train",
        help="train one recipe of the registry for some seeds (skips finished runs, resumes others)",
        description="Train a recipe of fmnist.lab.recipes (the reference models seed_small and seed_deep, "
        "fast, best, or any screened or frontier recipe) with each seed: the runner of `study`, for one "
        "recipe.",
    )
    name = train.add_mutually_exclusive_group(required=True)
    name.add_argument("--recipe", choices=sorted(REGISTRY), metavar="NAME", help="recipe to train")
    name.add_argument(
        "--preset", choices=sorted(REGISTRY), metavar="NAME", help="the older name of --recipe (an alias)"
    )
    train.add_argument("--seeds", type=int, nargs="+", default=[0], help="one run per seed (default 0)")
    train.add_argument("--epochs", type=int, default=None, help="override the recipe's epochs")
    train.add_argument("--device", default=None, help="cpu, cuda, mps (default: best available)")
    train.add_argument("--force", action="store_true", help="retrain seeds whose result file exists")
    train.set_defaults(handler=_train)

    model_help = "checkpoint to use (default: the shipped pretrained model)"
    evaluate = commands.add_parser("evaluate", help="test accuracy, per-class metrics and ECE of a model")
    evaluate.add_argument("--model", default=None, help=model_help)
    evaluate.set_defaults(handler=_evaluate)

    predict = commands.add_parser(
        "predict",
        help="classify image files (PNG, JPEG, ...)",
        description="Classify image files. Each is converted to 28x28 grayscale the way Fashion-MNIST "
        "images look: inverted if its border is light (light object on a dark background), cropped "
        "to the object, longest side scaled to 28 pixels, centred. 28x28 images with a dark "
        "background are used as they are.",
    )
    predict.add_argument("images", nargs="+", help="image files")
    predict.add_argument("--model", default=None, help=model_help)
    predict.add_argument(
        "--top",
        type=int,
        default=3,
        choices=range(1, 11),
        metavar="K",
        help="how many classes to print (1-10, default 3)",
    )
    predict.set_defaults(handler=_predict)

    search = commands.add_parser(
        "search",
        help="Optuna study over the recipe, on the validation split",
        description="Add trials to an Optuna study (validation accuracy; the test split is never used). "
        "The default storage is a SQLite file in runs/; give several workers the same --storage URL "
        "(e.g. postgresql://postgres@127.0.0.1:5432/postgres, after pip install -e '.[distributed]') and "
        "--study name to search together. Trials are pruned (median rule) and a killed worker's trial is "
        "retried by the others.",
    )
    search.add_argument(
        "--trials", type=int, default=20, help="trials this worker adds (default 20; 0: none)"
    )
    search.add_argument("--epochs", type=int, default=15, help="epochs per trial (default 15)")
    search.add_argument("--storage", default=None, help="database URL (default: sqlite:///runs/optuna.db)")
    search.add_argument("--study", default="fmnist-mlp", help="study name (default fmnist-mlp)")
    search.add_argument("--device", default=None, help="cpu, cuda, mps (default: best available)")
    search.add_argument(
        "--threads", type=int, default=None, help="torch threads of this worker (one per core it may use)"
    )
    search.add_argument(
        "--train-examples", type=int, default=None, help="train each trial on the first N training images"
    )
    search.add_argument("--heartbeat", type=int, default=5, help="seconds between heartbeats (default 5)")
    search.add_argument(
        "--grace",
        type=int,
        default=20,
        help="silent seconds before a trial is retried (default 20)",
    )
    search.add_argument(
        "--export", default=None, metavar="DIR", help="then write trials.csv and study.db to DIR"
    )
    search.set_defaults(handler=_search)

    study = commands.add_parser(
        "study",
        help="run this machine class's planned recipes x seeds (skips finished runs, resumes interrupted "
        "ones), then the frontier",
        description="Train every recipe of fmnist.lab.recipes planned on this machine class "
        "(fmnist.lab.plan: the reference recipes, and each screening candidate once its base was "
        "kept here) with every "
        "seed. Each run writes "
        "assets/results/<name>-seed<seed>-<hash>.json, keyed by a hash of its config: a run whose file "
        "exists is skipped, and a run killed midway resumes from its last saved epoch (about a minute "
        "back). Then the frontier and screening files are rewritten and the best model shipped.",
    )
    study.add_argument(
        "--only", nargs="+", default=None, metavar="NAME", help="only these recipes (planned here or not)"
    )
    study.add_argument(
        "--plan",
        action="store_true",
        help="train nothing: list what this machine class would run (seeds left) and what waits, and why",
    )
    study.add_argument("--seeds", type=int, nargs="+", default=None, help="seeds (default 0 1 2)")
    study.add_argument("--force", action="store_true", help="redo runs whose result file exists")
    study.add_argument(
        "--shard",
        type=_share,
        default=(1, 1),
        metavar="K/N",
        help="only share K of N of the recipe x seed runs (N processes or machines of one class sharing "
        "assets/results: one each, K = 1..N); the shares partition the runs exactly",
    )
    study.add_argument(
        "--files-only",
        action="store_true",
        help="train nothing: rewrite the frontier and screening files from the result files, ship the best",
    )
    study.set_defaults(handler=_study)

    notebooks = commands.add_parser(
        "notebooks",
        help="run every notebook top to bottom in place (make run), timing each",
        description="Execute the notebooks in place, each in a fresh kernel, progress as text; write "
        "assets/run_times.json.",
    )
    notebooks.add_argument("--only", nargs="+", default=None, metavar="PREFIX", help="e.g. 03 04")
    notebooks.set_defaults(handler=_notebooks)

    demo = commands.add_parser(
        "demo",
        help="a web page: upload or draw a garment, see the 28x28 image the model sees and its top 3",
        description="Serve the demo page (Gradio, the optional extra `demo`). Uploads stay in memory.",
    )
    demo.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)"
    )
    demo.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    demo.add_argument("--model", default=None, help=model_help)
    demo.set_defaults(handler=_demo)

    report = commands.add_parser("report", help="regenerate the README's results table")
    report.set_defaults(handler=_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m fmnist`` and the ``fmnist`` script."""
    args = build_parser().parse_args(argv)
    with flushing_denormals():  # before torch starts its worker threads, so that they inherit it
        try:
            return args.handler(args)
        except (ImageFileError, CheckpointError, FileNotFoundError, DataError, DemoUnavailable) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
