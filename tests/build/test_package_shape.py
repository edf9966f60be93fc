"""The package's shape: no import cycle among pyapp's modules (an import inside a function counts too),
and no Python module of the repository over 400 lines (pyapp, the build, the training code, the tests).
Read from the source with ``ast``, so pyapp/page (which needs the browser) is checked as well."""
from __future__ import annotations

import ast
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PYAPP = REPO / "pyapp"
MAX_LINES = 400
# Top-level folders that are not the repository's own code: npm packages, the site, setuptools' output.
NOT_OURS = {"node_modules", "dist", "build"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PYAPP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, modules: set[str]) -> set[str]:
    """The pyapp modules ``path`` imports, anywhere in it ("from . import x" counts x when x is a module)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            base = f"{base}.{node.module}" if node.level and node.module else (base if node.level else node.module)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {m for m in found if m in modules and m != name}


def graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in PYAPP.rglob("*.py")}
    modules = set(paths)
    # A package's __init__ runs before its modules, but "pyapp.views" importing nothing is what matters here.
    return {name: {m for m in imports(path, modules) if not name.startswith(m + ".")} for name, path in paths.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle_in_pyapp():
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_a_late_import_counts():
    edges = graph()
    assert "pyapp.views.parts.frames" in edges["pyapp.views.parts.code_panel"]
    assert "pyapp.views.detail.registry" in edges["pyapp.ui.state"]


def python_modules() -> list[Path]:
    """Every .py file of the repository, outside hidden folders (.venv, .cache, .git) and NOT_OURS."""
    found = []
    for folder, subfolders, files in os.walk(REPO):
        top = Path(folder) == REPO
        subfolders[:] = [f for f in subfolders if not (f.startswith(".") or f == "__pycache__"
                                                       or (top and f in NOT_OURS))]  # never walked into
        found += [Path(folder) / name for name in files if name.endswith(".py")]
    return found


def test_the_line_limit_covers_the_build_and_the_training_code():
    names = {p.relative_to(REPO).as_posix() for p in python_modules()}
    assert {"build.py", "sitebuild/steps.py", "training/train.py", "pyapp/__init__.py"} <= names
    assert not any(name.startswith("node_modules/") for name in names)


def test_no_module_over_400_lines():
    long = {p.relative_to(REPO).as_posix(): n for p in python_modules()
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}
