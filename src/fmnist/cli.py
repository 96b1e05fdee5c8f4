"""Command line: ``python -m fmnist data`` prepares the raw files; ``report`` fills the README."""

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
    report = commands.add_parser("report", help="regenerate the README's results table")
    report.add_argument("--readme", default=None, help="README to update (default: the project's)")
    report.set_defaults(handler=_report)
    args = parser.parse_args(argv)
    return args.handler(args)
