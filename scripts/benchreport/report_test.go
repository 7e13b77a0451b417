package main

import (
	"bytes"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/gogan/gan/internal/approx"
)

func readString(t *testing.T, s string) *results {
	t.Helper()
	res := newResults()
	if err := res.read(strings.NewReader(s)); err != nil {
		t.Fatal(err)
	}
	return res
}

// findRow returns the row for metric, unit and peer, failing if absent.
func findRow(t *testing.T, rows []row, metric, unit, vs string) row {
	t.Helper()
	for _, r := range rows {
		if r.metric == metric && r.unit == unit && r.vs == vs {
			return r
		}
	}
	t.Fatalf("no row %q %q vs %q", metric, unit, vs)
	return row{}
}

func TestParseBenchLines(t *testing.T) {
	res := readString(t, `
BenchmarkDCGANStep/batch=64
BenchmarkDCGANStep/batch=64-2   20  220000000 ns/op  290.9 images/s  150.0 peak-MB
BenchmarkDCGANStep/batch=64-2   20  220000000 ns/op  310.1 images/s  152.0 peak-MB
BenchmarkBroken-2  --- FAIL: BenchmarkBroken
BenchmarkOdd-2  10  5 ns/op  7
peer train batch=64 images_per_s=446.0 blas=openblas
peer train batch=64 images_per_s=450.0 blas=openblas
peer warning
`)
	if res.goProcs != 2 {
		t.Errorf("goProcs = %d, want 2", res.goProcs)
	}
	if len(res.order) != 1 || res.order[0] != "BenchmarkDCGANStep/batch=64" {
		t.Fatalf("benchmarks = %q, want only the DCGAN step without -2", res.order)
	}
	b := res.bench["BenchmarkDCGANStep/batch=64"]
	if v, _ := b.median("images/s"); v != 300.5 {
		t.Errorf("median images/s = %v, want 300.5 (mean of the middle two)", v)
	}
	if v, _ := b.median("peak-MB"); v != 151 {
		t.Errorf("median peak-MB = %v, want 151", v)
	}
	if len(res.peer) != 1 {
		t.Errorf("peer runs = %d, want 1 (a line without key=value is skipped)", len(res.peer))
	}
	if v, _ := res.peer["train batch=64"].median("images_per_s"); v != 448 {
		t.Errorf("peer median = %v, want 448", v)
	}
}

func TestRowsPairing(t *testing.T) {
	res := readString(t, mustRead(t, "testdata/bench.txt"))
	rows := res.rows()
	tests := []struct {
		metric, unit, vs string
		gogan, peer      float64 // NaN: missing
	}{
		{"sgemm avx512 n=1024", "GFLOP/s", "gonum", 128, 10},
		{"sgemm avx512 n=1024", "GFLOP/s", "torch", 128, 200},
		{"sgemm ref n=1024", "GFLOP/s", "gonum", 2.4, 10},
		{"sgemm avx512 n=256", "GFLOP/s", "gonum", 110, math.NaN()},
		{"dcgan train step batch=64", "images/s", "torch", 290.9, 446},
		{"dcgan train step batch=64", "peak-MB", "torch", 150, 300},
		{"dcgan train step batch=64", "GFLOP/s", "", 61.5, math.NaN()},
		{"resnet train step 28x28x1 width=32 batch=64", "images/s", "", 114.3, math.NaN()},
		{"resnet train step 28x28x1 width=32 batch=64", "GFLOP/s", "", 48, math.NaN()},
		{"dcgan train step batch=256", "images/s", "torch", math.NaN(), 520},
		{"dcgan G inference batch=1024", "images/s", "torch", math.NaN(), 1741},
		{"default G inference batch=1024", "images/s", "torch", 6826, 1741},
		{"Im2col", "ns/op", "", 240000, math.NaN()},
	}
	for _, tt := range tests {
		r := findRow(t, rows, tt.metric, tt.unit, tt.vs)
		check := func(side string, have bool, got, want float64) {
			if math.IsNaN(want) {
				if have {
					t.Errorf("%s %s vs %q: %s = %v, want missing", tt.metric, tt.unit, tt.vs, side, got)
				}
			} else if !have || !approx.Near(got, want, 1e-9) {
				t.Errorf("%s %s vs %q: %s = %v (present %v), want %v", tt.metric, tt.unit, tt.vs, side, got, have, want)
			}
		}
		check("gogan", r.haveG, r.gogan, tt.gogan)
		check("peer", r.haveP, r.peer, tt.peer)
	}
	// GonumSgemm is a peer, never a row of its own; the resnet's other
	// metrics (its shared-process peak memory) are not listed.
	for _, r := range rows {
		if strings.Contains(r.metric, "Gonum") || strings.Contains(r.metric, "ResNet") ||
			(strings.HasPrefix(r.metric, "resnet") && r.unit != "images/s" && r.unit != "GFLOP/s") {
			t.Errorf("gonum benchmark listed unpaired: %+v", r)
		}
	}
}

