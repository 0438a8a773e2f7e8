"""Stand-ins (``zeroseg.stats.scratch``) change a network only inside their ``with`` block and leave
every original tensor unwritten; the differentiable backward (``stats.backward``) gives the same
``.grad`` as ``backward`` and keeps the graph for a Hessian-vector product."""

from __future__ import annotations

import torch
from torch import nn

from zeroseg.stats.backward import loss_backward
from zeroseg.stats.scratch import stand_in_buffers, stand_in_params, synflow_view


def _net() -> nn.Module:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Conv2d(4, 2, 1))
    return net.eval()


def _snapshot(net: nn.Module) -> dict:
    return {k: (v.clone(), v._version) for k, v in net.state_dict(keep_vars=True).items()}


def _unchanged(net: nn.Module, before: dict) -> bool:
    now = net.state_dict(keep_vars=True)
    return all(torch.equal(now[k], v) and now[k]._version == ver for k, (v, ver) in before.items())


def test_stand_in_buffers_take_the_bn_updates_and_the_originals_come_back() -> None:
    net, x = _net(), torch.randn(2, 3, 5, 5)
    before = _snapshot(net)
    with torch.no_grad(), stand_in_buffers(net, train=True):
        net(x)
        assert net.training and not torch.equal(net[1].running_mean, before["1.running_mean"][0])
    assert not net.training and _unchanged(net, before)


def test_synflow_view_is_abs_float64_without_bn_and_restores_everything() -> None:
    net = _net()
    before, bn = _snapshot(net), net[1]
    with synflow_view(net) as view:
        assert isinstance(view[1], nn.Identity) and view.training
        assert all(p.dtype == torch.float64 and bool((p >= 0).all()) for p in view.parameters())
        view(torch.ones(1, 3, 5, 5, dtype=torch.float64)).sum().backward()
        assert view[0].weight.grad is not None
    assert net[1] is bn and not net.training and _unchanged(net, before)
    assert all(p.grad is None and p.dtype == torch.float32 for p in net.parameters())


def test_tied_parameters_stay_tied() -> None:
    a = nn.Linear(3, 3, bias=False)
    net = nn.Sequential(a, nn.ReLU(), nn.Linear(3, 3, bias=False))
    net[2].weight = orig = a.weight
    with stand_in_params(net, lambda p: p * 2):
        assert net[0].weight is net[2].weight and net[0].weight is not orig
        assert torch.equal(net[0].weight, 2 * orig)
    assert net[0].weight is orig and net[2].weight is orig


def test_differentiable_backward_equals_backward_and_serves_a_hessian_product() -> None:
    x = torch.randn(2, 3, 5, 5, requires_grad=True)
    ref, net = _net().train(), _net().train()
    ref(x).pow(2).mean().backward()
    x_grad, x.grad = x.grad.clone(), None
    grads = loss_backward(net(x).pow(2).mean(), net, x, keep_graph=True, retain_graph=False)
    for p, q in zip(ref.parameters(), net.parameters()):
        assert torch.equal(p.grad, q.grad) and q.grad.grad_fn is None and grads[q].grad_fn is not None
    assert torch.equal(x.grad, x_grad)
    w = net[0].weight
    hg = torch.autograd.grad((grads[w].detach() * grads[w]).sum(), w)[0]
    assert hg.shape == w.shape and bool(hg.ne(0).any())
