#!/usr/bin/env bash
# recipes.sh: the recipe table of README. Each recipe trains on MNIST at
# fixed step counts (deterministic: a busy machine changes only the wait),
# resuming from one count to the next, and each snapshot is scored by
# gan-eval (N samples against the MNIST test set). Step counts come from
# minutes of training at each recipe's images/s on a quiet machine (IPS_*),
# so the table reads as quality after 1, 3, 10 ... minutes.
#
#   MINUTES   snapshot times, minutes           (1,3,10)
#   N         samples scored per snapshot       (10000)
#   OUT       run folders and scores            (runs/recipes)
#   THREADS   gan-train/gan-eval threads        (2)
#   RECIPES   names from scripts/recipes.list, comma- or space-separated (all)
#
# Each recipe is a line of scripts/recipes.list: add NAME IMAGES_PER_S "FLAGS".
# Figures of images/s: gan-train's own metrics.csv on a quiet machine, or
# `make bench` (BenchmarkDCGANStep / BenchmarkResNetStep) scaled by the
# ratio gan-train / in-process benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."

MINUTES=${MINUTES:-1,3,10}
N=${N:-10000}
OUT=${OUT:-runs/recipes}
THREADS=${THREADS:-2}
BATCH=64

declare -A IPS FLAGS
add() { IPS[$1]=$2; FLAGS[$1]=$3; ORDER+=("$1"); }
ORDER=()
# shellcheck source=scripts/recipes.list
source scripts/recipes.list
RECIPES=${RECIPES:-${ORDER[*]}}
RECIPES=${RECIPES//,/ }

for b in bin/gan-train bin/gan-eval; do
	[ -x "$b" ] || { echo "recipes.sh: $b is missing; run make build" >&2; exit 1; }
done
mkdir -p "$OUT"
table="$OUT/table.tsv"
[ -f "$table" ] || printf 'recipe\tminutes\tsteps\tfid\tkid\tprecision\trecall\tperplexity\n' >"$table"

IFS=, read -ra mins <<<"$MINUTES"
for r in $RECIPES; do
	[ -n "${IPS[$r]:-}" ] || { echo "recipes.sh: unknown recipe $r (see scripts/recipes.list)" >&2; exit 2; }
	dir="$OUT/$r"
	for m in "${mins[@]}"; do
		steps=$(awk -v m="$m" -v ips="${IPS[$r]}" -v b=$BATCH 'BEGIN { printf "%d", m*60*ips/b + 0.5 }')
		snap="$dir/snapshots/${m}m.onnx"
		if [ ! -f "$snap" ]; then
			# shellcheck disable=SC2086
			if [ -f "$dir/checkpoints/latest.ckpt" ]; then
				bin/gan-train --resume "$dir" --steps "$steps" >>"$OUT/$r.log" 2>&1
			else
				rm -rf "$dir"
				bin/gan-train ${FLAGS[$r]} --steps "$steps" --seed 1 --threads "$THREADS" \
					--sample-every 100000 --checkpoint-every 100000 --out "$dir" >>"$OUT/$r.log" 2>&1
			fi
			mkdir -p "$dir/snapshots"
			cp "$dir/generator.onnx" "$snap.tmp" && mv "$snap.tmp" "$snap"
		fi
		grep -q "^$r	$m	" "$table" && continue
		js="$dir/snapshots/${m}m.json"
		bin/gan-eval --model "$snap" -n "$N" --threads "$THREADS" --json >"$js"
		python3 - "$js" "$r" "$m" "$steps" >>"$table" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
c = j.get("coverage") or {}
print("\t".join([sys.argv[2], sys.argv[3], sys.argv[4], "%.1f" % j["fid"], "%.1f" % j["kid"]["mean"],
                 "%.3f" % j["precision"], "%.3f" % j["recall"], "%.2f" % c.get("perplexity", float("nan"))]))
PY
		tail -n 1 "$table"
	done
done
column -t -s $'\t' "$table"
