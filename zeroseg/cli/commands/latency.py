"""``zeroseg latency build|recalibrate|predict``: measure, re-fit and query a space's latency models (issue 7 §4)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from zeroseg.cli import add_device_arg, add_seed_arg, command
from zeroseg.cli.options import NUM_CLASSES, add_size_arg
from zeroseg.latency.build import LatencyModels, build_models, recalibrate
from zeroseg.latency.measure import Protocol
from zeroseg.paths import wrote_line


@command("latency", help="build (measure) and query latency models: lookup table + MLP predictor")
class LatencyCommand:
    @staticmethod
    def add_args(parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        b = sub.add_parser("build", help="measure blocks and networks of a space, fit both models",
                           description="Measure every distinct block of sampled genotypes (lookup table), a few "
                           "whole networks (calibration), train the 5-layer MLP. Saves FILE and FILE's .mlp.pt.")
        b.add_argument("--space", required=True, help="registered space name (see `zeroseg spaces list`)")
        add_device_arg(b)
        b.add_argument("--out", required=True, type=Path, help="measurement JSON to write (MLP next to it, .mlp.pt)")
        b.add_argument("--resume", action="store_true", help="continue an interrupted build of --out")
        add_size_arg(b, (360, 480), "network input size", minimum=64)
        b.add_argument("--genotypes", type=int, default=200, help="genotypes sampled for blocks (default 200)")
        b.add_argument("--networks", type=int, default=10, help="whole networks measured (default 10)")
        b.add_argument("--repeats", type=int, default=5, help="timed runs per measurement, median kept (default 5)")
        b.add_argument("--warmup", type=int, default=2, help="untimed runs first (default 2)")
        b.add_argument("--rounds", type=int, default=1,
                       help="warm-up + repeats this many times, interleaved across modules (default 1; 3 on a busy "
                            "machine spreads each module's timings over the whole session)")
        b.add_argument("--threads", type=int, default=1, help="torch CPU threads while timing (default 1)")
        b.add_argument("--num-classes", type=int, default=NUM_CLASSES,
                       help=f"classes of the head (default {NUM_CLASSES}, CamVid's)")
        b.add_argument("--mlp-steps", type=int, default=2000, help="MLP training steps (default 2000)")
        add_seed_arg(b)
        r = sub.add_parser("recalibrate", help="re-time a built model's calibration networks now, refit its factor",
                           description="For a machine whose speed changed since the build (load, clocks): re-times "
                           "the few whole networks with the build's device and protocol and refits both models' "
                           "network factor. Blocks and the MLP are kept.")
        r.add_argument("--model", required=True, type=Path, help="measurement JSON written by `latency build`")
        p = sub.add_parser("predict", help="predict a genotype's latency with a built model")
        p.add_argument("--space", required=True, help="registered space name")
        p.add_argument("--genotype", required=True, help="genotype text (the space's encoding)")
        p.add_argument("--model", required=True, type=Path, help="measurement JSON written by `latency build`")
        add_size_arg(p, None, "input size (default: the size it was built at)", minimum=64)

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        if args.action == "build":
            data = build_models(args.space, args.out, args.device, args.input_size, args.num_classes,
                                args.genotypes, args.networks, args.seed,
                                Protocol(args.warmup, args.repeats, args.threads, rounds=args.rounds),
                                resume=args.resume, mlp_steps=args.mlp_steps)
            print(f"{args.space}: {len(data.blocks)} blocks, {len(data.networks)} networks measured")
            print(wrote_line("latency", [args.out]), file=sys.stderr)
            return 0
        if args.action == "recalibrate":
            for model, (old, new) in recalibrate(args.model).items():
                print(f"{model}: network factor {old:.4f} → {new:.4f}")
            return 0
        models = LatencyModels(args.model)
        if models.data.meta["space"] != args.space:
            raise ValueError(f"{args.model} was built for space {models.data.meta['space']!r}, not {args.space!r}")
        g = models.space.decode(args.genotype)
        print(json.dumps(models.predict(g, args.input_size), indent=1))
        return 0
