package tensor_test

import (
	"fmt"
	"math"
	"testing"

	T "github.com/gogan/gan/train/tensor"
	"github.com/gogan/gan/train/tensor/tensortest"
)

// sameBits fails unless got and want hold the same float32 bit patterns.
func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s[%d] = %v (%#x), want %v (%#x)", what, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

// BatchNormAct is LeakyRelu(BatchNorm) bit for bit: the output, the
// running statistics and the gradients of x, gamma and beta, first-order
// and through a recorded backward (R1, WGAN-GP), for ReLU and LeakyReLU,
// training and eval, with the work split over 1 and 2 goroutines.
func TestBatchNormActMatchesUnfused(t *testing.T) {
	defer T.SetThreads(T.Threads())
	for _, threads := range []int{1, 2} {
		T.SetThreads(threads)
		for _, shape := range [][]int{{16, 128, 7, 7}, {8, 3, 5, 5}, {32, 24}} {
			for _, slope := range []float32{0, 0.2} {
				for _, training := range []bool{true, false} {
					what := fmt.Sprintf("threads=%d/%v/slope=%v/training=%v", threads, shape, slope, training)
					t.Run(what, func(t *testing.T) { checkBatchNormAct(t, shape, slope, training) })
				}
			}
		}
	}
}

func checkBatchNormAct(t *testing.T, shape []int, slope float32, training bool) {
	rng := newRng(21)
	c := shape[1]
	x := randn(rng, shape...)
	x.Data[3] = 0 // exact zeros before and after normalising
	gamma, beta := T.Uniform(rng, 0.5, 1.5, c), randn(rng, c)
	beta.Data[0] = 0
	rm, rv := randn(rng, c), T.Uniform(rng, 0.5, 2, c)
	g := randn(rng, shape...)
	type result struct{ y, rm, rv, gx, gg, gb, hx, hg []float32 }
	run := func(fused bool) result {
		xx := T.New(append([]float32(nil), x.Data...), shape...).SetRequiresGrad(true)
		ga := T.New(append([]float32(nil), gamma.Data...), c).SetRequiresGrad(true)
		be := T.New(append([]float32(nil), beta.Data...), c).SetRequiresGrad(true)
		m, v := T.New(append([]float32(nil), rm.Data...), c), T.New(append([]float32(nil), rv.Data...), c)
		f := func() *T.Tensor {
			if fused {
				return T.BatchNormAct(xx, ga, be, m, v, training, 0.1, 1e-5, slope)
			}
			return T.LeakyRelu(T.BatchNorm(xx, ga, be, m, v, training, 0.1, 1e-5), slope)
		}
		y := f()
		in := []*T.Tensor{xx, ga, be}
		first := T.Grad(y, in, g, false)
		// A recorded backward, differentiated again: sum(dx^2) by x and gamma.
		y = f()
		gr := T.Grad(y, in, g, true)
		second := T.Grad(T.Sum(T.Mul(gr[0], gr[0])), []*T.Tensor{xx, ga}, nil, false)
		return result{y.Data, m.Data, v.Data, first[0].Data, first[1].Data, first[2].Data, second[0].Data, second[1].Data}
	}
	got, want := run(true), run(false)
	sameBits(t, "output", got.y, want.y)
	sameBits(t, "running mean", got.rm, want.rm)
	sameBits(t, "running var", got.rv, want.rv)
	sameBits(t, "grad x", got.gx, want.gx)
	sameBits(t, "grad gamma", got.gg, want.gg)
	sameBits(t, "grad beta", got.gb, want.gb)
	sameBits(t, "second-order grad x", got.hx, want.hx)
	sameBits(t, "second-order grad gamma", got.hg, want.hg)
	// x's gradient alone, and gamma's alone, take the kernel's other branches.
	for i, name := range []string{"x", "gamma"} {
		xx := T.New(append([]float32(nil), x.Data...), shape...).SetRequiresGrad(true)
		ga := T.New(append([]float32(nil), gamma.Data...), c).SetRequiresGrad(true)
		m, v := T.New(append([]float32(nil), rm.Data...), c), T.New(append([]float32(nil), rv.Data...), c)
		y := T.BatchNormAct(xx, ga, beta, m, v, training, 0.1, 1e-5, slope)
		alone := T.Grad(y, []*T.Tensor{[]*T.Tensor{xx, ga}[i]}, g, false)[0]
		sameBits(t, "grad "+name+" alone", alone.Data, [][]float32{want.gx, want.gg}[i])
	}
}

func TestBatchNormActGrad(t *testing.T) {
	rng := newRng(22)
	opt := tensortest.Options{Tol: 5e-3}
	for _, slope := range []float32{0, 0.2} {
		f := func(x []*T.Tensor) *T.Tensor {
			return T.BatchNormAct(x[0], x[1], x[2], nil, nil, true, 0.1, 1e-5, slope)
		}
		// Inputs whose normalised values stay clear of the kink at 0.
		x := T.New([]float32{-2, -0.9, 0.4, 1.1, 2.3, -1.6, 0.7, -0.2, 1.8, -2.4, 0.1, 1.5}, 3, 2, 2, 1)
		checkGrads(t, fmt.Sprintf("slope=%v", slope), f, []*T.Tensor{x, T.New([]float32{1.2, 0.7}, 2), T.New([]float32{0.05, -0.03}, 2)}, opt)
		rm, rv := T.New([]float32{0.1, -0.3}, 2), T.New([]float32{0.8, 1.7}, 2)
		checkGrads(t, fmt.Sprintf("eval/slope=%v", slope), func(x []*T.Tensor) *T.Tensor {
			return T.BatchNormAct(x[0], x[1], x[2], rm, rv, false, 0.1, 1e-5, slope)
		}, []*T.Tensor{awayFromZero(rng, 2, 2, 2, 2), T.Uniform(rng, 0.5, 1.5, 2), T.New([]float32{0.01, -0.02}, 2)}, opt)
	}
}

func BenchmarkBatchNormAct(b *testing.B) {
	for _, shape := range [][]int{{64, 128, 7, 7}, {64, 64, 14, 14}} {
		for _, fused := range []bool{false, true} {
			name := fmt.Sprintf("%dx%dx%dx%d/fused=%v", shape[0], shape[1], shape[2], shape[3], fused)
			b.Run(name, func(b *testing.B) {
				rng := newRng(15)
				c := shape[1]
				x := randn(rng, shape...).SetRequiresGrad(true)
				gamma := T.Full(1, c).SetRequiresGrad(true)
				beta := T.Zeros(c).SetRequiresGrad(true)
				rm, rv := T.Zeros(c), T.Full(1, c)
				g := randn(rng, shape...)
				arena := T.NewArena()
				b.ResetTimer()
				for range b.N {
					arena.Reset()
					T.UseArena(arena, func() {
						var y *T.Tensor
						if fused {
							y = T.BatchNormAct(x, gamma, beta, rm, rv, true, 0.1, 1e-5, 0.2)
						} else {
							y = T.LeakyRelu(T.BatchNorm(x, gamma, beta, rm, rv, true, 0.1, 1e-5), 0.2)
						}
						T.Grad(y, []*T.Tensor{x, gamma, beta}, g, false)
					})
				}
			})
		}
	}
}

func TestBatchNormActPanics(t *testing.T) {
	mustPanic(t, func() { T.BatchNormAct(T.Zeros(4, 3), nil, nil, nil, nil, true, 0.1, 1e-5, -0.1) }, "BatchNormAct", "negative slope")
	mustPanic(t, func() { T.BatchNormAct(T.Zeros(4, 3), T.Zeros(2), nil, nil, nil, true, 0.1, 1e-5, 0) }, "BatchNormAct", "gamma", "[2]")
}
