package tensor_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/gogan/gan/internal/approx"
	T "github.com/gogan/gan/train/tensor"
	"github.com/gogan/gan/train/tensor/tensortest"
)

// Helpers here are prefixed cv so that they cannot collide with those of the
// other test files of this package.

func cvRng(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0xc0111)) }

func cvRandn(rng *rand.Rand, shape ...int) *T.Tensor { return T.Randn(rng, 0, 1, shape...) }

// cvPanics runs f and checks that it panics with a message containing every
// one of parts.
func cvPanics(t *testing.T, f func(), parts ...string) {
	t.Helper()
	var msg string
	func() {
		defer func() {
			if r := recover(); r != nil {
				msg = fmt.Sprint(r)
			}
		}()
		f()
	}()
	if msg == "" {
		t.Errorf("no panic; want one naming %q", parts)
		return
	}
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("panic %q does not mention %q", msg, p)
		}
	}
}

// cvNear checks ||got-want|| <= tol*||want|| (and equal lengths), the
// comparison of a float32 kernel against a float64 reference.
func cvNear(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	var d2, w2 float64
	for i, w := range want {
		d := float64(got[i]) - w
		d2 += d * d
		w2 += w * w
	}
	if rel := math.Sqrt(d2) / math.Max(math.Sqrt(w2), 1e-12); rel > tol || math.IsNaN(rel) {
		t.Errorf("%s: relative error %.3g > %.3g", what, rel, tol)
	}
}

// convCase is one convolution geometry: x (n,c,h,w), weight with f filters
// of kh x kw, stride s, pad p, outPad op (transposed only), optional bias.
type convCase struct {
	n, c, h, w, f, kh, kw, s, p, op int
	bias                            bool
}

func (k convCase) String() string {
	return fmt.Sprintf("x%dx%dx%dx%d_f%d_k%dx%d_s%d_p%d_op%d_b%v", k.n, k.c, k.h, k.w, k.f, k.kh, k.kw, k.s, k.p, k.op, k.bias)
}

// convCases cover odd sizes, non-square kernels, strides above the kernel,
// padding up to the kernel size, 1x1 kernels and kernels the input's size.
var convCases = []convCase{
	{n: 2, c: 3, h: 7, w: 7, f: 4, kh: 3, kw: 3, s: 1, p: 1, bias: true},
	{n: 2, c: 3, h: 8, w: 9, f: 5, kh: 4, kw: 4, s: 2, p: 1},
	{n: 1, c: 2, h: 5, w: 6, f: 3, kh: 2, kw: 3, s: 2, p: 0, bias: true},
	{n: 3, c: 1, h: 6, w: 5, f: 2, kh: 1, kw: 1, s: 1, p: 0, bias: true},
	{n: 2, c: 2, h: 7, w: 5, f: 3, kh: 3, kw: 2, s: 3, p: 2},
	{n: 1, c: 1, h: 4, w: 4, f: 1, kh: 4, kw: 4, s: 1, p: 0, bias: true},
	{n: 2, c: 2, h: 5, w: 4, f: 3, kh: 5, kw: 3, s: 1, p: 2, bias: true},
	{n: 2, c: 3, h: 3, w: 3, f: 2, kh: 2, kw: 2, s: 4, p: 1},
	// Several images per goroutine, sharing scratch between them.
	{n: 7, c: 2, h: 5, w: 4, f: 3, kh: 3, kw: 3, s: 1, p: 1, bias: true},
	// Weights over 64 KiB take the batched path (the others run image by
	// image), with the weight gradient formed as dw or as dw^T.
	{n: 4, c: 32, h: 7, w: 6, f: 40, kh: 4, kw: 4, s: 2, p: 1, bias: true},
	{n: 3, c: 8, h: 6, w: 6, f: 160, kh: 4, kw: 4, s: 2, p: 1},
}

