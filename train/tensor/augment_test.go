package tensor_test

import (
	"testing"

	T "github.com/gogan/gan/train/tensor"
	"github.com/gogan/gan/train/tensor/tensortest"
)

// clampInt is torch.clamp on an index.
func clampInt(v, lo, hi int) int { return max(lo, min(hi, v)) }

// naiveTranslate follows the official DiffAugment code literally: pad one
// zero pixel on each side, then gather at clamp(i+dy+1, 0, H+1), so any
// shift beyond the image reads the padding.
func naiveTranslate(x *T.Tensor, dy, dx []int) []float32 {
	n, c, h, w := x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)
	out := make([]float32, 0, x.Numel())
	for b := 0; b < n; b++ {
		for ch := 0; ch < c; ch++ {
			for i := 0; i < h; i++ {
				for j := 0; j < w; j++ {
					pi, pj := clampInt(i+dy[b]+1, 0, h+1), clampInt(j+dx[b]+1, 0, w+1)
					v := float32(0)
					if pi >= 1 && pi <= h && pj >= 1 && pj <= w {
						v = x.Data[((b*c+ch)*h+pi-1)*w+pj-1]
					}
					out = append(out, v)
				}
			}
		}
	}
	return out
}

// naiveCutout follows the official rand_cutout: the zeroed rows are
// clamp(offset - size//2 + k, 0, H-1) for k < size, and the same for
// columns; here top = offset - size//2.
func naiveCutout(x *T.Tensor, top, left []int, s int) []float32 {
	n, c, h, w := x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)
	out := append([]float32(nil), x.Data...)
	for b := 0; b < n; b++ {
		mask := make([]bool, h*w)
		for ki := 0; ki < s; ki++ {
			for kj := 0; kj < s; kj++ {
				mask[clampInt(top[b]+ki, 0, h-1)*w+clampInt(left[b]+kj, 0, w-1)] = true
			}
		}
		for ch := 0; ch < c; ch++ {
			for p, m := range mask {
				if m {
					out[(b*c+ch)*h*w+p] = 0
				}
			}
		}
	}
	return out
}

func TestTranslateExample(t *testing.T) {
	x := T.New([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3)
	// out[i,j] = x[i+1, j-1]: the image moves up one row and right one column.
	closeTo(t, "Translate", T.Translate(x, []int{1}, []int{-1}).Data, []float32{0, 4, 5, 0, 7, 8, 0, 0, 0}, 0)
	closeTo(t, "Translate off the image", T.Translate(x, []int{0}, []int{5}).Data, make([]float32, 9), 0)
}

func TestTranslateMatchesOfficial(t *testing.T) {
	x := randn(newRng(40), 4, 2, 5, 6)
	dy, dx := []int{-2, 0, 1, 7}, []int{1, -3, 0, -6}
	closeTo(t, "Translate", T.Translate(x, dy, dx).Data, naiveTranslate(x, dy, dx), 0)
}

func TestCutoutMatchesOfficial(t *testing.T) {
	x := randn(newRng(41), 5, 3, 6, 6)
	// The official offsets for 6 px and size 3 run over [0, 6]; corners
	// offset-1 put the square partly outside on every side.
	top, left := []int{-1, 5, 2, 0, 4}, []int{2, -1, 5, 3, 0}
	closeTo(t, "Cutout", T.Cutout(x, top, left, 3, 3).Data, naiveCutout(x, top, left, 3), 0)
}

func TestColorExample(t *testing.T) {
	// Two channels, two pixels: channel means per pixel are 2 and 3, the
	// image mean 2.5.
	x := T.New([]float32{1, 2, 3, 4}, 1, 2, 1, 2)
	closeTo(t, "Brightness", T.Brightness(x, []float32{0.25}).Data, []float32{1.25, 2.25, 3.25, 4.25}, 0)
	closeTo(t, "Saturation", T.Saturation(x, []float32{2}).Data, []float32{0, 1, 4, 5}, 1e-7)
	closeTo(t, "Saturation 0", T.Saturation(x, []float32{0}).Data, []float32{2, 3, 2, 3}, 1e-7)
	closeTo(t, "Contrast", T.Contrast(x, []float32{0.5}).Data, []float32{1.75, 2.25, 2.75, 3.25}, 1e-7)
}

// TestAugmentGradients checks first and second derivatives of every
// augmentation op. The ops are linear, so their second derivative is zero;
// Tanh after them makes the second-order check run through each backward's
// own backward.
func TestAugmentGradients(t *testing.T) {
	dy, dx := []int{1, -2, 0}, []int{0, 3, -1}
	top, left := []int{-1, 2, 3}, []int{1, 0, 4}
	f := []float32{1.7, 0.3, 0.9}
	ops := map[string]op{
		"Translate":  func(x []*T.Tensor) *T.Tensor { return T.Translate(x[0], dy, dx) },
		"Cutout":     func(x []*T.Tensor) *T.Tensor { return T.Cutout(x[0], top, left, 3, 2) },
		"Brightness": func(x []*T.Tensor) *T.Tensor { return T.Brightness(x[0], []float32{-0.4, 0.1, 0.3}) },
		"Saturation": func(x []*T.Tensor) *T.Tensor { return T.Saturation(x[0], f) },
		"Contrast":   func(x []*T.Tensor) *T.Tensor { return T.Contrast(x[0], f) },
	}
	for name, g := range ops {
		x := randn(newRng(42), 3, 3, 5, 6)
		checkGrads(t, name, g, []*T.Tensor{x}, tensortest.Options{})
		checkGrads(t, "Tanh("+name+")", func(x []*T.Tensor) *T.Tensor { return T.Tanh(g(x)) },
			[]*T.Tensor{x}, tensortest.Options{})
	}
}

func TestAugmentPanics(t *testing.T) {
	x := T.Zeros(2, 1, 4, 4)
	mustPanic(t, func() { T.Translate(x, []int{0}, []int{0}) }, "Translate", "1 per-sample", "[2 1 4 4]")
	mustPanic(t, func() { T.Translate(x, []int{0, 1}, []int{0}) }, "Translate", "2 dy", "1 dx")
	mustPanic(t, func() { T.Cutout(T.Zeros(2, 16), []int{0, 0}, []int{0, 0}, 2, 2) }, "Cutout", "(N,C,H,W)")
	mustPanic(t, func() { T.Cutout(x, []int{0, 0}, []int{0, 0}, -1, 2) }, "Cutout", "size -1x2")
	mustPanic(t, func() { T.Saturation(x, []float32{1, 1, 1}) }, "Saturation", "3 per-sample")
}
