"""``zeroseg score``: score one TNB101 arch with one or more proxies; prints score and seconds."""

from __future__ import annotations

import argparse
import json

from zeroseg.cli import add_device_arg, add_seed_arg, command


def resolve_arch(space: str | None, arch: str) -> str:
    """A ``net_code`` from ``arch``: a net_code itself, or the table's ``arch`` string (needs --space)."""
    from zeroseg.transnas import load_table, parse

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


@command("score", help="score a TransNAS-Bench-101 arch with zero-cost proxies (prints score and seconds)")
class Score:
    @staticmethod
    def add_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--space", choices=("micro", "macro"), default=None, help="checks --arch's space")
        p.add_argument("--arch", required=True, help="net_code (64-41414-1_00_210) or the table's arch string")
        p.add_argument("--proxy", default="saswot", help="NAME, NAME,NAME or 'all' (default saswot)")
        p.add_argument("--resolution", type=int, default=256, help="input size (default 256)")
        p.add_argument("--batch-size", type=int, default=8, help="real CamVid images (default 8)")
        p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
        add_seed_arg(p)
        add_device_arg(p)

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        from zeroseg.proxies import list_proxies, score_arch, score_many

        code = resolve_arch(args.space, args.arch)
        names = list_proxies() if args.proxy == "all" else [s.strip() for s in args.proxy.split(",") if s.strip()]
        kw = dict(resolution=args.resolution, batch_size=args.batch_size, seed=args.seed, device=args.device)
        results = ({names[0]: score_arch(names[0], code, **kw)} if len(names) == 1
                   else score_many(names, code, **kw))
        if args.json:
            print(json.dumps({"net_code": code, **kw, "results": {
                n: {"value": r.value if r.ok else None, "invalid": r.invalid, "seconds": r.seconds}
                for n, r in results.items()}}, indent=2))
            return 0
        for n, r in results.items():
            shown = f"{r.value:.6g}" if r.ok else f"invalid ({r.invalid})"
            print(f"{n}\t{shown}\t{r.seconds:.2f}s")
        return 0 if all(r.ok for r in results.values()) else 1