// convTCases are transposed convolutions (c in, f out), including the
// output paddings that pick the larger sizes a strided conv maps down.
var convTCases = []convCase{
	{n: 2, c: 3, h: 4, w: 4, f: 2, kh: 4, kw: 4, s: 2, p: 1, bias: true},
	{n: 2, c: 2, h: 3, w: 5, f: 3, kh: 3, kw: 3, s: 2, p: 1, op: 1},
	{n: 1, c: 3, h: 5, w: 4, f: 2, kh: 3, kw: 2, s: 1, p: 0, bias: true},
	{n: 3, c: 2, h: 3, w: 3, f: 1, kh: 2, kw: 3, s: 3, p: 1, op: 2, bias: true},
	{n: 2, c: 1, h: 7, w: 7, f: 2, kh: 1, kw: 1, s: 1, p: 0},
	{n: 1, c: 2, h: 2, w: 3, f: 2, kh: 5, kw: 5, s: 2, p: 2, op: 1, bias: true},
	{n: 3, c: 40, h: 3, w: 4, f: 32, kh: 4, kw: 4, s: 2, p: 1, op: 1, bias: true}, // batched path
}

func (k convCase) convInputs(rng *rand.Rand) (x, w, b *T.Tensor) {
	x = cvRandn(rng, k.n, k.c, k.h, k.w)
	w = cvRandn(rng, k.f, k.c, k.kh, k.kw)
	if k.bias {
		b = cvRandn(rng, k.f)
	}
	return x, w, b
}

func (k convCase) convTInputs(rng *rand.Rand) (x, w, b *T.Tensor) {
	x = cvRandn(rng, k.n, k.c, k.h, k.w)
	w = cvRandn(rng, k.c, k.f, k.kh, k.kw)
	if k.bias {
		b = cvRandn(rng, k.f)
	}
	return x, w, b
}

// naiveConv is the direct seven-loop convolution in float64, with its
// gradients for an output gradient gy (nil for none): y[n,f,oy,ox] =
// b[f] + sum_{c,i,j} x[n,c,oy*s-p+i,ox*s-p+j] w[f,c,i,j].
func naiveConv(x, w, b, gy *T.Tensor, s, p int) (y, gx, gw, gb []float64) {
	n, c, h, wd := x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)
	f, kh, kw := w.Dim(0), w.Dim(2), w.Dim(3)
	oh, ow := (h+2*p-kh)/s+1, (wd+2*p-kw)/s+1
	y, gx, gw, gb = make([]float64, n*f*oh*ow), make([]float64, x.Numel()), make([]float64, w.Numel()), make([]float64, f)
	for in := 0; in < n; in++ {
		for fo := 0; fo < f; fo++ {
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					o := ((in*f+fo)*oh+oy)*ow + ox
					var g float64
					if gy != nil {
						g = float64(gy.Data[o])
						gb[fo] += g
					}
					if b != nil {
						y[o] = float64(b.Data[fo])
					}
					for ci := 0; ci < c; ci++ {
						for i := 0; i < kh; i++ {
							for j := 0; j < kw; j++ {
								iy, ix := oy*s-p+i, ox*s-p+j
								if iy < 0 || iy >= h || ix < 0 || ix >= wd {
									continue
								}
								xi := ((in*c+ci)*h+iy)*wd + ix
								wi := ((fo*c+ci)*kh+i)*kw + j
								y[o] += float64(x.Data[xi]) * float64(w.Data[wi])
								gx[xi] += g * float64(w.Data[wi])
								gw[wi] += g * float64(x.Data[xi])
							}
						}
					}
				}
			}
		}
	}
	return y, gx, gw, gb
}

