"""Every module the code and the tests import comes from what pyproject declares for them.

CI installs the project with the test extra only; a developer's venv often has more (the bench extra, a tool
installed by hand). A test that imported a package only the bench extra brought (aiohttp, for socketio's
AsyncClient) passed on every developer machine and failed in CI as a bare "Unexpected connection error".
This reads the imports with ast and follows the declared requirements through the installed metadata; the
features that a package only brings with one of its extras (its import works without) are named below."""
import ast
import importlib.metadata as md
import pathlib
import sys
import tomllib

from packaging.requirements import Requirement

# (module, attribute used) -> (distribution, extra it needs): importing works without the extra, using fails
NEEDS_EXTRA = {
    ("socketio", "AsyncClient"): ("python-socketio", "asyncio-client"),
    ("engineio", "AsyncClient"): ("python-engineio", "asyncio-client"),
}

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def normal(name):
    return name.lower().replace("_", "-")


def closure(requirement_lines):
    """The distributions the lines install, with their own requirements, each with the extras asked of it."""
    seen, todo = set(), [Requirement(line) for line in requirement_lines]
    while todo:
        req = todo.pop()
        key = (normal(md.distribution(req.name).metadata["Name"]), frozenset(normal(e) for e in req.extras))
        if key in seen:
            continue
        seen.add(key)
        for line in md.requires(req.name) or []:
            sub = Requirement(line)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in req.extras | {""}):
                todo.append(sub)
    return seen


def imported_top_modules(folders):
    """{top module: a file importing it}, and {(module, attribute): a file using it} for NEEDS_EXTRA."""
    found, features = {}, {}
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                    if (node.value.id, node.attr) in NEEDS_EXTRA:
                        features.setdefault((node.value.id, node.attr), str(path.relative_to(ROOT)))
                    continue
                if isinstance(node, ast.ImportFrom) and node.module:
                    for alias in node.names:
                        if (node.module, alias.name) in NEEDS_EXTRA:
                            features.setdefault((node.module, alias.name), str(path.relative_to(ROOT)))
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return found, features


def local_modules():
    names = {p.stem for p in ROOT.glob("*.py")} | {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}
    names |= {p.stem for p in (ROOT / "tests").rglob("*.py")}  # conftest-path helpers (live_helpers, …)
    names |= {p.stem for p in (ROOT / "audit").glob("_*.so")} | {"_scanloop"}
    return names


def undeclared(folders, requirement_lines):
    installed = closure(requirement_lines)
    allowed = {name for name, _ in installed}
    providers = md.packages_distributions()
    missing = {}
    modules, features = imported_top_modules(folders)
    for (module, attribute), where in features.items():
        dist, extra = NEEDS_EXTRA[(module, attribute)]
        if not any(name == dist and extra in extras for name, extras in installed):
            missing[f"{module}.{attribute}"] = (where, f"needs {dist}[{extra}]")
    for module, where in modules.items():
        if module in sys.stdlib_module_names or module in local_modules():
            continue
        dists = {normal(d) for d in providers.get(module, [])}
        if not dists & allowed:
            missing[module] = (where, sorted(dists) or "not installed")
    return missing


def test_the_portal_imports_only_what_its_dependencies_install():
    assert undeclared(["portal", "audit", "search_index"], PROJECT["dependencies"]) == {}


def test_the_tests_import_only_what_the_test_extra_installs():
    lines = PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]
    assert undeclared(["tests"], lines) == {}
