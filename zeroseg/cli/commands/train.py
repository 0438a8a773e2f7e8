"""``zeroseg train``: train a genotype of a registered space on a registered dataset."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from zeroseg import provenance
from zeroseg.cli import command
from zeroseg.cli.options import DEVICE_HELP, NUM_CLASSES, SEED_HELP, add_options, add_size_arg, from_args
from zeroseg.data import DATASETS, TrainTransform, create_dataset
from zeroseg.paths import wrote_line
from zeroseg.threads import choose_threads
from zeroseg.train import checkpoint as ckpt
from zeroseg.train.checkpoint import build_model, load_model, make_space, parse_options
from zeroseg.train.trainer import TrainConfig, Trainer

# Flags that do not change what a resumed run computes: output, display, speed, and the budget
# (extending a run is what --resume is for).
RESUME_NEUTRAL = provenance.NEUTRAL | {"command", "quiet", "epochs", "iters", "time_budget", "ckpt_every",
                                       "genotype", "genotype_file"}  # the genotype: compared canonically below


def genotype_text(args: argparse.Namespace) -> str:
    """The genotype from ``--genotype`` or the first non-empty line of ``--genotype-file``."""
    if args.genotype is not None:
        return args.genotype.strip()
    path = Path(args.genotype_file)
    if not path.is_file():
        raise FileNotFoundError(f"genotype file {path} not found")
    lines = [ln.strip() for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    if not lines:
        raise ValueError(f"genotype file {path} holds no genotype line")
    return lines[0]


def add_data_args(p: argparse.ArgumentParser, num_classes: int | None = NUM_CLASSES,
                  num_classes_help: str = f"classes of a folder dataset (default {NUM_CLASSES}, CamVid's)") -> None:
    p.add_argument("--dataset", default="camvid",
                   help="registered dataset: camvid, cityscapes, folder … (default camvid)")
    p.add_argument("--data-root", default=None, help="dataset folder (default: the dataset's env variable, "
                   "e.g. ZEROSEG_CAMVID)")
    p.add_argument("--num-classes", type=int, default=num_classes, help=num_classes_help)
    p.add_argument("--limit", type=int, default=None, help="use only the first N samples (smoke runs)")
    p.add_argument("--workers", type=int, default=None,
                   help="data-loader worker processes (default: 0 on CPU, up to 8 on CUDA)")
    p.add_argument("--threads", type=int, default=None,
                   help="torch CPU threads (default: measured from free cores, printed)")


def make_dataset(args: argparse.Namespace, split: str, transform, num_classes: int | None = None):
    """Dataset from the CLI arguments; ``num_classes`` only for datasets whose contract leaves it open."""
    kw = {}
    if DATASETS.entry(args.dataset).num_classes is None:
        kw["num_classes"] = args.num_classes or num_classes
    return create_dataset(args.dataset, args.data_root, split, transform=transform, limit=args.limit, **kw)


# TrainConfig fields offered as flags: type and default come from TrainConfig, the help from here.
CONFIG_FLAGS: dict[str, dict] = {
    "batch_size": {"help": "batch size"},
    "lr": {"help": "initial learning rate (poly 0.9)"},
    "weight_decay": {"help": "SGD weight decay"},
    "aux_weight": {"help": "weight of auxiliary-head losses"},
    "kd_temperature": {"help": "KD softmax temperature"},
    "ckpt_every": {"help": "checkpoint every N iterations"},
    "amp": {"help": "disable mixed precision on CUDA"},
    "progress": {"help": "no progress bar", "flag": "--quiet"},
    "seed": {"help": SEED_HELP},
    "device": {"help": DEVICE_HELP},
}


@command("train", help="train a searched genotype (SGD + poly, OHEM CE, optional KD) with checkpoints")
class Train:
    @staticmethod
    def add_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--space", required=True, help="search space name (see `zeroseg spaces list`)")
        p.add_argument("--space-opt", action="append", metavar="KEY=VALUE", help="space constructor option "
                       "(JSON value), e.g. channels=16; stored in the checkpoint so eval/export rebuild it")
        g = p.add_mutually_exclusive_group(required=True)
        g.add_argument("--genotype", help="genotype text in the space's encoding")
        g.add_argument("--genotype-file", help="file whose first non-comment line is the genotype")
        add_data_args(p)
        add_size_arg(p, (360, 480), "training crop = network input size")
        p.add_argument("--scale-range", type=float, nargs=2, default=(0.5, 2.0), metavar=("LO", "HI"),
                       help="random scale range of the input size (default 0.5 2.0, as GAS)")
        p.add_argument("--jitter", type=float, default=0.25, help="colour jitter strength (0 = off)")
        n = p.add_mutually_exclusive_group(required=True)
        n.add_argument("--epochs", type=int, help="passes over the training split")
        n.add_argument("--iters", type=int, help="training iterations")
        n.add_argument("--time-budget", type=float, metavar="SECONDS", help="train for this wall time")
        p.add_argument("--teacher", default=None, help="teacher checkpoint for pixel-wise KL distillation")
        p.add_argument("--kd-weight", type=float, default=1.0, help="KD loss weight (with --teacher; default 1)")
        p.add_argument("--out", required=True, help="output folder (log, loss curve, checkpoints)")
        p.add_argument("--resume", action="store_true", help="continue from the latest checkpoint in --out")
        add_options(p, TrainConfig, only=CONFIG_FLAGS)

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        size = tuple(args.input_size)
        ds = make_dataset(args, "train", TrainTransform(size, tuple(args.scale_range), True, args.jitter))
        options = parse_options(args.space_opt)
        space = make_space(args.space, options)
        geno = space.encode(space.decode(genotype_text(args)))
        teacher = load_teacher(args.teacher, args.device, ds.num_classes) if args.teacher else None
        torch.manual_seed(args.seed)  # after loading the teacher: the student's init ignores --teacher
        model = build_model(args.space, geno, ds.num_classes, options)
        meta = {"space": args.space, "space_options": options, "genotype": geno,
                "num_classes": ds.num_classes, "class_names": ds.class_names, "dataset": args.dataset,
                "input_size": list(size), "data_root": args.data_root, "seed": args.seed,
                "provenance": provenance.record_mapping(
                    {k: v for k, v in vars(args).items() if k not in RESUME_NEUTRAL and not k.startswith("_")})}
        cfg = train_config(args, len(ds), teacher is not None)
        if args.resume:
            check_same_model(Path(args.out), meta)
        print(choose_threads(args.threads).line("train"), file=sys.stderr)  # inputs checked: one line on error
        res = Trainer(model, ds, cfg, meta, teacher).run(resume=args.resume)
        print(json.dumps({"iterations": res.iterations, "seconds": round(res.seconds, 2),
                          "last_loss": res.last_loss, "log": str(res.log), "loss_curve": str(res.curve),
                          "model": str(res.model)}))
        print(wrote_line("train", [args.out]), file=sys.stderr)
        return 0


def load_teacher(path: str, device: str, num_classes: int):
    """Teacher network for distillation; its classes must be the dataset's."""
    teacher, meta = load_model(Path(path), device)
    if int(meta["num_classes"]) != num_classes:
        raise ValueError(f"teacher {path} has {meta['num_classes']} classes, the dataset {num_classes}")
    return teacher


