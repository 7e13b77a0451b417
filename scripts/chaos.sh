#!/usr/bin/env bash
# chaos.sh kills gan-train with SIGKILL at random moments, again and again,
# resuming the run each time, and checks that it ends with a generator.onnx
# (and checkpoint) byte-identical to an uninterrupted run with the same seed
# and threads, and that no kill ever leaves a folder that cannot be
# continued: after each kill the folder must be resumable (--resume) or, if
# killed before it saved config.json, reusable (--out). `make chaos` calls it.
#
# Knobs, from the environment or `make chaos VAR=value`:
#   CHAOS_KILLS     kills to survive before the run may finish        (25)
#   CHAOS_SEED      seed of the kill times (bash RANDOM)              (1)
#   CHAOS_MAX_MS    a session is killed 0..CHAOS_MAX_MS ms after it   (2x the reference run / KILLS, at least 300)
#                   starts training; one in four is killed that long
#                   after it starts, so kills land in start-up as well
#   CHAOS_ARGS      the training run                                  (see below)
#   CHAOS_OUT       work folder (removed first)                       (runs/chaos)
#   GAN_TRAIN       the binary                                        (bin/gan-train)
set -uo pipefail

cd "$(dirname "$0")/.."

KILLS=${CHAOS_KILLS:-25}
RANDOM=${CHAOS_SEED:-1}
MAX_MS=${CHAOS_MAX_MS:-}
ARGS=${CHAOS_ARGS:---model mlp --steps 150 --batch-size 32 --threads 1 --seed 7 --checkpoint-every 5 --sample-every 50}
OUT=${CHAOS_OUT:-runs/chaos}
BIN=${GAN_TRAIN:-bin/gan-train}

fail() { echo "chaos: FAIL: $*" >&2; exit 1; }

rm -rf "$OUT" && mkdir -p "$OUT" || fail "cannot make $OUT"
ref="$OUT/ref" run="$OUT/run" log="$OUT/log"
: >"$log"

echo "chaos: reference run: gan-train $ARGS"
t0=$(date +%s.%N)
# shellcheck disable=SC2086
"$BIN" $ARGS --out "$ref" 2>>"$log" || fail "the uninterrupted run failed (see $log)"
t1=$(date +%s.%N)
# Kill times scale with the machine: a session lives on average a
# reference run's 1/KILLS, so the kills land all through the run whether
# the machine is quiet or busy.
[ -n "$MAX_MS" ] || MAX_MS=$(awk -v a="$t0" -v b="$t1" -v k="$KILLS" 'BEGIN { m = int(2000 * (b - a) / k); print (m < 300 ? 300 : m) }')
echo "chaos: reference took $(awk "BEGIN{printf \"%.1f\", $t1 - $t0}") s; now killing a run of the same settings $KILLS times, each 0-$MAX_MS ms after it starts"

kills=0 sessions=0 in_start=0 no_ckpt=0 mid_write=0 no_config=0 after_export=0
while :; do
	sessions=$((sessions + 1))
	if [[ -f "$run/config.json" ]]; then
		cmd=("$BIN" --resume "$run")
	else
		# shellcheck disable=SC2206
		cmd=("$BIN" $ARGS --out "$run")
	fi
	"${cmd[@]}" 2>"$OUT/session.err" &
	pid=$!
	if ((kills < KILLS)); then
		ms=$((RANDOM % MAX_MS)) when=start
		if ((RANDOM % 4)); then
			when=training
			until grep -qE '^(resuming|training) ' "$OUT/session.err" 2>/dev/null || ! kill -0 "$pid" 2>/dev/null; do
				sleep 0.02
			done
		fi
		sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
		if kill -KILL "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null
			cat "$OUT/session.err" >>"$log"
			kills=$((kills + 1))
			[[ $when == start ]] && in_start=$((in_start + 1))
			# Where did the kill land?
			[[ -f "$run/config.json" ]] || no_config=$((no_config + 1))
			[[ -f "$run/checkpoints/latest.ckpt" ]] || no_ckpt=$((no_ckpt + 1))
			[[ -f "$run/generator.onnx" ]] && after_export=$((after_export + 1))
			if compgen -G "$run/.*.tmp*" >/dev/null || compgen -G "$run/*/.*.tmp*" >/dev/null; then
				mid_write=$((mid_write + 1))
			fi
			step=$(tail -c 200 "$run/metrics.csv" 2>/dev/null | tail -n 1 | cut -d, -f1)
			echo "chaos: kill $kills $ms ms after $when (metrics at step ${step:-none})" >>"$log"
			continue
		fi
	fi
	wait "$pid"
	rc=$?
	cat "$OUT/session.err" >>"$log"
	((rc == 0)) || fail "session $sessions (${cmd[*]}) exited $rc on its own after $kills kills: the folder was left unresumable (see $log)"
	break
done

((kills >= KILLS)) || fail "the run finished after only $kills kills; give it more steps (CHAOS_ARGS) or kill sooner (CHAOS_MAX_MS)"
cmp -s "$ref/generator.onnx" "$run/generator.onnx" || fail "generator.onnx differs from the uninterrupted run's"
cmp -s "$ref/checkpoints/latest.ckpt" "$run/checkpoints/latest.ckpt" || fail "the final checkpoint differs from the uninterrupted run's"
leftovers=$(find "$run" -name '.*.tmp*' | wc -l)
((leftovers == 0)) || fail "$leftovers temporary files left in $run"
echo "chaos: OK: $kills SIGKILLs survived in $sessions sessions ($in_start timed from the start, $no_config before config.json, $no_ckpt before the first checkpoint," \
	"$mid_write during a write, $after_export after the export); generator.onnx and the final checkpoint are byte-identical to the uninterrupted run's"
