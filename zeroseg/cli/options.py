"""One source of truth for options: a dataclass field carries its default, help, flag and choices, and the
CLI flags are generated from it (``add_options``) and read back into the dataclass (``from_args``).

A new option of ``discover`` / ``search`` is one field ``name: int = opt(3, "what it does")``; a scorer's
own options are parameters of its constructor, named in its ``@register_scorer(..., flags={...})``
contract (``add_scorer_flags``), or given as ``--scorer-opt KEY=VALUE``. ``--input-size`` takes
``H W`` or ``HxW`` everywhere (``SizeAction``).
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import types
import typing
from typing import Any, Callable

DEVICE_HELP = "torch device: cpu, cuda, cuda:1 …"
SEED_HELP = "random seed"
NUM_CLASSES = 11  # CamVid's classes: the default head of every command that builds a network on its own
SCORER_DEST = "scorer_flag:"  # namespace prefix of the flags scorers declare


def opt(default: Any = dataclasses.MISSING, help: str = "", *, factory: Callable[[], Any] | None = None,  # noqa: A002
        **cli: Any) -> Any:
    """A dataclass field with CLI metadata. ``cli`` keys: ``flag`` (default ``--field-name``; ``--no-name``
    for a bool that defaults to True), ``choices``, ``metavar``, ``type`` (per token), ``action``,
    ``required``, ``const`` (a store_const flag), ``from_cli`` (applied to the parsed value),
    ``cli=False`` (Python only)."""
    meta = {"cli": {"help": help, **cli}}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def device_opt() -> Any:
    return opt("cpu", DEVICE_HELP)


def seed_opt(help: str = SEED_HELP) -> Any:  # noqa: A002
    return opt(0, help)


class SizeAction(argparse.Action):
    """``--input-size H W`` or ``--input-size HxW`` → ``(H, W)``."""

    minimum = 1

    def __init__(self, option_strings, dest, nargs=None, **kw):
        kw.setdefault("metavar", ("H", "W"))
        super().__init__(option_strings, dest, nargs="+", **kw)

    def __call__(self, parser, namespace, values, option_string=None):
        try:
            setattr(namespace, self.dest, parse_size(values, "", self.minimum))
        except ValueError as exc:
            raise argparse.ArgumentError(self, str(exc)) from None


def parse_size(values: list[str] | str, flag: str = "--input-size", minimum: int = 1) -> tuple[int, int]:
    """``["360", "480"]``, ``["360x480"]`` or ``"360x480"`` → ``(360, 480)``; bad text names the flag."""
    text = values if isinstance(values, str) else " ".join(values)
    tokens = text.lower().replace("x", " ").split()
    try:
        h, w = (int(t) for t in tokens)
    except ValueError:
        raise ValueError(f"{flag} takes H W or HxW (e.g. 360 480), got {text!r}".lstrip()) from None
    if h < minimum or w < minimum:
        raise ValueError(f"{flag} must be at least {minimum}x{minimum}, got {h}x{w}".lstrip())
    return h, w


def add_size_arg(p: argparse.ArgumentParser, default: tuple[int, int] | None, help: str,  # noqa: A002
                 minimum: int = 1, flag: str = "--input-size") -> None:
    action = SizeAction if minimum == 1 else type("SizeAction", (SizeAction,), {"minimum": minimum})
    shown = "" if default is None else f"; default {default[0]} {default[1]}"
    p.add_argument(flag, action=action, default=default, help=f"{help} (H W or HxW{shown})")


def _shape(tp: Any) -> tuple[Any, Any, bool]:
    """(element type, nargs, optional) of a field annotation."""
    optional = False
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        optional, tp = True, args[0]
    if typing.get_origin(tp) is tuple:
        args = typing.get_args(tp)
        return args[0], ("+" if len(args) == 2 and args[1] is Ellipsis else len(args)), optional
    if typing.get_origin(tp) in (list,):
        return typing.get_args(tp)[0], "+", optional
    return tp, None, optional


def _shown(value: Any) -> str:
    return " ".join(map(str, value)) if isinstance(value, (tuple, list)) else str(value)


def _default(f: dataclasses.Field) -> Any:
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default


def cli_fields(cls: type, only: dict[str, dict[str, Any]] | None = None
               ) -> list[tuple[dataclasses.Field, dict[str, Any]]]:
    """The fields of ``cls`` that are CLI flags, with their metadata. ``only`` picks fields of a dataclass
    without ``opt`` metadata and gives theirs (e.g. ``TrainConfig``: its defaults, the CLI's help);
    otherwise a field without ``opt`` is an error."""
    out = []
    for f in dataclasses.fields(cls):
        if only is not None:
            if f.name in only:
                out.append((f, {"help": "", **f.metadata.get("cli", {}), **only[f.name]}))
            continue
        if "cli" not in f.metadata:
            raise TypeError(f"{cls.__name__}.{f.name} has no opt(...) metadata (help, flag); declare it there")
        if f.metadata["cli"].get("cli", True):
            out.append((f, f.metadata["cli"]))
    return out


def flag_of(f: dataclasses.Field, meta: dict[str, Any]) -> str:
    if "flag" in meta:
        return meta["flag"]
    name = f.name.replace("_", "-")
    return f"--no-{name}" if _default(f) is True else f"--{name}"


def add_options(p: argparse.ArgumentParser, cls: type, only: dict[str, dict[str, Any]] | None = None) -> None:
    """One argparse flag per ``opt`` field of ``cls`` (dest = field name, default = the field's)."""
    hints = typing.get_type_hints(cls)
    for f, meta in cli_fields(cls, only):
        default, (tp, nargs, _) = _default(f), _shape(hints[f.name])
        text = meta["help"]
        if not (default is None or isinstance(default, bool) or default in ((), [], {})) and "default" not in text \
                and not meta.get("required"):
            text += f" (default {_shown(default)})"
        kw: dict[str, Any] = {"dest": f.name, "default": default, "help": text}
        if meta.get("required"):
            kw["required"] = True
        if "const" in meta:
            kw.update(action="store_const", const=meta["const"])
        elif tp is bool:
            kw["action"] = "store_false" if default is True else "store_true"
        else:
            nargs = meta.get("nargs", nargs)
            kw.update({k: meta[k] for k in ("action", "choices", "metavar") if k in meta})
            if "flag" in meta and "metavar" not in meta:  # --budget, not MAX_EVALUATIONS
                kw["metavar"] = meta["flag"].lstrip("-").replace("-", "_").upper()
            kw.update(type=meta.get("type", tp), **({"nargs": nargs} if nargs is not None else {}))
            if kw.get("action") == "append":
                kw["default"] = None  # argparse appends to a copy of the default; from_cli maps None
            elif "action" in kw:
                kw.pop("type")  # a custom action parses its own tokens
        if only is None and f.default_factory is not dataclasses.MISSING and kw["default"] is not None:
            kw["default"] = argparse.SUPPRESS  # unset: from_args leaves it to the factory (e.g. $ZEROSEG_CACHE now)
        p.add_argument(flag_of(f, meta), **kw)


def from_args(cls: type, args: argparse.Namespace, only: dict[str, dict[str, Any]] | None = None,
              **override: Any) -> Any:
    """The ``cls`` instance the parsed flags describe (lists back to tuples, ``from_cli`` applied)."""
    values = {}
    for f, meta in cli_fields(cls, only):
        if not hasattr(args, f.name):
            continue
        v = getattr(args, f.name)
        v = tuple(v) if isinstance(v, list) else v
        values[f.name] = meta["from_cli"](v) if "from_cli" in meta else v
    return cls(**{**values, **override})


def key_value(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` with a JSON value (a bare word stays a string): ``steps=3``, ``dir=/tmp/x``."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key.strip(), json.loads(raw)
    except json.JSONDecodeError:
        return key.strip(), raw


def add_scorer_flags(p: argparse.ArgumentParser, registry: Any) -> None:
    """A flag per option that a registered scorer declares (``flags={param: help}`` in its contract); type
    and default come from its constructor. Unset flags stay out of the namespace (the scorer's default)."""
    seen: dict[str, list[str]] = {}
    for entry in registry.entries():
        params = inspect.signature(entry.obj).parameters
        for name, text in entry.contract.get("flags", {}).items():
            if name not in params:
                raise TypeError(f"scorer {entry.name!r} declares flag {name!r}, not a parameter of its constructor")
            seen.setdefault(name, []).append(f"--scorer {entry.name}: {text} (default {params[name].default})")
    for name, texts in seen.items():
        typ = next(type(inspect.signature(e.obj).parameters[name].default) for e in registry.entries()
                   if name in e.contract.get("flags", {}))
        p.add_argument("--" + name.replace("_", "-"), dest=SCORER_DEST + name, type=typ, default=argparse.SUPPRESS,
                       metavar=name.upper(),
                       help="; ".join(texts))


def scorer_flags(args: argparse.Namespace) -> dict[str, Any]:
    """The scorer flags given on the command line, by parameter name."""
    return {k[len(SCORER_DEST):]: v for k, v in vars(args).items() if k.startswith(SCORER_DEST)}
