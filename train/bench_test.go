package train

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"

	"github.com/gogan/gan/models"
	"github.com/gogan/gan/train/tensor"
)

// BenchmarkDCGANStep times the reference 28x28 DCGAN's training step: one D
// update on a real and a generated batch and one G update, BCE, Adam 2e-4,
// betas (0.5, 0.999), as scripts/peer_dcgan.py does in PyTorch. Real data is
// random (loading is excluded on both sides). peak-MB is the process's
// maximum resident set, meaningful when one size runs per process.
func BenchmarkDCGANStep(b *testing.B) {
	for _, n := range []int{64, 256} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			spec := models.Spec{Kind: "dcgan", ZDim: 100, Size: 28, Channels: 1}
			rng := rand.New(rand.NewPCG(1, 1))
			g, _ := models.NewGenerator(spec, rng)
			d, _ := models.NewDiscriminator(spec, rng)
			gan, err := NewGAN(g, d, nil, DefaultConfig().Hyper(), 1)
			if err != nil {
				b.Fatal(err)
			}
			real := Batch{X: tensor.Uniform(rng, -1, 1, n, 1, 28, 28)}
			next := func() Batch { return real }
			gan.TrainStep(next) // warm up buffers
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				gan.TrainStep(next)
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "images/s")
			var ru syscall.Rusage
			if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
				b.ReportMetric(float64(ru.Maxrss)/1024, "peak-MB")
			}
		})
	}
}
