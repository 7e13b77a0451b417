package tensor_test

import (
	"fmt"
	"testing"

	T "github.com/gogan/gan/train/tensor"
	"github.com/gogan/gan/train/tensor/tensortest"
)

// naiveUpsample repeats each pixel of x into an s x s block, in float64.
func naiveUpsample(x *T.Tensor, s int) []float64 {
	n, c, h, w := x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)
	out := make([]float64, 0, n*c*h*w*s*s)
	for p := 0; p < n*c; p++ {
		for i := 0; i < h*s; i++ {
			for j := 0; j < w*s; j++ {
				out = append(out, float64(x.Data[(p*h+i/s)*w+j/s]))
			}
		}
	}
	return out
}

func asF64(xs []float32) []float64 {
	out := make([]float64, len(xs))
	for i, v := range xs {
		out[i] = float64(v)
	}
	return out
}

type resampleCase struct{ n, c, h, w, f int }

func (k resampleCase) String() string {
	return fmt.Sprintf("x%dx%dx%dx%d_f%d", k.n, k.c, k.h, k.w, k.f)
}

// resampleCases include odd and non-square sizes, a 1-pixel side and more
// filters than channels and the reverse.
var resampleCases = []resampleCase{
	{n: 2, c: 3, h: 4, w: 4, f: 2},
	{n: 1, c: 2, h: 5, w: 3, f: 4},
	{n: 2, c: 1, h: 1, w: 2, f: 3},
	{n: 1, c: 4, h: 7, w: 6, f: 1},
}

func TestUpsampleMatchesNaive(t *testing.T) {
	for _, s := range []int{1, 2, 3} {
		for _, k := range resampleCases {
			x := cvRandn(cvRng(20), k.n, k.c, k.h, k.w)
			cvNear(t, fmt.Sprintf("Upsample s%d %v", s, k), T.UpsampleNearest2d(x, s).Data, naiveUpsample(x, s), 0)
		}
	}
	x := T.New([]float32{1, 2, 3, 4}, 1, 1, 2, 2)
	if got, want := T.UpsampleNearest2d(x, 2).Data, []float32{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Upsample = %v, want %v", got, want)
	}
}

// The fused ops equal their two-step definitions: UpConv2d is upsampling
// then a padded 3x3 convolution, ConvAvgPool2d a padded 3x3 convolution
// then 2x2 average pooling.
func TestResampleConvMatchesTwoSteps(t *testing.T) {
	for _, k := range resampleCases {
		for _, withBias := range []bool{false, true} {
			rng := cvRng(21)
			x, w := cvRandn(rng, k.n, k.c, k.h, k.w), cvRandn(rng, k.f, k.c, 3, 3)
			var b *T.Tensor
			if withBias {
				b = cvRandn(rng, k.f)
			}
			name := fmt.Sprintf("%v bias=%v", k, withBias)
			up := T.Conv2d(T.UpsampleNearest2d(x, 2), w, b, 1, 1)
			cvNear(t, "UpConv2d "+name, T.UpConv2d(x, w, b).Data, asF64(up.Data), 1e-6)
			if k.h < 2 || k.w < 2 {
				continue
			}
			down := T.AvgPool2d(T.Conv2d(x, w, b, 1, 1), 2, 2, 0)
			got := T.ConvAvgPool2d(x, w, b)
			if fmt.Sprint(got.Shape()) != fmt.Sprint(down.Shape()) {
				t.Fatalf("ConvAvgPool2d %s: shape %v, want %v", name, got.Shape(), down.Shape())
			}
			cvNear(t, "ConvAvgPool2d "+name, got.Data, asF64(down.Data), 1e-6)
		}
	}
}

func TestResampleGradients(t *testing.T) {
	tanhOf := func(f func([]*T.Tensor) *T.Tensor) func([]*T.Tensor) *T.Tensor {
		return func(xs []*T.Tensor) *T.Tensor { return T.Tanh(f(xs)) }
	}
	for _, k := range resampleCases {
		t.Run(k.String(), func(t *testing.T) {
			rng := cvRng(22)
			x := T.Randn(rng, 0, 0.5, k.n, k.c, k.h, k.w)
			w, b := T.Randn(rng, 0, 0.5, k.f, k.c, 3, 3), T.Randn(rng, 0, 0.5, k.f)
			for _, s := range []int{2, 3} {
				up := func(xs []*T.Tensor) *T.Tensor { return T.UpsampleNearest2d(xs[0], s) }
				tensortest.GradCheck(t, rng, up, []*T.Tensor{x}, tensortest.Options{})
				// Upsampling is linear: only a curved function of it has a
				// second derivative, which runs through blockSum's backward.
				tensortest.GradGradCheck(t, rng, tanhOf(up), []*T.Tensor{x}, tensortest.Options{})
			}
			upConv := func(xs []*T.Tensor) *T.Tensor { return T.UpConv2d(xs[0], xs[1], bias(xs)) }
			tensortest.GradCheck(t, rng, upConv, []*T.Tensor{x, w, b}, tensortest.Options{})
			tensortest.GradGradCheck(t, rng, upConv, []*T.Tensor{x, w, b}, tensortest.Options{})
			tensortest.GradGradCheck(t, rng, tanhOf(upConv), []*T.Tensor{x, w}, tensortest.Options{})
			if k.h < 2 || k.w < 2 {
				return
			}
			down := func(xs []*T.Tensor) *T.Tensor { return T.ConvAvgPool2d(xs[0], xs[1], bias(xs)) }
			tensortest.GradCheck(t, rng, down, []*T.Tensor{x, w, b}, tensortest.Options{})
			tensortest.GradGradCheck(t, rng, down, []*T.Tensor{x, w, b}, tensortest.Options{})
			tensortest.GradGradCheck(t, rng, tanhOf(down), []*T.Tensor{x, w}, tensortest.Options{})
		})
	}
}

func TestResampleShapePanics(t *testing.T) {
	x := cvRandn(cvRng(23), 2, 3, 5, 5)
	cvPanics(t, func() { T.UpsampleNearest2d(cvRandn(cvRng(23), 3, 5, 5), 2) }, "tensor: UpsampleNearest2d", "[3 5 5]")
	cvPanics(t, func() { T.UpsampleNearest2d(x, 0) }, "tensor: UpsampleNearest2d", "scale 0")
	cvPanics(t, func() { T.UpConv2d(x, cvRandn(cvRng(23), 4, 3, 4, 4), nil) }, "tensor: UpConv2d", "[4 3 4 4]")
	cvPanics(t, func() { T.UpConv2d(x, cvRandn(cvRng(23), 4, 2, 3, 3), nil) }, "tensor: UpConv2d", "[4 2 3 3]")
	cvPanics(t, func() { T.ConvAvgPool2d(x, cvRandn(cvRng(23), 4, 3, 3, 3), cvRandn(cvRng(23), 3)) }, "tensor: ConvAvgPool2d", "bias [3]")
	cvPanics(t, func() { T.ConvAvgPool2d(cvRandn(cvRng(23), 1, 3, 1, 4), cvRandn(cvRng(23), 4, 3, 3, 3), nil) }, "tensor: ConvAvgPool2d", "smaller")
}
