#!/usr/bin/env bash
# gpu_check.sh: checks gogan's CUDA path (infer and gan-gen) on a machine with
# an NVIDIA GPU.
#
#   scripts/gpu_check.sh          run the checks
#   scripts/gpu_check.sh --fetch  first fetch the GPU build of onnxruntime (npm)
#
# The checks:
#   1. parity: CUDA's images match the CPU's within 1e-3, with TF32 off
#      (infer's TestProviderParity, 512 images);
#   2. speed: images/s of a bare onnxruntime run (infer's BenchmarkORTRun) on
#      CUDA at batch 1024 and 4096, and on the CPU at 1024 for scale;
#   3. end to end: gan-gen --provider cuda --strict-provider writing PNGs.
#
# What it needs, and says so when something is missing (exit status 2):
#   - nvidia-smi and at least one GPU;
#   - the GPU build of onnxruntime in $GOGAN_GPU_ORT_DIR: libonnxruntime.so.1
#     from npm onnxruntime-node@1.29.0, with libonnxruntime_providers_shared.so
#     and libonnxruntime_providers_cuda.so from npm
#     com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9 (179 MB, CUDA 13 and
#     TensorRT providers); --fetch puts them there;
#   - the libraries the CUDA provider links against (CUDA 13 runtime, cuBLAS,
#     cuFFT, cuDNN 9) on the loader's path;
#   - Go, or prebuilt binaries in GOGAN_INFER_TEST and GOGAN_GAN_GEN.
#
# Environment:
#   GOGAN_GPU_ORT_DIR  folder of the GPU onnxruntime (third_party/onnxruntime-gpu/lib)
#   GOGAN_GPU_MODEL    generator to check (infer/testdata/gen_bench.onnx)
#   GOGAN_INFER_TEST   prebuilt `go test -c -o infer.test ./infer`
#   GOGAN_GAN_GEN      prebuilt `go build -o gan-gen ./cmd/gan-gen`
#   GOGAN_NVIDIA_SMI   nvidia-smi to run (nvidia-smi)
#   LDD                ldd to run (ldd)
#
# Exit status: 0 every check passed, 1 a check failed, 2 cannot run here.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ORT_DIR="${GOGAN_GPU_ORT_DIR:-$ROOT/third_party/onnxruntime-gpu/lib}"
MODEL="${GOGAN_GPU_MODEL:-$ROOT/infer/testdata/gen_bench.onnx}"
NVIDIA_SMI="${GOGAN_NVIDIA_SMI:-nvidia-smi}"
LDD="${LDD:-ldd}"

CORE_PACKAGE=onnxruntime-node@1.29.0
CORE_MEMBER=package/bin/napi-v6/linux/x64/libonnxruntime.so.1
GPU_PACKAGE=com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9
# The asus4 core package carries libonnxruntime_providers_shared.so, should
# the GPU package not.
SHARED_PACKAGE=com.github.asus4.onnxruntime@0.4.9
NEEDED=(libonnxruntime.so.1 libonnxruntime_providers_shared.so libonnxruntime_providers_cuda.so)

say() { printf 'gpu_check: %s\n' "$*"; }
# missing WHAT: this machine lacks a piece; exit 2.
missing() {
	printf 'gpu_check: cannot run: %s\n' "$*" >&2
	exit 2
}
fail() {
	printf 'gpu_check: FAILED: %s\n' "$*" >&2
	exit 1
}

CLEANUP=()
trap 'rm -rf "${CLEANUP[@]}"' EXIT
trap 'exit 130' INT TERM

fetch() {
	command -v npm >/dev/null || missing "npm is needed for --fetch ('apt-get install npm'), or copy ${NEEDED[*]} into $ORT_DIR by hand"
	mkdir -p "$ORT_DIR"
	local stage
	stage="$(mktemp -d "$ORT_DIR/.fetch.XXXXXX")"
	CLEANUP+=("$stage")
	say "fetching $CORE_PACKAGE and $GPU_PACKAGE from npm (about 270 MB)"
	(cd "$stage" && npm pack --ignore-scripts --loglevel=error "$CORE_PACKAGE" "$GPU_PACKAGE" >/dev/null) ||
		fail "npm pack $CORE_PACKAGE $GPU_PACKAGE failed; is the npm registry reachable?"
	mkdir -p "$stage/core" "$stage/gpu"
	tar -xzf "$stage"/onnxruntime-node-*.tgz -C "$stage/core" "$CORE_MEMBER" ||
		fail "no $CORE_MEMBER in $CORE_PACKAGE"
	tar -xzf "$stage"/com.github.asus4.onnxruntime.linux-x64-gpu-*.tgz -C "$stage/gpu" --wildcards '*libonnxruntime_providers_*.so' ||
		fail "no provider libraries in $GPU_PACKAGE"
	if ! find "$stage/gpu" -name libonnxruntime_providers_shared.so | grep -q .; then
		say "fetching $SHARED_PACKAGE for libonnxruntime_providers_shared.so"
		(cd "$stage" && npm pack --ignore-scripts --loglevel=error "$SHARED_PACKAGE" >/dev/null) ||
			fail "npm pack $SHARED_PACKAGE failed"
		tar -xzf "$stage"/com.github.asus4.onnxruntime-0*.tgz -C "$stage/gpu" --wildcards '*Linux/x64/libonnxruntime_providers_shared.so' ||
			fail "no libonnxruntime_providers_shared.so in $SHARED_PACKAGE"
	fi
	# Files land by rename, so an interrupted fetch leaves nothing half-written.
	mv -f "$stage/core/$CORE_MEMBER" "$ORT_DIR/libonnxruntime.so.1"
	find "$stage/gpu" -name 'libonnxruntime_providers_*.so' -exec mv -f {} "$ORT_DIR/" \;
	ln -sfn libonnxruntime.so.1 "$ORT_DIR/libonnxruntime.so"
	say "installed into $ORT_DIR:"
	(cd "$ORT_DIR" && sha256sum libonnxruntime*.so*)
}

