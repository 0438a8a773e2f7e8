"""Entry point of the ``zeroseg`` console script."""

from __future__ import annotations

import argparse
import sys

from zeroseg import __version__
from zeroseg.cli import COMMANDS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zeroseg",
        description="Evolutionary, zero-cost search for real-time semantic-segmentation architectures.",
    )
    parser.add_argument("--version", action="version", version=f"zeroseg {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for entry in COMMANDS.entries():
        p = sub.add_parser(entry.name, help=entry.contract["help"], description=entry.contract["help"])
        entry.obj.add_args(p)
        p.set_defaults(_run=entry.obj.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "_run"):
        parser.print_help()
        return 0
    try:
        return int(args._run(args) or 0)
    except (ValueError, FileNotFoundError, KeyError) as exc:  # user errors: one clear line, no trace
        print(f"zeroseg {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
