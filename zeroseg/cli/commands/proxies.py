"""``zeroseg proxies``: list the proxy library, show one proxy, re-estimate SasWOT's AVT min/max."""

from __future__ import annotations

import argparse
import json
import sys

from zeroseg.cli import add_device_arg, add_seed_arg, command
from zeroseg.proxies import PROXIES, resolve_proxy, tnb101_context
from zeroseg.proxies.avt import estimate_bounds, user_avt_file, write_avt
from zeroseg.proxies.avt_cache import store_estimate
from zeroseg.proxies.builtin.saswot import COMPONENTS
from zeroseg.proxies.networks import tnb101_sample


def _list(args: argparse.Namespace) -> int:
    where = {"kind": args.kind} if args.kind else {}
    rows = [(e.name, e.contract["kind"], f"{e.contract['sign']:+d}", e.contract["bn"],
             ",".join(e.contract["needs"]), e.contract["provenance"])
            for e in PROXIES.entries() if all(e.contract.get(k) == v for k, v in where.items())]
    head = ("name", "kind", "sign", "bn", "needs", "provenance")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(5)]
    for r in [head, *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[5])
    return 0


def _show(args: argparse.Namespace) -> int:
    proxy = resolve_proxy(args.name)
    module = PROXIES.entry(proxy.name).module if proxy.name in PROXIES else None
    print(json.dumps({"name": proxy.name, "module": module, **proxy.contract}, indent=2, default=str))
    return 0


def _estimate(args: argparse.Namespace) -> int:
    for space in args.space:
        first = tnb101_sample(space, 2, args.seed)[0]
        ctx = tnb101_context(first, resolution=args.resolution, batch_size=args.batch_size, seed=args.seed,
                             device=args.device)
        entry = {**estimate_bounds(ctx.siblings(args.n), COMPONENTS, log=lambda m: print(m, file=sys.stderr)),
                 "seed": args.seed}
        print(ctx.setup.key, json.dumps(entry["bounds"]))
        if not args.dry_run:
            wrote = (store_estimate(ctx.setup.key, args.n, args.seed, entry) if args.file is None
                     else write_avt(ctx.setup.key, entry, args.file))
            print("wrote", wrote)
    return 0


@command("proxies", help="list the proxy library; show a proxy; re-estimate SasWOT's AVT min/max")
class Proxies:
    @staticmethod
    def add_args(p: argparse.ArgumentParser) -> None:
        sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
        ls = sub.add_parser("list", help="name, kind, sign, BN mode, needs and provenance of every proxy")
        ls.add_argument("--kind", choices=("dsl", "builtin"), default=None)
        ls.set_defaults(_run=_list)
        show = sub.add_parser("show", help="the full contract of one proxy (expression for DSL proxies)")
        show.add_argument("name", help="a registered name, a .proxy file or DSL text")
        show.set_defaults(_run=_show)
        est = sub.add_parser("estimate-avt", help="estimate SasWOT's AVT min/max (Eq. 4) from random archs")
        est.add_argument("--space", nargs="+", choices=("micro", "macro"), default=["micro", "macro"])
        est.add_argument("--n", type=int, default=30, help="archs sampled per space (default 30)")
        est.add_argument("--resolution", type=int, default=256)
        est.add_argument("--batch-size", type=int, default=8)
        est.add_argument("--file", default=None,
                         help=f"JSON to update (default: the user cache, {user_avt_file()}; never the package)")
        est.add_argument("--dry-run", action="store_true", help="print the estimate, write nothing")
        add_seed_arg(est)
        add_device_arg(est)
        est.set_defaults(_run=_estimate)

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        return args._run(args)
