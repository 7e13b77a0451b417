#!/usr/bin/env bash
# genproto.sh regenerates models/onnx/onnxpb/onnx.pb.go from the onnx.proto
# committed beside it (`make proto` calls it). The generated file is committed,
# so building gogan needs neither protoc nor this script.
#
#   protoc          /usr/bin/protoc (Debian: protobuf-compiler)
#   protoc-gen-go   google.golang.org/protobuf/cmd/protoc-gen-go at the version
#                   go.mod pins for google.golang.org/protobuf; installed into
#                   $(go env GOPATH)/bin when missing or at another version
#
# ONNX_PROTO=/path/to/onnx.proto first replaces the committed copy (Debian's
# python3-onnx ships one at /usr/lib/python3/dist-packages/onnx/onnx.proto);
# the version it came from belongs in the commit message.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DIR=models/onnx/onnxpb
PKG=github.com/gogan/gan/$DIR

die() { printf 'genproto: %s\n' "$*" >&2; exit 1; }

command -v protoc >/dev/null || die "protoc not found; install it with: apt-get install protobuf-compiler"

if [[ -n "${ONNX_PROTO:-}" ]]; then
	[[ -f "$ONNX_PROTO" ]] || die "ONNX_PROTO=$ONNX_PROTO: no such file"
	cp "$ONNX_PROTO" "$DIR/onnx.proto"
fi

# The plugin must match the runtime library go.mod pins, or the generated
# code may not compile against it.
PB_VERSION="$(go list -m -f '{{.Version}}' google.golang.org/protobuf)"
GOBIN_DIR="$(go env GOPATH)/bin"
PLUGIN="$GOBIN_DIR/protoc-gen-go"
if [[ ! -x "$PLUGIN" ]] || [[ "$("$PLUGIN" --version 2>/dev/null)" != "protoc-gen-go $PB_VERSION" ]]; then
	printf 'genproto: installing protoc-gen-go %s\n' "$PB_VERSION"
	GOFLAGS= GOBIN="$GOBIN_DIR" go install "google.golang.org/protobuf/cmd/protoc-gen-go@$PB_VERSION"
fi

# onnx.proto declares no go_package; the M option gives it one.
protoc --plugin=protoc-gen-go="$PLUGIN" -I "$DIR" \
	--go_out="$DIR" --go_opt=paths=source_relative \
	--go_opt="Monnx.proto=$PKG;onnxpb" \
	onnx.proto
if [[ -n "$(gofmt -l "$DIR")" ]]; then
	die "the generated code is not gofmt-formatted: $(gofmt -l "$DIR")"
fi
printf 'genproto: wrote %s/onnx.pb.go (protoc %s, protoc-gen-go %s)\n' "$DIR" "$(protoc --version | cut -d' ' -f2)" "$PB_VERSION"
