package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// benchRoot holds every benchmark run's output until the test binary
// exits. Deleting a run's 4096 files before the next run is timed would
// slow that run down: on ext4 without a journal, creating a file skips
// over every inode of its group deleted in the last half minute or so, one
// buffer lookup each, which turns writing n files after deleting n into
// O(n^2) kernel time that no user of gan-gen pays.
var benchDir string

func benchRoot() (string, error) {
	if benchDir != "" {
		return benchDir, nil
	}
	dir, err := os.MkdirTemp(os.Getenv("GOGAN_BENCH_DIR"), "gan-gen-bench-")
	benchDir = dir
	return dir, err
}

func removeBenchRoot() {
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
}

// BenchmarkGanGenEndToEnd runs the whole command: open the model, generate,
// encode PNGs and write them with the manifest, in images per second.
// GOGAN_BENCH_MODEL, GOGAN_BENCH_PROVIDER and GOGAN_BENCH_IMAGES (default
// 4096) change what it runs; GOGAN_BENCH_DIR is the folder to write in
// (default: the system's temporary folder).
func BenchmarkGanGenEndToEnd(b *testing.B) {
	needLibrary(b)
	model := os.Getenv("GOGAN_BENCH_MODEL")
	if model == "" {
		model = benchModel
	}
	provider := os.Getenv("GOGAN_BENCH_PROVIDER")
	if provider == "" {
		provider = "cpu"
	}
	n := 4096
	if s := os.Getenv("GOGAN_BENCH_IMAGES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			b.Fatalf("GOGAN_BENCH_IMAGES=%q: want a positive count", s)
		}
	}
	root, err := benchRoot()
	if err != nil {
		b.Fatal(err)
	}
	root, err = os.MkdirTemp(root, "run-")
	if err != nil {
		b.Fatal(err)
	}
	runs := 0 // the function below is called again for each b.N tried
	for _, batch := range []int{1024} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				runs++
				out := filepath.Join(root, fmt.Sprintf("batch%d-%d", batch, runs))
				code, _, msg := runCLI(b, "--model", model, "--provider", provider, "--strict-provider",
					"-n", strconv.Itoa(n), "--batch", strconv.Itoa(batch), "--out", out)
				if code != 0 {
					b.Fatalf("exit %d: %s", code, msg)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}
