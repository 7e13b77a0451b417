#!/usr/bin/env bash
# bench_quality.sh trains the default DCGAN on MNIST with gogan (bin/gan-train)
# and with the PyTorch peer (scripts/peer_dcgan.py --mode quality) for the same
# wall time on the same threads, snapshots both at the same training times,
# scores every snapshot with bin/gan-eval against the MNIST test set and prints
# the two quality-over-time curves side by side. `make bench-quality` calls it.
# The aim it measures: gogan reaches a given FID sooner than the peer.
#
# Knobs, from the environment or `make bench-quality VAR=value`:
#   QUALITY_MINUTES    training time of each side, minutes       (10)
#   QUALITY_SNAPSHOTS  snapshot times, minutes, comma-separated  (1,3,10)
#   QUALITY_N          samples scored per snapshot               (10000)
#   QUALITY_OUT        run folders and scores                    (runs/quality)
#   THREADS            gan-train --threads, torch threads         (2)
#   RECIPE             gan-train --recipe (modern, classic)       (modern)
#   SEED               both sides' seed                          (1)
#   PEER               0 skips the PyTorch peer                  (1)
#   PEER_PYTHON        python with torch                         (/usr/bin/python3)
#
# A short check: QUALITY_MINUTES=1 QUALITY_SNAPSHOTS=0.5,1 QUALITY_N=2000 (about 3 min).
# Run it on a quiet machine: the sides train one after the other, so other
# work on a 2-core machine skews whichever side it overlaps.
set -euo pipefail

cd "$(dirname "$0")/.."

MINUTES=${QUALITY_MINUTES:-10}
SNAPSHOTS=${QUALITY_SNAPSHOTS:-1,3,10}
N=${QUALITY_N:-10000}
OUT=${QUALITY_OUT:-runs/quality}
THREADS=${THREADS:-2}
SEED=${SEED:-1}
PEER=${PEER:-1}
RECIPE=${RECIPE:-modern}
PEER_PYTHON=${PEER_PYTHON:-/usr/bin/python3}

for b in bin/gan-train bin/gan-eval; do
	[ -x "$b" ] || { echo "bench_quality.sh: $b is missing; run make build" >&2; exit 1; }
done
if [ "$PEER" != 0 ] && ! "$PEER_PYTHON" -c 'import torch, numpy' 2>/dev/null; then
	echo "bench_quality.sh: $PEER_PYTHON cannot import torch and numpy; run 'make setup-peer' (or PEER=0 to skip the peer)" >&2
	exit 1
fi

# Snapshot labels are minutes as Go durations ("1m", "0.5m"), which gan-train
# --snapshot-at takes and the peer writes too.
labels=()
IFS=, read -ra snaps <<<"$SNAPSHOTS"
for m in "${snaps[@]}"; do
	labels+=("$(awk -v m="$m" 'BEGIN { printf "%gm", m }')")
done
snapshot_at=$(IFS=,; echo "${labels[*]}")
max_time=$(awk -v m="$MINUTES" 'BEGIN { printf "%gm", m }')
kid_size=$((N < 1000 ? N : 1000))

rm -rf "$OUT/gogan" "$OUT/peer" "$OUT/scores" "$OUT/gogan.log" "$OUT/gogan.cpu" "$OUT/peer.cpu"
mkdir -p "$OUT/scores"
{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "commit: $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet 2>/dev/null || echo '-dirty')"
	echo "schedule: $MINUTES min of training per side, snapshots at $snapshot_at, $N samples scored, $THREADS threads, seed $SEED"
	echo "loadavg before: $(cat /proc/loadavg)"
} | tee "$OUT/env.txt"

