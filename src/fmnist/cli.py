"""Command line: ``python -m fmnist data | train | evaluate | predict | report``; ``--help`` on each.

Errors the user can fix (missing data, a bad model file, a file that is not an image) print one
line starting with ``error:`` and exit with status 2 (1 for data that cannot be prepared).
"""

from __future__ import annotations

import argparse
import sys

from fmnist.checkpoint import CheckpointError
from fmnist.data import DataError, prepare
from fmnist.images import ImageFileError


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
    from fmnist.recipes import run_recipe

    overrides = {k: v for k, v in (("epochs", args.epochs), ("device", args.device)) if v is not None}
    splits = load_data()
    for seed in args.seeds:
        run = run_recipe(args.preset, splits, seed=seed, **overrides)
        print(
            f"{args.preset} seed {seed}: val accuracy {run.val.accuracy:.2%}, "
            f"test accuracy {run.test.accuracy:.2%} (best epochs "
            f"{[h.best_epoch for h in run.histories]}, {run.seconds:.0f} s) -> "
            f"{run.result_path}, {run.checkpoint_path}"
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
    from fmnist import quick
    from fmnist.data import load_data
    from fmnist.search import run_study

    splits = quick.train_subset(load_data())
    study = run_study(
        splits,
        args.trials,
        epochs=quick.epochs(args.epochs),
        storage=args.storage,
        study_name=args.study,
        device=args.device,
    )
    print(
        f"study {study.study_name!r}: {len(study.trials)} trials; best validation accuracy "
        f"{study.best_value:.4f} with {study.best_params}"
    )
    return 0


def _report(args: argparse.Namespace) -> int:
    from fmnist.results import update_readme

    print(f"results table regenerated in {update_readme(args.readme)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    from fmnist.recipes import RECIPES

    parser = argparse.ArgumentParser(prog="fmnist", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    data = commands.add_parser("data", help="prepare and verify the raw data files")
    data.add_argument("--root", default=None, help="data root (default: $FMNIST_DATA, then data/)")
    data.add_argument("--no-download", action="store_true", help="never try torchvision's download")
    data.set_defaults(handler=_data)

    train = commands.add_parser("train", help="train a named recipe, write result files and checkpoints")
    train.add_argument("--preset", required=True, choices=sorted(RECIPES), help="recipe to train")
    train.add_argument("--seeds", type=int, nargs="+", default=[0], help="one run per seed (default 0)")
    train.add_argument("--epochs", type=int, default=None, help="override the recipe's epochs")
    train.add_argument("--device", default=None, help="cpu, cuda, mps (default: best available)")
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
        "The default storage is a SQLite file in runs/; give several machines the same --storage URL "
        "(e.g. postgresql://user:password@host/db) and --study name to search together.",
    )
    search.add_argument("--trials", type=int, default=20, help="trials to add (default 20)")
    search.add_argument("--epochs", type=int, default=15, help="epochs per trial (default 15)")
    search.add_argument("--storage", default=None, help="database URL (default: sqlite:///runs/optuna.db)")
    search.add_argument("--study", default="fmnist-mlp", help="study name (default fmnist-mlp)")
    search.add_argument("--device", default=None, help="cpu, cuda, mps (default: best available)")
    search.set_defaults(handler=_search)

    report = commands.add_parser("report", help="regenerate the README's results table")
    report.add_argument("--readme", default=None, help="README to update (default: the project's)")
    report.set_defaults(handler=_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m fmnist`` and the ``fmnist`` script."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (ImageFileError, CheckpointError, FileNotFoundError, DataError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
