#!/usr/bin/env bash
# Run the suite on SQLite, then on PostgreSQL. PostgreSQL comes from DATABASE_URL, or the local
# server at 127.0.0.1:5432. With CI=true (or LUOSHI_REQUIRE_POSTGRES=1) a missing PostgreSQL fails the run.
# First the layers and types (scripts/lint.sh); the SQLite run measures coverage.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export LUOSHI_VAR_DIR="${LUOSHI_VAR_DIR:-$(mktemp -d)}"

pg_url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/luoshi}"
unset DATABASE_URL

scripts/lint.sh  # layers (import-linter) and types (mypy)

# In parallel (pytest-xdist, one test database per worker; LUOSHI_TEST_WORKERS=0 for one process) and in a random
# order within each module, modules shuffled too (pytest-random-order), to catch tests that lean on each other.
# To repeat an order: LUOSHI_TEST_SEED=<the seed printed below> scripts/run_tests.sh
seed="${LUOSHI_TEST_SEED:-$(( (RANDOM << 15 | RANDOM) % 1000000 ))}"
echo "test order seed: $seed (LUOSHI_TEST_SEED=$seed repeats it)"
PYTEST=(.venv/bin/pytest -q -n "${LUOSHI_TEST_WORKERS:-auto}" --random-order-bucket=module --random-order-seed="$seed")

# Coverage of the whole SQLite run, with the floor in pyproject.toml ([tool.coverage.report] fail_under);
# not when running a selection of tests (arguments given), which would fall under the floor.
cov=()
if [ $# -eq 0 ]; then cov=(--cov --cov-report=term:skip-covered); fi

echo "== SQLite =="
"${PYTEST[@]}" ${cov[@]+"${cov[@]}"} "$@"

if "$PY" - "$pg_url" <<'PYEOF'
import sys
import dj_database_url, psycopg
cfg = dj_database_url.parse(sys.argv[1])
try:
    psycopg.connect(host=cfg["HOST"] or None, port=cfg["PORT"] or None, user=cfg["USER"] or None,
                    password=cfg["PASSWORD"] or None, dbname="postgres", connect_timeout=3).close()
except Exception as e:
    print(f"PostgreSQL not reachable: {e}", file=sys.stderr)
    sys.exit(1)
PYEOF
then
  echo "== PostgreSQL =="
  DATABASE_URL="$pg_url" "${PYTEST[@]}" "$@" --create-db
elif [ "${CI:-}" = "true" ] || [ "${LUOSHI_REQUIRE_POSTGRES:-}" = "1" ]; then
  echo "PostgreSQL is required here (CI) but not reachable at $pg_url" >&2
  exit 1
else
  echo "PostgreSQL not reachable at $pg_url: skipped the PostgreSQL run (set DATABASE_URL to run it)."
fi
