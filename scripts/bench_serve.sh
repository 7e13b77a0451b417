#!/usr/bin/env bash
# bench_serve.sh is `make bench-serve`: a bounded loopback load test of
# gan-gen serve. It starts the server on a free loopback port, runs the Go
# load generator (scripts/loadgen) against it for SERVE_DURATION, prints its
# report (images/s, p50/p99, errors, the batch size the server formed, the
# bare onnxruntime run at that batch, RSS before/after, CPU shares), then
# stops the server with SIGTERM and checks that it drained and exited 0.
#
# Knobs, from the environment or `make bench-serve VAR=value`:
#   SERVE_CLIENTS    concurrent clients                  (64)
#   SERVE_N          images per request                  (16)
#   SERVE_DURATION   how long the clients keep asking    (30s)
#   SERVE_FORMAT     tar or npy                          (tar)
#   SERVE_MODEL      generator (default: the built-in one)
#   SERVE_ARGS       more gan-gen serve flags, e.g. "--max-wait 5ms --threads 2"
#   OUT              where the report and the server log go (runs/bench-serve)
#
# The load generator shares the machine with the server: its CPU share is in
# the report. Run it on a quiet machine; the load average is reported too.
set -euo pipefail

cd "$(dirname "$0")/.."

SERVE_CLIENTS=${SERVE_CLIENTS:-64}
SERVE_N=${SERVE_N:-16}
SERVE_DURATION=${SERVE_DURATION:-30s}
SERVE_FORMAT=${SERVE_FORMAT:-tar}
SERVE_MODEL=${SERVE_MODEL:-}
SERVE_ARGS=${SERVE_ARGS:-}
OUT=${OUT:-runs/bench-serve}
GO=${GO:-go}

mkdir -p "$OUT" bin
$GO build -o bin/gan-gen ./cmd/gan-gen
$GO build -o bin/loadgen ./scripts/loadgen

model=()
if [[ -n "$SERVE_MODEL" ]]; then model=(--model "$SERVE_MODEL"); fi
# shellcheck disable=SC2086 # SERVE_ARGS is a list of flags
bin/gan-gen serve "${model[@]}" --addr 127.0.0.1:0 --queue $((SERVE_CLIENTS * SERVE_N * 2)) $SERVE_ARGS \
	2>"$OUT/server.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
url=
for _ in $(seq 300); do
	url=$(grep -o '"url":"[^"]*"' "$OUT/server.log" | head -1 | cut -d'"' -f4 || true)
	if [[ -n "$url" ]] || ! kill -0 "$pid" 2>/dev/null; then break; fi
	sleep 0.1
done
if [[ -z "$url" ]]; then
	echo "bench-serve: the server did not start:" >&2
	cat "$OUT/server.log" >&2
	exit 1
fi

threads=$(grep -o -- '--threads [0-9]*' <<<"$SERVE_ARGS" | awk '{print $2}' || true)
bin/loadgen -url "$url" -clients "$SERVE_CLIENTS" -n "$SERVE_N" -format "$SERVE_FORMAT" \
	-duration "$SERVE_DURATION" -model "$SERVE_MODEL" -threads "${threads:-0}" | tee "$OUT/report.txt"

kill -TERM "$pid"
if wait "$pid"; then
	echo "server: drained and exited 0 after SIGTERM ($(grep -c '"msg":"request"' "$OUT/server.log") request lines in $OUT/server.log)" | tee -a "$OUT/report.txt"
else
	echo "bench-serve: the server exited $? after SIGTERM; see $OUT/server.log" >&2
	exit 1
fi
trap - EXIT
