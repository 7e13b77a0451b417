#!/usr/bin/env bash
# A Slurm job array that splits one gan-gen run into shards, one per task:
#
#   sbatch --array=0-7 scripts/deploy/slurm-array.sh
#
# Task K writes images [K*n/N, (K+1)*n/N) of the run into $OUT/shard-K,
# with the names, seeds and bytes the unsharded run gives them (README,
# "Sharded generation", says how to merge). N is the array's task count.
#
# Settings, from the environment (sbatch --export=ALL,IMAGES=...):
#   IMAGES   images in the whole run           (1000000)
#   SEED     image i uses seed SEED+i          (1)
#   MODEL    generator.onnx (default: gan-gen's built-in one)
#   OUT      a folder on a shared file system  (gan-gen-out)
#   GAN_GEN  the gan-gen binary                (gan-gen, from make install)
#
#SBATCH --job-name=gan-gen
#SBATCH --array=0-7
#SBATCH --cpus-per-task=2
#SBATCH --output=gan-gen-%A_%a.log
set -euo pipefail

IMAGES=${IMAGES:-1000000}
SEED=${SEED:-1}
MODEL=${MODEL:-}
OUT=${OUT:-gan-gen-out}
GAN_GEN=${GAN_GEN:-gan-gen}

model=()
if [[ -n "$MODEL" ]]; then model=(--model "$MODEL"); fi
mkdir -p "$OUT"
# --shard-from-env reads this task's K from SLURM_ARRAY_TASK_ID (counted
# from SLURM_ARRAY_TASK_MIN); a rerun of a failed task rewrites its shard.
exec "$GAN_GEN" "${model[@]}" -n "$IMAGES" --seed "$SEED" --batch 1024 \
	--threads "${SLURM_CPUS_PER_TASK:-0}" \
	--shard-from-env "${SLURM_ARRAY_TASK_COUNT:?run this as a job array: sbatch --array=0-7 $0}" \
	--out "$OUT/shard-$SLURM_ARRAY_TASK_ID" --overwrite
