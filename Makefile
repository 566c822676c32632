# luoshi — two commands on a fresh machine:
#   make demo   set up, load the demo (SQLite) and serve http://127.0.0.1:8000
#   make test   set up and run the whole suite on SQLite, then on PostgreSQL when reachable
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt pyproject.toml package-lock.json 2>/dev/null | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: cluster nginx setup assets fonts demo serve test test-sqlite test-postgres lint bench bench-data clean browser

setup: $(STAMP) assets fonts

# A CJK font for the charts in Word bulletins (Debian's fonts-wqy-microhei, 5 MB). Without root the
# setup goes on and the bulletin explains what to install.
fonts:
	@fc-list :lang=zh 2>/dev/null | grep -q . || (echo "安装中文字体（通报图表用）…" && \
	  ((apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null) || \
	   sudo -n apt-get install -y -qq fonts-wqy-microhei >/dev/null || \
	   echo "未能安装 fonts-wqy-microhei：请以管理员身份安装，否则 Word 通报中的图表无法生成。"))

$(STAMP):
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PIP) install --quiet --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

assets: static/vendor/htmx.min.js static/vendor/echarts.min.js

static/vendor/htmx.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js

# The cockpit's charts (Apache ECharts, served by the app: no CDN)
static/vendor/echarts.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	mkdir -p static/vendor
	cp node_modules/echarts/dist/echarts.min.js static/vendor/echarts.min.js

demo: setup
	$(VENV)/bin/luoshi migrate --noinput -v0
	$(VENV)/bin/luoshi demo
	@echo "打开 http://$(HOST):$(PORT)/ ，用上面的演示账号登录。 Open http://$(HOST):$(PORT)/ and sign in with a demo account above."
	LUOSHI_ALLOW_DEMO_KEY=1 scripts/with_worker.sh $(VENV)/bin/luoshi runserver $(HOST):$(PORT) --noreload

serve: setup
	$(VENV)/bin/luoshi migrate --noinput -v0
	scripts/with_worker.sh $(VENV)/bin/gunicorn config.wsgi -b $(HOST):$(PORT)  # workers: gunicorn.conf.py

# nginx in front of two app servers and two workers on PostgreSQL, all on 127.0.0.1 (docs/deployment.md)
cluster: setup nginx
	scripts/cluster.sh

# Debian's nginx for `make cluster` (the front of the two app servers), installed like Chromium
nginx:
	@command -v nginx >/dev/null || (echo "安装 nginx（本机集群用）…" && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null) || sudo -n apt-get install -y -qq nginx)

browser:
	@command -v chromium >/dev/null || (echo "安装 Chromium（浏览器测试用）…" && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || sudo -n apt-get install -y -qq chromium)

test: setup browser
	scripts/run_tests.sh

test-sqlite: setup
	$(VENV)/bin/pytest -q

# Layers (import-linter) and types (mypy); `make test` runs them too, through scripts/run_tests.sh.
lint: setup
	scripts/lint.sh

# City-scale benchmarks (bench/README.md, docs/benchmarks.md). SQLite by default; for PostgreSQL:
#   createdb -h 127.0.0.1 -U postgres luoshi_bench
#   make bench-data bench BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/luoshi_bench
BENCH_DATABASE_URL ?= sqlite:///$(CURDIR)/var/bench/bench.sqlite3
BENCH_ENV := DATABASE_URL=$(BENCH_DATABASE_URL) LUOSHI_VAR_DIR=$(CURDIR)/var/bench

bench-data: setup
	mkdir -p var/bench
	$(BENCH_ENV) $(VENV)/bin/luoshi migrate --noinput -v0
	$(BENCH_ENV) $(PY) bench/generate.py

bench: setup
	$(BENCH_ENV) $(VENV)/bin/luoshi migrate --noinput -v0
	$(BENCH_ENV) $(PY) bench/pages.py
	$(BENCH_ENV) $(PY) bench/jobs.py --cli

clean:
	rm -rf $(VENV) node_modules static/vendor var