// naiveConvT is the direct transposed convolution in float64, scattering
// each input pixel: y[n,f,iy*s-p+i,ix*s-p+j] += x[n,c,iy,ix] w[c,f,i,j].
func naiveConvT(x, w, b, gy *T.Tensor, s, p, op int) (y, gx, gw, gb []float64) {
	n, c, h, wd := x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)
	f, kh, kw := w.Dim(1), w.Dim(2), w.Dim(3)
	oh, ow := (h-1)*s-2*p+kh+op, (wd-1)*s-2*p+kw+op
	y, gx, gw, gb = make([]float64, n*f*oh*ow), make([]float64, x.Numel()), make([]float64, w.Numel()), make([]float64, f)
	for in := 0; in < n; in++ {
		for fo := 0; fo < f; fo++ {
			for o := 0; o < oh*ow; o++ {
				oi := (in*f+fo)*oh*ow + o
				if b != nil {
					y[oi] = float64(b.Data[fo])
				}
				if gy != nil {
					gb[fo] += float64(gy.Data[oi])
				}
			}
		}
		for ci := 0; ci < c; ci++ {
			for iy := 0; iy < h; iy++ {
				for ix := 0; ix < wd; ix++ {
					xi := ((in*c+ci)*h+iy)*wd + ix
					for fo := 0; fo < f; fo++ {
						for i := 0; i < kh; i++ {
							for j := 0; j < kw; j++ {
								oy, ox := iy*s-p+i, ix*s-p+j
								if oy < 0 || oy >= oh || ox < 0 || ox >= ow {
									continue
								}
								oi := ((in*f+fo)*oh+oy)*ow + ox
								wi := ((ci*f+fo)*kh+i)*kw + j
								y[oi] += float64(x.Data[xi]) * float64(w.Data[wi])
								if gy != nil {
									gx[xi] += float64(gy.Data[oi]) * float64(w.Data[wi])
									gw[wi] += float64(gy.Data[oi]) * float64(x.Data[xi])
								}
							}
						}
					}
				}
			}
		}
	}
	return y, gx, gw, gb
}

// checkAgainstNaive compares forward and all gradients of op with the naive
// reference, through both the fused backward (no graph) and the recorded
// one (createGraph), which run different code.
func checkAgainstNaive(t *testing.T, rng *rand.Rand, x, w, b *T.Tensor,
	op func(x, w, b *T.Tensor) *T.Tensor,
	naive func(x, w, b, gy *T.Tensor) (y, gx, gw, gb []float64)) {
	t.Helper()
	y := op(x, w, b)
	gy := cvRandn(rng, y.Shape()...)
	wy, wgx, wgw, wgb := naive(x, w, b, gy)
	const tol = 1e-5
	cvNear(t, "forward", y.Data, wy, tol)
	inputs := []*T.Tensor{x, w}
	if b != nil {
		inputs = append(inputs, b)
	}
	for _, create := range []bool{false, true} {
		for _, in := range inputs {
			in.SetRequiresGrad(true)
		}
		gs := T.Grad(op(x, w, b), inputs, gy, create)
		for _, in := range inputs {
			in.SetRequiresGrad(false)
		}
		cvNear(t, fmt.Sprintf("dx (createGraph %v)", create), gs[0].Data, wgx, tol)
		cvNear(t, fmt.Sprintf("dw (createGraph %v)", create), gs[1].Data, wgw, tol)
		if b != nil {
			cvNear(t, fmt.Sprintf("db (createGraph %v)", create), gs[2].Data, wgb, tol)
		}
	}
	// Each gradient alone takes the unfused paths.
	for i, want := range [][]float64{wgx, wgw} {
		inputs[i].SetRequiresGrad(true)
		g := T.Grad(op(x, w, b), inputs[i:i+1], gy, false)[0]
		inputs[i].SetRequiresGrad(false)
		cvNear(t, fmt.Sprintf("input %d alone", i), g.Data, want, tol)
	}
}

func TestConv2dMatchesNaive(t *testing.T) {
	// The batched path in chunks (of two images, then one), and the
	// image-by-image path on large images.
	cases := append(convCases[:len(convCases):len(convCases)],
		convCase{n: 3, c: 256, h: 25, w: 25, f: 8, kh: 3, kw: 3, s: 1, p: 1, bias: true},
		convCase{n: 3, c: 16, h: 64, w: 64, f: 3, kh: 3, kw: 3, s: 1, p: 1})
	for _, k := range cases {
		t.Run(k.String(), func(t *testing.T) {
			rng := cvRng(1)
			x, w, b := k.convInputs(rng)
			checkAgainstNaive(t, rng, x, w, b,
				func(x, w, b *T.Tensor) *T.Tensor { return T.Conv2d(x, w, b, k.s, k.p) },
				func(x, w, b, gy *T.Tensor) (y, gx, gw, gb []float64) { return naiveConv(x, w, b, gy, k.s, k.p) })
		})
	}
}

