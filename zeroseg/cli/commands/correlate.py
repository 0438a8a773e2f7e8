"""``zeroseg correlate``: SasWOT Table 3 — proxies vs TNB101 ``val_acc`` on random 50-arch samples."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from zeroseg.cli import add_device_arg, add_seed_arg, command
from zeroseg.correlation.run import correlate
from zeroseg.correlation.table import to_markdown
from zeroseg.paths import wrote_line

SOURCES = ("suite-zero", "ours")


@command("correlate", help="correlate proxy scores with TNB101 val_acc (SasWOT Table 3 style)")
class Correlate:
    @staticmethod
    def add_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--space", nargs="+", choices=("micro", "macro"), default=["micro", "macro"])
        p.add_argument("--proxy", default="all", help="NAME, NAME,NAME or 'all' (default all)")
        p.add_argument("--source", choices=SOURCES, default="suite-zero",
                       help="suite-zero: the table's precomputed columns (fast); ours: compute with zeroseg")
        p.add_argument("--samples", type=int, default=50, help="archs per random sample (default 50)")
        p.add_argument("--repeats", type=int, default=20, help="random samples (default 20)")
        p.add_argument("--split", choices=("train", "test", "all"), default="all",
                       help="fixed hash split of the table (zeroseg.correlation.split; default all)")
        p.add_argument("--json", type=Path, default=None,
                       help="write OUT.json plus OUT.csv and OUT.md next to it")
        p.add_argument("--plot", type=Path, default=None, help="folder for one scatter PNG per proxy")
        p.add_argument("--resolution", type=int, default=None,
                       help="ours: input size (default: the requested found proxies' own setup, 64 for the shipped ones; else 256)")
        p.add_argument("--batch-size", type=int, default=None, help="ours: batch size (default: the found proxies' own, else 8)")
        p.add_argument("--limit", type=int, default=None, help="ours: score only N random archs of the split")
        p.add_argument("--scores", type=Path, default=None,
                       help="ours: per-arch score CSV stem (…_<space>.csv), resumed when present")
        p.add_argument("--cache", type=Path, default=None, help="ours: statistics cache folder")
        add_seed_arg(p)
        add_device_arg(p)

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        df = correlate(args, log=lambda msg: print(msg, file=sys.stderr))
        print(to_markdown(df), end="")
        stem = None if args.json is None else Path(args.json).with_suffix("")
        outs = [] if stem is None else [stem.with_suffix(s) for s in (".json", ".csv", ".md")]
        print(wrote_line("correlate", outs + [args.plot]), file=sys.stderr)
        return 0
