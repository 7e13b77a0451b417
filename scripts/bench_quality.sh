#!/usr/bin/env bash
# bench_quality.sh trains the DCGAN on MNIST on up to four sides, one after the
# other, each for the same wall time on the same threads: gogan's default
# recipe (bin/gan-train --recipe $RECIPE, modern), gogan's classic recipe, the
# PyTorch peer's classic pytorch/examples DCGAN (scripts/peer_dcgan.py --mode
# quality --recipe classic) and the peer running the default recipe (the same
# hinge loss and EMA of G, as gogan computes them). It snapshots every side at
# the same training times, scores every snapshot with bin/gan-eval against the
# MNIST test set, prints one table of all sides and, at each snapshot, whether
# the default side beats each of the others and by what FID ratio.
# `make bench-quality` calls it. The aim it measures (issue 9): gogan's default
# recipe reaches a better FID than each of the others at equal training time.
#
# Knobs, from the environment or `make bench-quality VAR=value`:
#   QUALITY_MINUTES    training time of each side, minutes       (10)
#   QUALITY_SNAPSHOTS  snapshot times, minutes, comma-separated  (1,3,10)
#   QUALITY_N          samples scored per snapshot               (10000)
#   QUALITY_OUT        run folders and scores                    (runs/quality)
#   THREADS            gan-train --threads, torch threads         (2)
#   RECIPE             the default side's recipe (modern, classic) (modern)
#   SIDES              sides to run, in order, comma-separated: gogan-RECIPE or
#                      peer-RECIPE (gogan-$RECIPE,gogan-classic,peer-classic,peer-$RECIPE)
#   SEED               every side's seed                         (1)
#   PEER               0 drops the PyTorch peer's sides          (1)
#   PEER_PYTHON        python with torch                         (/usr/bin/python3)
#
# A short check: QUALITY_MINUTES=0.5 QUALITY_SNAPSHOTS=0.25,0.5 QUALITY_N=2000
# (about 5 min). Run it on a quiet machine: the sides train one after the
# other, so other work on a 2-core machine skews whichever side it overlaps.
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
DEFAULT=gogan-$RECIPE
SIDES=${SIDES:-$DEFAULT,gogan-classic,peer-classic,peer-$RECIPE}

