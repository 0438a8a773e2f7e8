"""How much of the snip / grad_norm / jacov gap to Suite-Zero comes from the scoring setup?

    python experiments/table3/setup_sensitivity.py --archs 20 --settings 64x8 256x8 256x16

Our definitions match NASLib's (README, "Fidelity"); what differs is the setup: Suite-Zero scored
TNB101 at 256×256 with a Taskonomy batch (NASLib ``zc_config.yaml``: batch 32), we score at
64×64 with 8 shipped CamVid images. This script rescores the three gradient proxies under several
(resolution, batch) settings on the first ``--archs`` archs of each ``scores_<space>.csv`` and
reports Spearman(ours, Suite-Zero) per setting (``results/sensitivity.{csv,md}``; per-arch scores,
resumable, under ``results/sensitivity/``). 16 images is the most the shipped batch holds. Setting
``s0_vs_s1`` is Spearman between our own scores under init seeds 0 and 1 at 64x8: Suite-Zero's
networks had their own random init, so this is the agreement to expect from init noise alone.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
import torch

from zeroseg.correlation.metrics import spearman
from zeroseg.correlation.scores import compute_scores
from zeroseg.correlation.table import SUITE_ZERO_COLUMNS
from zeroseg.transnas import load_table

PROXIES = ("snip", "grad_norm", "jacov")


def parse_setting(text: str) -> tuple[int, int, int]:
    """``"256x16"`` → (256, 16, 0), ``"64x8s1"`` → (64, 8, 1) (init seed); a clear error otherwise."""
    try:
        size, _, seed = text.lower().partition("s")
        res, bs = (int(v) for v in size.split("x"))
        return res, bs, int(seed or 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"setting {text!r}: expected RESxBATCH[sSEED], e.g. 256x16 or 64x8s1") from None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--archs", type=int, default=20, help="archs per space (first rows of scores_<space>.csv)")
    p.add_argument("--settings", type=parse_setting, nargs="+",
                   default=[(64, 8, 0), (64, 8, 1), (256, 8, 0), (256, 16, 0)])
    p.add_argument("--out", type=Path, default=Path("runs/table3"),
                   help="output folder (default runs/table3; the committed table: --out experiments/table3/results)")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    rows, scores = [], {}
    for space in ("micro", "macro"):
        codes = pd.read_csv(args.out / f"scores_{space}.csv")["net_code"].head(args.archs).tolist()
        ref = load_table(space).set_index("net_code").loc[codes]
        for res, bs, seed in args.settings:
            tag = f"{res}x{bs}s{seed}"
            frame = compute_scores(codes, list(PROXIES), args.out / "sensitivity" / f"scores_{space}_{tag}.csv",
                                   resolution=res, batch_size=bs, seed=seed,
                                   progress=lambda i, n, c, s: print(f"[{space} {tag}] {i}/{n} {c} {s:.1f}s",
                                                                     file=sys.stderr, flush=True))
            scores[space, tag] = frame
            for name in PROXIES:
                rows.append({"space": space, "setting": tag, "proxy": name, "n": len(codes),
                             "spearman": spearman(frame[name].to_numpy(float),
                                                                ref[SUITE_ZERO_COLUMNS[name]].to_numpy(float))})
        if (space, "64x8s0") in scores and (space, "64x8s1") in scores:  # our own init-seed noise
            a, b = scores[space, "64x8s0"], scores[space, "64x8s1"]
            rows += [{"space": space, "setting": "s0_vs_s1", "proxy": name, "n": len(codes),
                      "spearman": spearman(a[name].to_numpy(float), b[name].to_numpy(float))}
                     for name in PROXIES]
    table = pd.DataFrame(rows)
    table.to_csv(args.out / "sensitivity.csv", index=False, float_format="%.4f")
    wide = table.pivot_table(index=["space", "proxy"], columns="setting", values="spearman", sort=False)
    lines = ["| space | proxy | " + " | ".join(wide.columns) + " |", "|---|---|" + "---|" * len(wide.columns)]
    lines += [f"| {s} | {n} | " + " | ".join(f"{v:.3f}" for v in vals) + " |" for (s, n), vals in wide.iterrows()]
    (args.out / "sensitivity.md").write_text("\n".join(lines) + "\n")
    print(wide.to_string(float_format=lambda v: f"{v:.3f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