# side NAME CMD...: runs one side's training and appends to env.txt how many
# cores other processes kept busy meanwhile (as bench.sh's other_cpu): on 2
# cores, torch's OpenMP threads slow down several times when one core is
# taken, so a side with other_cpu above a few tenths was starved.
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
side() {
	local name=$1 b0 b1 t0 t1 rc=0
	shift
	b0=$(busy) t0=$(date +%s.%N)
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%U %S' -o "$OUT/$name.cpu" "$@" || rc=$?
	else
		"$@" || rc=$?
	fi
	b1=$(busy) t1=$(date +%s.%N)
	if [ -s "$OUT/$name.cpu" ]; then
		awk -v n="$name" -v b="$((b1 - b0))" -v tk="$(getconf CLK_TCK)" -v w="$(awk -v a="$t0" -v z="$t1" 'BEGIN { print z - a }')" \
			'NF == 2 { o = (b / tk - $1 - $2) / w; printf "%s: other_cpu=%.2f (cores other processes kept busy while it trained), loadavg after: ", n, (o < 0 ? 0 : o) }' \
			"$OUT/$name.cpu" | tee -a "$OUT/env.txt"
		cat /proc/loadavg | tee -a "$OUT/env.txt"
	fi
	return $rc
}

echo "== gogan: bin/gan-train --recipe $RECIPE --max-time $max_time --snapshot-at $snapshot_at"
# --steps far beyond reach, so the clock ends the run; sample grids and
# checkpoints only at the end, as the peer writes none either.
if ! side gogan bin/gan-train --recipe "$RECIPE" --max-time "$max_time" --snapshot-at "$snapshot_at" --seed "$SEED" --threads "$THREADS" \
	--steps 100000000 --sample-every 100000000 --checkpoint-every 100000000 --out "$OUT/gogan" >"$OUT/gogan.log" 2>&1; then
	cat "$OUT/gogan.log" >&2
	echo "bench_quality.sh: gan-train failed" >&2
	exit 1
fi
grep -v '^step ' "$OUT/gogan.log" || true

if [ "$PEER" != 0 ]; then
	echo "== peer: scripts/peer_dcgan.py --mode quality --minutes $MINUTES --snapshots $SNAPSHOTS"
	side peer "$PEER_PYTHON" scripts/peer_dcgan.py --mode quality --minutes "$MINUTES" --snapshots "$SNAPSHOTS" \
		--n "$N" --threads "$THREADS" --seed "$SEED" --out "$OUT/peer"
fi

# score FILE-FLAG PATH NAME: gan-eval's JSON for one snapshot into scores/.
score() {
	bin/gan-eval "$1" "$2" -n "$N" --kid-subset-size "$kid_size" --threads "$THREADS" --json >"$OUT/scores/$3.json" \
		2> >(grep -v '^gan-eval: notice' >&2)
}
echo "== scoring $N samples per snapshot with bin/gan-eval"
for l in "${labels[@]}"; do
	score --model "$OUT/gogan/snapshots/$l.onnx" "gogan-$l"
	[ "$PEER" = 0 ] || score --npy "$OUT/peer/$l.npy" "peer-$l"
done

# cell SIDE LABEL: steps FID KID perplexity of one snapshot, or dashes.
cell() {
	local steps f="$OUT/scores/$1-$2.json"
	steps=$(awk -F, -v l="$2" '$1 == l { print $2 }' "$OUT/$1/$([ "$1" = gogan ] && echo snapshots/)snapshots.csv" 2>/dev/null)
	if [ -f "$f" ]; then
		jq -r --arg s "${steps:--}" '[$s, (.fid * 100 | round / 100), (.kid.mean * 1e4 | round / 1e4), (.coverage.perplexity * 100 | round / 100)] | @tsv' "$f"
	else
		printf -- '-\t-\t-\t-\n'
	fi
}
{
	echo
	printf 'snapshot\tgogan steps\tgogan FID\tKID\tperplexity\tpeer steps\tpeer FID\tKID\tperplexity\n'
	for l in "${labels[@]}"; do
		printf '%s\t%s\t%s\n' "$l" "$(cell gogan "$l")" "$(cell peer "$l")"
	done
} | column -t -s $'\t' | tee "$OUT/report.txt"
echo
echo "FID and KID: lower is better (real MNIST scores about 0: gan-eval reference); class perplexity of 10 means all digits are drawn evenly."
grep -E 'loadavg|other_cpu' "$OUT/env.txt"
echo "run folders: $OUT/gogan $OUT/peer, scores: $OUT/scores/, report: $OUT/report.txt"
