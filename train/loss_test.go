package train

import (
	"math"
	"testing"

	"github.com/gogan/gan/internal/approx"
	"github.com/gogan/gan/train/tensor"
)

func softplus(x float64) float64 { return math.Log1p(math.Exp(x)) }

// Each loss's value on known raw outputs, computed by hand from its formula.
func TestLossValues(t *testing.T) {
	reals := []float32{2, -1}
	fake := []float32{-3, 0.5}
	r := tensor.New(append([]float32(nil), reals...), 2, 1)
	f := tensor.New(append([]float32(nil), fake...), 2, 1)
	avg := func(fn func(float64) float64, xs []float32) float64 {
		s := 0.0
		for _, x := range xs {
			s += fn(float64(x))
		}
		return s / float64(len(xs))
	}
	// -log sigmoid(x) = softplus(-x); -log(1 - sigmoid(x)) = softplus(x).
	bceD := avg(func(x float64) float64 { return softplus(-x) }, reals) + avg(softplus, fake)
	cases := []struct {
		loss       Loss
		wantD      float64
		wantG      float64
		realTarget float32
	}{
		{Minimax, bceD, -avg(softplus, fake), 1},
		{NonSaturating, bceD, avg(func(x float64) float64 { return softplus(-x) }, fake), 1},
		{NonSaturating,
			avg(func(x float64) float64 { return 0.9*softplus(-x) + 0.1*softplus(x) }, reals) + avg(softplus, fake),
			avg(func(x float64) float64 { return softplus(-x) }, fake), 0.9},
		{LSGAN,
			0.5*avg(func(x float64) float64 { return (x - 1) * (x - 1) }, reals) + 0.5*avg(func(x float64) float64 { return x * x }, fake),
			0.5 * avg(func(x float64) float64 { return (x - 1) * (x - 1) }, fake), 1},
		{Hinge,
			avg(func(x float64) float64 { return math.Max(0, 1-x) }, reals) + avg(func(x float64) float64 { return math.Max(0, 1+x) }, fake),
			-avg(func(x float64) float64 { return x }, fake), 1},
		{WGANGP, avg(func(x float64) float64 { return x }, fake) - avg(func(x float64) float64 { return x }, reals),
			-avg(func(x float64) float64 { return x }, fake), 1},
	}
	for _, c := range cases {
		d := float64(c.loss.DLoss(r, f, c.realTarget).Item())
		g := float64(c.loss.GLoss(f).Item())
		if !approx.Near(d, c.wantD, 1e-5) || !approx.Near(g, c.wantG, 1e-5) {
			t.Errorf("%s (real target %v): D %.6f G %.6f, want %.6f %.6f", c.loss, c.realTarget, d, g, c.wantD, c.wantG)
		}
	}
}

// Minimax G loss is log(1 - D(G(z))): its value is the negative of the
// fake half of D's loss, the identity the minimax game rests on.
func TestMinimaxIsZeroSum(t *testing.T) {
	f := tensor.New([]float32{-1, 0.3, 2}, 3, 1)
	r := tensor.New([]float32{0, 0, 0}, 3, 1)
	d := Minimax.DLoss(r, f, 1).Item() - float32(math.Log(2))
	if g := Minimax.GLoss(f).Item(); !approx.Near(float64(g+d), 0, 1e-6) {
		t.Errorf("G loss %v is not minus D's fake term %v", g, d)
	}
}

func TestParseLoss(t *testing.T) {
	for _, l := range Losses {
		if got, err := ParseLoss(string(l)); err != nil || got != l {
			t.Errorf("ParseLoss(%q) = %v, %v", l, got, err)
		}
	}
	if _, err := ParseLoss("wgan"); err == nil {
		t.Error("ParseLoss(wgan) accepted an unknown loss")
	}
}

// The penalty of D(x) = sum(a*x) has gradient a everywhere: R1 is |a|^2 and
// WGAN-GP is (|a|-1)^2; and both are differentiable w.r.t. a.
func TestGradPenalty(t *testing.T) {
	a := tensor.New([]float32{3, 4}, 1, 2).SetRequiresGrad(true)
	d := func(x *tensor.Tensor) *tensor.Tensor { return tensor.MatMul(x, a, false, true) }
	x := tensor.New([]float32{1, 2, -1, 0.5}, 2, 2)
	r1 := GradPenalty(d, x, -1)
	if v := r1.Item(); !approx.Near(float64(v), 25, 1e-4) {
		t.Errorf("R1 = %v, want 25", v)
	}
	g := tensor.Grad(r1, []*tensor.Tensor{a}, nil, false)[0]
	if !approx.Near(float64(g.Data[0]), 6, 1e-4) || !approx.Near(float64(g.Data[1]), 8, 1e-4) {
		t.Errorf("dR1/da = %v, want [6 8]", g.Data)
	}
	gp := GradPenalty(d, x, 1)
	if v := gp.Item(); !approx.Near(float64(v), 16, 1e-4) {
		t.Errorf("GP = %v, want 16", v)
	}
}
