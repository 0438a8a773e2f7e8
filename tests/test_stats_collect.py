"""zeroseg.stats.collect: transparency of the hooks, determinism, order, sketches, KH, input grads."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from zeroseg.stats import collect, load_batch


class Recording(nn.Module):
    """Wraps a net and keeps a copy of its last output (to compare logits with and without hooks)."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net, self.last = net, None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.net(x)
        self.last = out.detach().clone()
        return out


class Tiny(nn.Module):
    """Defined out of execution order, reuses one conv, has a grouped deconv, a linear head and an
    in-place ReLU right after a conv without BN."""

    def __init__(self, classes: int = 12) -> None:
        super().__init__()
        self.head = nn.Conv2d(8, classes, 1)
        self.up = nn.ConvTranspose2d(8, 8, 3, stride=2, padding=1, output_padding=1, groups=2)
        self.shared = nn.Conv2d(8, 8, 3, padding=1)
        self.stem = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.act = nn.ReLU(inplace=True)
        self.leaky = nn.LeakyReLU(0.1)
        self.fc = nn.Linear(8, 8)
        self.unused = nn.Conv2d(3, 3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act(self.stem(x))
        x = self.leaky(self.bn(self.shared(self.shared(x))))
        x = x * torch.sigmoid(self.fc(x.mean((2, 3))))[:, :, None, None]
        return self.head(self.act(self.up(x)))


def _batch(res: int = 32, n: int = 4) -> tuple[torch.Tensor, torch.Tensor]:
    return load_batch(res, n)


def _tiny(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return Tiny()


def _bare(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, dict, torch.Tensor]:
    model.train()
    x = x.clone().requires_grad_(True)
    F.cross_entropy(model(x), y, ignore_index=255).backward()
    return model.last, {n: p.grad for n, p in model.named_parameters()}, x.grad


def _micro() -> nn.Module:
    from zeroseg.stats.arch import build_seeded  # TNB101 tables import pandas: only when needed

    return build_seeded("64-41414-1_00_210", 0)


@pytest.mark.parametrize("make", [_tiny, _micro], ids=["tiny", "tnb101-micro"])
def test_hooks_do_not_change_logits_or_gradients(make) -> None:
    x, y = _batch(64, 2)
    with_hooks = Recording(make())
    without = copy.deepcopy(with_hooks)
    logits, grads, xgrad = _bare(without, x, y)
    stats = collect(with_hooks, x, y, dtype=torch.float32, max_rows=2, max_units=None)
    assert torch.equal(with_hooks.last, logits)
    for name, p in with_hooks.named_parameters():
        assert (p.grad is None and grads[name] is None) or torch.equal(p.grad, grads[name]), name
    assert torch.equal(stats.input_grad, xgrad.reshape(len(x), -1))
    assert stats.input_units is None


def test_same_seed_gives_bitwise_identical_stats() -> None:
    x, y = _batch()
    a, b = collect(_tiny(), x, y, seed=3), collect(_tiny(), x, y, seed=3)
    c = collect(_tiny(), x, y, seed=4)
    assert_stats_equal(a, b)
    assert not torch.equal(a.layers[0].units, c.layers[0].units)


def assert_stats_equal(a, b) -> None:
    assert len(a.layers) == len(b.layers) and a.meta == b.meta and a.loss == b.loss
    for la, lb in zip(a.layers, b.layers):
        assert (la.name, la.kind, la.weight_shape, la.act_units, la.module_type) == (
            lb.name, lb.kind, lb.weight_shape, lb.act_units, lb.module_type)
        for k in ("rows", "W", "G", "A", "units"):
            ta, tb = getattr(la, k), getattr(lb, k)
            assert ta.dtype == tb.dtype and torch.equal(ta, tb), (la.name, k)
    for k in ("KH", "input_grad", "input_jacobian", "input_units"):
        ta, tb = getattr(a, k), getattr(b, k)
        assert (ta is None and tb is None) or torch.equal(ta, tb), k


def test_execution_order_reuse_and_unused_layers() -> None:
    x, y = _batch()
    stats = collect(_tiny(), x, y)
    assert [L.name for L in stats.layers] == ["stem", "shared", "fc", "up", "head"]
    assert [L.kind for L in stats.layers] == ["conv", "conv", "linear", "conv", "conv"]
    assert stats.meta["reused_layers"] == {"shared": 2}
    assert stats.meta["unused_layers"] == ["unused"]
    assert stats.meta["relu_calls"] == 3  # act twice + leaky once


def test_weight_rows_of_grouped_transposed_conv() -> None:
    x, y = _batch()
    model = _tiny()
    stats = collect(model, x, y, dtype=torch.float32, max_rows=None, max_units=None)
    up = next(L for L in stats.layers if L.name == "up")
    w, g = model.up.weight, model.up.groups  # (in, out/g, 3, 3)
    per_in, per_out = w.shape[0] // g, w.shape[1]
    assert up.weight_shape == (per_out * g, per_in, 3, 3)
    for o in range(per_out * g):
        grp = o // per_out
        assert torch.equal(up.W[o], w[grp * per_in : (grp + 1) * per_in, o % per_out].reshape(-1))
        assert torch.equal(up.G[o], model.up.weight.grad[grp * per_in : (grp + 1) * per_in, o % per_out].reshape(-1))


def test_sketch_sizes_indices_and_dtype() -> None:
    x, y = _batch(32, 4)
    model = _tiny()
    stats = collect(model, x, y, max_rows=4, max_units=50, dtype=torch.float16)
    for L in stats.layers:
        r = min(4, L.weight_shape[0])
        assert L.W.shape == L.G.shape == (r, L.W.shape[1]) and L.W.dtype == torch.float16
        assert L.A.shape == (4, min(50, L.act_units)) and L.A.dtype == torch.float16
        for idx, n in ((L.rows, L.weight_shape[0]), (L.units, L.act_units)):
            assert idx.dtype == torch.int64 and bool((idx.diff() > 0).all()) and 0 <= idx.min() and idx.max() < n
    full = collect(model, x, y, max_rows=None, max_units=None, dtype=torch.float32)
    for s, f in zip(stats.layers, full.layers):
        assert torch.equal(s.W, f.W[s.rows].half()) and torch.equal(s.A, f.A[:, s.units].half())
    assert stats.input_grad.shape == (4, 16 * 50) and torch.equal(stats.input_grad, full.input_grad[:, stats.input_units].half())
    assert stats.nbytes < full.nbytes


def test_kh_matches_a_direct_nwot_computation() -> None:
    x, y = _batch()
    model = _tiny()
    codes = []
    hooks = [m.register_forward_hook(lambda m, i, o: codes.append((o.detach().flatten(1) > 0).double()))
             for m in model.modules() if isinstance(m, (nn.ReLU, nn.LeakyReLU))]
    model.train()
    model(x.clone())
    for h in hooks:
        h.remove()
    expected = sum(c @ c.T + (1 - c) @ (1 - c).T for c in codes)
    stats = collect(model, x, y)
    assert stats.KH.dtype == torch.float64 and torch.equal(stats.KH, expected)


def test_input_jacobian_is_gradient_of_summed_logits() -> None:
    x, y = _batch()
    model = _tiny()
    stats = collect(model, x, y, dtype=torch.float32, max_units=None, input_jacobian=True)
    xx = x.clone().requires_grad_(True)
    model.train()
    model(xx).sum().backward()
    assert torch.allclose(stats.input_jacobian, xx.grad.flatten(1), rtol=1e-5, atol=1e-7)


def test_state_restored_hooks_removed_even_on_error() -> None:
    x, y = _batch()
    model = _tiny().eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    collect(model, x, y)
    assert not model.training and all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
    with pytest.raises(ValueError, match="labels must lie in 0..3"):
        collect(nn.Sequential(nn.Conv2d(3, 4, 1), nn.ReLU()), x, y)
    model.head = nn.Conv2d(8, 12, 1, bias=False)
    model.head.forward = None  # not callable: the forward fails midway
    with pytest.raises(TypeError):
        collect(model, x, y)
    assert all(not m._forward_hooks for m in model.modules()) and not model.training


def test_functional_relu_net_gets_zero_kh_and_a_note() -> None:
    class Functional(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 11, 3, padding=1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return F.relu(self.conv(x))

    x, y = _batch()
    stats = collect(Functional(), x, y)
    assert torch.equal(stats.KH, torch.zeros(4, 4, dtype=torch.float64))
    assert any("KH is zero" in n for n in stats.meta["notes"])


def test_bad_inputs_are_named() -> None:
    x, y = _batch()
    with pytest.raises(ValueError, match="images must be"):
        collect(_tiny(), x[0], y)
    with pytest.raises(ValueError, match="labels must be int64"):
        collect(_tiny(), x, y.int())


def test_activation_is_the_layer_output_before_an_inplace_relu() -> None:
    x, y = _batch()
    model = _tiny()
    stats = collect(model, x, y, dtype=torch.float32, max_units=None)
    expected = model.stem(x).detach().flatten(1)
    assert (expected < 0).any() and torch.equal(stats.layers[0].A, expected)


def test_channels_last_tensors_are_gathered_without_reordering_units() -> None:
    from zeroseg.stats.shapes import flat_in_memory_order, gather_units

    t = torch.randn(3, 5, 4, 6)
    cl = t.to(memory_format=torch.channels_last)
    units = torch.tensor([0, 7, 33, 119])
    assert torch.equal(gather_units(cl, units), t.flatten(1)[:, units])
    assert torch.equal(gather_units(cl, None), t.flatten(1))
    flat = flat_in_memory_order(cl)
    assert flat.data_ptr() == cl.data_ptr()  # a view, no copy
    assert torch.equal(flat.sort(1).values, t.flatten(1).sort(1).values)
