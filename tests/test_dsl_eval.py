"""Evaluation of DSL proxies on statistics of a real (tiny) conv net: every primitive, random trees,
invalid results with reasons, memoisation, sketch rescaling, and SasWOT−/NWOT expressibility."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from zeroseg.dsl import (
    NS, TYPES, Evaluator, Node, ProxyGraph, Score, evaluate, evaluate_many, get_primitive,
    list_primitives, parse, random_graph,
)
from zeroseg.stats.types import LayerStats, NetStats

SASWOT_MINUS = "sum_layers(to_sum(lt(softmax(W), relu(G))))"
NWOT = "slogdet(KH)"


def real_stats(seed: int = 0, keep_rows: int | None = None, keep_units: int | None = None, n: int = 6) -> NetStats:
    """One forward/backward of a real conv net on a random batch, filled in as ``zeroseg.stats`` does."""
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
                        nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 5, 1))  # conv1, conv2 share shapes
    x, y = torch.randn(n, 3, 8, 8), torch.randint(0, 5, (n, 8, 8))
    acts, codes = {}, []
    for m in net:
        m.register_forward_hook(lambda mod, i, o: acts.__setitem__(mod, o.detach().flatten(1)))
        if isinstance(m, nn.ReLU):
            m.register_forward_hook(lambda mod, i, o: codes.append((o.detach().flatten(1) > 0).double()))
    loss = nn.functional.cross_entropy(net(x), y)
    loss.backward()
    g = torch.Generator().manual_seed(seed)
    layers = []
    for i, m in enumerate(mm for mm in net if isinstance(mm, nn.Conv2d)):
        w, gr, a = m.weight.detach().flatten(1), m.weight.grad.flatten(1), acts[m]
        rows = torch.randperm(w.shape[0], generator=g)[: keep_rows or w.shape[0]].sort().values
        units = torch.randperm(a.shape[1], generator=g)[: keep_units or a.shape[1]].sort().values
        layers.append(LayerStats(f"conv{i}", "conv", tuple(m.weight.shape), rows, w[rows], gr[rows],
                                 a[:, units], units, a.shape[1]))
    kh = sum(c @ c.T + (1 - c) @ (1 - c).T for c in codes)
    return NetStats(layers, kh, torch.zeros(n, 3 * 64), loss.item())


@pytest.fixture(scope="module")
def stats() -> NetStats:
    return real_stats()


def leaf(t: type) -> ProxyGraph:
    """A small real value of type ``t`` (built from the statistics, not a constant)."""
    text = {"Wt": "W", "At": "A", "SqW": "gram(W)", "SqB": "KA", "S": "to_mean(G)", "NB": "KH",
            "NS": "slogdet(KH)"}[t.__name__]
    return parse(text, root=None)


SIGNATURES = [(name, sig) for name in list_primitives() for sig in get_primitive(name).sigs]


@pytest.mark.parametrize("name,sig", SIGNATURES, ids=[f"{n}{tuple(a.__name__ for a in s[0])}" for n, s in SIGNATURES])
def test_every_primitive_signature(stats: NetStats, name: str, sig) -> None:
    """Registry-driven: each op × signature gives a finite value of the declared shape, or a reason."""
    args, ret = sig
    g = ProxyGraph([Node(name, ret, args)] + [n for a in args for n in leaf(a).nodes])
    ev = Evaluator(stats)
    v1, v2 = ev.values([g])[0], Evaluator(stats).values([g])[0]
    assert get_primitive(name).obj.__doc__.strip()  # every primitive states its maths
    if hasattr(v1, "reason"):
        assert v1.reason and v2.reason == v1.reason
        return
    check_value(ev, ret, v1, stats)
    assert all(torch.equal(a, b) for a, b in zip(unstack(ev, ret, v1), unstack(ev, ret, v2)))


def unstack(ev: Evaluator, t: type, value) -> list[torch.Tensor]:
    return ev.per_layer(value) if t.level == "layer" else [value[0]]


def check_value(ev: Evaluator, t: type, value, stats: NetStats) -> None:
    """Finite float32 values of the shape type ``t`` promises, one per layer (layer level) or one."""
    vals = unstack(ev, t, value)
    assert len(vals) == (len(stats.layers) if t.level == "layer" else 1)
    for i, x in enumerate(vals):
        assert torch.isfinite(x).all() and x.dtype == torch.float32
        assert tuple(x.shape) == expected_shape(t, stats, i)


def expected_shape(t: type, stats: NetStats, i: int) -> tuple[int, ...]:
    layer, n = (stats.layers[i] if stats.layers else None), stats.batch_size
    return {"Wt": tuple(layer.W.shape), "At": tuple(layer.A.shape), "SqW": (layer.W.shape[0],) * 2,
            "SqB": (n, n), "NB": (n, n), "S": (), "NS": ()}[t.__name__]


def test_saswot_minus_and_nwot_evaluate(stats: NetStats) -> None:
    s1, s2 = evaluate(parse(SASWOT_MINUS), stats), evaluate(parse(NWOT), stats)
    assert s1.ok and s2.ok and math.isfinite(s1.value) and math.isfinite(s2.value)
    # Eq. 2 by hand: count of softmax(W) < relu(G) over all layers.
    want = sum(float((torch.softmax(l.W, 1) < torch.relu(l.G)).sum()) for l in stats.layers)
    assert s1.value == pytest.approx(want)
    assert s2.value == pytest.approx(float(torch.linalg.slogdet(stats.KH)[1]), rel=1e-5)


def test_random_trees_of_every_type_evaluate(stats: NetStats) -> None:
    rng = np.random.default_rng(1)
    for t in TYPES.values():
        graphs = [random_graph(rng, 1, 4, type_=t) for _ in range(25)]
        ev = Evaluator(stats)
        values = ev.values(graphs)
        assert sum(not hasattr(v, "reason") for v in values) >= 5  # most trees are valid
        for g, v in zip(graphs, values):
            assert g.type is t
            if hasattr(v, "reason"):
                assert isinstance(v.reason, str) and v.reason
            else:
                check_value(ev, t, v, stats)


def test_invalid_results_carry_reasons(stats: NetStats) -> None:
    cases = {
        "sum_layers(to_sum(exp(exp(exp(exp(A))))))": "non-finite after exp at layer",
        "sum_layers(to_sum(invert(relu(G))))": "non-finite after invert at layer 0",
        "sum_layers(slogdet(gram(IW)))": "",  # identity: log|det| = 0 is valid
        "slogdet(mul(KH, sub(KH, KH)))": "singular matrix in slogdet",
        "to_sum(log(sub(KH, KH)))": "non-finite after log",
    }
    scores = evaluate_many([parse(t) for t in cases], stats)
    for (text, reason), s in zip(cases.items(), scores):
        assert isinstance(s, Score)
        if reason:
            assert s.value is None and reason in s.invalid, (text, s)
        else:
            assert s.ok and s.value == 0.0


def test_failure_names_the_layer_inside_a_shape_group(stats: NetStats) -> None:
    ev = Evaluator(stats)
    assert [len(g) for g in ev.groups] == [1, 2, 1]  # conv1 and conv2 are evaluated as one batch
    layers = list(stats.layers)
    w = layers[2].W.clone()
    w[0, 0] = float("nan")
    layers[2] = LayerStats(**{**vars(layers[2]), "W": w})
    broken = NetStats(layers, stats.KH, stats.input_grad, stats.loss)
    s = evaluate(parse("sum_layers(to_sum(relu(G)))"), broken)
    assert s.ok
    s = evaluate(parse("sum_layers(to_sum(lt(softmax(W), relu(G))))"), broken)
    assert s.invalid == "non-finite after W at layer 2 (conv2)"
    s = evaluate(parse("sum_layers(slogdet(gram(sub(G, G))))"), stats)
    assert s.invalid == "singular matrix in slogdet at layer 0 (conv0)"
    per = ev.per_layer(ev.values([parse("to_sum(W)", root=None)])[0])
    assert [float(x) for x in per] == pytest.approx([float(l.W.sum()) for l in stats.layers], rel=1e-5)


def test_memoised_many_equals_individual(stats: NetStats) -> None:
    rng = np.random.default_rng(2)
    graphs = [random_graph(rng, 2, 5) for _ in range(60)] + [parse(SASWOT_MINUS)] * 2
    graphs += [parse("sum_layers(to_sum(gt(relu(relu(G)), noop(softmax(W)))))")]
    many = evaluate_many(graphs, stats)
    assert many == [evaluate(g, stats) for g in graphs]
    assert many[-1] == many[-2]  # an equivalent spelling scores the same
    ev = Evaluator(stats)
    ev.values(graphs)
    assert not ev._memo and not ev._refs  # every shared value freed after its last use


def test_fp16_stats_compute_in_float32(stats: NetStats) -> None:
    half = NetStats([LayerStats(l.name, l.kind, l.weight_shape, l.rows, l.W.half(), l.G.half(), l.A.half(),
                                l.units, l.act_units) for l in stats.layers], stats.KH, stats.input_grad, stats.loss)
    s = evaluate(parse("sum_layers(frobenius(W))"), half, device="cpu")
    assert s.ok and s.value == pytest.approx(evaluate(parse("sum_layers(frobenius(W))"), stats).value, rel=1e-2)


def test_sketched_sums_estimate_full_values() -> None:
    """Sum-type reductions of a sketch rescale by full/kept, so they estimate the unsketched value."""
    full, sk = real_stats(seed=3), real_stats(seed=3, keep_rows=4, keep_units=100)
    for text in ("sum_layers(to_sum(abs(W)))", "sum_layers(l1_norm(A))", "sum_layers(to_sum(KA))",
                 "sum_layers(to_sum(normalized_sum(A)))", "sum_layers(to_mean(pow(G)))"):
        a, b = evaluate(parse(text), full).value, evaluate(parse(text), sk).value
        assert b == pytest.approx(a, rel=0.35), text
    assert evaluate(parse("sum_layers(to_sum(normalized_sum(W)))"), sk).value == pytest.approx(len(sk.layers), rel=1e-5)


def test_non_root_graph_is_rejected_up_front(stats: NetStats) -> None:
    with pytest.raises(ValueError, match="must have type NS"):
        evaluate(parse("to_sum(W)", root=None), stats)
    assert NS is parse(NWOT).type


def test_compute_terminal_counts_the_multiply_accumulates(stats: NetStats) -> None:
    """Σ_layers M = the conv net's MACs per input: Σ C_out·H·W · C_in·k² (sketching does not change it)."""
    macs = 64 * (8 * 3 * 9 + 8 * 8 * 9 + 8 * 8 * 9 + 5 * 8 * 1)
    for s in (stats, real_stats(keep_rows=3, keep_units=40)):
        assert evaluate(parse("sum_layers(M)"), s).value == pytest.approx(macs)


def test_units_terminal_counts_the_activations(stats: NetStats) -> None:
    """Σ_layers U = the net's output units per input, Σ C_out·H·W, whatever the sketch keeps."""
    units = 64 * (8 + 8 + 8 + 5)
    for s in (stats, real_stats(keep_rows=3, keep_units=40)):
        assert evaluate(parse("sum_layers(U)"), s).value == pytest.approx(units)
        assert evaluate(parse("sum_layers(U)"), s).value == sum(L.act_units for L in s.layers)
