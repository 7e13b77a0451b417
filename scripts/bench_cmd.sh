#!/usr/bin/env bash
# bench_cmd.sh times the commands as users run them, for scripts/bench.sh
# (make bench): gan-train against the PyTorch peer's training command, and
# gan-gen's outputs against onnxruntime's bare Run of the same generator.
# It appends Go-benchmark-shaped lines to $OUT/go.txt and the peer's lines
# to $OUT/peer.txt, which scripts/benchreport pairs:
#
#   BenchmarkCmdGanTrain/recipe=classic   gan-train --recipe classic --steps
#       $TRAIN_STEPS: images/s over steps 80..$TRAIN_STEPS from its
#       metrics.csv (start-up, the first steps and the end-of-run export off
#       the clock, as the peer's), peak-MB of the whole process
#   peer quality recipe=classic           scripts/peer_dcgan.py --mode quality
#       on the same MNIST, the same steps and clock, under each malloc
#   BenchmarkCmdGanGen/format=F/batch=B/n=N   gan-gen -n N --batch B with
#       the built-in generator writing F (png: a folder of files, tar, npy):
#       images/s of the whole command (start-up, model load and the first
#       run's warm-up included, as users wait for them) and peak-MB; N is
#       $GEN_IMAGES, and five times that for one more tar run
#   BenchmarkORTRunDefault/batch=1024     the bare Run, timed between the
#       commands so that both sides see the same machine
#
# Each is run $CMD_COUNT times, interleaved; the report takes the medians.
# Knobs: THREADS, OUT, PEER, PEER_PYTHON, PEER_MALLOC (as bench.sh), and
#   CMD_COUNT (3), TRAIN_STEPS (250), GEN_IMAGES (20480), BIN (bin: where
#   gan-train and gan-gen are),
#   GEN_DIR  folder the gan-gen outputs go to (default a new one under
#            ${TMPDIR:-/tmp}); it should be on the disk users write to.
set -uo pipefail

cd "$(dirname "$0")/.."

THREADS=${THREADS:-2}
OUT=${OUT:-${BENCH_OUT:-bench-out}}
PEER=${PEER:-1}
PEER_PYTHON=${PEER_PYTHON:-/usr/bin/python3}
PEER_MALLOC=${PEER_MALLOC:-both}
CMD_COUNT=${CMD_COUNT:-3}
TRAIN_STEPS=${TRAIN_STEPS:-250}
GEN_IMAGES=${GEN_IMAGES:-20480}
BIN=${BIN:-bin}
status=0

for v in CMD_COUNT TRAIN_STEPS GEN_IMAGES THREADS; do
	if ! [[ ${!v} =~ ^[1-9][0-9]*$ ]]; then
		echo "bench_cmd.sh: $v=${!v}: want a positive whole number" >&2
		exit 2
	fi
done
if [ "$TRAIN_STEPS" -le 100 ]; then
	echo "bench_cmd.sh: TRAIN_STEPS=$TRAIN_STEPS: want more than 100 (the clock starts at step 80)" >&2
	exit 2
fi
for b in "$BIN/gan-train" "$BIN/gan-gen"; do
	if [ ! -x "$b" ]; then
		echo "bench_cmd.sh: $b is missing; run 'make build' first" >&2
		exit 2
	fi
done
if ! command -v /usr/bin/time >/dev/null; then
	echo "bench_cmd.sh: /usr/bin/time is missing (apt install time); it measures peak memory" >&2
	exit 2
fi
mkdir -p "$OUT"
work=$(mktemp -d "${TMPDIR:-/tmp}/gogan-bench-cmd.XXXXXX") || exit 1
gendir=${GEN_DIR:-$work/gen}
mkdir -p "$gendir" || exit 1
# The bare Run's test binary, built once; it runs in infer/ for its model.
if ! go test -c -o "$work/infer.test" ./infer/; then
	echo "bench_cmd.sh: building infer's benchmarks failed" >&2
	exit 1
fi
# Removing thousands of files right before creating thousands more makes
# ext4 slower at creating them (see cmd/gan-gen/bench_test.go), so every
# gan-gen run writes into a new folder and all are removed at the end.
trap 'rm -rf "$work" ${GEN_DIR:+"$gendir"/bench-*}' EXIT

# timed CMD... runs CMD under /usr/bin/time; sets wall_s and peak_mb.
timed() {
	local tf=$work/time.txt
	/usr/bin/time -f '%e %M' -o "$tf" "$@"
	local rc=$?
	read -r wall_s peak_kb <"$tf" || true
	peak_mb=$(awk -v k="${peak_kb:-0}" 'BEGIN { printf "%.1f", k / 1024 }')
	return $rc
}