func TestWriteReport(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, nil, []string{"testdata/bench.txt"}, "testdata/cpuinfo.txt", false); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"cpu:      AMD EPYC 9B45 128-Core Processor (go test: Oxide Virtual Turin-like Processor), 2 logical CPUs, avx2 fma avx512f",
		"threads:  gogan GOMAXPROCS=2, peer torch threads=2",
		"BLAS openblas (OPENBLAS_CORETYPE=Haswell)",
		"WARNING:  peer train batch=256: other processes kept 0.40 cores busy",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	for _, want := range []string{
		"sgemm avx512 n=1024 GFLOP/s 128 10.0 12.8x gonum higher",
		"sgemm avx512 n=1024 GFLOP/s 128 200 0.64x torch higher",
		"sgemm ref n=1024 GFLOP/s 2.40 200 0.012x torch higher",
		"dcgan train step batch=64 images/s 291 446 0.65x torch higher",
		"dcgan train step batch=64 peak-MB 150 300 0.50x torch lower",
		"dcgan train step batch=64 GFLOP/s 61.5 - - - higher",
		"resnet train step 28x28x1 width=32 batch=64 GFLOP/s 48.0 - - - higher",
		"dcgan train step batch=256 images/s - 520 - torch higher",
		"dcgan G inference batch=1024 images/s - 1741 - torch higher",
		"peer peak-MB includes about 238 MB",
	} {
		if !strings.Contains(normalize(got), want) {
			t.Errorf("report lacks row %q:\n%s", want, got)
		}
	}
}

func TestWriteEmptyAndWarnings(t *testing.T) {
	// No Go output at all and a peer on the reference BLAS with a different
	// thread count: every default row prints "-" and both problems are named.
	res := readString(t, "loadavg before: 3.50 1.00 0.50 1/100 42\n"+
		"BenchmarkDCGANStep/batch=64-4  1  1 ns/op  100 images/s\n"+
		"peer train batch=64 images_per_s=50 blas=reference threads=2\n")
	var out bytes.Buffer
	if err := res.write(&out, "", 0, nil); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"cpu:      unknown",
		"torch used the reference BLAS",
		"apt-get install libopenblas0-openmp",
		"gogan ran on 4 threads and the peer on 2",
		"the machine was busy before the run (1-minute load 3.50)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	for _, want := range []string{
		"sgemm - n=1024 GFLOP/s - - - gonum higher",
		"dcgan train step batch=64 images/s 100 50.0 2.00x torch higher",
		"dcgan train step batch=256 images/s - - - torch higher",
		"dcgan G inference batch=1024 peak-MB - - - torch lower",
	} {
		if !strings.Contains(normalize(got), want) {
			t.Errorf("report lacks row %q:\n%s", want, got)
		}
	}
}

func TestCPUInfo(t *testing.T) {
	model, cpus, simd := cpuInfo(strings.NewReader(mustRead(t, "testdata/cpuinfo.txt")))
	if model != "AMD EPYC 9B45 128-Core Processor" || cpus != 2 || strings.Join(simd, " ") != "avx2 fma avx512f" {
		t.Errorf("cpuInfo = %q, %d, %q", model, cpus, simd)
	}
}

// normalize collapses runs of spaces so rows compare without tabwriter padding.
func normalize(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.Join(lines, "\n")
}

