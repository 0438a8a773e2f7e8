"""``zeroseg spaces list|show|sample``: describe the registered search spaces and sample genotypes."""

from __future__ import annotations

import argparse

import numpy as np

from zeroseg.cli import add_seed_arg, command
from zeroseg.cli.options import add_size_arg
from zeroseg.spaces import create_space, list_spaces
from zeroseg.spaces.base import SPACES


@command("spaces", help="list, describe and sample the segmenter search spaces")
class SpacesCommand:
    @staticmethod
    def add_args(parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        sub.add_parser("list", help="registered spaces with one-line descriptions")
        named = argparse.ArgumentParser(add_help=False)
        named.add_argument("name", help="space name (see `zeroseg spaces list`)")
        named.add_argument("--mode", default=None, help="space mode where the space has one (fasterseg: saswot)")
        sub.add_parser("show", parents=[named], help="choices, rules, text format and published genotypes")
        sample = sub.add_parser("sample", parents=[named], help="random genotypes with params / FLOPs / activations")
        sample.add_argument("--n", type=int, default=5, help="number of genotypes (default 5)")
        add_size_arg(sample, (360, 480), "input size for the cost")
        sample.add_argument("--num-classes", type=int, default=11, help="classes of the head (default 11, CamVid)")
        add_seed_arg(sample)

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        if args.action == "list":
            for entry in SPACES.entries():
                print(f"{entry.name:<12} {entry.contract.get('description', '')}")
            return 0
        if args.name not in list_spaces():
            raise ValueError(f"unknown space {args.name!r}; known: {', '.join(list_spaces())}")
        space = create_space(args.name, **({"mode": args.mode} if args.mode else {}))
        if args.action == "show":
            print(space.describe())
            for label, g in space.published().items():
                print(f"published {label}: {space.encode(g)}")
            return 0
        if args.n < 1:
            raise ValueError(f"--n must be ≥ 1, got {args.n}")
        rng = np.random.default_rng(args.seed)
        h, w = args.input_size
        print(f"# {args.name}: {args.n} genotypes, seed {args.seed}, input {h}×{w}, FLOPs = 2×MACs")
        for _ in range(args.n):
            g = space.sample(rng)
            c = space.cost(g, (h, w), args.num_classes)
            print(f"params={c.params / 1e6:.3f}M  GFLOPs={c.flops / 1e9:.2f}  act={c.act_mb:.1f}MiB  {space.encode(g)}")
        return 0
