"""``zeroseg eval``: mIoU / per-class IoU / pixel accuracy, FPS and a prediction panel of a checkpoint."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

import torch

from zeroseg.cli import add_device_arg, add_seed_arg, command
from zeroseg.cli.commands.train import add_data_args, make_dataset
from zeroseg.cli.options import add_size_arg
from zeroseg.data import EvalTransform
from zeroseg.paths import wrote_line
from zeroseg.threads import choose_threads
from zeroseg.train import checkpoint as ckpt
from zeroseg.train.evaluate import evaluate, write_report
from zeroseg.train.panels import save_panel
from zeroseg.train.speed import measure_speed


@command("eval", help="evaluate a trained checkpoint: mIoU, pixel accuracy, FPS, PNG panel")
class Eval:
    @staticmethod
    def add_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--checkpoint", required=True, help="checkpoint file or training --out folder")
        p.add_argument("--split", default="val", help="split to evaluate (default val)")
        add_data_args(p, None, "classes of a folder dataset (default: the checkpoint's)")
        p.set_defaults(dataset=None)
        add_size_arg(p, None, "network input size (default: the training size from the checkpoint)")
        p.add_argument("--flip", action="store_true", help="average with the horizontally flipped input")
        p.add_argument("--batch-size", type=int, default=1, help="evaluation batch size (default 1)")
        p.add_argument("--fps", action="store_true", help="also measure FPS/latency at --fps-size, batch 1")
        add_size_arg(p, (360, 480), "resolution of the speed measurement", flag="--fps-size")
        p.add_argument("--fps-runs", type=int, default=50, help="timed runs after 10 warm-up runs")
        p.add_argument("--panel", type=int, default=0, metavar="N", help="write a PNG panel of N samples")
        p.add_argument("--out", default=None, help="report folder (default: next to the checkpoint)")
        add_seed_arg(p)
        add_device_arg(p)

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        check_eval_args(args)
        torch.manual_seed(args.seed)  # the FPS inputs and any random op of a network
        path = ckpt.resolve(Path(args.checkpoint))
        model, meta = ckpt.load_model(path, args.device)
        args.dataset = args.dataset or meta.get("dataset", "camvid")
        args.data_root = args.data_root or meta.get("data_root")
        size = tuple(args.input_size or meta["input_size"])
        ds = make_dataset(args, args.split, EvalTransform(size), num_classes=int(meta["num_classes"]))
        if ds.num_classes != int(meta["num_classes"]):
            raise ValueError(f"{args.dataset} has {ds.num_classes} classes, the checkpoint {meta['num_classes']}")
        print(choose_threads(args.threads).line("eval"), file=sys.stderr)  # inputs checked: one line on error
        res, rows = evaluate(model, ds, args.split, args.device, args.flip, args.batch_size, args.workers,
                             args.panel, progress=True)
        out = Path(args.out) if args.out else (path.parent if path.parent.name != ckpt.CKPT_DIR else path.parent.parent)
        extra = {"checkpoint": str(path), "input_size": list(size), "iteration": meta.get("iteration")}
        if args.fps:
            extra["speed"] = asdict(measure_speed(model, tuple(args.fps_size), args.device, runs=args.fps_runs))
        js, cs = write_report(res, out, extra)
        panel = save_panel(rows, ds.palette, out / f"panel_{args.split}.png", ds.class_names) if rows else None
        summary = {"miou": res.miou, "pixel_acc": res.pixel_acc, "json": str(js), "csv": str(cs)}
        if "speed" in extra:
            sp = extra["speed"]
            summary.update(fps_median=sp["fps_median"], latency_ms_median=sp["latency_ms_median"],
                           latency_ms_iqr=sp["latency_ms_iqr"])
        print(json.dumps(summary))
        print(wrote_line("eval", [js, cs, panel]), file=sys.stderr)
        return 0


def check_eval_args(args: argparse.Namespace) -> None:
    """Sizes and counts the evaluation cannot use fail before it runs (not after, losing its results)."""
    sizes = [("--fps-size", args.fps_size if args.fps else None), ("--input-size", args.input_size)]
    for flag, size in sizes:
        if size is not None and min(size) < 1:
            raise ValueError(f"{flag} must be two sizes >= 1, got {' '.join(map(str, size))}")
    for flag, value, low in (("--batch-size", args.batch_size, 1), ("--fps-runs", args.fps_runs, 1),
                             ("--panel", args.panel, 0)):
        if value < low:
            raise ValueError(f"{flag} must be >= {low}, got {value}")
