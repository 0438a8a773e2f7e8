"""Entry point of the ``zeroseg`` console script."""

from __future__ import annotations

import argparse
import sys

from zeroseg import __version__
from zeroseg.cli import COMMANDS
from zeroseg.registry import UnknownUnitError


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


# Errors that mean bad input or a bad environment (a file, a flag, an address), never a bug in zeroseg.
USER_ERRORS = (ValueError, FileNotFoundError, FileExistsError, IsADirectoryError, NotADirectoryError,
               PermissionError, ConnectionError, TimeoutError, UnknownUnitError)
MAX_TOKEN, MAX_LINE = 200, 1000  # an echoed value (a 10 MB genotype) must not flood the terminal


def one_line(exc: BaseException) -> str:
    """The error as one short line: OS errors name their file, long echoes are cut."""
    if isinstance(exc, OSError) and exc.filename and exc.strerror:
        text = f"{exc.filename}: {exc.strerror}"
    elif isinstance(exc, KeyError) and exc.args and isinstance(exc.args[0], str):
        text = exc.args[0]
    else:
        text = str(exc) or type(exc).__name__
    words = [w if len(w) <= MAX_TOKEN else f"{w[:MAX_TOKEN]}…({len(w)} characters)" for w in text.split()]
    text = " ".join(words)
    return text if len(text) <= MAX_LINE else text[:MAX_LINE] + f"… ({len(text)} characters)"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "_run"):
        parser.print_help()
        return 0
    try:
        return int(args._run(args) or 0)
    except USER_ERRORS as exc:  # user errors: one clear line, no trace
        print(f"zeroseg {args.command}: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except KeyError as exc:  # a KeyError with a sentence is a user error (e.g. a missing AVT entry)
        if not (exc.args and isinstance(exc.args[0], str) and " " in exc.args[0]):
            raise  # a bare key: a bug, keep the traceback
        print(f"zeroseg {args.command}: error: {one_line(exc)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
