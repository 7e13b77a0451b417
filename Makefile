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

# Benchmarks: scripts/bench.sh runs the Go benchmarks and the PyTorch peer
# on the same thread count and prints them side by side (scripts/benchreport).
BENCH_PKGS ?= ./train/tensor/ ./train/ ./infer/ ./cmd/gan-gen/
BENCH ?= ^(BenchmarkSgemm|BenchmarkGonumSgemm|BenchmarkDCGANStep|BenchmarkResNetStep|BenchmarkTrainLoop|BenchmarkORTRun|BenchmarkORTRunDefault|BenchmarkCmd)$$
BENCHTIME ?= 2s
BENCH_OUT ?= runs/bench

# Quality over time: gogan's default and classic recipes and the PyTorch peer
# running each train the DCGAN on MNIST for QUALITY_MINUTES each; FID, KID
# and class perplexity at each snapshot, and whether the default beats the
# others (scripts/bench_quality.sh; RECIPE, SIDES, PEER=0 pick sides). A short check:
# make bench-quality QUALITY_MINUTES=0.5 QUALITY_SNAPSHOTS=0.25,0.5 QUALITY_N=2000
QUALITY_MINUTES ?= 10
QUALITY_SNAPSHOTS ?= 1,3,10
QUALITY_N ?= 10000
QUALITY_OUT ?= runs/quality

# The service under load (scripts/bench_serve.sh): SERVE_CLIENTS clients
# asking for SERVE_N images each, for SERVE_DURATION, on loopback.
SERVE_CLIENTS ?= 64
SERVE_N ?= 16
SERVE_DURATION ?= 30s
SERVE_OUT ?= runs/bench-serve

# The demo: a small DCGAN on MNIST, trained for a few minutes, then sampled.
DEMO_STEPS ?= 1200
DEMO_OUT ?= runs/demo
# The embedded default generator of gan-gen (make pretrained): the modern
# recipe's conditional DCGAN, 10000 steps (26 minutes on 2 cores at its 413
# images/s), 2 threads, as the run that made the committed file (README,
# "What the models draw").
PRETRAINED_ARGS ?= --recipe modern --conditional --steps 10000 --seed 1 --threads 2 --sample-every 1000 --checkpoint-every 1000
PRETRAINED_OUT ?= runs/pretrained

# make install: the three commands to $(PREFIX)/bin, the onnxruntime
# library ($(ONNXRUNTIME_LIB), and any provider libraries beside it) to
# $(PREFIX)/lib, where infer looks first: the executable's ../lib.
PREFIX ?= /usr/local
DESTDIR ?=
COMMANDS := gan-train gan-gen gan-eval

# Faults (README, Reliability): SIGKILL chaos, fuzzing, the race detector.
CHAOS_KILLS ?= 25
FUZZTIME ?= 60s
# The fuzzer minimizes every new input (default: up to 60 s each), which can
# take all of FUZZTIME; 1x keeps it for fuzzing. FUZZMINIMIZETIME=60s to
# minimize a failing input.
FUZZMINIMIZETIME ?= 1x
RACE_PKGS ?= ./infer/ ./cmd/gan-gen/ ./train/data/

.DEFAULT_GOAL := help

.PHONY: help
help:
	@echo 'make setup       fetch Go modules, onnxruntime, MNIST; install python3-onnx where apt can'
	@echo 'make test        setup, then go test ./... (TEST_TIMEOUT=$(TEST_TIMEOUT)), closing with the skipped tests and why'
	@echo 'make build       compile everything; commands from ./cmd/... go to bin/'
	@echo 'make install     (Linux) build, then install $(COMMANDS) to PREFIX/bin and libonnxruntime to PREFIX/lib (PREFIX=$(PREFIX))'
	@echo 'make vet         vet-cross, then go vet ./...'
	@echo 'make vet-cross   GOOS=darwin and windows go vet of $(CROSS_PKGS); CGO_ENABLED=0 go build ./...'
	@echo 'make fmt-check   fail if any Go file is not gofmt-formatted'
	@echo 'make bench       setup-peer, then benchmarks of BENCH_PKGS=$(BENCH_PKGS) into $(BENCH_OUT)/'
	@echo 'make recipes     the recipe table: each recipe of scripts/recipes.list on MNIST at $(RECIPE_MINUTES) min worth of steps, scored by gan-eval, and their FID over time drawn to $(RECIPE_PLOT)'
	@echo 'make bench-serve gan-gen serve under load on loopback: $(SERVE_CLIENTS) clients x $(SERVE_N) images for $(SERVE_DURATION); images/s, p50/p99, batch, RSS'
	@echo 'make bench-quality  gogan default and classic recipes vs the PyTorch peer running each: DCGAN on MNIST for $(QUALITY_MINUTES) min each, FID, KID, perplexity at $(QUALITY_SNAPSHOTS) min'
	@echo 'make demo        the main job: set up, train a small DCGAN on MNIST, sample a grid with gan-gen'
	@echo 'make pretrained  retrain the generator embedded in gan-gen (modern recipe, 15000 steps, seed 1, 2 threads; ~28 min on 2 cores)'
	@echo 'make featnet     retrain the built-in MNIST feature network of gan-eval (~6 min on 2 cores)'
	@echo 'make chaos       SIGKILL gan-train $(CHAOS_KILLS) times at random moments, resuming each time; the result must match an unbroken run'
	@echo 'make fuzz        run each fuzz target for FUZZTIME=$(FUZZTIME) (go test runs their seed corpora)'
	@echo 'make test-race   RACE_PKGS=$(RACE_PKGS) (infer shared by 8 goroutines, the gan-gen pipeline, data loading) under the race detector'
	@echo 'make proto       regenerate models/onnx/onnxpb/onnx.pb.go from its onnx.proto'
	@echo 'make clean       remove bin/ and $(BENCH_OUT)/'

