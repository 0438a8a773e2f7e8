"""Imports stay at the module top (the project standard: no import cycle hidden by a function-local
import; an import inside a function only when it is heavy and optional).

Checked with ``ast`` on every module of ``zeroseg/``: a function-local import of a zeroseg module must
be on ``ALLOWED`` (each entry says why it is deferred), one of a third-party package must be of a
package in ``HEAVY``; the module-level import graph of the package has no cycle (whatever module a
program imports first); and every module imports in a fresh interpreter.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "zeroseg"

# (importing module, imported zeroseg module) -> why the import waits for the function.
ALLOWED: dict[tuple[str, str], str] = {
    ("zeroseg.cli.main", "zeroseg.api"): "heavy (torch): only when --proxy-path is given",
    # zeroseg.scorers is imported by the search command's flags (the scorer registry): it loads no torch
    ("zeroseg.scorers.base", "zeroseg.data"): "heavy (torch): only when a setup's class count is read",
}

# third-party package -> (modules that may import it inside a function, why)
HEAVY: dict[str, tuple[str, str]] = {
    "matplotlib": ("zeroseg.", "heavy (~0.8 s, pyplot ~2 s): only when a plot is drawn"),
    "dask": ("zeroseg.", "heavy (dask.distributed ~1.5 s): only for a Dask cluster"),
    "joblib": ("zeroseg.", "heavy (~0.5 s with loky): only for local-process executors"),
    "onnx": ("zeroseg.", "optional extra (zeroseg[export]): only when exporting"),
    "onnxruntime": ("zeroseg.", "optional extra (zeroseg[export]): only when exporting"),
}


def module_files() -> dict[str, tuple[Path, bool]]:
    """Dotted name -> (file, is a package) for every module of the package."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_pkg else parts)] = (path, is_pkg)
    return out


MODULES = module_files()


def _absolute(node: ast.ImportFrom, module: str, is_pkg: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_pkg else module.split(".")[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def targets(node: ast.Import | ast.ImportFrom, module: str, is_pkg: bool, known=MODULES) -> list[str]:
    """The modules an import statement names: ``from pkg import sub`` names ``pkg.sub`` when that is a
    module, else ``pkg`` itself (a name defined there)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    name = _absolute(node, module, is_pkg)
    subs = [f"{name}.{a.name}" for a in node.names if f"{name}.{a.name}" in known]
    return subs + ([name] if len(subs) < len(node.names) else [])


def local_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Import statements inside a function or method body (at any depth)."""
    found = []

    def walk(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)) and in_function:
                found.append(child)
            walk(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    walk(tree, False)
    return found


def module_level_imports(body: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    """Imports run when the module is imported: top level, inside ``try``/``if`` blocks, except
    ``if TYPE_CHECKING:`` ones."""
    out: list[ast.Import | ast.ImportFrom] = []
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out.append(node)
        elif isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else test.attr if isinstance(test, ast.Attribute) else ""
            if name != "TYPE_CHECKING":
                out += module_level_imports(node.body)
            out += module_level_imports(node.orelse)
        elif isinstance(node, (ast.Try, ast.TryStar)):
            for block in (node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody):
                out += module_level_imports(block)
        elif isinstance(node, (ast.With, ast.For, ast.While)):
            out += module_level_imports(node.body)
    return out


def _parsed() -> dict[str, tuple[ast.Module, bool]]:
    return {m: (ast.parse(p.read_text(encoding="utf-8"), str(p)), pkg) for m, (p, pkg) in MODULES.items()}


def test_function_local_imports_are_heavy_and_optional() -> None:
    bad, used = [], set()
    for module, (tree, is_pkg) in _parsed().items():
        for node in local_imports(tree):
            for target in targets(node, module, is_pkg):
                where = f"{MODULES[module][0].relative_to(ROOT)}:{node.lineno} imports {target}"
                if target == "zeroseg" or target.startswith("zeroseg."):
                    if (module, target) in ALLOWED:
                        used.add((module, target))
                    else:
                        bad.append(where + " inside a function: import it at the top (break a cycle by "
                                   "moving the code to the module that owns it), or, if heavy and "
                                   "optional, add it to ALLOWED with the reason")
                    continue
                scope = HEAVY.get(target.split(".")[0])
                if scope is None or not module.startswith(scope[0]):
                    bad.append(where + " inside a function: import it at the top, or add the package to HEAVY")
    assert not bad, "\n".join(bad)
    stale = sorted(set(ALLOWED) - used)
    assert not stale, f"ALLOWED entries no module needs any more (remove them): {stale}"


def test_module_level_imports_have_no_cycle() -> None:
    edges: dict[str, set[str]] = {}
    for module, (tree, is_pkg) in _parsed().items():
        edges[module] = {t for n in module_level_imports(tree.body) for t in targets(n, module, is_pkg)
                         if t in MODULES and t != module}
    # Tarjan's strongly connected components (iterative: no recursion limit)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            v, children = work[-1]
            w = next(children, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(edges[w]))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    cycles.append(sorted(comp))
    detail = ["; ".join(f"{m} -> {sorted(edges[m] & set(c))}" for m in c) for c in cycles]
    assert not cycles, "module-level import cycles:\n" + "\n".join(detail)


def test_every_module_imports_in_a_fresh_interpreter() -> None:
    names = sorted(m for m in MODULES if not m.endswith("__main__"))  # __main__ runs the CLI
    code = (
        "import importlib, traceback\n"
        f"for name in {names!r}:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception:\n"
        "        print('FAILED', name, traceback.format_exc(limit=-3))\n"
    )
    path = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT,
                         env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "FAILED" not in out.stdout, out.stdout[-5000:]


def test_the_checker_sees_nested_imports_and_skips_type_checking() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import zeroseg.api\n"
        "try:\n    import zeroseg.paths\nexcept ImportError:\n    pass\n"
        "class A:\n    def f(self):\n        def g():\n            from zeroseg.data import base\n"
        "lam = lambda: __import__('x')\n"
    )
    known = {"zeroseg.data", "zeroseg.data.base"}
    assert [targets(n, "zeroseg.x", False, known) for n in local_imports(tree)] == [["zeroseg.data.base"]]
    assert [t for n in module_level_imports(tree.body) for t in targets(n, "zeroseg.x", False, known)] == [
        "typing", "zeroseg.paths"]
