"""A server process loads at its start what its first requests would otherwise pay for (config.wsgi._warm_up):
every view module, every template compiled, both languages and their reverse URL lookups, cn2an; then the garbage
collector stops walking all that."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import gc, json
import config.wsgi as wsgi
from django.template import engines
env = engines["jinja2"].env
names = env.list_templates()
compiled = {key[1] for key in env.cache.keys()}  # Jinja2 keys its cache (loader, name)
missing = [n for n in names if n not in compiled]
from django.urls import get_resolver
print(json.dumps({"templates": len(names), "missing": missing, "frozen": gc.get_freeze_count(),
                  "urls_loaded": "luoshi.assessment.views" in __import__("sys").modules,
                  "reverse_languages": sorted(get_resolver()._reverse_dict),  # built per language on first reverse
                  "cn2an": "cn2an" in __import__("sys").modules}))
"""


def _probe(warm_up: str) -> dict:
    import json

    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings", LUOSHI_ALLOW_DEMO_KEY="1",
               LUOSHI_WARM_UP=warm_up)
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_server_starts_warm():
    warm = _probe("1")
    assert warm["templates"] > 100 and warm["missing"] == []
    assert warm["urls_loaded"]
    assert warm["reverse_languages"] == ["en", "zh-hans"]  # `reverse` in a worker's first page was ~100 ms
    assert warm["cn2an"]  # its import compiles patterns: ~0.2 s in a worker's first overview
    assert warm["frozen"] > 50_000  # the loaded modules, templates and translations, out of the collector's walks


def test_the_test_suite_imports_it_cold():
    cold = _probe("0")
    assert not cold["urls_loaded"] and cold["frozen"] == 0
    assert cold["reverse_languages"] == [] and not cold["cn2an"]
