"""The commands' names and one-line helps, read from their modules' source without importing them.

Several command modules import torch at the top (their flags read the proxy and space registries), so
importing all of them to list them made ``zeroseg --help`` take seconds. Each command still registers
itself with ``@command("name", help="...")`` where it is defined; this index reads those two literals
from the module's syntax tree (``ast``), and ``cli.main`` imports only the command that runs. A decorator
whose arguments are not literals is read by importing its module, so nothing is missed.
"""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from zeroseg.cli import COMMANDS

PACKAGE = "zeroseg.cli.commands"
DECORATOR = "command"


@dataclass(frozen=True)
class Declared:
    """A command as its module declares it: name, one-line help, and the module that defines it."""

    name: str
    help: str
    module: str


def _literal_args(call: ast.Call) -> tuple[str, str] | None:
    """(name, help) of ``@command("name", help="...")`` when both are string literals, else None."""
    args = list(call.args) + [k.value for k in call.keywords if k.arg == "help"]
    if len(args) != 2 or not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
        return None
    return args[0].value, args[1].value  # type: ignore[union-attr]


def _declared_in(path: Path, module: str) -> list[Declared]:
    """The commands ``path`` declares (its module imported only when a declaration is not literal)."""
    out: list[Declared] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        for deco in getattr(node, "decorator_list", ()):
            if isinstance(deco, ast.Call) and isinstance(deco.func, ast.Name) and deco.func.id == DECORATOR:
                literal = _literal_args(deco)
                if literal is None:
                    return [Declared(e.name, e.contract["help"], module) for e in COMMANDS.load_module(module)]
                out.append(Declared(*literal, module))
    return out


def command_index() -> list[Declared]:
    """Every command of ``zeroseg.cli.commands``, sorted by name."""
    spec = importlib.util.find_spec(PACKAGE)
    folders = [Path(p) for p in (spec.submodule_search_locations or [])] if spec else []
    found = [d for folder in folders for path in sorted(folder.glob("*.py")) if not path.name.startswith("_")
             for d in _declared_in(path, f"{PACKAGE}.{path.stem}")]
    return sorted(found, key=lambda d: d.name)


def load_command(declared: Declared) -> type:
    """The command class ``declared`` names, importing its module alone."""
    for entry in COMMANDS.load_module(declared.module):
        if entry.name == declared.name:
            return entry.obj
    raise ValueError(f"{declared.module} declares command {declared.name!r} but does not register it")
