#!/usr/bin/env bash
# `make serve`: the portal as a small deployment runs it.
#
#   - the database migrated (DATABASE_URL as everywhere: SQLite in data/ when unset);
#   - the production build (`reflex run --env prod`): frontend and backend on ONE port (PORT, 8000);
#   - GRANIAN_WORKERS backend workers (default: the machine's CPUs), but only one without
#     REFLEX_REDIS_URL: each tab's state lives in the worker's memory unless Redis holds it;
#   - REFLEX_API_URL: the address the browser uses to reach the portal. Behind a reverse proxy
#     set it to the public https address (https://portal.example.com) before the build.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${BIN:-$PWD/.venv/bin}"
PORT="${PORT:-8000}"
HOST="${HOST:-0.0.0.0}"
export PATH="$BIN:$PATH" REFLEX_USE_NPM=1 REFLEX_TELEMETRY_ENABLED=false

workers="${GRANIAN_WORKERS:-$(nproc)}"
if [[ -z "${REFLEX_REDIS_URL:-}" && "$workers" -gt 1 ]]; then
    echo "serve: sem REFLEX_REDIS_URL o portal roda com 1 worker (o estado das abas fica na memória do processo)." >&2
    workers=1
fi
export GRANIAN_WORKERS="$workers"
export REFLEX_API_URL="${REFLEX_API_URL:-http://localhost:$PORT}"

"$BIN/copass" db upgrade
echo "serve: ${GRANIAN_WORKERS} worker(s), porta ${PORT}, endereço público ${REFLEX_API_URL}" >&2
exec "$BIN/reflex" run --env prod --backend-port "$PORT" --backend-host "$HOST" --loglevel "${LOGLEVEL:-warning}"
