"""The import graph of gan_core has no cycles: a lower layer never imports a higher one, not even
inside a function (an import hidden in a function still ties the two modules together, and only
dodges the error at import time).

The graph is read with the standard library's `ast`, module- and function-level imports alike, so
this runs in CI without the project's tools. The whole package is checked; `KNOWN_CYCLES` would list a
group being untangled (none is left since issue 16): any other cycle, or a known group that grows, fails.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "gan_core"

# Cycles being removed; each may shrink, none may grow and no other may appear. None left.
KNOWN_CYCLES: list[set[str]] = []


def modules(root: Path = ROOT / PACKAGE) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file of the package (a package is its __init__)."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        name = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = path
    return out


def import_graph(mods: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the package's own modules it imports anywhere in its source (top level or in a function)."""

    def resolve(name: str) -> str | None:  # 'gan_core.models.ARCHS' -> 'gan_core.models'
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    edges: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: from . import x / from ..y import z
                    parts = mod.split(".") if is_pkg else mod.split(".")[:-1]
                    parts = parts[: len(parts) - node.level + 1]
                    base = ".".join(parts + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                targets = [base] + [f"{base}.{a.name}" for a in node.names]
            else:
                continue
            for t in targets:
                if t.split(".")[0] == PACKAGE and (r := resolve(t)) and r != mod:
                    edges[mod].add(r)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected groups of two or more modules (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[set[str]] = []
    counter = 0
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
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
                group = set()
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    group.add(w)
                    if w == v:
                        break
                if len(group) > 1:
                    out.append(group)
    return out


def test_the_checker_finds_a_cycle_hidden_in_a_function(tmp_path):
    pkg = tmp_path / PACKAGE
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "low.py").write_text("def f():\n    from gan_core.high import g\n")  # the dodge this test forbids
    (pkg / "high.py").write_text("from gan_core import low\n")
    (pkg / "sub" / "__init__.py").write_text("from gan_core.sub import fam\n")
    (pkg / "sub" / "fam.py").write_text("from . import helper\n")  # relative import of the package's name
    (pkg / "ok.py").write_text("import gan_core.low\n")
    found = cycles(import_graph(modules(pkg)))
    assert sorted(map(sorted, found)) == [["gan_core.high", "gan_core.low"], ["gan_core.sub", "gan_core.sub.fam"]]


def test_no_import_cycle_in_gan_core():
    found = cycles(import_graph(modules()))
    new = [sorted(g) for g in found if not any(g <= known for known in KNOWN_CYCLES)]
    assert not new, f"import cycles among gan_core modules (function-level imports count): {new}"


def test_the_core_layers_import_nothing_above_them():
    """The layers of DESIGN.md, from the bottom: messages, errors and registry (leaves; errors holds Msgs);
    config (imports only them);
    the components (data, models, losses, regularisers, noise, optimisers, accel), which never import
    the modules above them; components.py (imports every registrant); options (views of the
    declarations); checks (validation); then engine, run, manager, cli and the users of all that."""
    edges = import_graph(modules())
    # messages (Msg, the text the UI translates) is the leaf below errors: a ConfigError's message is a Msg
    assert edges["gan_core.messages"] == set() and edges["gan_core.registry"] == set()
    assert edges["gan_core.errors"] <= {"gan_core.messages"}
    assert edges["gan_core.config"] <= {"gan_core.errors", "gan_core.registry", "gan_core.messages"}
    components = {m for m in edges if m.startswith(("gan_core.models", "gan_core.data"))} | {
        "gan_core.noise", "gan_core.losses", "gan_core.regularizers", "gan_core.optim", "gan_core.accel"}
    upper = {"gan_core.components", "gan_core.options", "gan_core.checks", "gan_core.engine", "gan_core.run",
             "gan_core.manager", "gan_core.distributed", "gan_core.cli", "gan_core.train_command", "gan_core.toylab",
             "gan_core.pretrained",
             "gan_core.checkpoint"} | {m for m in edges if m.startswith("gan_core.metrics")}
    for comp in sorted(components):
        assert not edges[comp] & upper, (comp, edges[comp] & upper)
    assert not edges["gan_core.components"] & (upper - {"gan_core.components"})
    assert not edges["gan_core.options"] & (upper - {"gan_core.components", "gan_core.options"})
    assert not edges["gan_core.checks"] & (upper - {"gan_core.components", "gan_core.options", "gan_core.checks"})