func mustRead(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPeerBothMallocs: a configuration the peer ran under both mallocs is
// held against the faster for speed and the smaller for peak memory, and
// the 64x64x3 step pairs with its own peer config, not MNIST's.
func TestPeerBothMallocs(t *testing.T) {
	res := readString(t, `date: 2026-01-02T03:04:05Z
BenchmarkDCGANStep/batch=64-2  20  1 ns/op  700 images/s  190 peak-MB
BenchmarkDCGANStep/64x64x3/batch=64-2  2  1 ns/op  62.1 images/s  800 peak-MB
peer train batch=64 image=28x28x1 malloc=default images_per_s=329 peak_rss_mb=306 threads=2
peer train batch=64 image=28x28x1 malloc=tuned images_per_s=683 peak_rss_mb=420 threads=2
peer train batch=64 image=64x64x3 malloc=default images_per_s=50.2 peak_rss_mb=600 threads=2
peer train batch=64 image=64x64x3 malloc=tuned images_per_s=65.8 peak_rss_mb=900 threads=2
peer sgemm size=1024 malloc=default gflops=200 threads=2
peer sgemm size=1024 malloc=tuned gflops=190 threads=2
`)
	rows := res.rows()
	for _, tt := range []struct {
		metric, unit, vs string
		gogan, peer      float64
	}{
		{"dcgan train step batch=64", "images/s", "torch/tuned", 700, 683},
		{"dcgan train step batch=64", "peak-MB", "torch/default", 190, 306},
		{"dcgan train step 64x64x3 batch=64", "images/s", "torch/tuned", 62.1, 65.8},
		{"dcgan train step 64x64x3 batch=64", "peak-MB", "torch/default", 800, 600},
	} {
		r := findRow(t, rows, tt.metric, tt.unit, tt.vs)
		if !r.haveG || !r.haveP || r.gogan != tt.gogan || r.peer != tt.peer {
			t.Errorf("%s %s: gogan %v peer %v (present %v %v), want %v and %v", tt.metric, tt.unit, r.gogan, r.peer, r.haveG, r.haveP, tt.gogan, tt.peer)
		}
	}
	var out bytes.Buffer
	if err := res.write(&out, "AMD EPYC", 2, nil); err != nil {
		t.Fatal(err)
	}
	got := normalize(out.String())
	for _, want := range []string{
		"date: 2026-01-02T03:04:05Z",
		"sgemm - n=1024 GFLOP/s - 200 - torch/default higher",
		"train batch=64: default 329 images/s (peak 306 MB), tuned 683 images/s (peak 420 MB)",
		"train batch=64 image=64x64x3: default 50.2 images/s (peak 600 MB), tuned 65.8 images/s (peak 900 MB)",
		"sgemm size=1024: default 200 GFLOP/s",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
}

// The commands' lines (scripts/bench_cmd.sh) pair with their limits: the
// loop with its bare step, gan-train with the peer's training command (its
// steady rate, the faster malloc; the smaller peak), gan-gen at batch 1024
// with the bare Run; gonum without assembly faces the generic path only.
func TestCommandRows(t *testing.T) {
	res := readString(t, `
BenchmarkTrainLoop/classic/loop-2  100  1 ns/op  380 images/s
BenchmarkTrainLoop/classic/step-2  100  1 ns/op  400 images/s
BenchmarkCmdGanTrain/recipe=classic 1 9000000000 ns/op 390 images/s 200 peak-MB
BenchmarkCmdGanTrain/recipe=classic 1 9000000000 ns/op 410 images/s 220 peak-MB
BenchmarkORTRunDefault/batch=1024-2  10  1 ns/op  80 GFLOP/s  5000 images/s
BenchmarkCmdGanGen/format=tar/batch=1024/n=20000 1 5000000000 ns/op 4000 images/s 160 peak-MB
BenchmarkCmdGanGen/format=tar/batch=1024/n=100000 1 21000000000 ns/op 4762 images/s 160 peak-MB
BenchmarkCmdGanGen/format=png/batch=4096/n=20000 1 4000000000 ns/op 5000 images/s 400 peak-MB
BenchmarkSgemm/generic/1024-2  10  1 ns/op  7 GFLOP/s
BenchmarkSgemm/avx2/1024-2  10  1 ns/op  130 GFLOP/s
BenchmarkGonumSgemm/1024-2  10  1 ns/op  14 GFLOP/s
BenchmarkGonumSgemmNoasm/1024-2  10  1 ns/op  3.5 GFLOP/s
peer quality recipe=classic steps=250 images_per_s=500 steady_images_per_s=420 peak_rss_mb=600 malloc=default
peer quality recipe=classic steps=250 images_per_s=300 steady_images_per_s=350 peak_rss_mb=500 malloc=tuned
`)
	rows := res.rows()
	check := func(metric, unit, vs string, g, p float64) {
		t.Helper()
		r := findRow(t, rows, metric, unit, vs)
		if !r.haveG || r.gogan != g || !r.haveP || r.peer != p {
			t.Errorf("%s %s vs %s: gogan %v (%v), peer %v (%v); want %v and %v", metric, unit, vs, r.gogan, r.haveG, r.peer, r.haveP, g, p)
		}
	}
	check("gan-train loop classic batch=64", "images/s", "its bare step", 380, 400)
	check("gan-train command classic batch=64", "images/s", "torch/default", 400, 420)
	check("gan-train command classic batch=64", "peak-MB", "torch/tuned", 210, 500)
	check("gan-gen tar batch=1024 n=20000", "images/s", "ort Run", 4000, 5000)
	// 80000 images more took 16 s more: 5000 images/s, and 1 s before them.
	check("gan-gen tar batch=1024 per image", "images/s", "ort Run", 5000, 5000)
	if r := findRow(t, rows, "gan-gen tar batch=1024 fixed cost", "s", ""); !r.haveG || math.Abs(r.gogan-1) > 1e-9 {
		t.Errorf("fixed cost row = %+v, want 1 s", r)
	}
	check("sgemm generic n=1024", "GFLOP/s", "gonum noasm", 7, 3.5)
	if r := findRow(t, rows, "default G inference batch=1024", "GFLOP/s", ""); !r.haveG || r.gogan != 80 {
		t.Errorf("default G inference GFLOP/s row = %+v, want 80", r)
	}
	if r := findRow(t, rows, "gan-gen png batch=4096 n=20000", "peak-MB", ""); !r.haveG || r.gogan != 400 || !r.lowerBetter {
		t.Errorf("gan-gen png batch=4096 peak-MB row = %+v, want 400, lower better", r)
	}
	for _, r := range rows {
		if r.vs == "gonum noasm" && r.metric != "sgemm generic n=1024" {
			t.Errorf("%s held against gonum noasm; only the generic path is pure Go", r.metric)
		}
		if strings.HasPrefix(r.metric, "Cmd") || strings.HasPrefix(r.metric, "TrainLoop") || strings.HasPrefix(r.metric, "GonumSgemmNoasm") {
			t.Errorf("%s listed unpaired", r.metric)
		}
	}
}

// -md prints the same rows as a Markdown table, leaving out rows with no
// value on either side.
func TestWriteMarkdown(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, nil, []string{"testdata/bench.txt"}, "testdata/cpuinfo.txt", true); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.Contains(s, "| metric | unit | gogan | peer | ratio | vs | better |\n|---|") {
		t.Fatalf("no Markdown table header in:\n%s", s)
	}
	rows := 0
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| metric") {
			continue
		}
		rows++
		if n := strings.Count(line, " | "); n != 6 {
			t.Errorf("row %q has %d cell separators, want 6", line, n)
		}
		if c := strings.Split(line, " | "); c[2] == "-" && c[3] == "-" {
			t.Errorf("row %q has no value on either side", line)
		}
	}
	if rows == 0 {
		t.Fatalf("no table rows in:\n%s", s)
	}
	if !strings.Contains(s, "cpu: ") {
		t.Errorf("the header (cpu, date) is missing:\n%s", s)
	}
}

// A long tar run slower per image than the short one gives a negative fixed
// cost: no split is printed rather than a nonsense one.
func TestCommandRowsNoNegativeSplit(t *testing.T) {
	res := readString(t, `
BenchmarkORTRunDefault/batch=1024-2  10  1 ns/op  5000 images/s
BenchmarkCmdGanGen/format=tar/batch=1024/n=20000 1 4000000000 ns/op 5000 images/s 160 peak-MB
BenchmarkCmdGanGen/format=tar/batch=1024/n=100000 1 22000000000 ns/op 4545 images/s 160 peak-MB
`)
	for _, r := range res.rows() {
		if strings.HasPrefix(r.metric, "gan-gen tar batch=1024 per image") || strings.HasPrefix(r.metric, "gan-gen tar batch=1024 fixed") {
			t.Errorf("split row %q printed for a long run slower per image", r.metric)
		}
	}
}
