# gogan: `make setup` once, then `make test`. `make help` lists the targets.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
# setup and setup-peer both may call apt; never run them side by side.
.NOTPARALLEL:

GO ?= go
# The whole suite stays well under this on 2 cores; the limit only stops a hang.
TEST_TIMEOUT ?= 10m
GOTESTFLAGS ?=

# infer finds the runtime library through ONNXRUNTIME_LIB; point it at the copy
# `make setup` fetched unless the caller chose another.
ONNXRUNTIME_LIB ?= $(CURDIR)/third_party/onnxruntime/lib/libonnxruntime.so.1
export ONNXRUNTIME_LIB

# Benchmarks: `bench` runs the targets in BENCH_STEPS in order after the setups;
# a peer (PyTorch) run and a report are further steps to append. The knobs are
# exported so that scripts run as steps see them too.
BENCH_PKGS ?= ./train/tensor/
BENCH ?= .
BENCHTIME ?= 1s
BENCH_OUT ?= runs/bench
BENCH_STEPS ?= bench-go
export BENCH_PKGS BENCH BENCHTIME BENCH_OUT

.DEFAULT_GOAL := help

.PHONY: help
help:
	@echo 'make setup       fetch Go modules, onnxruntime, MNIST; install python3-onnx where apt can'
	@echo 'make test        setup, then go test ./... (TEST_TIMEOUT=$(TEST_TIMEOUT))'
	@echo 'make build       compile everything; commands from ./cmd/... go to bin/'
	@echo 'make vet         go vet ./...'
	@echo 'make fmt-check   fail if any Go file is not gofmt-formatted'
	@echo 'make bench       setup-peer, then benchmarks of BENCH_PKGS=$(BENCH_PKGS) into $(BENCH_OUT)/'
	@echo 'make demo        not yet: arrives with cmd/gan-gen'
	@echo 'make clean       remove bin/ and $(BENCH_OUT)/'

.PHONY: setup
setup:
	@scripts/setup.sh

.PHONY: setup-peer
setup-peer:
	@scripts/setup-peer.sh

.PHONY: test
test: setup
	$(GO) test -timeout $(TEST_TIMEOUT) $(GOTESTFLAGS) ./...

# Builds every package (so a broken library fails here, not only in test), then
# installs the binaries of whatever commands exist under cmd/.
.PHONY: build
build:
	$(GO) build ./...
	@cmds="$$($(GO) list -f '{{if eq .Name "main"}}{{.ImportPath}}{{end}}' ./cmd/... 2>/dev/null || true)"; \
	if [[ -n "$$cmds" ]]; then \
		mkdir -p bin && $(GO) build -o bin/ $$cmds && echo "built: $$(ls bin | tr '\n' ' ')"; \
	else \
		echo 'build: no commands under cmd/ yet'; \
	fi

.PHONY: vet
vet:
	$(GO) vet ./...

.PHONY: fmt-check
fmt-check:
	@bad="$$(find . \( -path ./.git -o -path ./third_party -o -path ./data -o -path ./runs -o -name testdata \) -prune \
		-o -name '*.go' -print | xargs -r gofmt -l)"; \
	if [[ -n "$$bad" ]]; then echo "not gofmt-formatted (run gofmt -w):"; echo "$$bad"; exit 1; fi

.PHONY: bench bench-go
bench: setup setup-peer $(BENCH_STEPS)

bench-go:
	@mkdir -p $(BENCH_OUT)
	$(GO) test $(BENCH_PKGS) -run '^$$' -bench '$(BENCH)' -benchtime $(BENCHTIME) -benchmem -timeout 30m | tee $(BENCH_OUT)/go.txt

.PHONY: demo
demo:
	@echo 'make demo: not available yet; it arrives with cmd/gan-gen (sampling a trained generator through onnxruntime).' >&2; exit 1

.PHONY: clean
clean:
	rm -rf bin $(BENCH_OUT)
