package tensor_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/gogan/gan/internal/approx"
	T "github.com/gogan/gan/train/tensor"
	"github.com/gogan/gan/train/tensor/tensortest"
)

// channelStats returns the float64 mean and biased variance of channel c of
// x (N,C,S...).
func channelStats(x *T.Tensor, c int) (mean, vr float64, m int) {
	n, ch := x.Dim(0), x.Dim(1)
	s := x.Numel() / (n * ch)
	var vals []float64
	for ni := range n {
		for i := range s {
			vals = append(vals, float64(x.Data[(ni*ch+c)*s+i]))
		}
	}
	for _, v := range vals {
		mean += v
	}
	mean /= float64(len(vals))
	for _, v := range vals {
		vr += (v - mean) * (v - mean)
	}
	return mean, vr / float64(len(vals)), len(vals)
}

func TestBatchNormTraining(t *testing.T) {
	rng := newRng(11)
	for _, shape := range [][]int{{16, 3}, {4, 3, 5, 5}} {
		t.Run(fmt.Sprint(shape), func(t *testing.T) {
			x := randn(rng, shape...)
			// Per-channel offsets and scales, one channel far from zero.
			c := shape[1]
			s := x.Numel() / (shape[0] * c)
			for i := range x.Data {
				ch := (i / s) % c
				x.Data[i] = x.Data[i]*float32(ch+1) + float32(100*ch)
			}
			gamma := T.New([]float32{1, 2, 0.5}, 3)
			beta := T.New([]float32{0, -1, 3}, 3)
			runMean := T.Full(0.5, 3)
			runVar := T.Full(2, 3)
			const mom, eps = 0.1, 1e-5
			y := T.BatchNorm(x, gamma, beta, runMean, runVar, true, mom, eps)
			for ch := range c {
				xm, xv, m := channelStats(x, ch)
				ym, yv, _ := channelStats(y, ch)
				g, b := float64(gamma.Data[ch]), float64(beta.Data[ch])
				if !approx.Near(ym, b, 1e-4) {
					t.Errorf("channel %d: output mean %v, want %v", ch, ym, b)
				}
				wantVar := g * g * xv / (xv + eps)
				if !approx.Near(yv, wantVar, 1e-4*wantVar) {
					t.Errorf("channel %d: output var %v, want %v", ch, yv, wantVar)
				}
				wantRM := 0.9*0.5 + 0.1*xm
				wantRV := 0.9*2 + 0.1*xv*float64(m)/float64(m-1)
				if !approx.Near(float64(runMean.Data[ch]), wantRM, 1e-5*math.Max(1, math.Abs(wantRM))) {
					t.Errorf("channel %d: running mean %v, want %v", ch, runMean.Data[ch], wantRM)
				}
				if !approx.Near(float64(runVar.Data[ch]), wantRV, 1e-5*wantRV) {
					t.Errorf("channel %d: running var %v, want %v (unbiased)", ch, runVar.Data[ch], wantRV)
				}
			}
			// affine=false, no running stats: mean 0, var 1.
			y = T.BatchNorm(x, nil, nil, nil, nil, true, mom, eps)
			for ch := range c {
				_, xv, _ := channelStats(x, ch)
				ym, yv, _ := channelStats(y, ch)
				if !approx.Near(ym, 0, 1e-4) || !approx.Near(yv, xv/(xv+eps), 1e-4) {
					t.Errorf("affine=false channel %d: mean %v var %v, want 0 and 1", ch, ym, yv)
				}
			}
		})
	}
}

func TestBatchNormEval(t *testing.T) {
	rng := newRng(12)
	x := randn(rng, 2, 3, 2, 2)
	gamma := T.New([]float32{1, 2, 0.5}, 3)
	beta := T.New([]float32{0, -1, 3}, 3)
	rm := T.New([]float32{0.1, -0.2, 0.3}, 3)
	rv := T.New([]float32{1, 4, 0.25}, 3)
	const eps = 1e-3
	y := T.BatchNorm(x, gamma, beta, rm, rv, false, 0.1, eps)
	want := make([]float32, x.Numel())
	for i, v := range x.Data {
		c := (i / 4) % 3
		want[i] = float32((float64(v)-float64(rm.Data[c]))/math.Sqrt(float64(rv.Data[c])+eps)*float64(gamma.Data[c]) + float64(beta.Data[c]))
	}
	closeTo(t, "eval output", y.Data, want, 1e-5)
	closeTo(t, "running mean", rm.Data, []float32{0.1, -0.2, 0.3}, 0)
	closeTo(t, "running var", rv.Data, []float32{1, 4, 0.25}, 0)
	mustPanic(t, func() { T.BatchNorm(x, gamma, beta, nil, nil, false, 0.1, eps) }, "BatchNorm", "running")
}

func TestBatchNormPanics(t *testing.T) {
	mustPanic(t, func() { T.BatchNorm(T.Zeros(4, 3), T.Zeros(2), nil, nil, nil, true, 0.1, 1e-5) }, "BatchNorm", "gamma", "[2]", "[4 3]")
	mustPanic(t, func() { T.BatchNorm(T.Zeros(4, 3, 2), nil, nil, nil, nil, true, 0.1, 1e-5) }, "BatchNorm", "[4 3 2]")
	mustPanic(t, func() { T.BatchNorm(T.Zeros(1, 3), nil, nil, nil, nil, true, 0.1, 1e-5) }, "BatchNorm", "[1 3]")
}

