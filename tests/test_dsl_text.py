"""Text syntax: printer/parser round trip, canonical keys, error positions, and a seeded fuzzer."""

from __future__ import annotations

import time

import numpy as np
import pytest

from zeroseg.dsl import (
    TYPES, ProxyError, ProxyGraph, ProxySyntaxError, ProxyTypeError, canonical, graph_key, list_primitives,
    parse, random_graph, to_text,
)


def test_round_trip_10000_random_graphs() -> None:
    rng = np.random.default_rng(0)
    types = list(TYPES.values())
    for i in range(10_000):
        t = types[i % len(types)]
        g = random_graph(rng, 1, 5, type_=t)
        text = to_text(g)
        back = parse(text, root=None)
        assert back == g and back.type is t and hash(back) == hash(g)
        if i % 10 == 0:
            assert ProxyGraph.from_nx(g.nx) == g
        c = canonical(g)
        assert canonical(parse(to_text(c), root=None)) == c  # canonical form is a fixed point
        assert graph_key(back) == graph_key(g) == graph_key(c)


def test_equivalent_spellings_share_a_key() -> None:
    base = parse("sum_layers(to_sum(lt(softmax(W), relu(G))))")
    for other in ("sum_layers(to_sum(gt(relu(G), softmax(W))))", "sum_layers(noop(to_sum(lt(softmax(W), relu(relu(G))))))",
                  "  sum_layers ( to_sum( lt(softmax( W ),relu(G) ) ) )"):
        assert graph_key(parse(other)) == graph_key(base)
    assert graph_key(parse("add(slogdet(KH), sum_layers(P))")) == graph_key(parse("add(sum_layers(P), slogdet(KH))"))
    assert graph_key(parse("sub(slogdet(KH), sum_layers(P))")) != graph_key(parse("sub(sum_layers(P), slogdet(KH))"))
    assert graph_key(base) != graph_key(parse("sum_layers(to_sum(lt(softmax(G), relu(W))))"))


@pytest.mark.parametrize("text,error,pos,words", [
    ("sum_layers(to_sum(lt(softmax(W), relu(A))))", ProxyTypeError, 33, "argument 2 of lt has type At; expected Wt"),
    ("to_sum(W)", ProxyTypeError, 0, "type S, expected NS"),
    ("sum_layers(to_sum(foo(W)))", ProxySyntaxError, 18, "unknown primitive 'foo'"),
    ("sum_layers(to_sum(W)", ProxySyntaxError, 20, "expected ')'"),
    ("slogdet(KH) )", ProxySyntaxError, 12, "after a complete expression"),
    ("slogdet(KH(W))", ProxyTypeError, 8, "terminal"),
    ("slogdet(add(KH))", ProxyTypeError, 8, "takes 2 argument"),
    ("slogdet(KH$)", ProxySyntaxError, 10, "expected ')', got '$'"),
    ("sum_layers(gram(W))", ProxyTypeError, 11, "expected S or SqB"),
    ("", ProxySyntaxError, 0, "expected a name"),
    ("(" * 300, ProxySyntaxError, 0, "expected a name"),
    ("slogdet(" * 300 + "KH" + ")" * 300, ProxySyntaxError, None, "nesting deeper"),
])
def test_errors_name_position_and_expected_type(text: str, error: type, pos: int | None, words: str) -> None:
    with pytest.raises(error) as info:
        parse(text)
    assert words in str(info.value)
    if pos is not None:
        assert info.value.pos == pos and f"position {pos}" in str(info.value)


def _mutate(text: str, rng: np.random.Generator, names: list[str]) -> str:
    junk = list("(),  $#@\n\t1_xé") + names
    for _ in range(int(rng.integers(1, 4))):
        i = int(rng.integers(0, len(text) + 1))
        kind = rng.integers(4)
        if kind == 0:
            text = text[:i] + text[i + 1:]
        elif kind == 1:
            text = text[:i] + str(junk[int(rng.integers(len(junk)))]) + text[i:]
        elif kind == 2:
            j = int(rng.integers(0, len(text) + 1))
            text = text[:min(i, j)] + text[max(i, j):]
        else:
            text = text[:i] + text[i:][::-1]
    return text


def _soup(rng: np.random.Generator, names: list[str]) -> str:
    tokens = names + ["(", ")", ",", " ", "((", "))", "@", "0", "\x00", "λ"]
    return "".join(tokens[int(rng.integers(len(tokens)))] for _ in range(int(rng.integers(0, 30))))


def test_fuzz_10000_strings_never_crash_or_hang() -> None:
    rng = np.random.default_rng(7)
    names = list_primitives()
    outcomes = {"ok": 0, "syntax": 0, "type": 0}
    slowest = 0.0
    for i in range(10_000):
        base = to_text(random_graph(rng, 1, 4))
        text = _mutate(base, rng, names) if i % 2 else _soup(rng, names)
        start = time.perf_counter()
        try:
            g = parse(text, root=None if i % 3 else TYPES["NS"])
            outcomes["ok"] += 1
            assert parse(to_text(g), root=None) == g
        except ProxySyntaxError as e:
            outcomes["syntax"] += 1
            assert e.pos is not None and 0 <= e.pos <= len(text) and e.msg
        except ProxyTypeError as e:
            outcomes["type"] += 1
            assert e.pos is not None and 0 <= e.pos <= len(text) and e.msg
        slowest = max(slowest, time.perf_counter() - start)
    assert slowest < 0.5
    assert min(outcomes.values()) > 100, outcomes  # the fuzzer reaches every outcome
    assert issubclass(ProxySyntaxError, ProxyError) and issubclass(ProxyTypeError, ValueError)


def test_ill_typed_graphs_cannot_be_built() -> None:
    from zeroseg.dsl import At, Node, Wt

    with pytest.raises(ProxyTypeError, match="no signature for \\(Wt, At\\)"):
        ProxyGraph([Node("lt", Wt, (Wt, At)), Node("W", Wt), Node("A", At)])
    with pytest.raises(ProxyTypeError, match="argument 2 of lt is A: At, expected Wt"):
        ProxyGraph([Node("lt", Wt, (Wt, Wt)), Node("W", Wt), Node("A", At)])
    with pytest.raises(ProxyTypeError, match="missing arguments"):
        ProxyGraph([Node("lt", Wt, (Wt, Wt)), Node("W", Wt)])
    with pytest.raises(ProxyTypeError, match="left over"):
        ProxyGraph([Node("W", Wt), Node("G", Wt)])
    with pytest.raises(ProxyTypeError, match="accepts"):
        ProxyGraph.apply("sum_layers", ProxyGraph.terminal("W"))
    g = ProxyGraph.apply("sum_layers", ProxyGraph.apply("to_sum", ProxyGraph.terminal("W")))
    assert g == parse("sum_layers(to_sum(W))") and g.subtree(1) == parse("to_sum(W)", root=None)
