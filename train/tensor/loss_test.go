package tensor_test

import (
	"math"
	"testing"

	"github.com/gogan/gan/internal/approx"
	T "github.com/gogan/gan/train/tensor"
	"github.com/gogan/gan/train/tensor/tensortest"
)

func TestLossValues(t *testing.T) {
	ln2 := float32(math.Ln2)
	cases := []struct {
		name string
		got  *T.Tensor
		want float32
	}{
		{"BCE logit 0", T.BCEWithLogits(T.Zeros(3), T.New([]float32{0, 1, 0.5}, 3)), ln2},
		// -log sigmoid(x) for t=1 and -log(1-sigmoid(x)) for t=0, at x = 2.
		{"BCE x=2", T.BCEWithLogits(T.New([]float32{2, 2}, 2), T.New([]float32{1, 0}, 2)),
			float32((math.Log1p(math.Exp(-2)) + 2 + math.Log1p(math.Exp(-2))) / 2)},
		// Large logits must not overflow: the loss is about |x| when wrong.
		{"BCE large", T.BCEWithLogits(T.New([]float32{200, -200}, 2), T.New([]float32{0, 1}, 2)), 200},
		{"BCE large right", T.BCEWithLogits(T.New([]float32{200, -200}, 2), T.New([]float32{1, 0}, 2)), 0},
		{"MSE", T.MSE(T.New([]float32{1, 2, 3, 4}, 2, 2), T.New([]float32{1, 0, 4, 1}, 2, 2)), (0 + 4 + 1 + 9) / 4.0},
		{"L1", T.L1(T.New([]float32{1, 2, 3, 4}, 2, 2), T.New([]float32{1, 0, 4, 1}, 2, 2)), (0 + 2 + 1 + 3) / 4.0},
		{"KL zero", T.GaussianKL(T.Zeros(3, 4), T.Zeros(3, 4)), 0},
		// One row: -0.5*(1 + 1 - 4 - e) + -0.5*(1 + 0 - 1 - 1), averaged over N=2 with a zero row.
		{"KL", T.GaussianKL(T.New([]float32{2, 1, 0, 0}, 2, 2), T.New([]float32{1, 0, 0, 0}, 2, 2)),
			float32((-0.5*(2-4-math.E) - 0.5*(-1)) / 2)},
		{"CE uniform", T.SoftmaxCrossEntropy(T.Zeros(2, 4), []int{0, 3}), float32(math.Log(4))},
		{"CE", T.SoftmaxCrossEntropy(T.New([]float32{1, 2, 3, 1000, 0, 0}, 2, 3), []int{2, 1}),
			float32((math.Log(math.Exp(-2)+math.Exp(-1)+1) + 1000) / 2)},
	}
	for _, c := range cases {
		if c.got.Rank() != 0 {
			t.Errorf("%s: shape %v, want a scalar", c.name, c.got.Shape())
		}
		if !approx.NearRel(float64(c.got.Item()), float64(c.want), 1e-6) {
			t.Errorf("%s = %v, want %v", c.name, c.got.Item(), c.want)
		}
	}
}

func TestLossPanics(t *testing.T) {
	mustPanic(t, func() { T.MSE(T.Zeros(2, 3), T.Zeros(3, 2)) }, "MSE", "[2 3]", "[3 2]")
	mustPanic(t, func() { T.L1(T.Zeros(2, 3), T.Zeros(6)) }, "L1", "[2 3]", "[6]")
	mustPanic(t, func() { T.BCEWithLogits(T.Zeros(4), T.Zeros(4, 1)) }, "BCEWithLogits", "[4]", "[4 1]")
	mustPanic(t, func() { T.GaussianKL(T.Zeros(2, 3), T.Zeros(2, 4)) }, "GaussianKL", "[2 3]", "[2 4]")
	mustPanic(t, func() { T.SoftmaxCrossEntropy(T.Zeros(2, 3), []int{0, 3}) }, "SoftmaxCrossEntropy", "label 3", "row 1")
	mustPanic(t, func() { T.SoftmaxCrossEntropy(T.Zeros(2, 3), []int{-1, 0}) }, "SoftmaxCrossEntropy", "label -1")
	mustPanic(t, func() { T.SoftmaxCrossEntropy(T.Zeros(2, 3), []int{0}) }, "SoftmaxCrossEntropy", "[2 3]")
}

