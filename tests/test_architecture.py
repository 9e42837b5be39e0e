"""The seams between apps: no import cycle, hook points with their listeners, docs that match.

The dependency direction is grid ← grievances ← mediation / legalqa / pufa_media / …
(docs/architecture.md). An app that must react to another's events registers a listener on
the emitter's hook point (grid/hooks.py) instead of being imported by it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from grid import hooks
from grid.hooks import HookPoint, Phase, check_required_listeners

BASE = Path(settings.BASE_DIR)
ARCHITECTURE = BASE / "docs" / "architecture.md"

# Listeners the project relies on: without them the clocks stop or disputes lose their case.
REQUIRED_LISTENERS = {
    "grievances.event_recorded": ["grievances.deadlines.services.handle_grievance_events",
                                  "audit.listeners.on_grievance_events"],
    "grievances.dispatched_to_mediation": ["mediation.services.cases.on_dispatched_to_mediation"],
    "mediation.decision_recorded": ["audit.listeners.on_mediation_decision"],
    "lawyers.decision_recorded": ["audit.listeners.on_qa_decision"],
    "grid.personal_data_accessed": ["audit.listeners.on_personal_data_accessed"],
}


# ----------------------------------------------------------------------------- the import graph


def local_apps() -> list[str]:
    """The project's own Django apps (nested ones such as grievances.deadlines included)."""
    return sorted(c.name for c in apps.get_app_configs()
                  if Path(c.path).resolve().is_relative_to(BASE.resolve())
                  and "site-packages" not in Path(c.path).parts)  # CI's .venv lives inside the checkout


def app_of(module: str, names: list[str]) -> str | None:
    owners = [a for a in names if module == a or module.startswith(a + ".")]
    return max(owners, key=len) if owners else None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, *, module_level_only: bool):
    """Yield import nodes; with module_level_only, those that run when the module is
    imported (not inside a function body, not under ``if TYPE_CHECKING``)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
            continue
        if module_level_only and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _targets(node, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = node.module or ""
    if node.level:
        parts = module.split(".")
        keep = len(parts) - node.level + (1 if is_package else 0)
        base = ".".join(parts[:keep] + ([base] if base else []))
    return [base] + [f"{base}.{a.name}" for a in node.names]


def import_edges(*, module_level_only: bool, names: list[str]) -> dict[tuple[str, str], list[str]]:
    """(importing app, imported app) -> the import lines that make the edge."""
    edges: dict[tuple[str, str], list[str]] = {}
    for top in sorted({n.split(".")[0] for n in names}):
        for path in sorted((BASE / top).rglob("*.py")):
            rel = path.relative_to(BASE)
            if "migrations" in rel.parts:
                continue
            is_package = path.name == "__init__.py"
            module = ".".join(rel.with_suffix("").parts[:-1] if is_package else rel.with_suffix("").parts)
            src = app_of(module, names)
            for node in _imports(ast.parse(path.read_text(encoding="utf-8")), module_level_only=module_level_only):
                for target in _targets(node, module, is_package):
                    dst = app_of(target, names)
                    if dst and dst != src:
                        edges.setdefault((src, dst), []).append(f"{rel}:{node.lineno} imports {target}")
    return edges


def find_cycle(edges) -> list[str] | None:
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(n):
        state[n] = 1
        path.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return path[path.index(m):] + [m]
            if m not in state and (found := visit(m)):
                return found
        path.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state and (found := visit(n)):
            return found
    return None


def _explain(cycle, edges) -> str:
    return " → ".join(cycle) + "\n" + "\n".join(
        f"  {line}" for a, b in zip(cycle, cycle[1:], strict=False) for line in edges[(a, b)][:3])


def test_find_cycle_reports_a_cycle_and_accepts_a_tree():
    assert find_cycle({("a", "b"): [], ("b", "c"): [], ("c", "a"): []}) == ["a", "b", "c", "a"]
    assert find_cycle({("a", "b"): [], ("a", "c"): [], ("b", "c"): []}) is None


def test_relative_imports_are_resolved_to_their_app():
    node = ast.parse("from ..models import Grievance").body[0]
    assert _targets(node, "grievances.deadlines.services", False)[0] == "grievances.models"
    node = ast.parse("from .cases import take_case").body[0]
    assert _targets(node, "mediation.services", True)[0] == "mediation.services.cases"


def test_module_level_imports_between_apps_have_no_cycle():
    names = local_apps()
    edges = import_edges(module_level_only=True, names=names)
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle between apps: " + _explain(cycle, edges)


def test_no_function_level_import_closes_a_cycle_between_packages():
    """An import moved into a function body to dodge a cycle still counts: over every import
    anywhere, the top-level packages (grid, grievances, mediation, …) form no cycle."""
    names = sorted({n.split(".")[0] for n in local_apps()})
    edges = import_edges(module_level_only=False, names=names)
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle between packages: " + _explain(cycle, edges)


def test_grievances_imports_nothing_from_mediation():
    edges = import_edges(module_level_only=False, names=local_apps())
    leaks = [line for (a, b), lines in edges.items() if a.startswith("grievances") and b == "mediation"
             for line in lines]
    assert leaks == []


def _documented_dependencies() -> dict[str, set[str]]:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split("## What depends on what", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = set(re.findall(r"`([\w.]+)`", cells[1]))
    return rows


def test_architecture_dependency_table_matches_the_code():
    """Each app's row in docs/architecture.md lists exactly the apps its code imports."""
    names = local_apps()
    edges = import_edges(module_level_only=False, names=names)
    documented = _documented_dependencies()
    assert documented, "the dependency table was not found"
    wrong = {}
    for app, deps in documented.items():
        actual = {b for (a, b) in edges if a == app}
        if deps != actual:
            wrong[app] = {"documented": sorted(deps), "code": sorted(actual)}
    assert wrong == {}