func TestConvTranspose2dMatchesNaive(t *testing.T) {
	cases := append(convTCases[:len(convTCases):len(convTCases)],
		convCase{n: 3, c: 8, h: 25, w: 25, f: 256, kh: 3, kw: 3, s: 1, p: 1, bias: true},
		convCase{n: 3, c: 2, h: 64, w: 64, f: 16, kh: 3, kw: 3, s: 1, p: 1})
	for _, k := range cases {
		t.Run(k.String(), func(t *testing.T) {
			rng := cvRng(2)
			x, w, b := k.convTInputs(rng)
			checkAgainstNaive(t, rng, x, w, b,
				func(x, w, b *T.Tensor) *T.Tensor { return T.ConvTranspose2d(x, w, b, k.s, k.p, k.op) },
				func(x, w, b, gy *T.Tensor) (y, gx, gw, gb []float64) { return naiveConvT(x, w, b, gy, k.s, k.p, k.op) })
		})
	}
}

// convArgs packs x, w and an optional bias for the gradient checkers.
func convArgs(x, w, b *T.Tensor) []*T.Tensor {
	if b == nil {
		return []*T.Tensor{x, w}
	}
	return []*T.Tensor{x, w, b}
}

func bias(xs []*T.Tensor) *T.Tensor {
	if len(xs) > 2 {
		return xs[2]
	}
	return nil
}

func TestConv2dGradients(t *testing.T) {
	for _, k := range convCases {
		t.Run(k.String(), func(t *testing.T) {
			rng := cvRng(3)
			x, w, b := k.convInputs(rng)
			f := func(xs []*T.Tensor) *T.Tensor { return T.Conv2d(xs[0], xs[1], bias(xs), k.s, k.p) }
			tensortest.GradCheck(t, rng, f, convArgs(x, w, b), tensortest.Options{})
			tensortest.GradGradCheck(t, rng, f, convArgs(x, w, b), tensortest.Options{})
		})
	}
}

func TestConvTranspose2dGradients(t *testing.T) {
	for _, k := range convTCases {
		t.Run(k.String(), func(t *testing.T) {
			rng := cvRng(4)
			x, w, b := k.convTInputs(rng)
			f := func(xs []*T.Tensor) *T.Tensor { return T.ConvTranspose2d(xs[0], xs[1], bias(xs), k.s, k.p, k.op) }
			tensortest.GradCheck(t, rng, f, convArgs(x, w, b), tensortest.Options{})
			tensortest.GradGradCheck(t, rng, f, convArgs(x, w, b), tensortest.Options{})
		})
	}
}

// TestConvChainGradGrad differentiates twice through two layers with a
// nonlinearity between them, as a gradient penalty does through D: the
// second pass goes through the backward ops' own backwards (gradient with
// respect to the incoming gradient, and the weight-gradient op's).
func TestConvChainGradGrad(t *testing.T) {
	rng := cvRng(5)
	x := T.Randn(rng, 0, 0.5, 2, 2, 6, 5)
	w1 := T.Randn(rng, 0, 0.5, 3, 2, 4, 4)
	b1 := T.Randn(rng, 0, 0.5, 3)
	w2 := T.Randn(rng, 0, 0.5, 3, 3, 3, 3)
	w3 := T.Randn(rng, 0, 0.5, 2, 3, 3, 3)
	f := func(xs []*T.Tensor) *T.Tensor {
		h := T.Tanh(T.Conv2d(xs[0], xs[1], xs[2], 2, 1))      // (2,3,3,2)
		h = T.Tanh(T.ConvTranspose2d(h, xs[3], nil, 2, 1, 1)) // (2,3,6,4)
		return T.Conv2d(h, xs[4], nil, 1, 1)                  // (2,2,6,4)
	}
	xs := []*T.Tensor{x, w1, b1, w2, w3}
	tensortest.GradCheck(t, rng, f, xs, tensortest.Options{})
	tensortest.GradGradCheck(t, rng, f, xs, tensortest.Options{})
}