func TestLossGrad(t *testing.T) {
	rng := newRng(21)
	opt := tensortest.Options{}
	checkGrads(t, "BCEWithLogits", func(x []*T.Tensor) *T.Tensor { return T.BCEWithLogits(x[0], x[1]) },
		[]*T.Tensor{T.Randn(rng, 0, 2, 3, 4), T.Uniform(rng, 0, 1, 3, 4)}, opt)
	checkGrads(t, "MSE", func(x []*T.Tensor) *T.Tensor { return T.MSE(x[0], x[1]) },
		[]*T.Tensor{randn(rng, 3, 4), randn(rng, 3, 4)}, opt)
	// Differences kept away from 0, where |a-b| has its kink.
	l1a := randn(rng, 3, 4)
	l1b := awayFromZero(rng, 3, 4)
	for i := range l1b.Data {
		l1b.Data[i] += l1a.Data[i]
	}
	checkGrads(t, "L1", func(x []*T.Tensor) *T.Tensor { return T.L1(x[0], x[1]) }, []*T.Tensor{l1a, l1b}, opt)
	checkGrads(t, "GaussianKL", func(x []*T.Tensor) *T.Tensor { return T.GaussianKL(x[0], x[1]) },
		[]*T.Tensor{randn(rng, 3, 4), randn(rng, 3, 4)}, opt)
	labels := []int{2, 0, 4}
	checkGrads(t, "SoftmaxCrossEntropy", func(x []*T.Tensor) *T.Tensor { return T.SoftmaxCrossEntropy(x[0], labels) },
		[]*T.Tensor{T.Randn(rng, 0, 2, 3, 5)}, opt)
	// Losses of a nonlinear input, so that L1's zero second derivative and
	// the others' constant ones are composed with something that is not.
	for _, c := range []struct {
		name string
		loss func(a, b *T.Tensor) *T.Tensor
	}{{"BCE", T.BCEWithLogits}, {"MSE", T.MSE}, {"L1", T.L1}, {"KL", T.GaussianKL}} {
		loss := c.loss
		b := T.Uniform(rng, 0.6, 1, 2, 3)
		checkGrads(t, c.name+"(tanh)", func(x []*T.Tensor) *T.Tensor { return loss(T.Tanh(x[0]), x[1]) },
			[]*T.Tensor{T.Uniform(rng, -0.5, 0.5, 2, 3), b}, opt)
	}
}

// TestLossFusedMatchesGraph checks that each loss's fused backward and its
// differentiable backward give the same gradients.
func TestLossFusedMatchesGraph(t *testing.T) {
	rng := newRng(22)
	a, b := randn(rng, 4, 5), T.Uniform(rng, 0, 1, 4, 5)
	labels := []int{1, 4, 0, 0}
	for name, f := range map[string]func() *T.Tensor{
		"BCE": func() *T.Tensor { return T.BCEWithLogits(a, b) },
		"MSE": func() *T.Tensor { return T.MSE(a, b) },
		"L1":  func() *T.Tensor { return T.L1(a, b) },
		"KL":  func() *T.Tensor { return T.GaussianKL(a, b) },
		"CE":  func() *T.Tensor { return T.SoftmaxCrossEntropy(a, labels) },
	} {
		a.SetRequiresGrad(true)
		b.SetRequiresGrad(name != "CE")
		in := []*T.Tensor{a, b}
		if name == "CE" {
			in = in[:1]
		}
		gOut := T.Scalar(1.7)
		fused := T.Grad(f(), in, gOut, false)
		graph := T.Grad(f(), in, gOut, true)
		for i := range in {
			closeTo(t, name, fused[i].Data, graph[i].Data, 1e-6)
		}
	}
	a.SetRequiresGrad(false)
	b.SetRequiresGrad(false)
}