# ----------------------------------------------------------------------------- hook points


def test_every_required_hook_point_has_its_listeners_registered():
    declared = {h.name: h for h in hooks.all_hook_points()}
    for name, expected in REQUIRED_LISTENERS.items():
        assert name in declared, f"hook point {name} is not declared"
        missing = set(expected) - set(declared[name].listener_names())
        assert not missing, f"{name} lacks its listeners {sorted(missing)}"
    for h in declared.values():
        if h.required:
            assert h.listeners, f"required hook point {h.name} has no listener"


def test_the_system_check_passes_with_every_listener_registered():
    assert check_required_listeners() == []


def test_a_required_hook_point_without_listener_fails_the_system_check_and_refuses_to_emit():
    from grievances.hooks import grievance_dispatched_to_mediation as hook

    saved = list(hook.listeners)
    for listener in saved:
        hook.unregister(listener)
    try:
        errors = check_required_listeners()
        assert [e.id for e in errors] == ["grid.E101"]
        assert "grievances.dispatched_to_mediation" in errors[0].msg
        with pytest.raises(ImproperlyConfigured):
            hook.emit(hook.payload(grievance=None, organisation=None, actor=None))
    finally:
        for listener in saved:
            hook.register(listener)
    assert check_required_listeners() == []


def test_every_hook_point_is_documented_in_architecture_md():
    text = ARCHITECTURE.read_text(encoding="utf-8")
    for h in hooks.all_hook_points():
        assert f"`{h.name}`" in text, f"{h.name} is missing from docs/architecture.md"


class Payload:
    pass


@pytest.fixture
def temp_hook():
    made = []

    def make(phase, required=False):
        h = HookPoint(name=f"tests.hook{len(made)}.{id(made)}", payload=Payload, phase=phase,
                      doc="test", required=required)
        made.append(h)
        return h

    yield make
    for h in made:
        hooks._ALL.pop(h.name, None)


@pytest.mark.django_db(transaction=True)
def test_in_transaction_listeners_run_at_emit_and_must_be_inside_atomic(temp_hook):
    hook = temp_hook(Phase.IN_TRANSACTION)
    seen = []
    hook.register(seen.append)
    hook.register(seen.append)  # a ready() run twice registers once
    p = Payload()
    with pytest.raises(RuntimeError):
        hook.emit(p)
    with transaction.atomic():
        hook.emit(p)
        assert seen == [p]


@pytest.mark.django_db(transaction=True)
def test_after_commit_listeners_run_only_when_the_transaction_commits(temp_hook):
    hook = temp_hook(Phase.AFTER_COMMIT)
    seen = []
    hook.register(seen.append)
    with transaction.atomic():
        hook.emit(Payload())
        assert seen == []
    assert len(seen) == 1
    with pytest.raises(LookupError), transaction.atomic():
        hook.emit(Payload())
        raise LookupError("the use-case failed after emitting")
    assert len(seen) == 1


@pytest.mark.django_db(transaction=True)
def test_a_batch_reaches_a_list_listener_once_and_a_plain_listener_per_payload(temp_hook):
    hook = temp_hook(Phase.IN_TRANSACTION)
    calls = []
    hook.register_many(lambda payloads: calls.append(("list", list(payloads))))
    hook.register(lambda payload: calls.append(("one", payload)))
    a, b = Payload(), Payload()
    with transaction.atomic():
        hook.emit_many([a, b])
        hook.emit(a)  # one payload is a list of one for a list listener
    assert calls == [("list", [a, b]), ("one", a), ("one", b), ("list", [a]), ("one", a)]


def test_a_hook_point_refuses_a_payload_of_the_wrong_type(temp_hook):
    hook = temp_hook(Phase.AFTER_COMMIT)
    with pytest.raises(TypeError):
        hook.emit(object())


def test_a_hook_point_name_is_declared_once(temp_hook):
    hook = temp_hook(Phase.AFTER_COMMIT)
    with pytest.raises(ImproperlyConfigured):
        HookPoint(name=hook.name, payload=Payload, phase=Phase.AFTER_COMMIT, doc="again")


# ----------------------------------------------------------------------------- service packages


@pytest.mark.parametrize("package", ["mediation.services", "legalqa.lawyers.services"])
def test_every_public_name_of_a_topic_module_is_importable_from_its_service_package(package):
    import importlib
    import pkgutil

    pkg = importlib.import_module(package)
    missing = []
    for info in pkgutil.iter_modules(pkg.__path__):
        mod = importlib.import_module(f"{package}.{info.name}")
        tree = ast.parse(Path(mod.__file__).read_text(encoding="utf-8"))
        defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))} | {
            t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
        for name in sorted(defined):
            if not name.startswith("_") and (getattr(pkg, name, None) is not getattr(mod, name)
                                             or name not in pkg.__all__):
                missing.append(f"{info.name}.{name}")
    assert missing == []