func TestBatchNormGrad(t *testing.T) {
	rng := newRng(13)
	opt := tensortest.Options{Tol: 5e-3}
	train := func(x []*T.Tensor) *T.Tensor { return T.BatchNorm(x[0], x[1], x[2], nil, nil, true, 0.1, 1e-5) }
	checkGrads(t, "train/NC", train, []*T.Tensor{randn(rng, 5, 3), T.Uniform(rng, 0.5, 1.5, 3), randn(rng, 3)}, opt)
	checkGrads(t, "train/NCHW", train, []*T.Tensor{randn(rng, 3, 2, 2, 2), T.Uniform(rng, 0.5, 1.5, 2), randn(rng, 2)}, opt)
	checkGrads(t, "train/noaffine", func(x []*T.Tensor) *T.Tensor {
		return T.BatchNorm(x[0], nil, nil, nil, nil, true, 0.1, 1e-5)
	}, []*T.Tensor{randn(rng, 2, 2, 2, 2)}, opt)
	// Running buffers are updated but take no part in the gradient.
	rm, rv := T.Zeros(2), T.Full(1, 2)
	checkGrads(t, "train/running", func(x []*T.Tensor) *T.Tensor {
		return T.BatchNorm(x[0], x[1], x[2], rm, rv, true, 0.1, 1e-5)
	}, []*T.Tensor{randn(rng, 4, 2), T.Uniform(rng, 0.5, 1.5, 2), randn(rng, 2)}, opt)
	rm, rv = T.New([]float32{0.1, -0.3}, 2), T.New([]float32{0.8, 1.7}, 2)
	checkGrads(t, "eval", func(x []*T.Tensor) *T.Tensor {
		return T.BatchNorm(x[0], x[1], x[2], rm, rv, false, 0.1, 1e-5)
	}, []*T.Tensor{randn(rng, 2, 2, 2, 2), T.Uniform(rng, 0.5, 1.5, 2), randn(rng, 2)}, opt)
	// BN followed by a nonlinearity: the second derivative mixes both.
	checkGrads(t, "train/tanh", func(x []*T.Tensor) *T.Tensor { return T.Tanh(train(x)) },
		[]*T.Tensor{randn(rng, 3, 2, 2, 1), T.Uniform(rng, 0.5, 1.5, 2), randn(rng, 2)}, opt)
}

// TestBatchNormFusedMatchesGraph compares the fused backward kernel with the
// differentiable one used under createGraph, on a size where the kernel
// splits channels across goroutines.
func TestBatchNormFusedMatchesGraph(t *testing.T) {
	rng := newRng(14)
	for _, shape := range [][]int{{8, 32, 6, 6}, {64, 24}} {
		for _, training := range []bool{true, false} {
			c := shape[1]
			x := randn(rng, shape...).SetRequiresGrad(true)
			gamma := T.Uniform(rng, 0.5, 1.5, c).SetRequiresGrad(true)
			beta := randn(rng, c).SetRequiresGrad(true)
			rm, rv := randn(rng, c), T.Uniform(rng, 0.5, 2, c)
			y := T.BatchNorm(x, gamma, beta, rm, rv, training, 0.1, 1e-5)
			g := randn(rng, y.Shape()...)
			in := []*T.Tensor{x, gamma, beta}
			fused := T.Grad(y, in, g, false)
			graph := T.Grad(y, in, g, true)
			what := fmt.Sprintf("%v training=%v", shape, training)
			for i := range in {
				closeTo(t, fmt.Sprintf("%s grad %d", what, i), fused[i].Data, graph[i].Data, 2e-4)
			}
			// Asking for gamma alone gives the same gamma gradient.
			closeTo(t, what+" gamma alone", T.Grad(y, []*T.Tensor{gamma}, g, false)[0].Data, fused[1].Data, 0)
			gamma.SetRequiresGrad(false)
			beta.SetRequiresGrad(false)
			y = T.BatchNorm(x, gamma, beta, rm, rv, training, 0.1, 1e-5)
			closeTo(t, what+" x alone", T.Grad(y, []*T.Tensor{x}, g, false)[0].Data, fused[0].Data, 0)
		}
	}
}

func benchmarkBatchNorm(b *testing.B, shape []int, backward bool) {
	rng := newRng(15)
	c := shape[1]
	x := randn(rng, shape...).SetRequiresGrad(backward)
	gamma := T.Full(1, c).SetRequiresGrad(backward)
	beta := T.Zeros(c).SetRequiresGrad(backward)
	rm, rv := T.Zeros(c), T.Full(1, c)
	g := randn(rng, shape...)
	b.SetBytes(int64(4 * x.Numel()))
	b.ResetTimer()
	for range b.N {
		y := T.BatchNorm(x, gamma, beta, rm, rv, true, 0.1, 1e-5)
		if backward {
			T.Grad(y, []*T.Tensor{x, gamma, beta}, g, false)
		}
	}
}

func BenchmarkBatchNorm(b *testing.B) {
	for _, shape := range [][]int{{64, 128, 7, 7}, {64, 64, 14, 14}} {
		name := fmt.Sprintf("%dx%dx%dx%d", shape[0], shape[1], shape[2], shape[3])
		b.Run(name+"/forward", func(b *testing.B) { benchmarkBatchNorm(b, shape, false) })
		b.Run(name+"/forward+backward", func(b *testing.B) { benchmarkBatchNorm(b, shape, true) })
	}
}