check_gpu() {
	command -v "$NVIDIA_SMI" >/dev/null ||
		missing "no nvidia-smi on PATH: this check needs a machine with an NVIDIA GPU and its driver"
	local gpus
	gpus="$("$NVIDIA_SMI" -L 2>&1 || true)"
	grep -q '^GPU [0-9]' <<<"$gpus" ||
		missing "nvidia-smi finds no NVIDIA GPU (it says: $(head -n 1 <<<"$gpus")); run this on a machine with one"
	say "GPU: $(grep '^GPU [0-9]' <<<"$gpus" | head -n 1)"
}

check_libraries() {
	local absent=() f
	for f in "${NEEDED[@]}"; do
		[[ -f "$ORT_DIR/$f" ]] || absent+=("$f")
	done
	if [[ ${#absent[@]} -gt 0 ]]; then
		missing "the GPU build of onnxruntime is not in $ORT_DIR (missing: ${absent[*]}). Run 'scripts/gpu_check.sh --fetch' where npm can reach its registry (libonnxruntime.so.1 from $CORE_PACKAGE, the provider libraries from $GPU_PACKAGE), or copy them there and set GOGAN_GPU_ORT_DIR"
	fi
	local deps
	deps="$(LD_LIBRARY_PATH="$ORT_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$LDD" "$ORT_DIR/libonnxruntime_providers_cuda.so" 2>&1)" ||
		missing "$LDD cannot read $ORT_DIR/libonnxruntime_providers_cuda.so: $(head -n 1 <<<"$deps")"
	local notfound
	notfound="$(awk '/=> not found/ {print $1}' <<<"$deps" | tr '\n' ' ')"
	if [[ -n "$notfound" ]]; then
		missing "CUDA libraries the CUDA provider needs are not on the loader's path: ${notfound% }. Install the CUDA 13 runtime, cuBLAS, cuFFT and cuDNN 9 (e.g. the nvidia-*-cu13 wheels or the CUDA toolkit), or add their folders to LD_LIBRARY_PATH"
	fi
	say "onnxruntime GPU build: $ORT_DIR (CUDA provider dependencies resolve)"
}

# binaries sets INFER_TEST and GAN_GEN, building them with Go if not given.
binaries() {
	INFER_TEST="${GOGAN_INFER_TEST:-}"
	GAN_GEN="${GOGAN_GAN_GEN:-}"
	if [[ -n "$INFER_TEST" && -n "$GAN_GEN" ]]; then
		return
	fi
	command -v go >/dev/null ||
		missing "Go is not installed: install Go 1.26, or build elsewhere and set GOGAN_INFER_TEST (go test -c -o infer.test ./infer) and GOGAN_GAN_GEN (go build -o gan-gen ./cmd/gan-gen)"
	local bin
	bin="$(mktemp -d)"
	CLEANUP+=("$bin")
	say "building the infer tests and gan-gen"
	if [[ -z "$INFER_TEST" ]]; then
		(cd "$ROOT" && go test -c -o "$bin/infer.test" ./infer) || fail "go test -c ./infer failed"
		INFER_TEST="$bin/infer.test"
	fi
	if [[ -z "$GAN_GEN" ]]; then
		(cd "$ROOT" && go build -o "$bin/gan-gen" ./cmd/gan-gen) || fail "go build ./cmd/gan-gen failed"
		GAN_GEN="$bin/gan-gen"
	fi
}

run_checks() {
	export ONNXRUNTIME_LIB="$ORT_DIR/libonnxruntime.so.1"
	export GOGAN_BENCH_MODEL="$MODEL" GOGAN_BENCH_OPTIONS=use_tf32=0
	"$GAN_GEN" info --model "$MODEL" | grep '^onnxruntime:' || fail "gan-gen cannot load $ONNXRUNTIME_LIB"

	say "1. parity with the CPU (TF32 off)"
	(cd "$ROOT/infer" && GOGAN_TEST_PROVIDER=cuda "$INFER_TEST" -test.run '^TestProviderParity$' -test.v) ||
		fail "CUDA and CPU images differ (see above)"

	say "2. bare onnxruntime runs, images/s"
	(cd "$ROOT/infer" && GOGAN_BENCH_PROVIDER=cuda GOGAN_BENCH_BATCHES=1024,4096 \
		"$INFER_TEST" -test.run '^$' -test.bench '^BenchmarkORTRun$' -test.benchtime 20x) ||
		fail "the CUDA benchmark failed"
	(cd "$ROOT/infer" && GOGAN_BENCH_PROVIDER=cpu GOGAN_BENCH_BATCHES=1024 \
		"$INFER_TEST" -test.run '^$' -test.bench '^BenchmarkORTRun$' -test.benchtime 3x) ||
		fail "the CPU benchmark failed"

	say "3. gan-gen end to end (PNG, tar to /dev/null)"
	local b
	for b in 1024 4096; do
		"$GAN_GEN" --model "$MODEL" --provider cuda --strict-provider --provider-option use_tf32=0 \
			--batch "$b" -n 32768 --out - >/dev/null || fail "gan-gen --provider cuda --batch $b failed"
	done
	say "PASS"
}

main() {
	case "${1:-}" in
	--fetch) fetch ;;
	"") ;;
	*)
		printf 'usage: scripts/gpu_check.sh [--fetch]\n' >&2
		exit 2
		;;
	esac
	check_gpu
	check_libraries
	binaries
	run_checks
}

main "$@"