def train_config(args: argparse.Namespace, n_samples: int, has_teacher: bool):
    """TrainConfig from the CLI; ``--epochs`` becomes iterations of full batches."""
    for flag, value, low in (("--epochs", args.epochs, 1), ("--iters", args.iters, 1), ("--batch-size", args.batch_size, 1),
                             ("--ckpt-every", args.ckpt_every, 1), ("--time-budget", args.time_budget, 1e-9)):
        if value is not None and not value >= low:
            raise ValueError(f"{flag} must be {'> 0' if low < 1 else '>= 1'}, got {value}")
    iters = args.iters if args.epochs is None else max(1, args.epochs * (n_samples // args.batch_size))
    return from_args(TrainConfig, args, only=CONFIG_FLAGS, out=Path(args.out), iters=iters,
                     time_budget=args.time_budget, workers=args.workers,
                     kd_weight=args.kd_weight if has_teacher else 0.0)


def check_same_model(out: Path, meta: dict) -> None:
    """Refuse to resume a run of another space, genotype or class count."""
    found = ckpt.latest(out, intact=True)
    if found is None:
        return
    old = ckpt.read_meta(found)
    if "provenance" in old:
        provenance.check(old["provenance"], meta["provenance"], f"--resume: {found}")
    for key in ("space", "space_options", "genotype", "num_classes"):
        if old.get(key, {} if key == "space_options" else None) != meta[key]:
            raise ValueError(f"--resume: {found} was trained with {key}={old.get(key)!r}, not {meta[key]!r}")
