package infer

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/gogan/gan/internal/approx"
	"github.com/gogan/gan/models"
)

// The benchmarks and TestProviderParity read their setup from the
// environment, so scripts/gpu_check.sh can point them at a GPU:
//
//	GOGAN_BENCH_MODEL     generator to run (default testdata/gen_bench.onnx)
//	GOGAN_BENCH_PROVIDER  execution provider (default cpu; no CPU fallback)
//	GOGAN_BENCH_OPTIONS   provider options, "key=value,key=value"
//	GOGAN_BENCH_BATCHES   batch sizes, "1024,4096" (default 1024)
//	GOGAN_TEST_PROVIDER   provider TestProviderParity checks against the CPU

func benchEnv(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func benchOptions(t testing.TB, provider string) []Option {
	opts := []Option{WithProvider(provider), WithNoFallback(), WithMaxBatch(1 << 20)}
	if s := os.Getenv("GOGAN_BENCH_OPTIONS"); s != "" {
		m := map[string]string{}
		for _, kv := range strings.Split(s, ",") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				t.Fatalf("GOGAN_BENCH_OPTIONS: %q is not key=value", kv)
			}
			m[k] = v
		}
		opts = append(opts, WithProviderOptions(m))
	}
	return opts
}

func benchBatches(b *testing.B) []int {
	var out []int
	for _, s := range strings.Split(benchEnv("GOGAN_BENCH_BATCHES", "1024"), ",") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("GOGAN_BENCH_BATCHES: bad batch size %q", s)
		}
		out = append(out, n)
	}
	return out
}

// BenchmarkORTRun times the bare session run of one batch (latents already
// in the input tensor, output copied out), in images per second.
func BenchmarkORTRun(b *testing.B) {
	benchRun(b, benchEnv("GOGAN_BENCH_MODEL", benchModel))
}

// BenchmarkORTRunDefault is BenchmarkORTRun on gan-gen's built-in generator
// (pretrained/default.onnx, the default recipe's conditional DCGAN), beside
// the classic test generator above: the architecture is the same but for
// the label input, so the two rates should nearly match, and a default
// whose export runs slower shows here.
func BenchmarkORTRunDefault(b *testing.B) {
	benchRun(b, "pretrained/default.onnx")
}

// benchRun times the bare session run of model at each benchmark batch.
func benchRun(b *testing.B, model string) {
	g := openTest(b, model, benchOptions(b, benchEnv("GOGAN_BENCH_PROVIDER", "cpu"))...)
	in := g.Info()
	b.Logf("%s on %s (%s)", g.Name(), g.Provider(), g.Library())
	for _, n := range benchBatches(b) {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			z := make([]float32, n*in.ZDim)
			for i := 0; i < n; i++ {
				LatentInto(z[i*in.ZDim:(i+1)*in.ZDim], uint64(i), 0)
			}
			var labels []int64
			if in.Conditional {
				labels = make([]int64, n)
			}
			dst := make([]float32, n*in.Channels*in.Size*in.Width)
			ctx := context.Background()
			if err := g.run(ctx, n, z, labels, dst); err != nil { // warm-up: allocations, kernel choice
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if err := g.run(ctx, n, z, labels, dst); err != nil {
					b.Fatal(err)
				}
			}
			ips := float64(n) * float64(b.N) / b.Elapsed().Seconds()
			b.ReportMetric(ips, "images/s")
			if flop := genFLOPs(in); flop > 0 && model != benchModel {
				b.ReportMetric(ips*flop/1e9, "GFLOP/s")
			}
		})
	}
}

// genFLOPs is one image's forward FLOPs through a DCGAN generator that
// gan-train exported, as the engine's spec counts them (models.Spec.FLOPs),
// or 0 for another kind, whose width the model's metadata does not carry.
// The test fixture benchModel is a narrower DCGAN than gan-train makes, so
// benchRun leaves it out.
func genFLOPs(in Info) float64 {
	if in.Kind != "dcgan" && in.Kind != "conditional-dcgan" {
		return 0
	}
	g, _ := models.Spec{Kind: "dcgan", ZDim: in.ZDim, Size: in.Size, Channels: in.Channels, Classes: len(in.Classes)}.FLOPs()
	return g
}

// BenchmarkGenerate adds what Generate does around the run: drawing the
// latents from seeds and copying the batch out.
func BenchmarkGenerate(b *testing.B) {
	g := openTest(b, benchEnv("GOGAN_BENCH_MODEL", benchModel), benchOptions(b, benchEnv("GOGAN_BENCH_PROVIDER", "cpu"))...)
	for _, n := range benchBatches(b) {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			req := Request{Seeds: seeds(0, n)}
			if g.Info().Conditional {
				req.Labels = []int{0}
			}
			for b.Loop() {
				if _, err := g.Generate(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}

// TestProviderParity compares a GPU provider with the CPU on the same seeds
// (set GOGAN_TEST_PROVIDER; scripts/gpu_check.sh does, with TF32 off).
func TestProviderParity(t *testing.T) {
	provider := os.Getenv("GOGAN_TEST_PROVIDER")
	if provider == "" {
		t.Skip("set GOGAN_TEST_PROVIDER (e.g. cuda) to compare a provider with the CPU")
	}
	model := benchEnv("GOGAN_BENCH_MODEL", benchModel)
	cpu := openTest(t, model)
	dev := openTest(t, model, benchOptions(t, provider)...)
	req := Request{Seeds: seeds(0, 512)}
	if cpu.Info().Conditional {
		req.Labels = []int{0}
	}
	want, err := cpu.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := dev.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	approx.Check(t, fmt.Sprintf("%s against cpu on %d images of %s", dev.Provider(), len(req.Seeds), model), got.Data, want.Data, 1e-3)
}
