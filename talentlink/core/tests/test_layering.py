"""The apps are layered (docs/contracts.md, "Layers"): an app imports only apps of lower layers, core
imports no domain app, and no two apps import each other through any path. An app asks a higher
one through an AppConfig hook instead (menus, desk panels, demo data, entitlements, merges).

The imports are read from the source (every ``import``, also inside functions: a lazy import is
a dependency all the same), so a new arrow the wrong way fails here before it becomes a cycle."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]  # talentlink/

# docs/contracts.md, "Layers": lower numbers are imported by higher ones, never the reverse.
LAYERS = {
    "core": 0,
    "registry": 1,
    "indicators": 1,  # the plans' targets: counts come through the indicator_actuals hook
    "credentials": 2,
    "experts": 2,
    "talentcode": 2,
    "benefits": 3,
    "market": 3,  # employers' jobs, résumés and matching: reads registry, credentials and experts' fields
}

# Arrows against the layers that are known and on their way out, with the reason; each must still
# exist (remove it here once it is gone), and none may be added.
KNOWN: dict[tuple[str, str], str] = {}

Edges = dict[tuple[str, str], list[str]]


def _apps() -> set[str]:
    return {path.name for path in ROOT.iterdir() if (path / "apps.py").exists()}


def _imported(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            # ``from talentlink import benefits`` names the app in the imported names.
            if node.module == "talentlink":
                found += [(node.lineno, f"talentlink.{alias.name}") for alias in node.names]
    return found


def import_graph(root: Path = ROOT) -> Edges:
    """(importing app, imported app) → where, for every module of the apps but tests and migrations."""
    apps = {path.name for path in root.iterdir() if (path / "apps.py").exists()}
    edges: Edges = defaultdict(list)
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if parts[0] not in apps or "tests" in parts or "migrations" in parts:
            continue
        for line, module in _imported(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            names = module.split(".")
            if names[0] == "talentlink" and len(names) > 1 and names[1] in apps and names[1] != parts[0]:
                edges[(parts[0], names[1])].append(f"talentlink/{'/'.join(parts)}:{line} imports {module}")
    return dict(edges)


def cycles(edges: Edges) -> list[list[str]]:
    """The groups of apps that reach each other (strongly connected components of two or more)."""
    successors: dict[str, set[str]] = defaultdict(set)
    for source, target in edges:
        successors[source].add(target)
    nodes = sorted({app for edge in edges for app in edge})

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in successors[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    reachable = {node: reach(node) for node in nodes}
    groups: list[list[str]] = []
    for node in nodes:
        group = sorted(other for other in nodes if other in reachable[node] and node in reachable[other])
        if len(group) > 1 and group not in groups:
            groups.append(group)
    return groups


def _where(edges: Edges, pairs: list[tuple[str, str]]) -> str:
    return "\n".join(f"{a} → {b}: {w}" for a, b in pairs for w in edges[(a, b)])


def test_every_app_has_a_layer():
    missing = _apps() - LAYERS.keys()
    assert not missing, f"apps without a layer: {sorted(missing)}; add them to docs/contracts.md and LAYERS"


def test_no_cycle_between_apps():
    edges = {edge: where for edge, where in import_graph().items() if edge not in KNOWN}
    found = cycles(edges)
    assert not found, (
        "apps that import each other: "
        + "; ".join(" ↔ ".join(g) for g in found)
        + ("\n" + _where(edges, [e for e in edges if any(set(e) <= set(g) for g in found)]))
    )


def test_core_imports_no_domain_app():
    edges = import_graph()
    wrong = [edge for edge in edges if edge[0] == "core" and edge not in KNOWN]
    assert not wrong, "core imports a domain app (use an AppConfig hook):\n" + _where(edges, wrong)


def test_arrows_point_down_the_layers():
    edges = import_graph()
    wrong = [(a, b) for a, b in edges if LAYERS.get(b, 99) >= LAYERS.get(a, 99) and (a, b) not in KNOWN]
    assert not wrong, "imports against the layers of docs/contracts.md:\n" + _where(edges, wrong)


def test_the_known_exceptions_still_exist():
    gone = [edge for edge in KNOWN if edge not in import_graph()]
    assert not gone, f"no longer imported, remove from KNOWN and docs/contracts.md: {gone}"


def test_the_checks_see_a_cycle_and_an_arrow_from_core(tmp_path):
    """The reader itself: a cycle through a function-level import, and core importing an app."""
    for app, body in {
        "core": "from talentlink.alpha import services\n",
        "alpha": "def f():\n    from talentlink.beta.selectors import g\n",
        "beta": "import talentlink.alpha.models\n",
    }.items():
        (tmp_path / app).mkdir()
        (tmp_path / app / "apps.py").write_text("")
        (tmp_path / app / "services.py").write_text(body)
        (tmp_path / app / "tests").mkdir()
        (tmp_path / app / "tests" / "test_x.py").write_text("import talentlink.core\n")
    edges = import_graph(tmp_path)
    assert set(edges) == {("core", "alpha"), ("alpha", "beta"), ("beta", "alpha")}
    assert cycles(edges) == [["alpha", "beta"]]


@pytest.mark.parametrize(("source", "target"), sorted(KNOWN))
def test_known_exceptions_are_documented(source, target):
    text = (ROOT.parent / "docs" / "contracts.md").read_text(encoding="utf-8")
    assert f"{source} → {target}" in text
