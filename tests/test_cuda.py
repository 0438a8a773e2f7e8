"""CUDA against CPU (issue 16, item 1): `pytest -m cuda`; without a GPU every test skips with the reason.

Tolerances, and why they are what they are:
* spaces: float32 with TF32 off on both sides, so CUDA and CPU differ only in summation order
  (cuDNN's algorithms vs oneDNN's): relative L2 error ≤ 1e-4 on logits, ≤ 1e-3 on weight gradients.
* statistics and proxies run as users run them (TF32 at torch's defaults) and are compared by the
  ranking they give 10 TNB101 archs: Kendall-τ between devices ≥ 0.95 (at most one swapped pair of
  the 45), exact where the maths allows (parameter and FLOP counts read no data).
* discovery fitness is a Kendall-τ of proxy scores: a float32 rounding difference changes it only
  when two archs' scores tie to rounding, so at most 1 of 40 candidates may differ, by ≤ 0.05.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import pytest
import torch


def _reason() -> str:
    if torch.version.cuda is None:
        return f"CUDA not available: torch {torch.__version__} is a CPU-only build"
    return f"CUDA not available: torch {torch.__version__} (CUDA {torch.version.cuda}) sees no device"


if not torch.cuda.is_available():  # before the heavy imports: a CPU run pays only for torch
    pytest.skip(_reason(), allow_module_level=True)

import copy  # noqa: E402 - after the module-level skip
import importlib.util  # noqa: E402
from typing import Iterator  # noqa: E402

import numpy as np  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from zeroseg.correlation.metrics import kendall  # noqa: E402
from zeroseg.data import TrainTransform, create_dataset  # noqa: E402
from zeroseg.discovery.problem import ProxyDiscovery  # noqa: E402
from zeroseg.latency.measure import Protocol, fixed_threads, measure_ms  # noqa: E402
from zeroseg.proxies import list_proxies, score_many  # noqa: E402
from zeroseg.spaces import create_space, list_spaces  # noqa: E402
from zeroseg.stats.arch import arch_stats  # noqa: E402
from zeroseg.train.trainer import TrainConfig, Trainer, split_output  # noqa: E402
from zeroseg.transnas import load_table  # noqa: E402

pytestmark = pytest.mark.cuda

FWD_TOL, GRAD_TOL = 1e-4, 1e-3
TAU_MIN = 0.95
REPO = Path(__file__).resolve().parents[1]
CPU_THREADS = min(8, os.cpu_count() or 1)  # the CPU references of many archs, not the timings


@contextmanager
def no_tf32() -> Iterator[None]:
    """Plain float32 in cuDNN convolutions and cuBLAS matmuls (TF32 keeps 10 mantissa bits)."""
    old = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = old


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    """‖a − b‖ / ‖b‖ in float64 on CPU."""
    a, b = a.detach().double().cpu(), b.detach().double().cpu()
    return float((a - b).norm() / b.norm().clamp_min(1e-300))


def ten_archs() -> list[str]:
    table = load_table("micro")
    return list(table["net_code"].iloc[np.sort(np.random.default_rng(0).choice(len(table), 10, replace=False))])


@pytest.mark.parametrize("name", list_spaces())
def test_default_genotype_matches_cpu_forward_and_backward(name: str) -> None:
    """Each space's seed-0 genotype, eval mode (no dropout RNG), batch 2 at 64×96, 11 classes."""
    space = create_space(name)
    torch.manual_seed(0)
    cpu = space.build(space.sample(np.random.default_rng(0)), num_classes=11).eval()
    gpu = copy.deepcopy(cpu).cuda()
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(2, 3, 64, 96, generator=gen), torch.randint(0, 11, (2, 64, 96), generator=gen)
    logits = {}
    with no_tf32():
        for dev, net in (("cpu", cpu), ("cuda", gpu)):
            main, _ = split_output(net(x.to(dev)))
            F.cross_entropy(main, y.to(dev)).backward()
            logits[dev] = main
    assert rel_err(logits["cuda"], logits["cpu"]) <= FWD_TOL
    grads = [(p.grad, q.grad) for p, q in zip(gpu.parameters(), cpu.parameters()) if q.grad is not None]
    assert grads, f"{name}: no parameter received a gradient"
    err = rel_err(torch.cat([g.flatten().cpu() for g, _ in grads]), torch.cat([c.flatten() for _, c in grads]))
    assert err <= GRAD_TOL, f"{name}: weight gradients differ by {err:.2e} (relative L2)"


@pytest.fixture(scope="module")
def scored() -> dict[str, dict[str, dict]]:
    """Every proxy on the 10 archs, 64×64, batch 8 (where the AVT bounds of saswot exist), per device."""
    names, out = list_proxies(), {}
    for dev in ("cpu", "cuda"):
        with fixed_threads(CPU_THREADS):
            out[dev] = {c: score_many(names, c, resolution=64, batch_size=8, device=dev) for c in ten_archs()}
    return out


