"""Layers that a linter keeps (CONTRIBUTING.md "Layers"): import-linter checks which package may import which
(`lint-imports`, run by scripts/lint.sh); this test checks what it cannot see — that no module imports a
private name (`from x import _y`) from another module. A helper another module needs is public, named
and documented where it lives."""
import ast
from pathlib import Path

import luoshi

ROOT = Path(luoshi.__file__).parent

# Preset and spec readers: slice `spec` of issue 11 replaces them with one core reader; the lead removes
# these when merging it.
ALLOWED: set[tuple[str, str]] = set()


def imported_module(path: Path, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def private_imports(path: Path) -> list[tuple[str, str, int]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append((imported_module(path, node), alias.name, node.lineno))
    return found


def shipped_modules():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "tests" not in parts and "migrations" not in parts:
            yield path


def test_no_module_imports_a_private_name_from_another_module():
    offences = [f"{path.relative_to(ROOT.parent)}:{line}: from {module} import {name}"
                for path in shipped_modules() for module, name, line in private_imports(path)
                if (module, name) not in ALLOWED]
    assert offences == [], "make these helpers public (named, documented) where they live:\n" + "\n".join(offences)


def test_the_scan_sees_absolute_and_relative_imports(monkeypatch):
    pkg = ROOT / "documents"
    probe = pkg / "probe.py"
    text = "from luoshi.core.journal import _plain\nfrom .gongwen import _off_grid, add_para\nfrom . import views\n"
    tree = ast.parse(text)
    nodes = [n for n in tree.body if isinstance(n, ast.ImportFrom)]
    assert imported_module(probe, nodes[0]) == "luoshi.core.journal"
    assert imported_module(probe, nodes[1]) == "luoshi.documents.gongwen"
    assert imported_module(probe, nodes[2]) == "luoshi.documents"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: text)
    assert private_imports(probe) == [("luoshi.core.journal", "_plain", 1), ("luoshi.documents.gongwen", "_off_grid", 2)]


def test_the_allowed_exceptions_still_exist():
    """An exception that no longer happens is removed from ALLOWED, so the list only shrinks."""
    seen = {(module, name) for path in shipped_modules() for module, name, _line in private_imports(path)}
    assert ALLOWED <= seen, f"no longer imported, remove from ALLOWED: {sorted(ALLOWED - seen)}"
