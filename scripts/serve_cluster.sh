#!/usr/bin/env bash
# `make serve-cluster`: the portal past one process — PostgreSQL, Redis and several Granian workers.
#
#   - DATABASE_URL: PostgreSQL (default: the copass database of this machine's PostgreSQL, created
#     when missing); REFLEX_REDIS_URL: Redis (default: this machine's, database 0). Every tab's state
#     lives in Redis, so any worker (and any machine behind the proxy of deploy/nginx/) serves any tab;
#   - COPASS_WORKERS workers (default: the machine's CPUs) sharing one port (PORT, 8000): Granian's
#     workers, the production frontend build served by the same port. `reflex run --env prod` through
#     deploy/reflex_respawn.py: a worker that dies (kill -9, a crash) is started again by Granian
#     (Reflex 0.10.1 alone stops the whole server when one worker exits);
#   - the migrations run once, under a PostgreSQL advisory lock: several machines started at the
#     same time do not run them twice at once;
#   - on several machines: the same DATABASE_URL and REFLEX_REDIS_URL on each, REFLEX_API_URL set to
#     the proxy's public address before the build and REFLEX_TRUSTED_PROXY_HOPS=1 (see README,
#     "Vários servidores").
# Stop it with Ctrl+C.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${BIN:-$PWD/.venv/bin}"
export PATH="$BIN:$PATH" REFLEX_USE_NPM=1 REFLEX_TELEMETRY_ENABLED=false

export DATABASE_URL="${DATABASE_URL:-postgresql+psycopg2://postgres@127.0.0.1:5432/copass}"
export REFLEX_REDIS_URL="${REFLEX_REDIS_URL:-redis://127.0.0.1:6379/0}"
export GRANIAN_WORKERS="${COPASS_WORKERS:-$(nproc)}"

case "$DATABASE_URL" in
    postgresql*) ;;
    *) echo "serve-cluster: DATABASE_URL precisa ser PostgreSQL (vários workers escrevem ao mesmo tempo)." >&2; exit 2 ;;
esac

"$BIN/python" - <<'PY'
import os, sys
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

url = make_url(os.environ["DATABASE_URL"])
admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
with admin.connect() as connection:
    if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}).first():
        connection.execute(text(f'CREATE DATABASE "{url.database}"'))
        print(f"serve-cluster: banco {url.database} criado", file=sys.stderr)
admin.dispose()

import redis
try:
    redis.Redis.from_url(os.environ["REFLEX_REDIS_URL"], socket_connect_timeout=3).ping()
except redis.RedisError as error:
    sys.exit(f"serve-cluster: o Redis em REFLEX_REDIS_URL não responde ({error}).")

from copass_app.migrations import upgrade

engine = create_engine(url)
with engine.connect() as connection:  # one machine migrates at a time; the others find nothing to do
    connection.execute(text("SELECT pg_advisory_lock(727014)"))
    try:
        upgrade(str(url.render_as_string(hide_password=False)))
    finally:
        connection.execute(text("SELECT pg_advisory_unlock(727014)"))
engine.dispose()
shown = make_url(os.environ["REFLEX_REDIS_URL"]) if "://" in os.environ["REFLEX_REDIS_URL"] else None
print(f"serve-cluster: {os.environ['GRANIAN_WORKERS']} worker(s), PostgreSQL {url.render_as_string()}, "
      f"Redis {shown.render_as_string() if shown else '(REFLEX_REDIS_URL)'}", file=sys.stderr)
PY

PORT="${PORT:-8000}"
HOST="${HOST:-0.0.0.0}"
export REFLEX_API_URL="${REFLEX_API_URL:-http://localhost:$PORT}"
echo "serve-cluster: porta ${PORT}, endereço público ${REFLEX_API_URL}" >&2
exec "$BIN/python" deploy/reflex_respawn.py run --env prod --backend-port "$PORT" --backend-host "$HOST" \
    --loglevel "${LOGLEVEL:-warning}"
