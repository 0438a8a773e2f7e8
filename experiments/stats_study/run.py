"""Issue 11 item 2: how the statistics setup changes the τ of our proxies (paired, on train archs).

    python experiments/stats_study/run.py                       # all setups, into runs/stats_study
    python experiments/stats_study/run.py --setups 64x8 128x8   # some of them

A fixed sample of ``--archs`` TRAIN-split archs per space (``pick_archs(split_table(space,
"train"), N, --seed)``, then a ``default_rng(--seed)`` permutation so every prefix is a random
subset) is scored under each setup of ``SETUPS``; a setup named ``NAME@K`` scores only the first K
archs of each space's sample (the expensive 256² one). Each arch's row is appended to
``scores.csv`` as it comes (resumable). ``analyse.py`` turns that CSV into the tables.

Setups vary one factor of the default (64², batch 8, BN train mode, shipped CamVid batch, seed 0):
resolution (128, 256), batch size (4, 16: the shipped batch holds 16 images), init seed (1), BN
mode (``bneval``: every BatchNorm uses its running statistics, i.e. (0, 1) at init), and the input
(``noise``: N(0, 1) images with the CamVid labels; ``camvidB``: the other 8 shipped CamVid images).
The variants are built here (a wrapped factory / another batch, named in the cache key through
``Setup.batch``), so the library and its cache keys are unchanged.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from zeroseg import transnas
from zeroseg.correlation.scores import pick_archs
from zeroseg.correlation.split import split_table
from zeroseg.proxies.scoring import make_context, score_context
from zeroseg.stats import StatsCache, batch_id, load_batch

FOUND_TERM = "sum_layers(l1_norm(lt(gt(W, G), relu(G))))"  # found_micro_terms' first term
PROXIES = ["nwot", "jacov", "snip", "grad_norm", "synflow", "saswot_minus", FOUND_TERM]
DEFAULT = "64x8"


@dataclass(frozen=True)
class StatsSetup:
    """One statistics setup: input size, batch, init seed, BN mode and input kind."""

    resolution: int = 64
    batch_size: int = 8
    seed: int = 0
    bn: str = "train"  # train | eval
    data: str = "camvid"  # camvid (shipped images 0..N-1) | camvidB (images 8..15) | noise


SETUPS: dict[str, StatsSetup] = {
    "64x8": StatsSetup(),
    "64x8s1": StatsSetup(seed=1),
    "64x4": StatsSetup(batch_size=4),
    "64x16": StatsSetup(batch_size=16),
    "64x8bneval": StatsSetup(bn="eval"),
    "64x8noise": StatsSetup(data="noise"),
    "64x8camvidB": StatsSetup(data="camvidB"),
    "128x8": StatsSetup(resolution=128),
    "256x8": StatsSetup(resolution=256),
}


class EvalBN(nn.Module):
    """A BatchNorm that always normalises with its running statistics (eval mode), whatever
    ``.train()`` says: the statistics pass puts the model in train mode. (SynFlow's BN-off copy
    replaces the wrapped BatchNorm by an identity, which is then used as is.)"""

    def __init__(self, bn: nn.modules.batchnorm._BatchNorm) -> None:
        super().__init__()
        self.bn = bn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b = self.bn
        if not isinstance(b, nn.modules.batchnorm._BatchNorm):
            return b(x)
        return F.batch_norm(x, b.running_mean, b.running_var, b.weight, b.bias, False, 0.0, b.eps)


def eval_bn(model: nn.Module) -> nn.Module:
    """``model`` with every BatchNorm wrapped in ``EvalBN`` (same parameters, same init)."""
    for parent in list(model.modules()):
        for key, child in parent.named_children():
            if isinstance(child, nn.modules.batchnorm._BatchNorm):
                setattr(parent, key, EvalBN(child))
    return model


def batch_of(s: StatsSetup) -> tuple[tuple[torch.Tensor, torch.Tensor], str]:
    """The (images, labels) of a setup and its name for the cache key ("" = the library's own)."""
    if s.data == "camvid":
        return load_batch(s.resolution, s.batch_size, num_classes=transnas.NUM_CLASSES), ""
    images, labels = load_batch(s.resolution, 16, num_classes=transnas.NUM_CLASSES)
    if s.data == "camvidB":
        return (images[8 : 8 + s.batch_size].contiguous(), labels[8 : 8 + s.batch_size].contiguous()), \
            f"camvidB{s.batch_size}-{batch_id(16)[-12:]}"
    if s.data == "noise":
        g = torch.Generator().manual_seed(12345)
        noise = torch.randn(images[: s.batch_size].shape, generator=g)
        return (noise, labels[: s.batch_size].contiguous()), f"noise{s.batch_size}-g12345"
    raise ValueError(f"unknown data {s.data!r}")


def score_arch(code: str, s: StatsSetup, cache: StatsCache) -> dict:
    """Every proxy of ``PROXIES`` on one arch under ``s``; CPU and wall seconds of the whole arch."""
    t_cpu, t_wall = time.process_time(), time.perf_counter()
    ctx = make_context(code, PROXIES, resolution=s.resolution, batch_size=s.batch_size, seed=s.seed, cache=cache)
    if s.data != "camvid" or s.bn != "train":
        batch, name = batch_of(s)
        name = name or batch_id(s.batch_size)
        factory = ctx.factory
        if s.bn == "eval":
            factory = lambda f=ctx.factory: eval_bn(f())  # noqa: E731
            name += "+bneval"
        ctx = replace(ctx, factory=factory, batch_fn=lambda: batch, setup=replace(ctx.setup, batch=name))
    res = score_context(PROXIES, ctx)
    return {"net_code": code, **{p: res[p].value for p in PROXIES},
            "cpu_s": time.process_time() - t_cpu, "wall_s": time.perf_counter() - t_wall}


def stats_cost(setups: list[str], k: int, seed: int, cache_dir: Path, csv: Path) -> None:
    """CPU seconds of the statistics alone (what ``zeroseg stats`` computes and discovery reads) per
    arch, on ``k`` random train archs per space (``sample(space, k, seed)``), into a fresh cache folder
    (always a miss)."""
    from zeroseg.discovery.statstore import StatsSettings

    done = set(pd.read_csv(csv)["setup"]) if csv.is_file() else set()
    for name in (n for n in setups if n not in done):  # a setup already timed is not timed again
        s = SETUPS[name]
        settings = StatsSettings(cache_dir=str(cache_dir / f"cost_{name}_{time.time_ns()}"), resolution=s.resolution,
                                 batch_size=s.batch_size, seed=s.seed)
        for space in ("micro", "macro"):
            for code in sample(space, k, seed):
                t0 = time.process_time()
                settings.load(code)
                row = {"setup": name, "space": space, "net_code": code, "stats_cpu_s": time.process_time() - t0}
                pd.DataFrame([row]).to_csv(csv, mode="a", header=not csv.is_file(), index=False)


def sample(space: str, n: int, seed: int) -> list[str]:
    """``n`` train archs of ``space``, in a seeded random order (every prefix is a random subset)."""
    codes = pick_archs(split_table(space, "train"), n, seed)["net_code"].to_numpy()
    return [str(c) for c in np.random.default_rng(seed).permutation(codes)]


def parse_setup(text: str) -> tuple[str, int | None]:
    name, _, k = text.partition("@")
    if name not in SETUPS:
        raise argparse.ArgumentTypeError(f"unknown setup {name!r}; known: {', '.join(SETUPS)}")
    return name, int(k) if k else None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--setups", type=parse_setup, nargs="+",
                   default=[parse_setup(s) for s in ("64x8", "128x8", "64x8s1", "64x8bneval", "64x8noise", "64x16",
                                                     "256x8@14", "64x8camvidB", "64x4")],
                   help="setups to score, in order; NAME@K = the first K archs per space only")
    p.add_argument("--archs", type=int, default=30, help="train archs per space (default 30)")
    p.add_argument("--spaces", nargs="+", choices=("micro", "macro"), default=["micro", "macro"],
                   help="spaces to score (default both; one process per space runs them side by side)")
    p.add_argument("--seed", type=int, default=0, help="sample seed (default 0)")
    p.add_argument("--out", type=Path, default=Path("runs/stats_study"),
                   help="output folder (default runs/stats_study; committed: experiments/stats_study/results)")
    p.add_argument("--cache", type=Path, default=Path("/tmp/study_cache"),
                   help="statistics cache of the non-default setups (default /tmp/study_cache)")
    p.add_argument("--default-cache", type=Path, default=Path.home() / ".cache/zeroseg/stats",
                   help="cache holding the default setup's statistics (read; default ~/.cache/zeroseg/stats)")
    p.add_argument("--budget-min", type=float, default=1e9, help="stop after this many wall minutes")
    p.add_argument("--stats-cost", type=int, default=0, metavar="K",
                   help="instead: time the statistics alone of the --setups on K archs per space (stats_cost.csv)")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.stats_cost:
        stats_cost([n for n, _ in args.setups], args.stats_cost, args.seed, args.cache, args.out / "stats_cost.csv")
        return 0
    csv = args.out / "scores.csv"
    done = set(map(tuple, pd.read_csv(csv)[["setup", "net_code"]].to_numpy())) if csv.is_file() else set()
    deadline = time.time() + 60 * args.budget_min
    caches = {DEFAULT: StatsCache(args.default_cache)}
    for name, k in args.setups:
        cache = caches.get(name) or StatsCache(args.cache)
        for space in args.spaces:
            codes = sample(space, args.archs, args.seed)[:k]
            for i, code in enumerate(c for c in codes if (name, c) not in done):
                if time.time() > deadline:
                    print("time budget spent", file=sys.stderr)
                    return 0
                row = {"setup": name, "space": space, **score_arch(code, SETUPS[name], cache)}
                pd.DataFrame([row]).to_csv(csv, mode="a", header=not csv.is_file(), index=False)
                print(f"[{name} {space}] {code} {row['cpu_s']:.1f} cpu-s", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
