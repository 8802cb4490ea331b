"""Architecture rules made executable: every import of the project's own code, read with `ast`.

Imports inside functions count as much as those at the top of a module: they run too.
"""

import ast
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOP_LEVEL = ("plateforme", "tenants", "config")
LAYERS = {"core": 0, "audit": 1, "access": 2, "collectivite": 3, "hosts": 4, "agents": 4,
          "tax": 5, "declarations": 6, "payments": 7, "recovery": 8, "console": 9, "demo": 10}
AGGREGATORS = {"tenants", "tenants.models"}  # they import every package: no layer of their own
#: Besides the views, the modules whose very job is the request: who is there, what they may
#: reach, which menu entry is the current one, what a page declares of itself. Services take
#: values, never the request.
REQUEST_BOUND = {"tenants.access.identity", "tenants.access.rules", "tenants.core.navigation",
                 "tenants.core.pages"}
REQUEST_STATE = {"request", "g", "session"}
#: The tax engine and what it reads are pure: the standard library only (and defusedxml for the
#: DGFiP's file), no Flask, no SQLAlchemy, nothing of the rest of the product; so is the reader
#: of the hosts' registers and booking platforms' exports.
PURE = {"tenants.tax.calculation", "tenants.tax.law", "tenants.tax.delta",
        "tenants.declarations.sources"}
PURE_LIBRARIES = {"defusedxml"}


def collect_modules(root: Path) -> dict[str, Path]:
    """Dotted name → file for every module of the project; a package is named by its __init__."""
    modules = {}
    for top in TOP_LEVEL:
        for path in sorted((root / top).rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            parts = path.relative_to(root).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def module_imports(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[int, str]]:
    """(line, imported module) for every import of the file, at any depth of its tree.

    `from X import name` imports the module X.name when it exists, else X; relative imports are
    resolved against the file's package.
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1] + ([base] if base else [])
                base = ".".join(parts)
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.append((node.lineno, target if target in modules else base))
    return sorted(set(found))


def feature(module: str) -> str | None:
    """The package of tenants/ a module belongs to (None for the aggregators and the rest)."""
    parts = module.split(".")
    if parts[0] != "tenants" or module in AGGREGATORS or len(parts) < 2:
        return None
    return parts[1]


def import_violations(importer: str, where: str, target: str) -> list[str]:
    """Rules 1 to 4 for one import: `importer` imports `target`, at `where` (file:line)."""
    found = []
    said = f"{where}: imports {target}"
    parts = target.split(".")
    if parts[0] == "tenants" and parts[-1].startswith("views_"):
        if importer != target.rpartition(".")[0]:
            found.append(f"{said}: a views_ module is imported only by its own package's "
                         "__init__.py, which registers its blueprint")
    if importer.startswith("plateforme") and parts[0] == "tenants" and importer != "plateforme":
        found.append(f"{said}: only plateforme/__init__.py imports tenants (the app factory "
                     "hands the tenants their app; plateforme never names a tenant feature)")
    mine, theirs = feature(importer), feature(target)
    if mine is None or mine not in LAYERS or mine == theirs:
        return found
    if target in AGGREGATORS:
        found.append(f"{said}: a package never imports an aggregator, which imports it back")
    elif theirs == "console":
        found.append(f"{said}: features never import the console's shell")
    elif theirs in LAYERS and LAYERS[theirs] == LAYERS[mine]:
        found.append(f"{said}: {mine} and {theirs} share layer {LAYERS[mine]}, "
                     "and packages of the same layer never import each other")
    elif theirs in LAYERS and LAYERS[theirs] > LAYERS[mine]:
        found.append(f"{said}: {mine} (layer {LAYERS[mine]}) imports {theirs} "
                     f"(layer {LAYERS[theirs]}): a package imports only lower layers")
    return found


def request_lines(path: Path) -> list[int]:
    """Lines of a file that import Flask's request, g or session."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return sorted(node.lineno for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                  and node.module == "flask"
                  and REQUEST_STATE & {alias.name for alias in node.names})


