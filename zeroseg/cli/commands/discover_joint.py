"""``zeroseg discover-joint``: one proxy for the micro and macro spaces at once (fitness: the lower τ).

SasWOT reports one searched proxy for both TNB101 spaces; this command searches for one whose worst
per-space train τ is highest, fits its found proxy on both train splits and reports it on both test
splits against each space's references (``zeroseg.discovery.joint_run``). It takes ``zeroseg
discover``'s options except those of one space (``--space``, ``--partner`` …).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from zeroseg.cli import command
from zeroseg.cli.options import add_options, from_args
from zeroseg.discovery.joint_run import NOT_JOINT, discover_joint, summary
from zeroseg.discovery.run import DiscoverOptions
from zeroseg.paths import wrote_line


def _joint_fields() -> dict[str, dict]:
    fields = {f.name: {} for f in dataclasses.fields(DiscoverOptions)
              if f.name not in NOT_JOINT and f.metadata["cli"].get("cli", True)}
    return {**fields, "out": {"help": "output folder (default runs/discover_joint)"}}


@command("discover-joint", help="discover one proxy for TNB101 micro and macro at once (fitness: the lower train τ)")
class DiscoverJoint:
    @staticmethod
    def add_args(p: argparse.ArgumentParser) -> None:
        add_options(p, DiscoverOptions, only=_joint_fields())
        p.set_defaults(out="runs/discover_joint")

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        report = discover_joint(from_args(DiscoverOptions, args, only=_joint_fields()),
                                log=lambda m: print(m, file=sys.stderr))
        print(summary(report))
        print(wrote_line("discover-joint", [args.out]), file=sys.stderr)
        return 0
