package tensor_test

import (
	"testing"

	T "github.com/gogan/gan/train/tensor"
)

// The DCGAN (MNIST, batch 64) convolutions. Compare with PyTorch through
// scripts' peer benchmarks; flops counts 2*MACs of the forward product, and
// the backward pass costs about twice that.
var dcganConvs = []struct {
	name          string
	transposed    bool
	n, c, h, w, f int // input (n,c,h,w); f output channels
}{
	{"D_conv1_1to64_28", false, 64, 1, 28, 28, 64},
	{"D_conv2_64to128_14", false, 64, 64, 14, 14, 128},
	{"G_convT1_128to64_7", true, 64, 128, 7, 7, 64},
	{"G_convT2_64to1_14", true, 64, 64, 14, 14, 1},
}

func BenchmarkConvDCGAN(b *testing.B) {
	for _, c := range dcganConvs {
		rng := cvRng(99)
		x := cvRandn(rng, c.n, c.c, c.h, c.w)
		var w *T.Tensor
		var op func() *T.Tensor
		if c.transposed {
			w = T.Randn(rng, 0, 0.02, c.c, c.f, 4, 4)
			op = func() *T.Tensor { return T.ConvTranspose2d(x, w, nil, 2, 1, 0) }
		} else {
			w = T.Randn(rng, 0, 0.02, c.f, c.c, 4, 4)
			op = func() *T.Tensor { return T.Conv2d(x, w, nil, 2, 1) }
		}
		y := op()
		gy := cvRandn(rng, y.Shape()...)
		// Every output value is a 4x4xC (conv) or an input value times a
		// 4x4xF tap set (transposed) multiply-add: 2*16*C*F per pixel pair.
		flops := 2 * 16 * float64(c.c*c.f)
		if c.transposed {
			flops *= float64(x.Numel() / c.c)
		} else {
			flops *= float64(y.Numel() / c.f)
		}
		b.Run(c.name+"/fwd", func(b *testing.B) {
			for b.Loop() {
				op()
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		for _, bw := range []struct {
			name   string
			inputs []*T.Tensor
		}{{"fwdbwd", []*T.Tensor{x, w}}, {"fwdbwd_w", []*T.Tensor{w}}, {"fwdbwd_x", []*T.Tensor{x}}} {
			b.Run(c.name+"/"+bw.name, func(b *testing.B) {
				for _, in := range bw.inputs {
					in.SetRequiresGrad(true)
				}
				defer func() {
					for _, in := range bw.inputs {
						in.SetRequiresGrad(false)
					}
				}()
				for b.Loop() {
					T.Grad(op(), bw.inputs, gy, false)
				}
				b.ReportMetric(float64(1+len(bw.inputs))*flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
