package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkGanGenEndToEnd runs the whole command: open the model, generate,
// encode PNGs and write them with the manifest, in images per second.
// GOGAN_BENCH_MODEL, GOGAN_BENCH_PROVIDER and GOGAN_BENCH_IMAGES (default
// 4096) change what it runs.
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
	for _, batch := range []int{1024} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			root := b.TempDir()
			for i := 0; i < b.N; i++ {
				out := filepath.Join(root, strconv.Itoa(i))
				code, _, msg := runCLI(b, "--model", model, "--provider", provider, "--strict-provider",
					"-n", strconv.Itoa(n), "--batch", strconv.Itoa(batch), "--out", out)
				if code != 0 {
					b.Fatalf("exit %d: %s", code, msg)
				}
				b.StopTimer()
				os.RemoveAll(out)
				b.StartTimer()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}
