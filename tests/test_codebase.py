"""The codebase keeps its shape: formatted, linted, type-checked, layered, no cycles, small modules.

These run the same tools a developer runs (``ruff format --check``, ``ruff check``, ``mypy``), and
check the layering rules of docs/architecture.md on the source itself (imports read with ``ast``,
in-function imports included), so that a change breaking the shape fails the suite, not a review.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("lfo", "etl", "dashboard")
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 80
#: Functions allowed over MAX_FUNCTION_LINES, each with its reason.
LONG_FUNCTIONS: dict[str, str] = {
    "lfo.indicators.definitions._measure_indicators": "the catalogue of outcome indicators: "
    "one declarative entry per indicator, read top to bottom against indicators.md",
    "etl.synthetic.faulty.write_faulty": "one faulty return per finding code of the spec, "
    "each a few lines; splitting would scatter the list the tests walk",
    "etl.template.columns": "the template's columns as the spec lists them: a declarative table",
}


def product_modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            yield name, path


MODULES = dict(product_modules())


def imported_modules(path: Path, own: str) -> set[str]:
    """Every product module ``path`` imports, at the top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {m for m in found if m in MODULES and m != own}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


@pytest.mark.slow
def test_every_file_is_formatted_by_ruff():
    done = _run("ruff", "format", "--check", ".")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_ruff_finds_nothing():
    done = _run("ruff", "check", ".")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_mypy_finds_nothing_strict_for_the_core_package():
    done = _run("mypy")
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_import_cycles_among_product_modules():
    graph = {name: imported_modules(path, name) for name, path in MODULES.items()}
    # a package's __init__ imported by its own submodules is how Python loads them, not a cycle
    for name in graph:
        graph[name] = {m for m in graph[name] if not name.startswith(m + ".")}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("lfo", ("etl", "dashboard", "dash", "flask")),
        ("etl", ("dashboard", "dash", "flask")),
        ("dashboard.present", ("dash", "dash_bootstrap_components", "flask", "sqlalchemy")),
    ],
)
def test_each_layer_imports_only_what_is_below_it(layer, forbidden):
    wrong = []
    for name, path in MODULES.items():
        if name != layer and not name.startswith(layer + "."):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            wrong += [f"{name} imports {n}" for n in names if n.split(".")[0] in forbidden]
    assert not wrong, "\n".join(wrong)


def test_no_product_module_is_over_450_lines():
    long = {
        name: n
        for name, path in MODULES.items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, long


def test_functions_over_80_lines_are_few_and_give_their_reason():
    long = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                if size > MAX_FUNCTION_LINES:
                    long[f"{name}.{node.name}"] = size
    unexplained = {k: v for k, v in long.items() if k not in LONG_FUNCTIONS}
    assert not unexplained, unexplained
    assert len(long) <= 5


def test_pyproject_dependencies_are_the_pinned_runtime_requirements():
    """``pip install .`` asks for what requirements.txt pins (and nothing it does not)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {Requirement(r).name.lower(): Requirement(r) for r in project["dependencies"]}
    pinned = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            req = Requirement(line)
            pinned[req.name.lower()] = next(iter(req.specifier)).version
    pinned.pop("psycopg-binary")  # psycopg[binary] in pyproject
    assert set(wanted) == set(pinned)
    for name, req in wanted.items():
        assert req.specifier.contains(pinned[name]), f"{name}: {req} does not allow {pinned[name]}"


def test_the_project_is_installed_from_its_pyproject():
    """``scripts/install.sh`` installs the project (``pip install -e .``): its metadata and the
    ``lfo-etl`` command come from pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dist = metadata.distribution(project["name"])
    assert dist.version == project["version"]
    assert {e.name for e in dist.entry_points} == set(project["scripts"])


def test_presenters_load_no_dash_even_through_what_they_import():
    """The presenters are pure: importing every one of them (in a fresh interpreter) loads no
    Dash, so they are unit-tested without a server or a browser."""
    names = [n for n in MODULES if n.startswith("dashboard.present.")]
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'dash', 'dash_bootstrap_components'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
