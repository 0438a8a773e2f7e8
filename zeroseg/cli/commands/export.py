"""``zeroseg export``: TorchScript or ONNX file of a trained checkpoint, checked against PyTorch."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from zeroseg.cli import add_device_arg, add_seed_arg, command
from zeroseg.cli.options import add_size_arg
from zeroseg.paths import wrote_line
from zeroseg.train.checkpoint import load_model
from zeroseg.train.export import check_export, export


@command("export", help="export a trained checkpoint to TorchScript or ONNX and check its outputs")
class Export:
    @staticmethod
    def add_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--checkpoint", required=True, help="checkpoint file or training --out folder")
        p.add_argument("--format", required=True, choices=("torchscript", "onnx"),
                       help="torchscript (built in) or onnx (pip install 'zeroseg[export]')")
        p.add_argument("--out", required=True, help="file to write")
        add_size_arg(p, None, "example input size (default: the training size from the checkpoint)")
        p.add_argument("--check-batch", type=int, default=2, help="random test batch size for the check")
        p.add_argument("--atol", type=float, default=1e-4, help="max allowed |exported - PyTorch|")
        add_seed_arg(p)
        add_device_arg(p, "device the network is traced on (the check runs on cpu)")

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        model, meta = load_model(Path(args.checkpoint), args.device)
        size = tuple(args.input_size or meta["input_size"])
        gen = torch.Generator().manual_seed(args.seed)
        example = torch.randn(1, 3, *size, generator=gen).to(args.device)
        try:
            path = export(model, example, Path(args.out), args.format)
        except ImportError as exc:
            print(f"zeroseg export: error: {exc}", file=sys.stderr)
            return 2
        batch = torch.randn(args.check_batch, 3, *size, generator=gen)
        diff = check_export(model, path, args.format, batch, args.atol)
        print(json.dumps({"out": str(path), "format": args.format, "max_abs_diff": diff}))
        print(wrote_line("export", [path]), file=sys.stderr)
        return 0