@pytest.mark.parametrize("proxy", list_proxies())
def test_proxy_ranks_ten_archs_alike_on_cuda(scored: dict, proxy: str) -> None:
    cpu = [scored["cpu"][c][proxy] for c in ten_archs()]
    gpu = [scored["cuda"][c][proxy] for c in ten_archs()]
    assert [r.ok for r in gpu] == [r.ok for r in cpu], [(r.invalid, q.invalid) for r, q in zip(cpu, gpu)]
    a = np.array([r.value for r in cpu if r.ok])
    b = np.array([r.value for r in gpu if r.ok])
    if len(a) < 2 or np.ptp(a) == 0:
        np.testing.assert_allclose(b, a, rtol=1e-3)
        return
    tau = kendall(a, b)
    assert tau >= TAU_MIN, f"{proxy}: τ {tau:.3f} between devices; cpu {a.tolist()} cuda {b.tolist()}"


@pytest.mark.parametrize("proxy", ["params", "flops"])
def test_data_free_proxies_are_exact_on_cuda(scored: dict, proxy: str) -> None:
    assert [scored["cuda"][c][proxy].value for c in ten_archs()] == [scored["cpu"][c][proxy].value for c in ten_archs()]


def test_collected_statistics_agree_across_devices() -> None:
    """``zeroseg.stats.collect`` (through ``arch_stats``): same weights exactly; loss, K_H and
    gradients within TF32 + bfloat16 storage; and the loss ranks the archs alike."""
    losses = {"cpu": [], "cuda": []}
    for code in ten_archs():
        with fixed_threads(CPU_THREADS):
            cpu = arch_stats(code, resolution=64, batch_size=8, device="cpu")
        gpu = arch_stats(code, resolution=64, batch_size=8, device="cuda")
        assert [L.name for L in gpu.layers] == [L.name for L in cpu.layers]
        assert all(torch.equal(g.W, c.W) for g, c in zip(gpu.layers, cpu.layers)), code
        assert rel_err(gpu.KH, cpu.KH) <= 1e-2, code
        assert rel_err(torch.cat([L.G.flatten() for L in gpu.layers]),
                       torch.cat([L.G.flatten() for L in cpu.layers])) <= 5e-2, code
        assert abs(gpu.loss - cpu.loss) <= 1e-3 * abs(cpu.loss), code
        losses["cpu"].append(cpu.loss)
        losses["cuda"].append(gpu.loss)
    assert kendall(np.array(losses["cpu"]), np.array(losses["cuda"])) >= TAU_MIN


def test_discovery_fitness_on_cuda_equals_cpu(tmp_path: Path) -> None:
    """Seeded candidates scored on the same cached statistics, evaluated on CPU and on CUDA."""
    stats = dict(cache_dir=str(tmp_path), resolution=32, batch_size=8)
    kw = dict(samples=8, repeats=3, archs=12, seed=0, layer_share=0.5)
    cpu, gpu = ProxyDiscovery("micro", stats, **kw), ProxyDiscovery("micro", stats, device="cuda", **kw)
    rng = np.random.default_rng(0)
    batch = [cpu.sample(rng) for _ in range(40)]
    with fixed_threads(CPU_THREADS):
        fa = cpu.evaluate(batch)
    fb = gpu.evaluate(batch)
    assert sum(a.ok for a in fa) >= 10, "too few valid candidates to compare"
    assert [a.ok for a in fa] == [b.ok for b in fb]
    diffs = [abs(a.values[0] - b.values[0]) for a, b in zip(fa, fb) if a.ok]
    assert sum(d > 0 for d in diffs) <= 1 and max(diffs) <= 0.05, diffs


def shipped_camvid(root: Path) -> Path:
    """The shipped 16-image batch as a CamVid folder (experiments/gpu/minicamvid.py)."""
    spec = importlib.util.spec_from_file_location("minicamvid", REPO / "experiments" / "gpu" / "minicamvid.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.shipped_camvid(root)


def test_amp_training_steps_give_finite_losses(tmp_path: Path) -> None:
    """Three SGD steps with AMP (fp16 autocast + GradScaler) of gas's seed-0 genotype at 128×160."""
    ds = create_dataset("camvid", shipped_camvid(tmp_path / "camvid"), "train", transform=TrainTransform((128, 160)))
    space = create_space("gas")
    torch.manual_seed(0)
    model = space.build(space.sample(np.random.default_rng(0)), ds.num_classes)
    cfg = TrainConfig(out=tmp_path / "run", iters=3, batch_size=4, device="cuda", amp=True, progress=False)
    trainer = Trainer(model, ds, cfg, meta={"space": "gas"})
    assert trainer.amp and trainer.scaler.is_enabled()
    res = trainer.run()
    assert res.iterations == 3 and np.isfinite(res.last_loss)
    assert next(trainer.model.parameters()).dtype == torch.float32  # AMP keeps float32 master weights


def test_latency_timing_synchronises() -> None:
    """A queued 4096³ matmul chain: without a device sync the clock would read only launch time."""
    a = torch.randn(4096, 4096, device="cuda") / 64  # unit gain: values stay finite along the chain

    class Chain(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            for _ in range(20):
                x = x @ a
            return x

    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    with torch.inference_mode():
        Chain()(a)
        start.record()
        Chain()(a)
        end.record()
    torch.cuda.synchronize()
    kernel_ms = start.elapsed_time(end)
    measured = measure_ms(Chain(), [a], "cuda", Protocol(warmup=1, repeats=3, clock="wall"))
    assert measured >= 0.8 * kernel_ms, f"measured {measured:.2f} ms, the GPU needed {kernel_ms:.2f} ms"
