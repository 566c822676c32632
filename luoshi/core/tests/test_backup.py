"""Backups (core/backup.py, `luoshi backup / restore / verify`): backup → change → restore gives back identical
row counts and files, on SQLite and PostgreSQL; a damaged or mismatched backup is refused before anything is
touched; verify lists the differences."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from luoshi.core.backup import table_counts


def _media(settings) -> Path:
    root = Path(settings.MEDIA_ROOT)
    (root / "evidence").mkdir(parents=True, exist_ok=True)
    (root / "evidence" / "照片.jpg").write_bytes(b"\xff\xd8\xff original")
    return root


@pytest.mark.django_db(transaction=True)
def test_backup_change_restore_gives_back_the_same(program, cast, city, settings, tmp_path):
    from luoshi.org.services import unit_create

    root = _media(settings)
    before = table_counts()
    call_command("backup", str(tmp_path / "b1"))
    manifest = json.loads((tmp_path / "b1" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tables"]["org_unit"] == before["org_unit"] and "evidence/照片.jpg" in manifest["media"]
    call_command("verify", str(tmp_path / "b1"))  # nothing changed yet

    # change: a new unit, a changed file, a new file, a removed file
    unit_create(by=None, name="新设街道", kind="street", parent=city["district"])
    (root / "evidence" / "照片.jpg").write_bytes(b"changed")
    (root / "new.txt").write_text("x")
    with pytest.raises(CommandError) as e:
        call_command("verify", str(tmp_path / "b1"))
    assert "org_unit" in str(e.value) and "evidence/照片.jpg" in str(e.value) and "new.txt" in str(e.value)

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(tmp_path / "b1"))
    call_command("restore", str(tmp_path / "b1"), "--yes")
    assert table_counts() == before
    assert (root / "evidence" / "照片.jpg").read_bytes() == b"\xff\xd8\xff original" and not (root / "new.txt").exists()
    call_command("verify", str(tmp_path / "b1"))


@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_is_refused_before_anything_changes(cast, settings, tmp_path):
    root = _media(settings)
    call_command("backup", str(tmp_path / "b"))
    (tmp_path / "b" / "media" / "evidence" / "照片.jpg").write_bytes(b"tampered")
    (root / "keep.txt").write_text("still here")
    counts = table_counts()
    with pytest.raises(CommandError, match="附件与清单不符"):
        call_command("restore", str(tmp_path / "b"), "--yes")
    assert (root / "keep.txt").exists() and table_counts() == counts
    # a backup directory must be new
    with pytest.raises(CommandError, match="不是空的"):
        call_command("backup", str(tmp_path / "b"))
