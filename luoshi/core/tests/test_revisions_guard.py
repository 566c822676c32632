"""A write that sends no signal (QuerySet.update, bulk_create, bulk_update) to a model whose pages are cached must
raise its data revision itself (core.revisions), or cached pages go stale for up to LUOSHI_PAGE_CACHE_SECONDS.

This reads the source: every function that makes such a write to a model of the org, programs, tasks or ledger apps
must also call revisions.changed()/changed_all(), journal_record() (or a module's `_journal` wrapper of it) or
ledger's bump_revision(). Loading the demo is exempt: demo_load() raises every revision once at its end."""
import ast
from pathlib import Path

from django.apps import apps

from luoshi.core.revisions import KIND_OF_APP

ROOT = Path(__file__).resolve().parents[2]
BULK = {"update", "bulk_create", "bulk_update"}
RAISERS = {"changed", "changed_all", "journal_record", "_journal", "bump_revision"}
EXEMPT = {"demo.py"}


def _root_name(node) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _called_names(fn) -> set[str]:
    out = set()
    for n in ast.walk(fn):
        if isinstance(n, ast.Call):
            out.add(n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", ""))
    return out


def test_every_write_without_signals_raises_its_revision():
    models = {m.__name__ for label in KIND_OF_APP for m in apps.get_app_config(label).get_models()}
    missing = []
    for path in sorted(ROOT.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts or path.name in EXEMPT:
            continue
        for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            writes = [f"{n.lineno}: {_root_name(n.func.value)}….{n.func.attr}()" for n in ast.walk(fn)
                      if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in BULK
                      and _root_name(n.func.value) in models]
            if writes and not (_called_names(fn) & RAISERS):
                missing.append(f"{path.relative_to(ROOT.parent)}::{fn.name} ({', '.join(writes)})")
    assert not missing, "these functions write without signals and raise no data revision:\n" + "\n".join(missing)


def test_the_guard_sees_a_forgotten_raise(tmp_path):
    """The check itself: a function updating tasks without a raise is found."""
    source = "def f():\n    Task.objects.filter(pk=1).update(progress=5)\n"
    fn = ast.parse(source).body[0]
    call = fn.body[0].value
    assert call.func.attr == "update" and _root_name(call.func.value) == "Task"
    assert not (_called_names(fn) & RAISERS)
