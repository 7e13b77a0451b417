package tensor_test

import (
	"fmt"
	"math"
	"testing"

	T "github.com/gogan/gan/train/tensor"
	"github.com/gogan/gan/train/tensor/tensortest"
)

type poolCase struct{ n, c, h, w, k, s, p int }

func (k poolCase) String() string {
	return fmt.Sprintf("x%dx%dx%dx%d_k%d_s%d_p%d", k.n, k.c, k.h, k.w, k.k, k.s, k.p)
}

// poolCases include overlapping windows (stride < kernel), gaps (stride >
// kernel), padding up to half the kernel and odd sizes.
var poolCases = []poolCase{
	{n: 2, c: 3, h: 6, w: 6, k: 2, s: 2, p: 0},
	{n: 1, c: 2, h: 7, w: 5, k: 3, s: 2, p: 1},
	{n: 2, c: 1, h: 5, w: 6, k: 3, s: 1, p: 1},
	{n: 1, c: 2, h: 8, w: 7, k: 2, s: 3, p: 1},
	{n: 1, c: 1, h: 4, w: 4, k: 4, s: 1, p: 2},
	{n: 2, c: 2, h: 3, w: 5, k: 1, s: 2, p: 0},
}

// naivePool is the direct reference: each output looks at all k*k taps,
// padding reading -inf (max) or 0 (average, divided by k*k).
func naivePool(x *T.Tensor, k, s, p int, isMax bool) []float64 {
	n, c, h, w := x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)
	oh, ow := (h+2*p-k)/s+1, (w+2*p-k)/s+1
	out := make([]float64, 0, n*c*oh*ow)
	for pl := 0; pl < n*c; pl++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				acc := 0.0
				if isMax {
					acc = math.Inf(-1)
				}
				for i := 0; i < k; i++ {
					for j := 0; j < k; j++ {
						iy, ix := oy*s-p+i, ox*s-p+j
						v := math.Inf(-1)
						if iy >= 0 && iy < h && ix >= 0 && ix < w {
							v = float64(x.Data[(pl*h+iy)*w+ix])
						} else if !isMax {
							v = 0
						}
						if isMax {
							acc = math.Max(acc, v)
						} else {
							acc += v
						}
					}
				}
				if !isMax {
					acc /= float64(k * k)
				}
				out = append(out, acc)
			}
		}
	}
	return out
}

// spread returns a tensor holding a shuffled ladder of values 0.02 apart,
// so that a gradient check's 0.01 steps never change a window's maximum,
// centred on 0.7 where tanh is well curved.
func spread(seed uint64, shape ...int) *T.Tensor {
	t := T.Zeros(shape...)
	perm := cvRng(seed).Perm(t.Numel())
	for i, v := range perm {
		t.Data[i] = 0.7 + 0.02*float32(v-t.Numel()/2)
	}
	return t
}

func TestPoolMatchesNaive(t *testing.T) {
	for _, k := range poolCases {
		x := cvRandn(cvRng(10), k.n, k.c, k.h, k.w)
		cvNear(t, "MaxPool2d "+k.String(), T.MaxPool2d(x, k.k, k.s, k.p).Data, naivePool(x, k.k, k.s, k.p, true), 0)
		cvNear(t, "AvgPool2d "+k.String(), T.AvgPool2d(x, k.k, k.s, k.p).Data, naivePool(x, k.k, k.s, k.p, false), 1e-6)
	}
	// A worked example: 3x3 windows, stride 2, pad 1 on 1..16; padding
	// counts in the average's divisor.
	x := T.Zeros(1, 1, 4, 4)
	for i := range x.Data {
		x.Data[i] = float32(i + 1)
	}
	if got, want := T.MaxPool2d(x, 3, 2, 1).Data, []float32{6, 8, 14, 16}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("MaxPool2d = %v, want %v", got, want)
	}
	want := []float64{14.0 / 9, 30.0 / 9, 57.0 / 9, 99.0 / 9}
	cvNear(t, "AvgPool2d example", T.AvgPool2d(x, 3, 2, 1).Data, want, 1e-6)
}

