"""Shared helpers of the bench scripts: Django setup and fixed names of the generated dataset."""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PASSWORD = "bench-pass-123"
CITY_PROGRAMS = ("bench-city-1", "bench-city-2")


def district_program_code(district_no: int, k: int) -> str:
    """district_no is 1..10 in creation order, k is 1 or 2."""
    return f"bench-d{district_no:02d}-{k}"


def setup_django() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def db_label() -> str:
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite {s['NAME']}"
    return f"{connection.vendor} {s.get('HOST') or 'local'}:{s.get('PORT') or ''}/{s['NAME']}"