.PHONY: setup
setup:
	@scripts/setup.sh

.PHONY: setup-peer
setup-peer:
	@scripts/setup-peer.sh

# go test -json through scripts/testsummary prints what plain go test does,
# then every skipped test with its reason; pipefail keeps go test's status.
.PHONY: test
test: setup
	$(GO) build -o bin/testsummary ./scripts/testsummary
	$(GO) test -json -timeout $(TEST_TIMEOUT) $(GOTESTFLAGS) ./... | bin/testsummary

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

# The library goes in as libonnxruntime.so.1 (the name infer looks for)
# whatever ONNXRUNTIME_LIB names; GPU provider libraries must sit beside it.
.PHONY: install
install: build
	@if [[ "$$(uname -s)" != Linux ]]; then echo 'install: Linux only; elsewhere copy bin/ and point ONNXRUNTIME_LIB at the library'; exit 1; fi
	@lib='$(ONNXRUNTIME_LIB)'; \
	if [[ -d "$$lib" ]]; then lib="$$lib/libonnxruntime.so.1"; fi; \
	if [[ ! -f "$$lib" ]]; then echo "install: no onnxruntime library at $$lib; run make setup, or set ONNXRUNTIME_LIB to libonnxruntime.so.1"; exit 1; fi; \
	lib="$$(readlink -f "$$lib")"; \
	bin='$(DESTDIR)$(PREFIX)/bin'; libdir='$(DESTDIR)$(PREFIX)/lib'; \
	install -d "$$bin" "$$libdir"; \
	for c in $(COMMANDS); do install -m 0755 "bin/$$c" "$$bin/$$c"; done; \
	install -m 0644 "$$lib" "$$libdir/libonnxruntime.so.1"; \
	for p in "$$(dirname "$$lib")"/libonnxruntime_providers_*.so; do \
		if [[ -f "$$p" ]]; then install -m 0644 "$$p" "$$libdir/"; fi; \
	done; \
	echo "install: $(COMMANDS) in $$bin; $$lib as $$libdir/libonnxruntime.so.1"

.PHONY: vet
vet: vet-cross
	$(GO) vet ./...

# The cgo-free packages build beyond Linux: vetted for macOS and Windows,
# and the whole tree compiles without cgo (infer then fails at run time
# with ErrNoCgo). The commands need cgo and a target toolchain to cross-build.
CROSS_PKGS ?= ./train/... ./models/... ./internal/...
.PHONY: vet-cross
vet-cross:
	for os in darwin windows; do GOOS=$$os CGO_ENABLED=0 $(GO) vet $(CROSS_PKGS); done
	CGO_ENABLED=0 $(GO) build ./...

.PHONY: fmt-check
fmt-check:
	@bad="$$(find . \( -path ./.git -o -path ./third_party -o -path ./data -o -path ./runs -o -name testdata \) -prune \
		-o -name '*.go' -print | xargs -r gofmt -l)"; \
	if [[ -n "$$bad" ]]; then echo "not gofmt-formatted (run gofmt -w):"; echo "$$bad"; exit 1; fi

