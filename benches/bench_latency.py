"""Latency-model accuracy (issue 7): on 30 random networks per space at 360×480, the MAPE of the
MLP predictor and of the lookup table against measured whole-network latency (median of repeats).

Also reports the MAPE between two independent measurements of the same networks (the noise
floor: no predictor can score below it on this machine). Resumable: the models
(``results/latency_<space>.json`` + ``.mlp.pt``) and the bench networks' timings
(``results/bench_latency_nets_<space>.json``) are saved as they complete; rerunning picks up where it
stopped. Writes ``results/bench_latency.json`` (each space's entry records its load average).

On this shared 2-core machine the CPU's effective speed drifts with other jobs' load (the same
network's CPU time varied 1.3–2× within an hour). So ``--fresh`` rebuilds a space's models and
re-measures its bench networks in one session, and the bench networks are timed in one interleaved
pool with the build's 20 calibration networks: beside the stored calibration (``*_mape_pct``) the
bench reports a session factor refitted on those calibration networks only (``*_session_mape_pct``).
The bench networks' own timings are never used to fit anything.

    python benches/bench_latency.py [--spaces attnas rtseg] [--n 30] [--device cpu] [--fresh]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
from pathlib import Path

import numpy as np
import torch

from zeroseg.latency.build import LatencyModels, build_models
from zeroseg.latency.measure import Item, Protocol, measure_rounds, network_input
from zeroseg.latency.mlp import ratio_calibration

RESULTS = Path(__file__).parent / "results"


def mape(pred: list[float], true: list[float]) -> float:
    p, t = np.array(pred, dtype=float), np.array(true, dtype=float)
    return float(np.mean(np.abs(p - t) / t) * 100)


def measure_all(models: LatencyModels, texts: list[str], path: Path, size: tuple[int, int], device: str,
                protocol: Protocol) -> dict[str, float]:
    """Whole-network latency of each genotype text, resumable through the JSON file at ``path``."""
    doc = json.loads(path.read_text()) if path.exists() else {}
    measured: dict[str, float] = doc.get("networks", {})
    pending: dict[str, list[float]] = doc.get("pending", {})

    def make(text: str) -> Item:
        torch.manual_seed(0)
        return models.space.build(models.space.decode(text), 19), [network_input(size)]

    def save(done: dict[str, float]) -> None:
        measured.update(done)
        path.write_text(json.dumps({"networks": measured, "pending": pending}, indent=1))

    measure_rounds([t for t in texts if t not in measured], make, device, protocol, pending, save, desc=path.stem)
    return measured


def bench_space(name: str, n: int, size: tuple[int, int], device: str, protocol: Protocol, seed: int,
                fresh: bool = False) -> dict:
    out = RESULTS / f"latency_{name}.json"
    nets, rerun_nets = RESULTS / f"bench_latency_nets_{name}.json", RESULTS / f"bench_latency_nets_{name}_rerun.json"
    if fresh:
        for path in (out, out.with_suffix(".mlp.pt"), nets, rerun_nets):
            path.unlink(missing_ok=True)
    build_models(name, out, device, size, 19, n_genotypes=200, n_networks=20, seed=seed, protocol=protocol,
                 resume=out.exists())
    models = LatencyModels(out)
    rng = np.random.default_rng([seed, 99])  # disjoint from the build's genotype streams
    texts = [models.space.encode(models.space.sample(rng)) for _ in range(n)]
    cal = list(models.data.networks)
    if set(cal) & set(texts):
        raise ValueError(f"{name}: a bench network is also a calibration network; change --seed")
    # bench networks timed in one interleaved pool with a re-measurement of the calibration networks: the
    # session factor (fitted on the calibration networks only) follows the machine's current speed
    measured = measure_all(models, texts + cal, nets, size, device, protocol)
    # a second, independent measurement of the same networks: the noise floor of any predictor here
    rerun = measure_all(models, texts, rerun_nets, size, device, protocol)
    rows = [(t, measured[t], models.predict(models.space.decode(t), size)) for t in texts + cal]
    rows, cal_rows = rows[:n], rows[n:]
    res = {"networks": n, "measured_ms_median": float(np.median([m for _, m, _ in rows])),
           "measured_ms_range": [float(min(m for _, m, _ in rows)), float(max(m for _, m, _ in rows))],
           "rerun_vs_first_mape_pct": mape([rerun[t] for t in texts], [m for _, m, _ in rows]),
           "blocks_measured": len(models.data.blocks), "calibration": models.data.calibration,
           "calibration_networks": len(cal)}
    for model in ("mlp", "table"):
        res.update(_accuracy(model, rows, cal_rows, rerun))
    return res


def _accuracy(model: str, rows: list[tuple[str, float, dict]], cal_rows: list[tuple[str, float, dict]],
              rerun: dict[str, float]) -> dict:
    """MAPE of one model's raw sum, stored calibration and session calibration (table: covered networks only)."""
    rows = [r for r in rows if r[2][f"{model}_sum_ms"] is not None]
    cal_rows = [r for r in cal_rows if r[2][f"{model}_sum_ms"] is not None]
    if not rows:
        return {f"{model}_networks_scored": 0}
    true = [m for _, m, _ in rows]
    session = ratio_calibration([p[f"{model}_sum_ms"] for _, _, p in cal_rows], [m for _, m, _ in cal_rows])[0]
    return {f"{model}_mape_pct": mape([p[f"{model}_ms"] for _, _, p in rows], true),
            f"{model}_mape_vs_mean_of_both_runs_pct": mape([p[f"{model}_ms"] for _, _, p in rows],
                                                           [(m + rerun[t]) / 2 for t, m, _ in rows]),
            f"{model}_sum_mape_pct": mape([p[f"{model}_sum_ms"] for _, _, p in rows], true),
            f"{model}_session_factor": session,
            f"{model}_session_mape_pct": mape([session * p[f"{model}_sum_ms"] for _, _, p in rows], true),
            f"{model}_networks_scored": len(rows)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spaces", nargs="+", default=["attnas", "rtseg"])
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--fresh", action="store_true", help="rebuild the models and re-measure the bench networks")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    protocol = Protocol(warmup=args.warmup, repeats=args.repeats, threads=args.threads, rounds=args.rounds)
    size = (360, 480)
    path = RESULTS / "bench_latency.json"
    res = json.loads(path.read_text()) if path.exists() else {"spaces": {}}  # other spaces' last results are kept
    for key in ("load_average_at_start", "load_average_at_end"):  # now recorded per space
        res.pop(key, None)
    res.update({"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "input_size": list(size),
                "device": args.device, "protocol": protocol.__dict__, "torch": torch.__version__})
    for name in args.spaces:
        start = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                 "load_average_at_start": list(os.getloadavg()), "protocol": protocol.__dict__}
        res["spaces"][name] = {**start, **bench_space(name, args.n, size, args.device, protocol, args.seed, args.fresh),
                               "load_average_at_end": list(os.getloadavg())}
        print(name, json.dumps(res["spaces"][name]))
        path.write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
