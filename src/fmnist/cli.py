"""Command line: ``python -m fmnist data | train | report``; ``--help`` on each."""

from __future__ import annotations

import argparse
import sys

from fmnist.data import DataError, prepare


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
            f"{args.preset} seed {seed}: test accuracy {run.test.accuracy:.2%} "
            f"(best epoch {run.history.best_epoch}, {run.history.seconds:.0f} s) -> "
            f"{run.result_path}, {run.checkpoint_path}"
        )
    return 0


def _report(args: argparse.Namespace) -> int:
    from fmnist.results import update_readme

    print(f"results table regenerated in {update_readme(args.readme)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m fmnist`` and the ``fmnist`` script."""
    parser = argparse.ArgumentParser(prog="fmnist", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    data = commands.add_parser("data", help="prepare and verify the raw data files")
    data.add_argument("--root", default=None, help="data root (default: $FMNIST_DATA, then data/)")
    data.add_argument("--no-download", action="store_true", help="never try torchvision's download")
    data.set_defaults(handler=_data)
    from fmnist.recipes import RECIPES

    train = commands.add_parser("train", help="train a named recipe, write result files and checkpoints")
    train.add_argument("--preset", required=True, choices=sorted(RECIPES), help="recipe to train")
    train.add_argument("--seeds", type=int, nargs="+", default=[0], help="one run per seed (default 0)")
    train.add_argument("--epochs", type=int, default=None, help="override the recipe's epochs")
    train.add_argument("--device", default=None, help="cpu, cuda, mps (default: best available)")
    train.set_defaults(handler=_train)
    report = commands.add_parser("report", help="regenerate the README's results table")
    report.add_argument("--readme", default=None, help="README to update (default: the project's)")
    report.set_defaults(handler=_report)
    args = parser.parse_args(argv)
    return args.handler(args)
