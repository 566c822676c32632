"""Backups as a command: `luoshi backup DIR` writes the database (SQLite's online backup, or pg_dump's custom
format) and the uploaded files (media) into DIR, with a manifest of every table's row count and every file's
SHA-256; `luoshi restore DIR` checks the manifest against what DIR holds (refusing a damaged or mismatched
backup) and puts both back; `luoshi verify DIR` compares the running installation with the manifest.

The caches (rate-limit counters, list cache) are not business data and are left out of the counts."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.utils.translation import gettext as _

MANIFEST = "manifest.json"
FORMAT = 1
SKIP_TABLES = frozenset({"luoshi_ratelimit", "luoshi_cache"})


class BackupError(Exception):
    """A backup that cannot be written, or a backup directory that does not match its manifest."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _engine() -> str:
    return "sqlite" if connection.vendor == "sqlite" else "postgresql"


def table_counts() -> dict[str, int]:
    """Rows per table of the running database (caches left out)."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            if table in SKIP_TABLES or table.startswith("sqlite_"):  # SQLite's own statistics
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def media_files(root: Path) -> dict[str, str]:
    """{path relative to root: sha256} of every file under root."""
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): _sha256(p) for p in sorted(root.rglob("*")) if p.is_file()}


def _pg_env() -> tuple[dict, list[str]]:
    cfg = connection.settings_dict  # the test database's name too, in tests
    env = dict(os.environ)
    if cfg.get("PASSWORD"):
        env["PGPASSWORD"] = cfg["PASSWORD"]
    args = []
    for flag, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
        if cfg.get(key):
            args += [flag, str(cfg[key])]
    return env, args


def backup(target: Path) -> dict:
    """Write a backup into `target` (a new or empty directory); the manifest as a dict."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(_("备份目录 %(dir)s 不是空的：请指定一个新目录。") % {"dir": target})
    target.mkdir(parents=True, exist_ok=True)
    engine = _engine()
    if engine == "sqlite":
        database = target / "db.sqlite3"
        connection.ensure_connection()
        out = sqlite3.connect(database)
        with out:
            connection.connection.backup(out)  # online: readers and writers go on meanwhile
        out.close()
        counts = _sqlite_counts(database)
    else:
        database = target / "db.dump"
        env, args = _pg_env()
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", "-f", str(database), *args,
                        connection.settings_dict["NAME"]], env=env, check=True, capture_output=True)
        counts = table_counts()
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.exists():
        shutil.copytree(media_root, target / "media", dirs_exist_ok=True)
    manifest = {"format": FORMAT, "created_at": dt.datetime.now(dt.timezone.utc).isoformat(), "engine": engine,
                "database": {"file": database.name, "sha256": _sha256(database)}, "tables": counts,
                "media": media_files(target / "media")}
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def _sqlite_counts(path: Path) -> dict[str, int]:
    db = sqlite3.connect(path)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                           "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables if t not in SKIP_TABLES}
    finally:
        db.close()


def read_manifest(source: Path) -> dict:
    """The manifest of a backup directory, after checking that the directory holds exactly what it lists."""
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise BackupError(_("%(dir)s 里没有可读的备份清单 manifest.json。") % {"dir": source}) from e
    if manifest.get("format") != FORMAT:
        raise BackupError(_("备份清单的格式版本 %(v)s 不认识。") % {"v": manifest.get("format")})
    database = source / manifest["database"]["file"]
    if not database.exists() or _sha256(database) != manifest["database"]["sha256"]:
        raise BackupError(_("数据库备份文件 %(file)s 缺失或与清单不符（校验值不同）：备份已损坏，未恢复。")
                          % {"file": database.name})
    found = media_files(source / "media")
    listed = manifest["media"]
    wrong = sorted(set(found) ^ set(listed) | {p for p in set(found) & set(listed) if found[p] != listed[p]})
    if wrong:
        raise BackupError(_("附件与清单不符（%(n)s 个，如 %(first)s）：备份已损坏或被改动，未恢复。")
                          % {"n": len(wrong), "first": wrong[0]})
    return manifest


def restore(source: Path) -> dict:
    """Put the backup in `source` back: database and media. Refuses a mismatched manifest before touching
    anything, and a backup of the other database engine."""
    source = Path(source)
    manifest = read_manifest(source)
    engine = _engine()
    if manifest["engine"] != engine:
        raise BackupError(_("这是 %(b)s 的备份，当前数据库是 %(c)s：不能直接恢复。") % {"b": manifest["engine"], "c": engine})
    database = source / manifest["database"]["file"]
    if engine == "sqlite":
        connection.ensure_connection()
        src = sqlite3.connect(database)
        with src:
            src.backup(connection.connection)  # page by page into the live file, under its own lock
        src.close()
    else:
        connections.close_all()
        env, args = _pg_env()
        subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                        "-d", connection.settings_dict["NAME"], *args, str(database)],
                       env=env, check=True, capture_output=True)
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.exists():
        shutil.rmtree(media_root)
    if (source / "media").exists():
        shutil.copytree(source / "media", media_root)
    else:
        media_root.mkdir(parents=True, exist_ok=True)
    return manifest


@dataclass
class Difference:
    what: str
    expected: object
    found: object

    def __str__(self) -> str:
        return f"{self.what}：{_('备份')} {self.expected}，{_('现在')} {self.found}"


def verify(source: Path) -> list[Difference]:
    """How the running installation differs from the backup's manifest (empty: identical)."""
    manifest = read_manifest(source)
    out = []
    counts = table_counts()
    for table in sorted(set(counts) | set(manifest["tables"])):
        if counts.get(table) != manifest["tables"].get(table):
            out.append(Difference(_("表 %(t)s 的行数") % {"t": table}, manifest["tables"].get(table), counts.get(table)))
    files = media_files(Path(settings.MEDIA_ROOT))
    for path in sorted(set(files) | set(manifest["media"])):
        if files.get(path) != manifest["media"].get(path):
            out.append(Difference(_("附件 %(p)s") % {"p": path}, (manifest["media"].get(path) or "—")[:12],
                                  (files.get(path) or "—")[:12]))
    return out