// TestConvDeterministic checks that repeated runs give identical bits for a
// given thread count, including the weight gradient summed over chunks.
func TestConvDeterministic(t *testing.T) {
	defer T.SetThreads(T.Threads())
	rng := cvRng(6)
	x := cvRandn(rng, 6, 8, 14, 14).SetRequiresGrad(true)
	w := cvRandn(rng, 16, 8, 4, 4).SetRequiresGrad(true)
	wt := cvRandn(rng, 16, 4, 4, 4).SetRequiresGrad(true)
	run := func() [][]float32 {
		y := T.Conv2d(x, w, nil, 2, 1)
		z := T.ConvTranspose2d(y, wt, nil, 2, 1, 0)
		gs := T.Grad(z, []*T.Tensor{x, w, wt}, T.Full(1, z.Shape()...), false)
		return [][]float32{z.Data, gs[0].Data, gs[1].Data, gs[2].Data}
	}
	for _, th := range []int{1, 2, 3} {
		T.SetThreads(th)
		a, b := run(), run()
		for i := range a {
			for j := range a[i] {
				if math.Float32bits(a[i][j]) != math.Float32bits(b[i][j]) {
					t.Fatalf("threads %d: output %d differs at %d: %v vs %v", th, i, j, a[i][j], b[i][j])
				}
			}
		}
	}
}

// TestConvKeptColumns checks that the column matrix a Conv2d keeps for its
// weight gradient survives while its graph is reachable, however many other
// graphs are dropped and collected (their buffers recycled) meanwhile.
func TestConvKeptColumns(t *testing.T) {
	rng := cvRng(9)
	x := cvRandn(rng, 4, 32, 8, 8).SetRequiresGrad(true)
	w := T.Randn(rng, 0, 0.1, 40, 32, 4, 4).SetRequiresGrad(true) // large weights: batched path
	gy := cvRandn(rng, 4, 40, 4, 4)
	want := T.Grad(T.Conv2d(x, w, nil, 2, 1), []*T.Tensor{x, w}, gy, false)
	kept := T.Conv2d(x, w, nil, 2, 1)
	for i := 0; i < 4; i++ {
		T.Conv2d(cvRandn(rng, 4, 32, 8, 8), w, nil, 2, 1)
		runtime.GC()
	}
	for i := 0; i < 4; i++ {
		T.Conv2d(cvRandn(rng, 4, 32, 8, 8), w, nil, 2, 1) // may reuse recycled columns
	}
	got := T.Grad(kept, []*T.Tensor{x, w}, gy, false)
	for i := range want {
		for j, v := range want[i].Data {
			if got[i].Data[j] != v {
				t.Fatalf("gradient %d differs at %d after other graphs were collected: %v, want %v", i, j, got[i].Data[j], v)
			}
		}
	}
}