# The training loop against its bare step, each in its own process, three
# times in turn, in both orders (the report takes medians): on this VM two
# processes differ by about 10%, more than the loop's cost, and the second
# of two tends to run slower.
LOOP_AB = BenchmarkTrainLoop/classic/loop@150x BenchmarkTrainLoop/classic/step@150x BenchmarkTrainLoop/modern/loop@150x BenchmarkTrainLoop/modern/step@150x
LOOP_BA = BenchmarkTrainLoop/modern/step@150x BenchmarkTrainLoop/modern/loop@150x BenchmarkTrainLoop/classic/step@150x BenchmarkTrainLoop/classic/loop@150x

.PHONY: bench
bench: setup setup-peer build
	BENCH_PKGS='$(BENCH_PKGS)' BENCH='$(BENCH)' BENCHTIME='$(BENCHTIME)' OUT='$(BENCH_OUT)' \
	ISOLATE='BenchmarkDCGANStep/batch=64 BenchmarkDCGANStep/batch=256 BenchmarkDCGANStep/64x64x3/batch=64 $(LOOP_AB) $(LOOP_BA) $(LOOP_AB)' scripts/bench.sh

# The recipe table of README (scripts/recipes.sh): fixed step counts, so a
# busy machine changes only the wait. RECIPES=classic,modern picks some.
RECIPE_MINUTES ?= 1,3,10
RECIPE_OUT ?= runs/recipes
# The FID-over-time plot of the table (scripts/fidplot); PLOT_RECIPES=a,b
# draws only those, in that order.
RECIPE_PLOT ?= docs/recipes-fid.png
PLOT_RECIPES ?=

.PHONY: recipes
recipes: setup build
	MINUTES='$(RECIPE_MINUTES)' OUT='$(RECIPE_OUT)' scripts/recipes.sh
	$(GO) run ./scripts/fidplot -o $(RECIPE_PLOT) $(if $(PLOT_RECIPES),-recipes $(PLOT_RECIPES)) $(RECIPE_OUT)/table.tsv
	@echo "recipes: FID over time drawn to $(RECIPE_PLOT)"

.PHONY: bench-serve
bench-serve: setup
	SERVE_CLIENTS='$(SERVE_CLIENTS)' SERVE_N='$(SERVE_N)' SERVE_DURATION='$(SERVE_DURATION)' OUT='$(SERVE_OUT)' \
	scripts/bench_serve.sh

.PHONY: bench-quality
bench-quality: setup setup-peer build
	QUALITY_MINUTES='$(QUALITY_MINUTES)' QUALITY_SNAPSHOTS='$(QUALITY_SNAPSHOTS)' QUALITY_N='$(QUALITY_N)' \
	QUALITY_OUT='$(QUALITY_OUT)' scripts/bench_quality.sh

.PHONY: demo
demo: setup build
	@rm -rf $(DEMO_OUT)
	bin/gan-train --steps $(DEMO_STEPS) --out $(DEMO_OUT) --sample-every 400
	bin/gan-gen --model $(DEMO_OUT)/generator.onnx -n 64 --seed 1 --out $(DEMO_OUT)/generated --grid $(DEMO_OUT)/grid.png
	@echo "demo: generated digits in $(DEMO_OUT)/grid.png (64 PNGs in $(DEMO_OUT)/generated, training samples in $(DEMO_OUT)/samples)"

.PHONY: pretrained
pretrained: setup build
	@rm -rf $(PRETRAINED_OUT)
	bin/gan-train $(PRETRAINED_ARGS) --out $(PRETRAINED_OUT)
	cp $(PRETRAINED_OUT)/generator.onnx infer/pretrained/default.onnx
	@echo "pretrained: infer/pretrained/default.onnx updated; rebuild gan-gen (make build)"

.PHONY: featnet
featnet: setup
	$(GO) run ./cmd/gan-eval train-features --threads 2 -o train/eval/featnet/mnist_lenet.bin

.PHONY: chaos
chaos: setup build
	CHAOS_KILLS='$(CHAOS_KILLS)' scripts/chaos.sh

# Each FuzzXxx target in the tree, for FUZZTIME each, one at a time.
.PHONY: fuzz
fuzz: setup
	@for pkg in $$($(GO) list ./...); do \
		dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
		for f in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/^func //'); do \
			echo "fuzz: $$pkg $$f for $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) $$pkg || exit 1; \
		done; \
	done

.PHONY: test-race
test-race: setup
	$(GO) test -race -timeout $(TEST_TIMEOUT) $(GOTESTFLAGS) $(RACE_PKGS)

.PHONY: proto
proto:
	@scripts/genproto.sh

.PHONY: clean
clean:
	rm -rf bin $(BENCH_OUT)
