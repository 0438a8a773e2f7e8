"""Entry point of the ``zeroseg`` console script."""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from zeroseg import __version__
from zeroseg.cli.index import command_index, load_command
from zeroseg.registry import UnknownUnitError


def _named_command(argv: Sequence[str] | None) -> str | None:
    """The command ``argv`` names ('' for none); ``None`` (no argv) builds every command's flags."""
    if argv is None:
        return None
    return next((a for a in argv if not a.startswith("-")), "")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The full parser; given ``argv``, only the named command adds its flags (some import torch to
    read their options dataclass), so ``zeroseg --help`` and light commands start fast."""
    parser = argparse.ArgumentParser(
        prog="zeroseg",
        description="Evolutionary, zero-cost search for real-time semantic-segmentation architectures.",
    )
    parser.add_argument("--version", action="version", version=f"zeroseg {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--proxy-path", action="append", default=None, metavar="DIR",
                        help="a folder of .proxy files added to the proxy library (repeatable; also "
                             "$ZEROSEG_PROXY_PATH, os.pathsep-separated)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = _named_command(argv)
    for declared in command_index():  # names and helps from the modules' source (``cli.index``)
        p = sub.add_parser(declared.name, parents=[common], help=declared.help, description=declared.help)
        if wanted is None or wanted == declared.name:  # only the command that runs is imported
            cmd = load_command(declared)
            cmd.add_args(p)
            p.set_defaults(_run=cmd.run)
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
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not hasattr(args, "_run"):
        parser.print_help()
        return 0
    try:
        if args.proxy_path:
            from zeroseg.api import add_proxy_path  # heavy (torch): only when the flag is given

            add_proxy_path(*args.proxy_path)
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
