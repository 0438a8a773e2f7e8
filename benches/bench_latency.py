"""Latency-model accuracy (issue 7): on 30 random networks per space at 360×480, the MAPE of the
MLP predictor and of the lookup table against measured whole-network latency (median of repeats).

Also reports the MAPE between two independent measurements of the same networks (the noise
floor: no predictor can score below it on this machine). Resumable: the models (``results/latency_<space>.json`` + ``.mlp.pt``) and every measured bench
network (``results/bench_latency_nets_<space>.json``) are saved as they complete; rerunning picks
up where it stopped. Writes ``results/bench_latency.json``.

    python benches/bench_latency.py [--spaces attnas rtseg] [--n 30] [--device cpu]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from zeroseg.latency.build import LatencyModels, build_models
from zeroseg.latency.measure import Protocol, measure_network

RESULTS = Path(__file__).parent / "results"


def mape(pred: list[float], true: list[float]) -> float:
    p, t = np.array(pred, dtype=float), np.array(true, dtype=float)
    return float(np.mean(np.abs(p - t) / t) * 100)


def measure_all(models: LatencyModels, texts: list[str], path: Path, size: tuple[int, int], device: str,
                protocol: Protocol) -> dict[str, float]:
    """Whole-network latency of each genotype text, resumable through the JSON file at ``path``."""
    measured: dict[str, float] = json.loads(path.read_text()) if path.exists() else {}
    for text in tqdm([t for t in texts if t not in measured], desc=f"{path.stem}"):
        torch.manual_seed(0)
        net = models.space.build(models.space.decode(text), 19)
        measured[text] = measure_network(net, size, device, protocol)
        path.write_text(json.dumps(measured, indent=1))
    return measured


def bench_space(name: str, n: int, size: tuple[int, int], device: str, protocol: Protocol, seed: int) -> dict:
    out = RESULTS / f"latency_{name}.json"
    build_models(name, out, device, size, 19, n_genotypes=200, n_networks=20, seed=seed, protocol=protocol,
                 resume=out.exists())
    models = LatencyModels(out)
    rng = np.random.default_rng([seed, 99])  # disjoint from the build's genotype streams
    texts = [models.space.encode(models.space.sample(rng)) for _ in range(n)]
    measured = measure_all(models, texts, RESULTS / f"bench_latency_nets_{name}.json", size, device, protocol)
    # a second, independent measurement of the same networks: the noise floor of any predictor here
    rerun = measure_all(models, texts, RESULTS / f"bench_latency_nets_{name}_rerun.json", size, device, protocol)
    rows = [(t, measured[t], models.predict(models.space.decode(t), size)) for t in texts]
    true = [m for _, m, _ in rows]
    covered = [(m, p) for _, m, p in rows if p["table_ms"] is not None]
    return {
        "networks": n, "measured_ms_median": float(np.median(true)),
        "measured_ms_range": [float(min(true)), float(max(true))],
        "rerun_vs_first_mape_pct": mape([rerun[t] for t in texts], true),
        "mlp_mape_pct": mape([p["mlp_ms"] for _, _, p in rows], true),
        "mlp_mape_vs_mean_of_both_runs_pct": mape([p["mlp_ms"] for _, _, p in rows],
                                                  [(m + rerun[t]) / 2 for t, m, _ in rows]),
        "mlp_sum_mape_pct": mape([p["mlp_sum_ms"] for _, _, p in rows], true),
        "table_mape_pct": mape([p["table_ms"] for _, p in covered], [m for m, _ in covered]) if covered else None,
        "table_sum_mape_pct": (mape([p["table_sum_ms"] for _, p in covered], [m for m, _ in covered])
                               if covered else None),
        "table_misses": len(rows) - len(covered),
        "blocks_measured": len(models.data.blocks), "calibration": models.data.calibration,
        "calibration_networks": len(models.data.networks),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spaces", nargs="+", default=["attnas", "rtseg"])
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    protocol = Protocol(warmup=2, repeats=args.repeats, threads=args.threads)
    size = (360, 480)
    res = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "input_size": list(size),
           "device": args.device, "protocol": protocol.__dict__, "torch": torch.__version__,
           "load_average_at_start": list(os.getloadavg()), "spaces": {}}
    for name in args.spaces:
        res["spaces"][name] = bench_space(name, args.n, size, args.device, protocol, args.seed)
        print(name, json.dumps(res["spaces"][name]))
    res["load_average_at_end"] = list(os.getloadavg())
    (RESULTS / "bench_latency.json").write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
