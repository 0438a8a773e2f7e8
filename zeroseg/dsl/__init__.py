"""The typed proxy DSL (issue 3; SasWOT §Search space): types, primitives, graphs, text, DEAP, evaluation.

Public API::

    parse(text, root=NS) -> ProxyGraph          to_text(graph) -> str
    canonical(graph) -> ProxyGraph              graph_key(graph) -> str
    ProxyGraph.terminal(name) / .apply(op, *args), .type, .text, .nx, .nodes, .children
    random_graph(rng, min_depth, max_depth, type_=NS, method="half") -> ProxyGraph
    make_pset() -> deap.gp.PrimitiveSetTyped     to_deap(graph, pset), from_deap(tree)
    evaluate(graph, stats, device=None) -> Score evaluate_many(graphs, stats, device=None) -> [Score]
    Evaluator(stats, device).values(graphs) (any root type), .per_layer(value), .groups
    PoolEvaluator([stats, …], device).scores(graphs) -> (values[graph, net], reasons)  (many nets at once)
    list_primitives(**contract) / get_primitive(name) (.obj, .sigs, .arity, .kind, .sketch, …)
"""

from .canonical import canonical, graph_key
from .deap_bridge import from_deap, make_pset, to_deap
from .evaluate import Evaluator, Score, evaluate, evaluate_many
from .generate import random_graph
from .graph import Node, ProxyGraph
from .parser import parse, to_text
from .pool import PoolEvaluator
from .primitives import Invalid, get_primitive, list_primitives
from .types import NB, NS, ROOT, TYPES, S, At, ProxyError, ProxySyntaxError, ProxyTypeError, SqB, SqW, Wt

__all__ = [
    "At", "Evaluator", "Invalid", "NB", "NS", "Node", "ProxyError", "ProxyGraph", "ProxySyntaxError",
    "ProxyTypeError", "ROOT", "S", "Score", "SqB", "SqW", "TYPES", "Wt", "canonical", "evaluate",
    "evaluate_many", "from_deap", "get_primitive", "graph_key", "list_primitives", "make_pset",
    "PoolEvaluator", "parse", "random_graph", "to_deap", "to_text",
]
