"""A reference scorer written the NASLib way: one fresh model and its own pass per measure.

NASLib's ``find_measures`` (``naslib/predictors/utils/pruners/predictive.py``) copies the network
and runs every measure on its own forward/backward. This is our own code in that shape, used by
``bench_score.py`` as the peer zeroseg's one-context scoring is compared with (values checked
equal there). Definitions follow NASLib's measures (see ``zeroseg/proxies/builtin``).
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from zeroseg import transnas
from zeroseg.dsl import evaluate, parse
from zeroseg.proxies.avt import stored_bounds
from zeroseg.stats import collect
from zeroseg.stats.arch import build_seeded
from zeroseg.stats.batch import IGNORE_INDEX

Net = Callable[[], nn.Module]
EPS = 1e-5


def _layers(m: nn.Module) -> list[nn.Module]:
    return [l for l in m.modules() if isinstance(l, (nn.Conv2d, nn.Linear))]


def _ce_backward(m: nn.Module, x: torch.Tensor, y: torch.Tensor) -> nn.Module:
    F.cross_entropy(m(x), y, ignore_index=IGNORE_INDEX).backward()
    for l in _layers(m):
        if l.weight.grad is None:
            l.weight.grad = torch.zeros_like(l.weight)
    return m


def _per_layer(m: nn.Module, f: Callable[[nn.Module], torch.Tensor]) -> float:
    return float(sum(f(l).detach().double().sum() for l in _layers(m)))


def snip(net: Net, x, y) -> float:
    return _per_layer(_ce_backward(net(), x, y), lambda l: (l.weight.grad * l.weight).abs())


def grad_norm(net: Net, x, y) -> float:
    return _per_layer(_ce_backward(net(), x, y), lambda l: l.weight.grad.norm())


def plain(net: Net, x, y) -> float:
    return _per_layer(_ce_backward(net(), x, y), lambda l: l.weight.grad * l.weight)


def fisher(net: Net, x, y) -> float:
    m, terms = net(), []

    def keep(_mod, _inp, out):
        a = out.detach()
        out.register_hook(lambda g: terms.append(0.5 * (a * g).sum(dim=(2, 3)).double().pow(2).mean(0).sum()))

    hooks = [l.register_forward_hook(keep) for l in _layers(m)]
    _ce_backward(m, x, y)
    for h in hooks:
        h.remove()
    return float(sum(float(t) for t in terms))


def grasp(net: Net, x, y) -> float:
    m = net()
    ws = [l.weight for l in _layers(m)]
    g = torch.autograd.grad(F.cross_entropy(m(x), y, ignore_index=IGNORE_INDEX), ws, create_graph=True,
                            allow_unused=True)
    used = [(w, gi) for w, gi in zip(ws, g) if gi is not None]
    hg = torch.autograd.grad(sum((gi.detach() * gi).sum() for _, gi in used), [w for w, _ in used], allow_unused=True)
    return float(sum((-w.detach() * h).double().sum() for (w, _), h in zip(used, hg) if h is not None))


def _jacobian(net: Net, x) -> torch.Tensor:
    xx = x.clone().requires_grad_(True)
    out = net()(xx)
    out.backward(torch.ones_like(out))
    return xx.grad.reshape(len(x), -1).double()


def jacov(net: Net, x, y) -> float:
    v = torch.linalg.eigvalsh(torch.corrcoef(_jacobian(net, x)))
    return float(-(torch.log(v + EPS) + 1.0 / (v + EPS)).sum())


def epe_nas(net: Net, x, y) -> float:
    jac = _jacobian(net, x)
    flat = y.reshape(len(y), -1)
    cls = torch.tensor([int(torch.bincount(r[r != IGNORE_INDEX]).argmax()) for r in flat])
    total = 0.0
    for c in cls.unique():
        rows = jac[cls == c]
        corr = torch.corrcoef(rows) if len(rows) > 1 else torch.ones(1, 1, dtype=torch.float64)
        total += abs(float(torch.log(corr.abs() + EPS).sum()))
    return total


def synflow(net: Net, x, y) -> float:
    m = net()
    for parent in list(m.modules()):
        for k, child in parent.named_children():
            if isinstance(child, nn.modules.batchnorm._BatchNorm):
                setattr(parent, k, nn.Identity())
    m = m.double()
    with torch.no_grad():
        for p in m.parameters():
            p.abs_()
    m(torch.ones(1, *x.shape[1:], dtype=torch.float64)).sum().backward()
    return _per_layer(m, lambda l: (l.weight * l.weight.grad).abs() if l.weight.grad is not None
                      else torch.zeros(()))


def zen(net: Net, x, y) -> float:
    m, gen = net(), torch.Generator().manual_seed(0)
    a, e = torch.randn(x.shape, generator=gen), torch.randn(x.shape, generator=gen)
    with torch.no_grad():
        s = torch.log((m(a) - m(a + 0.01 * e)).abs().double().sum(dim=(1, 2, 3)).mean())
        for b in m.modules():
            if isinstance(b, nn.BatchNorm2d):
                s = s + torch.log(torch.sqrt(b.running_var.double().mean()))
    return float(s)


def l2_norm(net: Net, x, y) -> float:
    return _per_layer(net(), lambda l: l.weight.norm())


def params(net: Net, x, y) -> float:
    return float(sum(p.numel() for p in net().parameters()))


def saswot(net: Net, x, y, key: str) -> float:
    """AVT(SasWOT−) + AVT(NWOT) on one statistics collection of its own (shipped bounds)."""
    stats = collect(net(), x, y, seed=0)
    total = 0.0
    for name, expr in (("saswot_minus", "sum_layers(to_sum(lt(softmax(W), relu(G))))"), ("nwot", "slogdet(KH)")):
        lo, hi = stored_bounds(key, name)
        total += (evaluate(parse(expr), stats).value - lo) / (hi - lo)
    return total


MEASURES = dict(snip=snip, grad_norm=grad_norm, plain=plain, fisher=fisher, grasp=grasp, jacov=jacov,
                epe_nas=epe_nas, synflow=synflow, zen=zen, l2_norm=l2_norm, params=params)


def peer_scores(code: str, x: torch.Tensor, y: torch.Tensor, seed: int, key: str) -> dict[str, float]:
    """Every measure on its own fresh build of ``code`` (the NASLib way), plus flops and saswot."""
    net = lambda: build_seeded(code, seed).train()  # noqa: E731
    out = {name: f(net, x, y) for name, f in MEASURES.items()}
    out["flops"] = float(transnas.count_flops(code))
    out["saswot"] = saswot(net, x, y, key)
    return out