def commit_lines(path: Path) -> list[int]:
    """Lines of a file that call something's `.commit()`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return sorted(node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call)
                  and isinstance(node.func, ast.Attribute) and node.func.attr == "commit")


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Components of more than one module (Tarjan's algorithm, iterative: no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components = []
    for start in sorted(graph):
        if start in index:
            continue
        index[start] = low[start] = len(index)
        stack.append(start)
        work = [(start, iter(sorted(graph[start])))]
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = stack[stack.index(node):]
                del stack[stack.index(node):]
                if len(component) > 1:
                    components.append(sorted(component))
    return components


def violations(root: Path) -> list[str]:
    """Every rule broken by the tree under root, one human-readable line each."""
    modules = collect_modules(root)
    found = []
    graph: dict[str, set[str]] = {name: set() for name in modules}
    edges: dict[tuple[str, str], str] = {}
    for name, path in modules.items():
        rel = path.relative_to(root).as_posix()
        for line, target in module_imports(name, path, modules):
            found += import_violations(name, f"{rel}:{line}", target)
            if target in modules and target != name:
                graph[name].add(target)
                edges.setdefault((name, target), f"{rel}:{line} imports {target}")
        if name in PURE:
            found += [f"{rel}:{line}: imports {target}: the tax engine is pure (the standard "
                      "library only, no Flask, no SQLAlchemy)"
                      for line, target in module_imports(name, path, modules)
                      if target not in PURE and target.split(".")[0] not in
                      (sys.stdlib_module_names | PURE_LIBRARIES) and target != "__future__"]
        if path.name.startswith("views_") and name.startswith("tenants."):
            found += [f"{rel}:{line}: calls .commit(): views run their transaction through "
                      "db.attempt" for line in commit_lines(path)]
        elif name.startswith("tenants.") and name not in REQUEST_BOUND:
            found += [f"{rel}:{line}: imports Flask's request, g or session: services take "
                      "values (a session, an Actor), the views read the request"
                      for line in request_lines(path)]
    for package in sorted({feature(name) for name in modules} - set(LAYERS) - {None}):
        path = root / "tenants" / package
        rel = path.relative_to(root).as_posix() + ("/" if path.is_dir() else ".py")
        found.append(f"{rel}: tenants.{package} has no layer in LAYERS: declare its layer")
    for component in strongly_connected(graph):
        steps = "; ".join(edges[(a, b)] for a in component for b in sorted(graph[a])
                          if b in component)
        found.append(f"import cycle among {', '.join(component)}: {steps}")
    return sorted(found)


def test_the_project_follows_its_layers():
    found = violations(ROOT)
    assert found == [], "\n" + "\n".join(found)


# --- The rules on small synthetic trees -----------------------------------------------------

CLEAN_TREE = {
    "config/__init__.py": "DEBUG = False\n",
    "plateforme/__init__.py": "def create_app():\n    import tenants\n    return tenants\n",
    "plateforme/cli.py": "from plateforme import database\n",
    "plateforme/database.py": "db = None\n",
    "tenants/__init__.py": "def init_app(app):\n    from tenants import agents, hosts\n",
    "tenants/models.py": "from tenants.agents import models\nfrom tenants.hosts import models\n",
    "tenants/core/__init__.py": "",
    "tenants/core/validation.py": "def check(value):\n    return value\n",
    "tenants/hosts/__init__.py": "def init_app(app):\n    from . import views_host\n",
    "tenants/hosts/models.py": "from plateforme.database import db\n"
                               "from tenants.core import validation\n",
    "tenants/hosts/views_host.py": "from plateforme.database import db\n"
                                   "from tenants.hosts import models\n\n\n"
                                   "def save():\n    db.attempt(models.save)\n",
    "tenants/agents/__init__.py": "",
    "tenants/agents/models.py": "from ..core.validation import check\n",
    "tenants/console/__init__.py": "def init_app(app):\n    from . import views_console\n",
    "tenants/console/views_console.py": "from tenants.agents import models\n"
                                         "from tenants.hosts.models import db\n",
}


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def tree(tmp_path):
    """A clean tree: each test adds the one module or line that breaks a rule."""
    return write(tmp_path, CLEAN_TREE)


def test_a_clean_tree_has_no_violation(tree):
    assert violations(tree) == []


@pytest.mark.parametrize(("name", "text"), [
    ("tenants/hosts/__init__.py", "from tenants.hosts import views_host\n"),
    ("plateforme/__init__.py", "def create_app():\n    import tenants.hosts.models\n"),
    ("tenants/console/shell.py", "from tenants.hosts.models import db\nfrom ..core import check\n"),
    ("tenants/hosts/services.py", "from . import models\n\n\ndef save():\n"
                                  "    models.db.session.commit()\n"),
    ("tenants/demo/__init__.py", "from tenants.core.validation import check\n"),
    ("tenants/hosts/views_host.py", "from flask import g, request, session\n"),
    ("tenants/hosts/services.py", "from flask import current_app\n"),
])
def test_what_the_rules_allow(tree, name, text):
    write(tree, {name: text})
    assert violations(tree) == []


@pytest.mark.parametrize(("name", "text", "keyword"), [
    ("tenants/core/bad.py", "from tenants.hosts import models\n", "lower layers"),
    ("tenants/core/bad.py", "def late():\n    import tenants.hosts.models\n", "lower layers"),
    ("tenants/core/bad.py", "from ..hosts.models import db\n", "lower layers"),
    ("tenants/hosts/bad.py", "from tenants import agents\n", "same layer"),
    ("tenants/console/bad.py", "from tenants.hosts.views_host import save\n", "views_"),
    ("tenants/hosts/bad.py", "import tenants.console\n", "console's shell"),
    ("plateforme/cli.py", "def run():\n    from tenants import hosts\n", "plateforme/__init__"),
    ("tenants/hosts/views_host.py", "from plateforme.database import db\n\n\ndef save():\n"
                                    "    db.session.commit()\n", "db.attempt"),
    ("tenants/hosts/services.py", "from flask import current_app, request\n", "services take"),
    ("tenants/tax/calculation.py", "import sqlalchemy\n", "pure"),
])
def test_each_rule_reports_its_violation(tree, name, text, keyword):
    write(tree, {name: text})
    found = violations(tree)
    assert len(found) == 1 and found[0].startswith(name) and keyword in found[0], found


def test_a_package_without_a_layer_is_reported_once(tree):
    write(tree, {"tenants/billing/__init__.py": "", "tenants/billing/models.py": "import os\n"})
    assert violations(tree) == [
        "tenants/billing/: tenants.billing has no layer in LAYERS: declare its layer"]


def test_a_cycle_through_an_import_inside_a_function_is_reported(tree):
    write(tree, {"tenants/core/a.py": "from tenants.core import b\n",
                 "tenants/core/b.py": "def late():\n    from . import a\n"})
    [found] = violations(tree)
    assert found.startswith("import cycle among tenants.core.a, tenants.core.b"), found
    assert "tenants/core/a.py:1" in found and "tenants/core/b.py:2" in found, found


def test_importing_a_module_does_not_count_its_packages_init_as_an_edge(tree):
    write(tree, {"tenants/hosts/__init__.py": "from tenants.hosts import views_host\n"})
    assert violations(tree) == []  # views_host imports tenants.hosts.models, not tenants.hosts


def test_a_forbidden_import_added_to_the_real_tree_is_caught(tmp_path):
    ignore = shutil.ignore_patterns("__pycache__")
    for top in ("tenants", "plateforme"):
        shutil.copytree(ROOT / top, tmp_path / top, ignore=ignore)
    write(tmp_path, {"tenants/core/bad.py": "from tenants.hosts import models\n"})
    new = set(violations(tmp_path)) - set(violations(ROOT))
    assert any(line.startswith("tenants/core/bad.py:1:") for line in new), new