func TestPoolGradients(t *testing.T) {
	for _, k := range poolCases {
		t.Run(k.String(), func(t *testing.T) {
			rng := cvRng(11)
			maxp := func(xs []*T.Tensor) *T.Tensor { return T.MaxPool2d(xs[0], k.k, k.s, k.p) }
			avgp := func(xs []*T.Tensor) *T.Tensor { return T.AvgPool2d(xs[0], k.k, k.s, k.p) }
			x := spread(12, k.n, k.c, k.h, k.w)
			tensortest.GradCheck(t, rng, maxp, []*T.Tensor{x}, tensortest.Options{})
			tensortest.GradCheck(t, rng, avgp, []*T.Tensor{x}, tensortest.Options{})
			// A curved function of the pooled values makes the second
			// derivative go through the backward ops' own backwards
			// (scatter <-> gather, avgPoolT <-> avgPool).
			tanhOf := func(f func([]*T.Tensor) *T.Tensor) func([]*T.Tensor) *T.Tensor {
				return func(xs []*T.Tensor) *T.Tensor { return T.Tanh(f(xs)) }
			}
			tensortest.GradGradCheck(t, rng, tanhOf(maxp), []*T.Tensor{x}, tensortest.Options{})
			tensortest.GradGradCheck(t, rng, tanhOf(avgp), []*T.Tensor{x}, tensortest.Options{})
		})
	}
}

// TestMaxPoolTiesAndNaN checks PyTorch's conventions: a tie sends the
// gradient to the first maximum in row-major order, overlapping windows
// that share a maximum add their gradients, and NaN wins.
func TestMaxPoolTiesAndNaN(t *testing.T) {
	x := T.Zeros(1, 1, 4, 4).SetRequiresGrad(true)
	g := T.Grad(T.Sum(T.MaxPool2d(x, 2, 2, 0)), []*T.Tensor{x}, nil, false)[0]
	want := []float32{1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0}
	if fmt.Sprint(g.Data) != fmt.Sprint(want) {
		t.Errorf("tie gradient %v, want %v", g.Data, want)
	}
	y := T.New([]float32{0, 5, 1, 2, 3, 4}, 1, 1, 1, 6).SetRequiresGrad(true)
	g = T.Grad(T.Sum(T.MaxPool2d(y, 3, 1, 1)), []*T.Tensor{y}, nil, false)[0]
	if want := []float32{0, 3, 0, 0, 1, 2}; fmt.Sprint(g.Data) != fmt.Sprint(want) {
		t.Errorf("overlapping windows gradient %v, want %v", g.Data, want)
	}
	z := T.New([]float32{1, float32(math.NaN()), 2, 3}, 1, 1, 2, 2)
	if v := T.MaxPool2d(z, 2, 2, 0).Data[0]; !math.IsNaN(float64(v)) {
		t.Errorf("max over a NaN = %v, want NaN", v)
	}
}

func TestPoolShapePanics(t *testing.T) {
	x := cvRandn(cvRng(13), 2, 3, 5, 5)
	cvPanics(t, func() { T.MaxPool2d(cvRandn(cvRng(13), 3, 5, 5), 2, 2, 0) }, "tensor: MaxPool2d", "[3 5 5]")
	cvPanics(t, func() { T.AvgPool2d(x, 3, 2, 2) }, "tensor: AvgPool2d", "pad 2", "[2 3 5 5]")
	cvPanics(t, func() { T.MaxPool2d(x, 8, 1, 1) }, "tensor: MaxPool2d", "kernel 8", "[2 3 5 5]")
	cvPanics(t, func() { T.AvgPool2d(x, 2, 0, 0) }, "tensor: AvgPool2d", "stride 0")
}
