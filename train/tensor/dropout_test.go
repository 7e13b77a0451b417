package tensor_test

import (
	"math"
	"testing"

	"github.com/gogan/gan/internal/approx"
	T "github.com/gogan/gan/train/tensor"
	"github.com/gogan/gan/train/tensor/tensortest"
)

func TestDropout(t *testing.T) {
	rng := newRng(41)
	x := T.Uniform(rng, 1, 2, 100, 100).SetRequiresGrad(true)
	const p = 0.3
	y := T.Dropout(x, p, newRng(42))
	kept := 0
	for i, v := range y.Data {
		switch {
		case v == 0:
		case math.Abs(float64(v)-float64(x.Data[i])/(1-p)) < 1e-5:
			kept++
		default:
			t.Fatalf("element %d: %v from %v is neither dropped nor scaled by 1/(1-p)", i, v, x.Data[i])
		}
	}
	if frac := float64(kept) / float64(x.Numel()); !approx.Near(frac, (1 - p), 0.02) {
		t.Errorf("kept %.3f of elements, want about %.2f", frac, 1-p)
	}
	// The same seed draws the same mask; backward uses it.
	closeTo(t, "repeat", T.Dropout(x, p, newRng(42)).Data, y.Data, 0)
	T.Sum(y).Backward()
	for i, g := range x.Grad.Data {
		if want := float32(0); y.Data[i] != 0 {
			want = 1 / (1 - p)
			if !approx.Near(float64(g), float64(want), 1e-6) {
				t.Fatalf("grad %d = %v, want %v", i, g, want)
			}
		} else if g != want {
			t.Fatalf("grad %d = %v at a dropped element", i, g)
		}
	}
	if T.Dropout(x, 0, rng) != x {
		t.Error("p = 0 should return x")
	}
	mustPanic(t, func() { T.Dropout(x, 1, rng) }, "Dropout", "1")
	mustPanic(t, func() { T.Dropout(x, -0.1, rng) }, "Dropout", "-0.1")
}

func TestDropoutGrad(t *testing.T) {
	rng := newRng(43)
	// Each evaluation must draw the same mask, so the rng is reseeded.
	f := func(x []*T.Tensor) *T.Tensor { return T.Square(T.Dropout(x[0], 0.4, newRng(44))) }
	checkGrads(t, "Dropout", f, []*T.Tensor{randn(rng, 4, 5)}, tensortest.Options{})
}
