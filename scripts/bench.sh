#!/usr/bin/env bash
# bench.sh runs gogan's Go benchmarks and the PyTorch peer (scripts/peer_dcgan.py)
# on the same thread count and prints them side by side as ratios
# (scripts/benchreport). `make bench` calls it. Raw output lands in $OUT.
#
# Knobs, from the environment or `make bench VAR=value`:
#   BENCH_PKGS        packages to benchmark                  (./...)
#   BENCH             go test -bench regexp                  (.)
#   BENCHTIME         go test -benchtime                     (2s)
#   BENCH_COUNT       go test -count; the report takes the median (1)
#   THREADS           GOMAXPROCS for gogan, torch threads for the peer (2)
#   PEER              0 skips the PyTorch peer               (1)
#   PEER_PYTHON       python with torch                      (/usr/bin/python3)
#   PEER_SECONDS      seconds the peer times each config     (6)
#   PEER_TRAIN_BATCHES, PEER_INFER_BATCHES, PEER_SGEMM_SIZES  (64 256, 1024, 256 1024)
#   PEER_RGB_BATCHES  train batches of the 64x64x3 DCGAN      (64)
#   PEER_MALLOC       glibc malloc of the peer: both, default or tuned (both);
#                     with both every config runs twice and the report takes
#                     the faster (see scripts/peer_dcgan.py)
#   ISOLATE           benchmarks run one per process, so a peak-RSS metric
#                     belongs to that config alone, as on the peer side;
#                     NAME@150x runs that one 150 iterations
#                     (BenchmarkDCGANStep/batch=64 BenchmarkDCGANStep/batch=256
#                      BenchmarkDCGANStep/64x64x3/batch=64 BenchmarkORTRun/batch=1024)
#   CMDS              0 skips the commands as users run them  (1)
#                     (scripts/bench_cmd.sh: CMD_COUNT, TRAIN_STEPS, GEN_IMAGES, GEN_DIR)
#   OUT (or BENCH_OUT) where raw output goes                (bench-out)
#
# Run it on a quiet machine: on 2 cores any other work skews both sides.
set -uo pipefail

cd "$(dirname "$0")/.."

BENCH_PKGS=${BENCH_PKGS:-./...}
BENCH=${BENCH:-.}
BENCHTIME=${BENCHTIME:-2s}
BENCH_COUNT=${BENCH_COUNT:-1}
THREADS=${THREADS:-2}
PEER=${PEER:-1}
PEER_PYTHON=${PEER_PYTHON:-/usr/bin/python3}
PEER_SECONDS=${PEER_SECONDS:-6}
PEER_TRAIN_BATCHES=${PEER_TRAIN_BATCHES:-64 256}
PEER_INFER_BATCHES=${PEER_INFER_BATCHES:-1024}
PEER_SGEMM_SIZES=${PEER_SGEMM_SIZES:-256 1024}
PEER_RGB_BATCHES=${PEER_RGB_BATCHES:-64}
PEER_MALLOC=${PEER_MALLOC:-both}
ISOLATE=${ISOLATE:-BenchmarkDCGANStep/batch=64 BenchmarkDCGANStep/batch=256 BenchmarkDCGANStep/64x64x3/batch=64 BenchmarkORTRun/batch=1024}
OUT=${OUT:-${BENCH_OUT:-bench-out}}

# The inference benchmarks time the DCGAN-MNIST generator gan-gen embeds.
if [ -z "${GOGAN_BENCH_MODEL:-}" ] && [ -f infer/pretrained/default.onnx ]; then
	export GOGAN_BENCH_MODEL=$PWD/infer/pretrained/default.onnx
fi

mkdir -p "$OUT"
: >"$OUT/go.txt"
: >"$OUT/peer.txt"
status=0

{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "cpu model: $(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')"
	echo "commit: $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet 2>/dev/null || echo '-dirty')"
	echo "go: $(go version)"
	echo "loadavg before: $(cat /proc/loadavg 2>/dev/null)"
	echo "threads: $THREADS  benchtime: $BENCHTIME  count: $BENCH_COUNT  pkgs: $BENCH_PKGS"
} >"$OUT/env.txt"
cat "$OUT/env.txt"

# gotest runs one go test -bench invocation and appends its output to go.txt.
gotest() {
	GOMAXPROCS=$THREADS go test -run '^$' -timeout 60m -benchmem -benchtime "$BENCHTIME" \
		-count "$BENCH_COUNT" "$@" $BENCH_PKGS 2>&1 | tee -a "$OUT/go.txt"
	local rc=${PIPESTATUS[0]}
	if [ "$rc" -ne 0 ]; then
		echo "bench.sh: go test $* failed (exit $rc); the report shows what ran" >&2
		status=1
	fi
}

