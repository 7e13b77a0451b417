package train

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gogan/gan/internal/rusage"
	"github.com/gogan/gan/models"
	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// BenchmarkDCGANStep times the reference 28x28 DCGAN's training step: one D
// update on a real and a generated batch and one G update, BCE, Adam 2e-4,
// betas (0.5, 0.999), as scripts/peer_dcgan.py does in PyTorch; and, as
// 64x64x3/batch=64, the RGB DCGAN gan-train builds for a folder of 64x64
// images (the peer's --image 64x64x3). Real data is random (loading is
// excluded on both sides). peak-MB is the process's maximum resident set,
// meaningful when one config runs per process.
func BenchmarkDCGANStep(b *testing.B) {
	for _, c := range []struct {
		name           string
		size, channels int
		batch          int
	}{
		{"batch=64", 28, 1, 64},
		{"batch=256", 28, 1, 256},
		{"64x64x3/batch=64", 64, 3, 64},
	} {
		b.Run(c.name, func(b *testing.B) {
			benchStep(b, models.Spec{Kind: "dcgan", ZDim: 100, Size: c.size, Channels: c.channels}, c.batch)
		})
	}
}

// BenchmarkResNetStep times the same step for the residual G and D
// (--model resnet) at 28 px with the default width, and at 32 px RGB.
func BenchmarkResNetStep(b *testing.B) {
	for _, c := range []struct {
		size, channels, width, n int
	}{{28, 1, 0, 64}, {28, 1, 32, 64}, {32, 3, 0, 64}} {
		s := models.Spec{Kind: "resnet", ZDim: 128, Size: c.size, Channels: c.channels, Width: c.width}
		w := c.width
		if w == 0 {
			w = models.DefaultWidth
		}
		b.Run(fmt.Sprintf("size=%d/ch=%d/width=%d/batch=%d", c.size, c.channels, w, c.n), func(b *testing.B) {
			benchStep(b, s, c.n)
		})
	}
}

// benchStep times GAN steps of spec s on random batches of n images and
// reports images/s, GFLOP/s (3G + 8D forward FLOPs per image, see
// models.Spec.FLOPs), CPU ms and page faults per step and the peak RSS.
func benchStep(b *testing.B, spec models.Spec, n int) {
	rng := rand.New(rand.NewPCG(1, 1))
	g, _ := models.NewGenerator(spec, rng)
	d, _ := models.NewDiscriminator(spec, rng)
	h := DefaultConfig().Hyper()
	h.ZDim = spec.ZDim
	gan, err := NewGAN(g, d, nil, h, 1)
	if err != nil {
		b.Fatal(err)
	}
	reals := Batch{X: tensor.Uniform(rng, -1, 1, n, spec.Channels, spec.Size, spec.Size)}
	next := func() Batch { return reals }
	// Warm up: the first steps of a process pay for fresh pages and
	// an unsettled heap, which a training run amortises.
	for i := 0; i < 5; i++ {
		gan.TrainStep(next)
	}
	cpu0, flt0 := cpuTime(), faults()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		gan.TrainStep(next)
	}
	b.StopTimer()
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(n*b.N)/sec, "images/s")
	fg, fd := spec.FLOPs()
	b.ReportMetric((3*fg+8*fd)*float64(n*b.N)/sec/1e9, "GFLOP/s")
	// CPU seconds per step: steadier than wall time on a shared machine.
	b.ReportMetric((cpuTime()-cpu0)*1000/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(faults()-flt0)/float64(b.N), "faults/op")
	if u, ok := rusage.Self(); ok {
		b.ReportMetric(u.PeakMB, "peak-MB")
	}
}

// cpuTime is the process's user+system CPU seconds.
func cpuTime() float64 {
	u, _ := rusage.Self()
	return u.CPUSeconds
}

// faults is the process's count of minor page faults: fresh memory touched.
func faults() int64 {
	u, _ := rusage.Self()
	return u.MinorFaults
}

