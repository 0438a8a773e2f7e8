"""``zeroseg score``: score one network (a TNB101 arch or a space's genotype) with proxies.

A proxy is any reference ``resolve_proxy`` takes: a registered name, a ``.proxy`` file or DSL
text. An invalid score (e.g. a network whose output does not depend on its input) is a result,
printed with its reason, not an error: the exit code is 0.
"""

from __future__ import annotations

import argparse
import json
import sys

from zeroseg.cli import add_device_arg, add_seed_arg, command
from zeroseg.proxies import list_proxies, score_arch, score_genotype, score_many, split_refs
from zeroseg.proxies.scoring import scoring_setup
from zeroseg.spaces import list_spaces
from zeroseg.transnas import load_table, parse

TNB101 = ("micro", "macro")


def resolve_arch(space: str | None, arch: str) -> str:
    """A ``net_code`` from ``arch``: a net_code itself, or the table's ``arch`` string (needs --space)."""
    try:
        net = parse(arch)
    except ValueError:
        if space is None:
            raise
        table = load_table(space)
        hit = table.loc[table["arch"] == arch, "net_code"]
        if hit.empty:
            raise ValueError(f"{arch!r} is neither a net_code nor an 'arch' of the {space} table") from None
        return str(hit.iloc[0])
    if space is not None and net.space != space:
        raise ValueError(f"--arch {arch!r} belongs to the {net.space} space, not --space {space}")
    return net.text


def _score(args: argparse.Namespace, names: list[str]) -> tuple[str, dict, dict]:
    """The arch's id, each proxy's result, and the input size and batch size it was scored at."""
    genotype = args.space not in (None, *TNB101)
    code = args.arch if genotype else resolve_arch(args.space, args.arch)
    setup, why = scoring_setup(names, args.resolution, args.batch_size)
    if why:
        print(f"[score] {why} (pass --resolution / --batch-size to change)", file=sys.stderr)
    kw = dict(**setup, seed=args.seed, device=args.device)
    if genotype:
        return args.arch, score_genotype(names, args.space, args.arch, **kw), setup
    if len(names) == 1:
        return code, {names[0]: score_arch(names[0], code, **kw)}, setup
    return code, score_many(names, code, **kw), setup


@command("score", help="score a TNB101 arch or a space's genotype with zero-cost proxies (prints score and seconds)")
class Score:
    @staticmethod
    def add_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--space", choices=(*TNB101, *list_spaces()), default=None,
                       help="micro/macro (checks --arch) or a segmenter space (--arch is then its genotype text)")
        p.add_argument("--arch", required=True,
                       help="net_code (64-41414-1_00_210), the table's arch string, or a genotype's encoding")
        p.add_argument("--proxy", default="saswot",
                       help="NAME, a .proxy file, DSL text, several joined by commas, or 'all' (default saswot)")
        p.add_argument("--resolution", type=int, default=None,
                       help="input size (default: the requested found proxies' own setup, 64 for the shipped ones; else 256)")
        p.add_argument("--batch-size", type=int, default=None,
                       help="real CamVid images (default: the found proxies' own, else 8)")
        p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
        add_seed_arg(p)
        add_device_arg(p)

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        names = list_proxies() if args.proxy == "all" else split_refs(args.proxy)
        arch, results, setup = _score(args, names)
        if args.json:
            ids = {"arch": arch} if args.space not in (None, *TNB101) else {"net_code": arch}
            print(json.dumps({**ids, "space": args.space, "resolution": setup["resolution"],
                              "batch_size": setup["batch_size"], "seed": args.seed, "device": args.device, "results": {
                                  n: {"value": r.value if r.ok else None, "invalid": r.invalid, "seconds": r.seconds}
                                  for n, r in results.items()}}, indent=2))
            return 0
        for n, r in results.items():
            shown = f"{r.value:.6g}" if r.ok else f"invalid ({r.invalid})"
            print(f"{n}\t{shown}\t{r.seconds:.2f}s")
        return 0
