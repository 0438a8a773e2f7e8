"""Scoring speed: zeroseg scoring proxies on one TNB101 arch vs a bare forward+backward of the
same model vs a NASLib-style peer (``peer_scorer.py``: one fresh model and pass per measure).

Issue 3 target: SasWOT at 256×256, batch 8, from a cold start (build + batch + statistics +
evaluation) in ≤ 2× one bare forward + backward (cross-entropy, train mode, model built). Issue 15
target: all built-ins + SasWOT (``--proxy all``) in ≤ 2× bare at 256², ≤ 3× at 64², ≤ 0.5× the peer.

    python benches/bench_score.py [--arch 64-41414-1_00_210] [--resolution 64] [--proxy all] [--repeats 3]

The three are measured interleaved in one run (same machine load); medians of wall and process
CPU time (CPU time is the steadier number on a shared machine). With ``--proxy all`` the peer's
values are checked equal to zeroseg's (1e-6 relative); the peer's one-time ``torch._dynamo`` import
(its FLOPs go through ``FlopCounterMode``) happens before timing, zeroseg's scoring path imports none.
Writes ``benches/results/bench_score[_<res>].json`` (``--proxy all``: ``bench_score_all_<res>.json``)
with the command, the load average and every repeat's CPU seconds.

``--breakdown`` (with ``--proxy all``) adds, in every repeat of the same run, the CPU seconds of each
part of one cold scoring (build, batch, the statistics pass = the shared forward + CE backward with
its hooks and planned extras, then each proxy's own work in ``score_many``'s order), the statistics
pass again with each extra alone (what the Fisher hooks, the input-Jacobian backward, GraSP's
differentiable gradients and the FLOP hooks add), bare references of the inherent work on a built
model without hooks (the Jacobian's extra backward, GraSP's double backward, SynFlow's pass, Zen's
two forwards) and, from the parts, the cost of proxy subsets (the issue's original seven; all
minus GraSP / SynFlow / Zen) as multiples of the bare forward+backward; the seven and all minus
GraSP are also scored directly (cold) as a check of the parts.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from peer_scorer import MEASURES, peer_scores
from zeroseg import transnas
from zeroseg.proxies import passes, score_arch, score_many, tnb101_context
from zeroseg.proxies.avt import avt_key
from zeroseg.proxies.scoring import planned
from zeroseg.stats.scratch import stand_in_buffers, synflow_view
from zeroseg.stats import load_batch
from zeroseg.stats.arch import build_seeded
from zeroseg.stats.batch import IGNORE_INDEX

OUT = Path(__file__).resolve().parent / "results" / "bench_score.json"


def clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def since(t: tuple[float, float]) -> tuple[float, float]:
    return time.perf_counter() - t[0], time.process_time() - t[1]


def bare_fwd_bwd(code: str, resolution: int, batch: int, seed: int) -> tuple[float, float]:
    """One forward + CE backward on the real batch, model built and batch loaded beforehand."""
    model = build_seeded(code, seed).train()
    x, y = load_batch(resolution, batch)
    t = clock()
    F.cross_entropy(model(x), y, ignore_index=IGNORE_INDEX).backward()
    return since(t)


ALL = (*MEASURES, "flops", "saswot")  # the 12 built-ins and SasWOT


def scored(code: str, resolution: int, batch: int, seed: int, proxy: str) -> tuple[float, float, dict]:
    t = clock()
    if proxy == "all":
        res = score_many(list(ALL), code, resolution=resolution, batch_size=batch, seed=seed)
    else:
        res = {proxy: score_arch(proxy, code, resolution=resolution, batch_size=batch, seed=seed)}
    wall, cpu = since(t)
    bad = {k: r.invalid for k, r in res.items() if not r.ok}
    if bad:
        raise SystemExit(f"invalid on {code}: {bad}")
    return wall, cpu, {k: r.value for k, r in res.items()}


def peer(code: str, resolution: int, batch: int, seed: int) -> tuple[float, float, dict]:
    x, y = load_batch(resolution, batch)
    t = clock()
    values = peer_scores(code, x, y, seed, avt_key("micro" if "_" in code else "macro", resolution, batch))
    return (*since(t), values)


def mismatches(a: dict, b: dict) -> dict:
    return {k: [a[k], b[k]] for k in a if not math.isclose(a[k], b[k], rel_tol=1e-6, abs_tol=1e-12)}


ORIGINAL7 = ("snip", "grad_norm", "jacov", "nwot", "synflow", "flops", "params")  # issue 15's first set
SUBSETS = {"original7": ORIGINAL7, **{f"all_minus_{p}": tuple(q for q in ALL if q != p)
                                      for p in ("grasp", "synflow", "zen")}, "all": ALL}
EXTRA_VARIANTS = {"none": frozenset(), "activations": frozenset({"activations"}),
                  "input_jacobian": frozenset({"input_jacobian"}), "hessian": frozenset({"hessian"}),
                  "activations+input_jacobian": frozenset({"activations", "input_jacobian"})}


MEASURED_SUBSETS = ("original7", "all_minus_grasp")  # also scored directly (cold), as a check of the parts


def subset_cpu(code: str, resolution: int, batch: int, seed: int) -> dict[str, float]:
    """CPU seconds of one cold ``score_many`` of each of ``MEASURED_SUBSETS``."""
    out = {}
    for name in MEASURED_SUBSETS:
        t = cpu()
        res = score_many(list(SUBSETS[name]), code, resolution=resolution, batch_size=batch, seed=seed)
        out[name] = cpu() - t
        if not all(r.ok for r in res.values()):
            raise SystemExit(f"{name}: invalid {[k for k, r in res.items() if not r.ok]}")
    return out


def cpu() -> float:
    return time.process_time()


def parts_of_scoring(code: str, resolution: int, batch: int, seed: int) -> dict[str, float]:
    """CPU seconds of each part of one cold scoring of ALL (what ``score_many`` does, part by part):
    build, batch, the statistics pass (with every planned extra), then each proxy's own work in
    ``score_many``'s order; SasWOT's components (nwot, saswot_minus) are timed on their own first."""
    made, needs = planned([*ALL[:-1], "nwot", "saswot_minus", "saswot"])
    ctx = tnb101_context(code, resolution=resolution, batch_size=batch, seed=seed, planned_needs=needs)
    out = {}
    for part, fn in (("build", ctx.base_model), ("batch", ctx.batch), ("stats_pass", ctx.stats)):
        t = cpu()
        fn()
        out[part] = cpu() - t
    for proxy in made:
        t = cpu()
        res = ctx.value(proxy)
        out[proxy.name] = cpu() - t
        if not res.ok:
            raise SystemExit(f"breakdown: {proxy.name} invalid: {res.invalid}")
    return out


def stats_pass_variants(code: str, resolution: int, batch: int, seed: int) -> dict[str, float]:
    """CPU seconds of the statistics pass alone (model built, batch loaded) with each set of planned
    extras, and with no extra and the FLOP hooks off (``flops_off``: what recording the statistics
    costs over a bare pass)."""
    out = {}
    variants = [*EXTRA_VARIANTS.items(), ("all", planned(ALL)[1]), ("flops_off", frozenset())]
    for name, needs in variants:
        ctx = tnb101_context(code, resolution=resolution, batch_size=batch, seed=seed, planned_needs=needs)
        ctx.base_model(), ctx.batch()
        real = passes.attach_flops
        if name == "flops_off":
            passes.attach_flops = lambda model, tally: []
        try:
            t = cpu()
            ctx.stats()
            out[name] = cpu() - t
        finally:
            passes.attach_flops = real
    return out


def inherent(code: str, resolution: int, batch: int, seed: int) -> dict[str, float]:
    """CPU seconds of the bare versions of the extra work, on a built model without hooks:
    forward only; forward + CE backward + the Jacobian backward ∂Σlogits/∂x; forward + differentiable
    CE gradients + GraSP's Hessian-gradient product; SynFlow's |W| float64 BN-off batch-1 pass; Zen's
    two no-grad train-mode forwards."""
    x, y = load_batch(resolution, batch)
    out = {}
    model = build_seeded(code, seed).train()
    with stand_in_buffers(model):
        t = cpu()
        with torch.no_grad():
            model(x)
        out["forward"] = cpu() - t
        xx = x.clone().requires_grad_(True)
        t = cpu()
        logits = model(xx)
        F.cross_entropy(logits, y, ignore_index=IGNORE_INDEX).backward(retain_graph=True)
        torch.autograd.grad(logits.sum(), xx)
        out["fwd_bwd_jacobian"] = cpu() - t
        del logits
    model = build_seeded(code, seed).train()
    with stand_in_buffers(model):
        ws = [m.weight for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
        t = cpu()
        g = torch.autograd.grad(F.cross_entropy(model(x), y, ignore_index=IGNORE_INDEX), ws, create_graph=True,
                                allow_unused=True)
        used = [(w, gi) for w, gi in zip(ws, g) if gi is not None]
        torch.autograd.grad(sum((gi.detach() * gi).sum() for _, gi in used), [w for w, _ in used], allow_unused=True)
        out["fwd_bwd_hvp"] = cpu() - t
        del g, used
    model = build_seeded(code, seed).train()
    with synflow_view(model) as m:
        t = cpu()
        m(torch.ones(1, *x.shape[1:], dtype=torch.float64)).sum().backward()
        out["synflow_pass"] = cpu() - t
    with torch.no_grad(), stand_in_buffers(model):
        a, e = torch.randn(x.shape), torch.randn(x.shape)
        t = cpu()
        model(a) - model(a + 0.01 * e)
        out["zen_forwards"] = cpu() - t
    return out


def summarise(bare: float, parts: dict, variants: dict, refs: dict) -> dict:
    """The breakdown table (CPU s and × bare) and the subsets' cost from the parts."""
    own = {k: v for k, v in parts.items() if k not in ("build", "batch", "stats_pass")}
    needs = lambda names: planned(list(names))[1] & {"activations", "input_jacobian", "hessian"}  # noqa: E731
    by_needs = {frozenset(v): k for k, v in EXTRA_VARIANTS.items()}
    by_needs[frozenset(needs(ALL))] = "all"
    subsets = {}
    for name, names in SUBSETS.items():
        pass_cost = variants[by_needs[frozenset(needs(names))]] if name != "all" else parts["stats_pass"]
        comp = {"nwot", "saswot_minus"} if "saswot" in names else set()
        total = parts["build"] + parts["batch"] + pass_cost + sum(own[p] for p in {*names, *comp})
        subsets[name] = {"cpu_s": total, "x_bare": total / bare}
    extras = {f"+{k}": variants[k] - variants["none"] for k in variants if k not in ("none", "flops_off")}
    table = {
        "bare_fwd_bwd": bare, **{k: parts[k] for k in ("build", "batch", "stats_pass")},
        "stats_pass_no_extras": variants["none"], "stats_recording_over_bare": variants["flops_off"] - bare,
        "flop_hooks": variants["none"] - variants["flops_off"], **extras, **own,
    }
    ref = {"forward": refs["forward"], "jacobian_backward": refs["fwd_bwd_jacobian"] - bare,
           "grasp_double_backward_over_bare": refs["fwd_bwd_hvp"] - bare, "synflow_pass": refs["synflow_pass"],
           "zen_forwards": refs["zen_forwards"]}
    return {"parts_cpu_s": table, "parts_x_bare": {k: v / bare for k, v in table.items()},
            "inherent_bare_refs_cpu_s": ref, "inherent_bare_refs_x_bare": {k: v / bare for k, v in ref.items()},
            "subsets_from_parts": subsets}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="saswot scoring time vs a bare forward+backward")
    p.add_argument("--arch", default="64-41414-1_00_210")
    p.add_argument("--proxy", default="saswot")
    p.add_argument("--resolution", type=int, default=256)
    p.add_argument("--no-peer", action="store_true", help="skip the NASLib-style peer")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--breakdown", action="store_true",
                   help="with --proxy all: CPU seconds of each part of the scoring (see the module docstring)")
    args = p.parse_args(argv)
    if args.breakdown and args.proxy != "all":
        p.error("--breakdown needs --proxy all")
    torch.set_num_threads(args.threads)
    setup = (args.arch, args.resolution, args.batch_size, args.seed)
    bare_fwd_bwd(*setup)  # warm-up: allocator, kernels, decoded batch
    with_peer = args.proxy == "all" and not args.no_peer
    if with_peer:  # the peer's FlopCounterMode imports torch._dynamo once (~3 s): not charged to its first repeat
        transnas.count_flops(args.arch, (64, 64))
    bare, score, peers, parts, variants, refs, subsets = [], [], [], [], [], [], []
    load = [os.getloadavg()[0]]
    for _ in range(args.repeats):  # interleaved so all see the same machine load
        bare.append(bare_fwd_bwd(*setup))
        score.append(scored(*setup, args.proxy))
        if with_peer:
            peers.append(peer(*setup))
        if args.breakdown:
            parts.append(parts_of_scoring(*setup))
            variants.append(stats_pass_variants(*setup))
            refs.append(inherent(*setup))
            subsets.append(subset_cpu(*setup))
    load.append(os.getloadavg()[0])
    med = lambda xs, i: statistics.median(x[i] for x in xs)  # noqa: E731
    result = {
        "command": "python benches/bench_score.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "load_avg_1min_before_after": load, "cpus": os.cpu_count(),
        "arch": args.arch, "proxy": args.proxy, "resolution": args.resolution, "batch_size": args.batch_size,
        "threads": args.threads, "repeats": args.repeats, "values": score[0][2],
        "bare_fwd_bwd_wall_s": med(bare, 0), "bare_fwd_bwd_cpu_s": med(bare, 1),
        "score_wall_s": med(score, 0), "score_cpu_s": med(score, 1),
        "cpu_s_each": {"bare": [x[1] for x in bare], "score": [x[1] for x in score], "peer": [x[1] for x in peers]},
    }
    result["ratio_wall"] = result["score_wall_s"] / result["bare_fwd_bwd_wall_s"]
    result["ratio_cpu"] = result["score_cpu_s"] / result["bare_fwd_bwd_cpu_s"]
    if with_peer:
        result.update(peer_wall_s=med(peers, 0), peer_cpu_s=med(peers, 1),
                      peer_ratio_cpu=med(peers, 1) / result["bare_fwd_bwd_cpu_s"],
                      zeroseg_over_peer_cpu=result["score_cpu_s"] / med(peers, 1),
                      peer_mismatches=mismatches(score[0][2], peers[0][2]))
    if args.breakdown:
        medians = lambda rows: {k: statistics.median(r[k] for r in rows) for k in rows[0]}  # noqa: E731
        result["breakdown"] = summarise(result["bare_fwd_bwd_cpu_s"], medians(parts), medians(variants), medians(refs))
        result["breakdown"]["subsets_measured"] = {
            k: {"cpu_s": v, "x_bare": v / result["bare_fwd_bwd_cpu_s"]} for k, v in medians(subsets).items()}
        result["breakdown"]["note"] = ("medians over the repeats; parts of one cold scoring in score_many's order "
                                       "(a proxy's entry is its own work after the shared pass); +extra = the "
                                       "statistics pass with that extra planned minus with none; subsets: build + "
                                       "batch + the pass with their extras + their proxies' own parts")
        result["cpu_s_each"].update(parts=parts, stats_pass_variants=variants, inherent=refs, subsets=subsets)
    out = args.out if args.out != OUT or args.proxy != "all" else OUT.with_name(f"bench_score_all_{args.resolution}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print("wrote", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