func TestIm2colCol2im(t *testing.T) {
	rng := cvRng(7)
	for _, k := range convCases {
		c, h, w, kh, kw, s, p := k.c, k.h, k.w, k.kh, k.kw, k.s, k.p
		oh, ow := (h+2*p-kh)/s+1, (w+2*p-kw)/s+1
		img := cvRandn(rng, c, h, w).Data
		cols := make([]float32, c*kh*kw*oh*ow)
		for i := range cols {
			cols[i] = float32(math.NaN()) // every entry must be written
		}
		T.Im2col(cols, img, c, h, w, kh, kw, s, p)
		for ci := 0; ci < c; ci++ {
			for i := 0; i < kh; i++ {
				for j := 0; j < kw; j++ {
					for oy := 0; oy < oh; oy++ {
						for ox := 0; ox < ow; ox++ {
							iy, ix := oy*s-p+i, ox*s-p+j
							var want float32
							if iy >= 0 && iy < h && ix >= 0 && ix < w {
								want = img[(ci*h+iy)*w+ix]
							}
							if got := cols[(((ci*kh+i)*kw+j)*oh+oy)*ow+ox]; got != want {
								t.Fatalf("%v: cols[%d,%d,%d][%d,%d] = %v, want %v", k, ci, i, j, oy, ox, got, want)
							}
						}
					}
				}
			}
		}
		// Col2im is the adjoint, <Im2col(x), Y> = <x, Col2im(Y)>, and it
		// adds into its destination.
		ys := cvRandn(rng, len(cols)).Data
		base := cvRandn(rng, c, h, w).Data
		back := append([]float32(nil), base...)
		T.Col2im(back, ys, c, h, w, kh, kw, s, p)
		var lhs, rhs float64
		for i, v := range cols {
			lhs += float64(v) * float64(ys[i])
		}
		for i, v := range img {
			rhs += float64(v) * float64(back[i]-base[i])
		}
		if !approx.Near(lhs, rhs, 1e-4*(1+math.Abs(lhs))) {
			t.Errorf("%v: <Im2col x, y> = %v, <x, Col2im y> = %v", k, lhs, rhs)
		}
	}
	cvPanics(t, func() { T.Im2col(make([]float32, 10), make([]float32, 2*5*5), 2, 5, 5, 3, 3, 1, 1) }, "tensor: Im2col", "(2,5,5)", "(18,25)")
	cvPanics(t, func() { T.Col2im(make([]float32, 49), make([]float32, 18*25), 2, 5, 5, 3, 3, 1, 1) }, "tensor: Col2im")
	cvPanics(t, func() { T.Im2col(nil, nil, 1, 2, 2, 5, 5, 1, 1) }, "tensor: Im2col", "kernel 5x5")
}

func TestConvShapePanics(t *testing.T) {
	rng := cvRng(8)
	x := cvRandn(rng, 2, 3, 8, 8)
	cvPanics(t, func() { T.Conv2d(x, cvRandn(rng, 4, 2, 3, 3), nil, 1, 1) }, "tensor: Conv2d", "[2 3 8 8]", "[4 2 3 3]")
	cvPanics(t, func() { T.Conv2d(cvRandn(rng, 3, 8, 8), cvRandn(rng, 4, 3, 3, 3), nil, 1, 1) }, "tensor: Conv2d", "[3 8 8]")
	cvPanics(t, func() { T.Conv2d(x, cvRandn(rng, 4, 3, 3, 3), cvRandn(rng, 3), 1, 1) }, "tensor: Conv2d", "bias [3]", "[4 3 3 3]")
	cvPanics(t, func() { T.Conv2d(x, cvRandn(rng, 4, 3, 11, 11), nil, 1, 1) }, "tensor: Conv2d", "[4 3 11 11]", "[2 3 8 8]")
	cvPanics(t, func() { T.Conv2d(x, cvRandn(rng, 4, 3, 3, 3), nil, 0, 1) }, "tensor: Conv2d", "stride 0")
	cvPanics(t, func() { T.ConvTranspose2d(x, cvRandn(rng, 4, 2, 3, 3), nil, 2, 1, 1) }, "tensor: ConvTranspose2d", "[2 3 8 8]", "[4 2 3 3]")
	cvPanics(t, func() { T.ConvTranspose2d(x, cvRandn(rng, 3, 2, 3, 3), nil, 2, 1, 2) }, "tensor: ConvTranspose2d", "outPad 2")
	cvPanics(t, func() { T.ConvTranspose2d(x, cvRandn(rng, 3, 2, 3, 3), cvRandn(rng, 3), 2, 1, 1) }, "tensor: ConvTranspose2d", "bias [3]")
	cvPanics(t, func() { T.ConvTranspose2d(cvRandn(rng, 1, 3, 1, 1), cvRandn(rng, 3, 2, 1, 1), nil, 1, 1, 0) }, "tensor: ConvTranspose2d", "output -1x-1")
}
