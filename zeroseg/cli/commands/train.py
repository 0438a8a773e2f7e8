"""``zeroseg train``: train a genotype of a registered space on a registered dataset."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


from zeroseg.cli import add_device_arg, add_seed_arg, command


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


def add_data_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", default="camvid",
                   help="registered dataset: camvid, cityscapes, folder … (default camvid)")
    p.add_argument("--data-root", default=None, help="dataset folder (default: the dataset's env variable, "
                   "e.g. ZEROSEG_CAMVID)")
    p.add_argument("--num-classes", type=int, default=None, help="classes of a folder dataset")
    p.add_argument("--limit", type=int, default=None, help="use only the first N samples (smoke runs)")
    p.add_argument("--workers", type=int, default=None,
                   help="data-loader worker processes (default: 0 on CPU, up to 8 on CUDA)")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")


def make_dataset(args: argparse.Namespace, split: str, transform, num_classes: int | None = None):
    """Dataset from the CLI arguments; ``num_classes`` only for datasets whose contract leaves it open."""
    from zeroseg.data import DATASETS, create_dataset

    kw = {}
    if DATASETS.entry(args.dataset).num_classes is None:
        kw["num_classes"] = args.num_classes or num_classes
    return create_dataset(args.dataset, args.data_root, split, transform=transform, limit=args.limit, **kw)


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
        p.add_argument("--input-size", type=int, nargs=2, default=(360, 480), metavar=("H", "W"),
                       help="training crop = network input size (default 360 480)")
        p.add_argument("--scale-range", type=float, nargs=2, default=(0.5, 2.0), metavar=("LO", "HI"),
                       help="random scale range of the input size (default 0.5 2.0, as GAS)")
        p.add_argument("--jitter", type=float, default=0.25, help="colour jitter strength (0 = off)")
        n = p.add_mutually_exclusive_group(required=True)
        n.add_argument("--epochs", type=int, help="passes over the training split")
        n.add_argument("--iters", type=int, help="training iterations")
        n.add_argument("--time-budget", type=float, metavar="SECONDS", help="train for this wall time")
        p.add_argument("--batch-size", type=int, default=8, help="batch size (default 8)")
        p.add_argument("--lr", type=float, default=0.01, help="initial learning rate (default 0.01, poly 0.9)")
        p.add_argument("--weight-decay", type=float, default=5e-4, help="SGD weight decay (default 5e-4)")
        p.add_argument("--aux-weight", type=float, default=0.4, help="weight of auxiliary-head losses")
        p.add_argument("--teacher", default=None, help="teacher checkpoint for pixel-wise KL distillation")
        p.add_argument("--kd-weight", type=float, default=1.0, help="KD loss weight (with --teacher)")
        p.add_argument("--kd-temperature", type=float, default=1.0, help="KD softmax temperature")
        p.add_argument("--ckpt-every", type=int, default=100, help="checkpoint every N iterations")
        p.add_argument("--out", required=True, help="output folder (log, loss curve, checkpoints)")
        p.add_argument("--resume", action="store_true", help="continue from the latest checkpoint in --out")
        p.add_argument("--no-amp", action="store_true", help="disable mixed precision on CUDA")
        p.add_argument("--quiet", action="store_true", help="no progress bar")
        add_seed_arg(p)
        add_device_arg(p)

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        import torch

        from zeroseg.data import TrainTransform
        from zeroseg.train.checkpoint import make_space, parse_options
        from zeroseg.train.trainer import Trainer

        if args.threads:
            torch.set_num_threads(args.threads)
        size = tuple(args.input_size)
        ds = make_dataset(args, "train", TrainTransform(size, tuple(args.scale_range), True, args.jitter))
        options = parse_options(args.space_opt)
        space = make_space(args.space, options)
        geno = space.encode(space.decode(genotype_text(args)))
        teacher = load_teacher(args.teacher, args.device, ds.num_classes) if args.teacher else None
        torch.manual_seed(args.seed)  # after loading the teacher: the student's init ignores --teacher
        model = space.build(space.decode(geno), ds.num_classes)
        meta = {"space": args.space, "space_options": options, "genotype": geno,
                "num_classes": ds.num_classes, "class_names": ds.class_names, "dataset": args.dataset,
                "input_size": list(size), "data_root": args.data_root, "seed": args.seed}
        cfg = train_config(args, len(ds), teacher is not None)
        if args.resume:
            check_same_model(Path(args.out), meta)
        res = Trainer(model, ds, cfg, meta, teacher).run(resume=args.resume)
        print(json.dumps({"iterations": res.iterations, "seconds": round(res.seconds, 2),
                          "last_loss": res.last_loss, "log": str(res.log), "loss_curve": str(res.curve),
                          "model": str(res.model)}))
        return 0


def load_teacher(path: str, device: str, num_classes: int):
    """Teacher network for distillation; its classes must be the dataset's."""
    from zeroseg.train.checkpoint import load_model

    teacher, meta = load_model(Path(path), device)
    if int(meta["num_classes"]) != num_classes:
        raise ValueError(f"teacher {path} has {meta['num_classes']} classes, the dataset {num_classes}")
    return teacher


def train_config(args: argparse.Namespace, n_samples: int, has_teacher: bool):
    """TrainConfig from the CLI; ``--epochs`` becomes iterations of full batches."""
    from zeroseg.train.trainer import TrainConfig

    iters = args.iters if args.epochs is None else max(1, args.epochs * (n_samples // args.batch_size))
    return TrainConfig(out=Path(args.out), iters=iters, time_budget=args.time_budget,
                       batch_size=args.batch_size, lr=args.lr, weight_decay=args.weight_decay,
                       seed=args.seed, device=args.device, ckpt_every=args.ckpt_every, workers=args.workers,
                       aux_weight=args.aux_weight, kd_weight=args.kd_weight if has_teacher else 0.0,
                       kd_temperature=args.kd_temperature, amp=not args.no_amp, progress=not args.quiet)


def check_same_model(out: Path, meta: dict) -> None:
    """Refuse to resume a run of another space, genotype or class count."""
    from zeroseg.train import checkpoint as ckpt

    found = ckpt.latest(out)
    if found is None:
        return
    old = json.loads(ckpt.sidecar(found).read_text())
    for key in ("space", "space_options", "genotype", "num_classes"):
        if old.get(key, {} if key == "space_options" else None) != meta[key]:
            raise ValueError(f"--resume: {found} was trained with {key}={old.get(key)!r}, not {meta[key]!r}")
