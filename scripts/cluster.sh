#!/usr/bin/env bash
# A local city cluster on 127.0.0.1: nginx (Debian's) in front of two gunicorn app servers, and two background
# workers, all on one PostgreSQL database; nothing shared in memory (the cache, rate limits, sign-in counters and
# single-flight locks are in the database, or in Redis when LUOSHI_REDIS_URL is set).
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/luoshi_cluster scripts/cluster.sh   # Ctrl-C stops everything
# Ports: nginx $CLUSTER_PORT (8080), app servers $CLUSTER_APP_PORTS ("8101 8102"). Logs in $LUOSHI_VAR_DIR/cluster/
# (or $CLUSTER_DIR). It prints 集群已启动 once nginx and both app servers answer.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL database (createdb -h 127.0.0.1 -U postgres luoshi_cluster)}"
export DATABASE_URL SECRET_KEY="${SECRET_KEY:-cluster-$(python3 -c 'import secrets; print(secrets.token_urlsafe(40))')}"
export LUOSHI_VAR_DIR="${LUOSHI_VAR_DIR:-$PWD/var}" LUOSHI_CLIENT_IP_HEADER=HTTP_X_REAL_IP
port="${CLUSTER_PORT:-8080}"
read -r -a app_ports <<< "${CLUSTER_APP_PORTS:-8101 8102}"
dir="${CLUSTER_DIR:-$LUOSHI_VAR_DIR/cluster}"
mkdir -p "$dir"
# Debian installs nginx in /usr/sbin, which is not on every user's PATH
nginx_bin="$(PATH="$PATH:/usr/sbin:/sbin" command -v nginx || true)"
[ -n "$nginx_bin" ] || { echo "安装 nginx：apt-get install nginx (needs Debian's nginx)"; exit 1; }
.venv/bin/luoshi migrate --noinput -v0
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
for p in "${app_ports[@]}"; do
  .venv/bin/gunicorn config.wsgi -w 2 --threads 4 -b "127.0.0.1:$p" >> "$dir/web-$p.log" 2>&1 &
  pids+=($!)
done
for w in 1 2; do
  .venv/bin/luoshi worker --interval 1 --worker-id "cluster-$w" >> "$dir/worker-$w.log" 2>&1 &
  pids+=($!)
done
cat > "$dir/nginx.conf" <<NGINX
pid $dir/nginx.pid;
error_log $dir/nginx-error.log;
events { worker_connections 256; }
http {
  access_log $dir/nginx-access.log;
  client_body_temp_path $dir/body; proxy_temp_path $dir/proxy; fastcgi_temp_path $dir/fcgi;
  uwsgi_temp_path $dir/uwsgi; scgi_temp_path $dir/scgi;
  client_max_body_size 30m;
  upstream luoshi { $(for p in "${app_ports[@]}"; do printf 'server 127.0.0.1:%s; ' "$p"; done)}
  server {
    listen 127.0.0.1:$port;
    location / {
      proxy_pass http://luoshi;
      # \$http_host keeps the port: Django's CSRF check compares the browser's Origin (http://127.0.0.1:8080)
      # with the request's host, and \$host would drop the port and refuse every form
      proxy_set_header Host \$http_host;
      proxy_set_header X-Real-IP \$remote_addr;
      proxy_set_header X-Forwarded-Proto \$scheme;
    }
  }
}
NGINX
wait_port() {  # bounded wait: a server that does not come up stops the whole cluster
  for _ in $(seq 1 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.2
  done
  echo "127.0.0.1:$1 没有启动，见 $dir/ 下的日志"
  exit 1
}
# nginx only once both app servers listen: a request refused while they boot would mark them down (max_fails) and
# nginx would answer 502 "no live upstreams" for the next 10 s
for p in "${app_ports[@]}"; do wait_port "$p"; done
"$nginx_bin" -t -q -e "$dir/nginx-error.log" -c "$dir/nginx.conf"
"$nginx_bin" -e "$dir/nginx-error.log" -c "$dir/nginx.conf" -g "daemon off;" &
pids+=($!)
wait_port "$port"
echo "集群已启动：http://127.0.0.1:$port/ （nginx → 127.0.0.1:${app_ports[*]}；两个后台任务进程）。Ctrl-C 停止。"
wait