# The sides, deduplicated (RECIPE=classic makes the default the classic
# side), less the peer's with PEER=0. The recipes are train/recipe.go's,
# which scripts/peer_dcgan.py's RECIPES mirrors.
sides=()
IFS=, read -ra want <<<"$SIDES"
for s in "${want[@]}"; do
	s=${s// /}
	[ -n "$s" ] || continue
	if ! [[ $s =~ ^(gogan|peer)-(modern|classic)$ ]]; then
		echo "bench_quality.sh: SIDES=$SIDES: $s is not a side; write gogan-RECIPE or peer-RECIPE with RECIPE modern or classic" >&2
		exit 1
	fi
	[[ $PEER = 0 && $s = peer-* ]] && continue
	[[ " ${sides[*]} " = *" $s "* ]] || sides+=("$s")
done
[ ${#sides[@]} -gt 0 ] || { echo "bench_quality.sh: SIDES=$SIDES (PEER=$PEER) leaves no side to run" >&2; exit 1; }
peer_sides=0
for s in "${sides[@]}"; do [[ $s = peer-* ]] && peer_sides=1; done

for b in bin/gan-train bin/gan-eval; do
	[ -x "$b" ] || { echo "bench_quality.sh: $b is missing; run make build" >&2; exit 1; }
done
if [ "$peer_sides" = 1 ] && ! "$PEER_PYTHON" -c 'import torch, numpy' 2>/dev/null; then
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

# Every earlier run's sides (this layout's and the two-side layout before it).
rm -rf "$OUT"/gogan "$OUT"/peer "$OUT"/gogan[-.]* "$OUT"/peer[-.]* "$OUT/scores" "$OUT/report.txt"
mkdir -p "$OUT/scores"
{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "commit: $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet 2>/dev/null || echo '-dirty')"
	echo "schedule: $MINUTES min of training per side, snapshots at $snapshot_at, $N samples scored, $THREADS threads, seed $SEED"
	echo "sides: ${sides[*]} (default: $DEFAULT)"
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

# run_side SIDE: trains one side into $OUT/SIDE, its output in $OUT/SIDE.log.
run_side() {
	local name=$1 tool=${1%%-*} recipe=${1#*-}
	if [ "$tool" = gogan ]; then
		echo "== $name: bin/gan-train --recipe $recipe --max-time $max_time --snapshot-at $snapshot_at"
		# --steps far beyond reach, so the clock ends the run; sample grids and
		# checkpoints only at the end, as the peer writes none either.
		if ! side "$name" bin/gan-train --recipe "$recipe" --max-time "$max_time" --snapshot-at "$snapshot_at" --seed "$SEED" --threads "$THREADS" \
			--steps 100000000 --sample-every 100000000 --checkpoint-every 100000000 --out "$OUT/$name" >"$OUT/$name.log" 2>&1; then
			cat "$OUT/$name.log" >&2
			echo "bench_quality.sh: $name: gan-train failed" >&2
			exit 1
		fi
		grep -v '^step ' "$OUT/$name.log" || true
	else
		echo "== $name: scripts/peer_dcgan.py --mode quality --recipe $recipe --minutes $MINUTES --snapshots $SNAPSHOTS"
		if ! side "$name" "$PEER_PYTHON" scripts/peer_dcgan.py --mode quality --recipe "$recipe" --minutes "$MINUTES" --snapshots "$SNAPSHOTS" \
			--n "$N" --threads "$THREADS" --seed "$SEED" --out "$OUT/$name" >"$OUT/$name.log" 2>&1; then
			cat "$OUT/$name.log" >&2
			echo "bench_quality.sh: $name: scripts/peer_dcgan.py failed" >&2
			exit 1
		fi
		cat "$OUT/$name.log"
	fi
}
for s in "${sides[@]}"; do
	run_side "$s"
done

# score SIDE LABEL: gan-eval's JSON for one snapshot into scores/SIDE-LABEL.json.
score() {
	local what=(--model "$OUT/$1/snapshots/$2.onnx")
	[[ $1 = peer-* ]] && what=(--npy "$OUT/$1/$2.npy")
	bin/gan-eval "${what[@]}" -n "$N" --kid-subset-size "$kid_size" --threads "$THREADS" --json >"$OUT/scores/$1-$2.json" \
		2> >(grep -v '^gan-eval: notice' >&2)
}
echo "== scoring $N samples per snapshot with bin/gan-eval"
for l in "${labels[@]}"; do
	for s in "${sides[@]}"; do
		score "$s" "$l"
	done
done

# cell SIDE LABEL: steps FID KID perplexity of one snapshot, or dashes.
cell() {
	local steps f="$OUT/scores/$1-$2.json" csv="$OUT/$1/snapshots.csv"
	[[ $1 = gogan-* ]] && csv="$OUT/$1/snapshots/snapshots.csv"
	steps=$(awk -F, -v l="$2" '$1 == l { print $2 }' "$csv" 2>/dev/null)
	if [ -f "$f" ]; then
		jq -r --arg s "${steps:--}" '[$s, (.fid * 100 | round / 100), (.kid.mean * 1e4 | round / 1e4), (.coverage.perplexity * 100 | round / 100)] | @tsv' "$f"
	else
		printf -- '-\t-\t-\t-\n'
	fi
}
# fid SIDE LABEL: the snapshot's FID, or nothing.
fid() { [ -f "$OUT/scores/$1-$2.json" ] && jq -r '.fid' "$OUT/scores/$1-$2.json"; }
{
	echo
	{
		printf 'snapshot\tside\tsteps\tFID\tKID\tperplexity\n'
		for l in "${labels[@]}"; do
			for s in "${sides[@]}"; do
				printf '%s\t%s\t%s\n' "$l" "$s$([ "$s" = "$DEFAULT" ] && echo ' (default)')" "$(cell "$s" "$l")"
			done
		done
	} | column -t -s $'\t'
	# At each snapshot: the default side against every other, by FID (lower is
	# better); ratio is the default's FID over the other's, so below 1 wins.
	if [[ " ${sides[*]} " = *" $DEFAULT "* ]] && [ ${#sides[@]} -gt 1 ]; then
		echo
		for l in "${labels[@]}"; do
			args=()
			for s in "${sides[@]}"; do args+=("$s" "$(fid "$s" "$l")"); done
			awk -v l="$l" -v def="$DEFAULT" 'BEGIN {
				for (i = 1; i < ARGC; i += 2) { name[i] = ARGV[i]; f[ARGV[i]] = ARGV[i + 1]; if (ARGV[i] == def) d = ARGV[i + 1] }
				if (d == "") { printf "%s: %s has no score\n", l, def; exit }
				line = sprintf("%s: %s FID %.2f", l, def, d); best = d; bestname = def
				for (i = 1; i < ARGC; i += 2) {
					n = name[i]; o = f[n]
					if (n == def) continue
					if (o == "") { line = line sprintf("; %s has no score", n); continue }
					if (o + 0 < best + 0) { best = o; bestname = n }
					line = line sprintf("; %s %s (FID %.2f, ratio %.3f)", (d + 0 < o + 0 ? "beats" : "LOSES to"), n, o, (o > 0 ? d / o : 0))
				}
				if (bestname == def) printf "%s; the default is the best\n", line
				else printf "%s; best %s, the default %.1f%% above it\n", line, bestname, (best > 0 ? 100 * (d / best - 1) : 0)
				exit
			}' "${args[@]}"
		done
	else
		echo
		echo "no verdict: SIDES leaves out the default side $DEFAULT or every other"
	fi
} | tee "$OUT/report.txt"
echo
echo "FID and KID: lower is better (real MNIST scores about 0: gan-eval reference); class perplexity of 10 means all digits are drawn evenly."
grep -E 'loadavg|other_cpu' "$OUT/env.txt"
echo "run folders: ${sides[*]/#/$OUT/}, scores: $OUT/scores/, report: $OUT/report.txt"