// BenchmarkDCGANSpectralNorm times the reference 28x28 DCGAN at batch 64
// with and without spectral norm on every layer of D: "dstep" is one D
// update (D on a real and a generated batch, backward, Adam), "step" the
// whole training step (the G update runs D forward once more, with its
// power step). cpu-ms/op is the figure to compare on a shared machine.
// Compare configurations run in separate processes (-bench
// 'DCGANSpectralNorm/dstep/sn=true$'): in one process a later
// sub-benchmark pays for the heap that earlier ones grew.
func BenchmarkDCGANSpectralNorm(b *testing.B) {
	for _, what := range []string{"dstep", "step"} {
		for _, sn := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/sn=%v", what, sn), func(b *testing.B) {
				const n = 64
				spec := models.Spec{Kind: "dcgan", ZDim: 100, Size: 28, Channels: 1}
				rng := rand.New(rand.NewPCG(1, 1))
				g, _ := models.NewGenerator(spec, rng)
				d, _ := models.NewDiscriminator(spec, rng)
				if sn {
					nn.ApplySpectralNorm(d, rng)
				}
				gan, err := NewGAN(g, d, nil, DefaultConfig().Hyper(), 1)
				if err != nil {
					b.Fatal(err)
				}
				reals := Batch{X: tensor.Uniform(rng, -1, 1, n, 1, 28, 28)}
				next := func() Batch { return reals }
				var fake *tensor.Tensor
				tensor.NoGrad(func() { fake = g.Generate(tensor.Randn(rng, 0, 1, n, 100), nil) })
				arena := tensor.NewArena()
				op := func() {
					if what == "step" {
						gan.TrainStep(next)
						return
					}
					arena.Reset()
					tensor.UseArena(arena, func() { gan.dStep(reals, fake, nil, 0) })
				}
				for i := 0; i < 5; i++ {
					op()
				}
				cpu0 := cpuTime()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					op()
				}
				b.StopTimer()
				b.ReportMetric((cpuTime()-cpu0)*1000/float64(b.N), "cpu-ms/op")
			})
		}
	}
}

// BenchmarkTrainLoop times gan-train's loop as users run it: the DCGAN on
// MNIST at batch 64, 2 threads, under each recipe, through Run.Train
// ("loop": loader, step, moving average, metrics, and the sample grid and
// checkpoint that end each Train call, here once per b.N steps; gan-train
// writes them every 500), against the same model's bare TrainStep on one
// fixed batch ("step"). The loop's cost is loop/step - 1. Run each in its
// own process (-bench 'TrainLoop/modern/loop$') so that neither pays for
// the other's heap. Skipped without MNIST in data/.
func BenchmarkTrainLoop(b *testing.B) {
	for _, recipe := range Recipes {
		for _, what := range []string{"loop", "step"} {
			b.Run(recipe+"/"+what, func(b *testing.B) { benchLoop(b, recipe, what == "loop") })
		}
	}
}

func benchLoop(b *testing.B, recipe string, loop bool) {
	ds, err := LoadData(DefaultConfig(), nil)
	if err != nil {
		b.Skip(err)
	}
	cfg, err := DefaultConfig().WithRecipe(recipe)
	if err != nil {
		b.Fatal(err)
	}
	cfg.Threads, cfg.Steps, cfg.Epochs = 2, 1<<30, 0
	defer tensor.SetThreads(tensor.Threads())
	tensor.SetThreads(cfg.Threads)
	r, err := Start(cfg, ds, RunOptions{Out: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	const warm = 5
	r.total = warm
	if err := r.Train(context.Background()); err != nil {
		b.Fatal(err)
	}
	x := r.loader.Next()
	batch := Batch{X: tensor.New(append([]float32(nil), x.Images...), x.N, 1, 28, 28)}
	next := func() Batch { return batch }
	cpu0 := cpuTime()
	b.ResetTimer()
	if loop {
		r.total = warm + b.N
		if err := r.Train(context.Background()); err != nil {
			b.Fatal(err)
		}
	} else {
		for i := 0; i < b.N; i++ {
			r.Model().TrainStep(next)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(cfg.BatchSize*b.N)/b.Elapsed().Seconds(), "images/s")
	b.ReportMetric((cpuTime()-cpu0)*1000/float64(b.N), "cpu-ms/op")
}
