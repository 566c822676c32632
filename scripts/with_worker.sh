#!/usr/bin/env bash
# Run a web server command together with the background worker (photo resizing and other jobs queued in
# the database), and stop the worker when the server stops.
#   scripts/with_worker.sh .venv/bin/luoshi runserver 127.0.0.1:8000 --noreload
set -euo pipefail
cd "$(dirname "$0")/.."
log="${LUOSHI_VAR_DIR:-var}/worker.log"
mkdir -p "$(dirname "$log")"
echo "后台任务进程已启动，日志：$log  (background worker started, log: $log)"
# supervised: `luoshi worker` retries transient database errors itself; should it still exit, it is started again
(
  trap 'kill "$child" 2>/dev/null; exit 0' TERM INT
  while true; do
    .venv/bin/luoshi worker --interval 1 --no-startup-delay >> "$log" 2>&1 &
    child=$!
    wait "$child" || true
    echo "$(date -Is) 后台任务进程退出，2 秒后重启 (worker exited, restarting)" >> "$log"
    sleep 2
  done
) &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT INT TERM
"$@"
