"""Nobody outside org writes a unit-subtree filter by hand: in a query it is `<path field>__within=paths`
(org.lookups), in Python `Scope.covers` or `org.lookups.path_within`. A source scan, so that a new app that
restates the rule (and lets it drift from the querysets) fails here."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

LUOSHI = Path(__file__).resolve().parents[2]

HAND_WRITTEN = [
    re.compile(r"path__(i?startswith|gte|lt|range|regex|contains)\b"),   # a prefix or range on a path column
    re.compile(r"\bsubtree_q\b"),                                        # the helper this replaced
    re.compile(r"path\w*\.startswith\((?![\"'])"),                       # a unit path tested against a variable
    re.compile(r"\b(p|q|path|root)\.startswith\((?![\"'])"),        # …or a path list walked by hand
    re.compile(r"\.startswith\((p|q|path|root)\)"),
]


def offending_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()
            if not line.lstrip().startswith("#") and any(rx.search(line) for rx in HAND_WRITTEN)]


def sources():
    for path in sorted(LUOSHI.rglob("*.py")):
        rel = path.relative_to(LUOSHI)
        if rel.parts[0] == "org" or "tests" in rel.parts or "migrations" in rel.parts:
            continue
        yield rel, path


def test_no_subtree_filter_is_written_by_hand_outside_org():
    found = {str(rel): lines for rel, path in sources() if (lines := offending_lines(path.read_text(encoding="utf-8")))}
    assert not found, f"write these with __within / Scope.covers / path_within (docs/adr/0010): {found}"


@pytest.mark.parametrize("line", [
    'Finding.objects.filter(unit_path__startswith=p)',
    'q |= Q(region__path__startswith=path)',
    'qs.filter(path__gte=p, path__lt=bump)',
    'from luoshi.org.scopes import subtree_q',
    'rows = [r for r in rows if any(r.path.startswith(p) for p in paths)]',
    'return any(p.startswith(region) for p in scope.paths_for("liaison"))',
])
def test_the_scan_finds_the_hand_written_forms(line):
    assert offending_lines(line)


@pytest.mark.parametrize("line", [
    'qs.filter(unit_path__within=scope.paths_for(Role.LIAISON))',
    'if not request.path.startswith("/api/"):',
    'if s.key.startswith("?"):',
])
def test_the_scan_leaves_other_code_alone(line):
    assert not offending_lines(line)
