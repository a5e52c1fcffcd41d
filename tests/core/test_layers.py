"""The layers hold: no import cycle (function-level imports included), the core imports no domain,
the libraries import nothing of the portal, and a domain imports of another only what it declared public."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _module_name(path):
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules():
    return {_module_name(p): p for top in ("portal", "audit", "search_index") for p in (ROOT / top).rglob("*.py")}


def _imports(path, name, known):
    """Every module of ours that ``path`` imports, anywhere in it."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        out.update(t for t in targets if t in known and t != name)
    return out


def _graph():
    known = _modules()
    return {name: _imports(path, name, known) for name, path in known.items()}


def _cycles(graph):
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))
    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles():
    assert _cycles(_graph()) == []


def test_core_imports_no_domain_and_libraries_nothing_of_the_portal():
    graph = _graph()
    for name, targets in graph.items():
        if name.startswith("portal.core"):
            assert all(t.startswith(("portal.core", "audit", "search_index")) for t in targets), (name, targets)
        if name.startswith(("audit", "search_index")):
            assert not any(t.startswith("portal") for t in targets), (name, targets)


def test_domains_import_only_what_others_declared_public():
    from portal import domains
    public = {d.name: tuple(d.public) for d in domains()}
    bad = []
    for name, targets in _graph().items():
        parts = name.split(".")
        if parts[0] != "portal" or len(parts) < 2 or parts[1] not in public:
            continue
        for t in targets:
            tp = t.split(".")
            if len(tp) >= 2 and tp[1] in public and tp[1] != parts[1]:
                if not any(t == p or t.startswith(p + ".") for p in public[tp[1]]):
                    bad.append(f"{name} -> {t}")
    assert bad == []