# steady_rate FILE: images/s from metrics.csv between step 80 and the last.
steady_rate() {
	awk -F, -v batch=64 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$col["step"] == 80 { s0 = $col["step"]; t0 = $col["elapsed_s"] }
		{ s1 = $col["step"]; t1 = $col["elapsed_s"] }
		END { if (t1 > t0 && s1 > s0) printf "%.1f", (s1 - s0) * batch / (t1 - t0); else print "" }' "$1"
}

echo "== commands: gan-train $TRAIN_STEPS steps, gan-gen $GEN_IMAGES images, $CMD_COUNT rounds"
for round in $(seq "$CMD_COUNT"); do
	# gan-train as users run it (the classic recipe, batch 64).
	run=$work/train-$round
	if timed "$BIN/gan-train" --recipe classic --steps "$TRAIN_STEPS" --threads "$THREADS" --seed "$round" \
		--out "$run" --quiet >"$work/train.log" 2>&1; then
		ips=$(steady_rate "$run/metrics.csv")
		echo "BenchmarkCmdGanTrain/recipe=classic 1 $(awk -v s="$wall_s" 'BEGIN { printf "%.0f", s * 1e9 }') ns/op ${ips:-0} images/s $peak_mb peak-MB" |
			tee -a "$OUT/go.txt"
	else
		echo "bench_cmd.sh: gan-train failed; its output:" >&2
		tail -5 "$work/train.log" >&2
		status=1
	fi
	rm -rf "$run"

	# The bare Run between the commands.
	(cd infer && GOMAXPROCS=$THREADS "$work/infer.test" -test.run '^$' -test.bench '^BenchmarkORTRunDefault$/^batch=1024$' \
		-test.benchtime 2s) 2>&1 | grep '^Benchmark' | tee -a "$OUT/go.txt"

	# gan-gen with each output, and the folder of PNGs at batch 4096 for
	# its memory.
	# A tar of five times the images too: the two tar runs part the
	# command's fixed cost (start-up, model load, the first run's warm-up)
	# from its rate per image.
	for cfg in png/1024/1 tar/1024/1 npy/1024/1 png/4096/1 tar/1024/5; do
		IFS=/ read -r format batch times <<<"$cfg"
		n=$((GEN_IMAGES * times))
		dest=$gendir/bench-$round-$format-$batch-$n
		[ "$format" = png ] || dest=$dest.$format
		if timed "$BIN/gan-gen" -q -n "$n" --batch "$batch" --threads "$THREADS" --out "$dest" 2>"$work/gen.log"; then
			ips=$(awk -v n="$n" -v s="$wall_s" 'BEGIN { printf "%.1f", n / s }')
			echo "BenchmarkCmdGanGen/format=$format/batch=$batch/n=$n 1 $(awk -v s="$wall_s" 'BEGIN { printf "%.0f", s * 1e9 }') ns/op $ips images/s $peak_mb peak-MB" |
				tee -a "$OUT/go.txt"
		else
			echo "bench_cmd.sh: gan-gen --out $dest failed: $(tail -3 "$work/gen.log")" >&2
			status=1
		fi
		[ "$format" = png ] || rm -f "$dest"
	done
done

# The peer's training command: MNIST, the classic recipe, the same steps.
if [ "$PEER" = 0 ]; then
	echo "== peer command skipped (PEER=0)"
elif ! "$PEER_PYTHON" -c 'import torch, numpy' 2>/dev/null; then
	echo "bench_cmd.sh: $PEER_PYTHON cannot import torch and numpy; run 'make setup-peer' (or PEER=0)" >&2
	status=1
else
	mallocs=$PEER_MALLOC
	[ "$mallocs" = both ] && mallocs="default tuned"
	for round in $(seq "$CMD_COUNT"); do
		for m in $mallocs; do
			echo "== peer command: quality --recipe classic --steps $TRAIN_STEPS --malloc $m"
			"$PEER_PYTHON" scripts/peer_dcgan.py --mode quality --recipe classic --steps "$TRAIN_STEPS" \
				--minutes 1000 --snapshots 1000 --n 64 --steady-from 80 --seed "$round" \
				--threads "$THREADS" --malloc "$m" --out "$work/peer" 2>>"$OUT/peer.log" | tee -a "$OUT/peer.txt"
			[ "${PIPESTATUS[0]}" -eq 0 ] || {
				echo "bench_cmd.sh: the peer's training command failed (see $OUT/peer.log)" >&2
				status=1
			}
		done
	done
fi
exit $status
