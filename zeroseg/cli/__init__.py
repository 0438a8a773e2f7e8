"""Command-line interface: one module per command, discovered through ``COMMANDS``."""

from __future__ import annotations

import argparse
from typing import Protocol

from zeroseg.cli.options import DEVICE_HELP, SEED_HELP
from zeroseg.registry import Registry


class Command(Protocol):
    """A CLI command: adds its arguments, then runs on the parsed namespace (exit code back)."""

    @staticmethod
    def add_args(parser: argparse.ArgumentParser) -> None: ...

    @staticmethod
    def run(args: argparse.Namespace) -> int: ...


COMMANDS: Registry[type] = Registry("command", ("zeroseg.cli.commands",))


def command(name: str, help: str):  # noqa: A002 - mirrors argparse's keyword
    """Register a command class (``add_args`` + ``run``) under ``name``."""
    return COMMANDS.register(name, help=help)


def add_device_arg(p: argparse.ArgumentParser, help: str = DEVICE_HELP) -> None:  # noqa: A002
    p.add_argument("--device", default="cpu", help=f"{help} (default cpu)")


def add_seed_arg(p: argparse.ArgumentParser, default: int = 0) -> None:
    p.add_argument("--seed", type=int, default=default, help=f"{SEED_HELP} (default {default})")
