#!/usr/bin/env bash
# Layers and types (CONTRIBUTING.md): import-linter's contracts and mypy with django-stubs, both configured
# in pyproject.toml. scripts/run_tests.sh runs this first, so CI fails on a broken layer or a type error.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
echo "== lint-imports =="
.venv/bin/lint-imports --no-cache
echo "== mypy =="
.venv/bin/mypy
