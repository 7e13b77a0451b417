#!/usr/bin/env bash
# make setup-peer: what the PyTorch peer benchmarks need (used by make bench).
# Debian's torch runs on /usr/bin/python3; libopenblas0-openmp gives it a
# multithreaded BLAS, so the comparison is against a fair CPU baseline; GNU
# time (/usr/bin/time) measures the peak memory of the commands make bench times.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/apt.sh
source scripts/apt.sh

PEER_PACKAGES=(python3-torch python3-torchvision libopenblas0-openmp time)

mapfile -t missing < <(deb_missing "${PEER_PACKAGES[@]}")
if [[ ${#missing[@]} -eq 0 ]]; then
	echo "setup-peer: ok (${PEER_PACKAGES[*]})"
	exit 0
fi
if ! can_apt; then
	echo "setup-peer: FAILED: missing ${missing[*]} and apt needs root; run 'sudo apt-get install ${missing[*]}', then rerun make bench (or run 'make bench-go' for the Go benchmarks alone)" >&2
	exit 1
fi
echo "setup-peer: installing ${missing[*]} with apt"
if ! apt_install "${missing[@]}"; then
	echo "setup-peer: FAILED: apt-get install ${missing[*]} (output above); rerun make setup-peer" >&2
	exit 1
fi
echo "setup-peer: installed ${missing[*]}"
