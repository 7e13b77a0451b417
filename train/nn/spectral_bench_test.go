package nn_test

import (
	"math/rand/v2"
	"testing"

	"github.com/gogan/gan/internal/rusage"
	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// BenchmarkSpectralNormDCGAN times what spectral norm adds to one training
// forward and backward pass of the 28x28 DCGAN's D: per layer (Conv2d 1->64,
// Conv2d 64->128, Linear 6272->1) a power step, w/sigma and the fused
// gradient. A D update runs two such passes, a training step three
// forwards and two backwards.
func BenchmarkSpectralNormDCGAN(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	ws := []*tensor.Tensor{
		tensor.Randn(rng, 0, 0.02, 64, 1, 4, 4),
		tensor.Randn(rng, 0, 0.02, 128, 64, 4, 4),
		tensor.Randn(rng, 0, 0.02, 1, 128*7*7),
	}
	var sns []*nn.SpectralNorm
	for _, w := range ws {
		l := nn.NewLinear(1, 1, false, rng) // borrow its SpectralNorm for w
		l.Weight = w
		sns = append(sns, l.EnableSpectralNorm(rng))
		w.SetRequiresGrad(true)
	}
	gs := make([]*tensor.Tensor, len(ws))
	for i, w := range ws {
		gs[i] = tensor.Randn(rng, 0, 1, w.Shape()...)
	}
	cpu0 := cpuSeconds()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j, w := range ws {
			wn := sns[j].Apply(w)
			tensor.Grad(wn, []*tensor.Tensor{w}, gs[j], false)
		}
	}
	b.StopTimer()
	// CPU time: steadier than wall time on a shared machine.
	b.ReportMetric((cpuSeconds()-cpu0)*1000/float64(b.N), "cpu-ms/op")
}

func cpuSeconds() float64 {
	u, _ := rusage.Self()
	return u.CPUSeconds
}