# Everything but the isolated benchmarks in one process, then each isolated
# config in its own. -skip takes top-level names only; the isolated runs
# match sub-benchmarks exactly.
skip=""
for b in $ISOLATE; do
	skip="$skip|${b%%/*}"
done
skip="^(${skip#|})\$"
echo "== go benchmarks: -bench '$BENCH' (isolated: $ISOLATE)"
if [ -n "$ISOLATE" ]; then
	gotest -bench "$BENCH" -skip "$skip"
else
	gotest -bench "$BENCH"
fi
for entry in $ISOLATE; do
	b=${entry%@*}
	# Honour BENCH: a run limited to, say, Sgemm skips the model benchmarks.
	[[ "${b%%/*}" =~ $BENCH ]] || continue
	top=${b%%/*} sub=${b#*/}
	# NAME@150x runs NAME for a fixed 150 iterations instead of BENCHTIME.
	bt=$BENCHTIME
	[ "$entry" = "$b" ] || bt=${entry#*@}
	BENCHTIME=$bt gotest -bench "^${top}\$/^${sub}\$"
done

# gonum built with -tags noasm: the pure Go it runs without assembly, what
# gogan's generic sgemm path faces on arm64. Renamed so that the report
# tells it from gonum's amd64 assembly.
if [[ BenchmarkGonumSgemm =~ $BENCH ]] && [[ " $BENCH_PKGS " =~ " ./... " || " $BENCH_PKGS " =~ " ./train/tensor/ " ]]; then
	echo "== gonum without assembly (-tags noasm)"
	GOMAXPROCS=$THREADS go test -tags noasm -run '^$' -bench '^BenchmarkGonumSgemm$' -benchtime "$BENCHTIME" \
		-count "$BENCH_COUNT" ./train/tensor/ 2>&1 | sed 's/^BenchmarkGonumSgemm\//BenchmarkGonumSgemmNoasm\//' | tee -a "$OUT/go.txt"
	[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "bench.sh: gonum noasm benchmark failed" >&2; status=1; }
fi

# The commands as users run them (scripts/bench_cmd.sh): gan-train against
# the peer's training command, gan-gen's outputs against the bare Run.
# CMDS=0 skips them; a BENCH that does not match BenchmarkCmd does too.
if [ "${CMDS:-1}" != 0 ] && [[ BenchmarkCmd =~ $BENCH ]]; then
	THREADS=$THREADS OUT=$OUT PEER=$PEER PEER_PYTHON=$PEER_PYTHON PEER_MALLOC=$PEER_MALLOC scripts/bench_cmd.sh || status=1
fi

# peer runs one scripts/peer_dcgan.py config in its own process, so its
# peak RSS is that config's alone.
peer() {
	echo "== peer $*"
	"$PEER_PYTHON" scripts/peer_dcgan.py --threads "$THREADS" --seconds "$PEER_SECONDS" --malloc "$PEER_MALLOC" "$@" \
		2> >(tee -a "$OUT/peer.log" >&2) | tee -a "$OUT/peer.txt"
	local rc=${PIPESTATUS[0]}
	if [ "$rc" -ne 0 ]; then
		echo "bench.sh: peer $* failed (exit $rc)" >&2
		status=1
	fi
}

if [ "$PEER" = 0 ]; then
	echo "== peer skipped (PEER=0)"
elif ! "$PEER_PYTHON" -c 'import torch' 2>/dev/null; then
	echo "bench.sh: $PEER_PYTHON cannot import torch; run 'make setup-peer' (or set PEER_PYTHON, or PEER=0 to skip the peer)" >&2
	status=1
else
	: >"$OUT/peer.log"
	for b in $PEER_TRAIN_BATCHES; do peer --mode train --batch "$b"; done
	for b in $PEER_RGB_BATCHES; do peer --mode train --image 64x64x3 --batch "$b"; done
	for b in $PEER_INFER_BATCHES; do peer --mode infer --batch "$b"; done
	for n in $PEER_SGEMM_SIZES; do peer --mode sgemm --size "$n"; done
fi

echo "loadavg after: $(cat /proc/loadavg 2>/dev/null)" >>"$OUT/env.txt"
echo
go run ./scripts/benchreport "$OUT/env.txt" "$OUT/go.txt" "$OUT/peer.txt" | tee "$OUT/report.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
echo "raw output: $OUT/go.txt $OUT/peer.txt, report: $OUT/report.txt"
exit $status
