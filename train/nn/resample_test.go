package nn_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
	"github.com/gogan/gan/train/tensor/tensortest"
)

// funcModule adapts a function and its parameters to nn.Module for
// checkModule.
type funcModule struct {
	f  func(*tensor.Tensor) *tensor.Tensor
	ps []nn.Param
}

func (m funcModule) Forward(x *tensor.Tensor) *tensor.Tensor { return m.f(x) }
func (m funcModule) Params() []nn.Param                      { return m.ps }

func TestGradResampleModules(t *testing.T) {
	rng := rand.New(rand.NewPCG(seedBase, 7))
	checkModule(t, rng, nn.NewUpsample(2), tensor.Randn(rng, 0, 1, 2, 3, 3, 2), tensortest.Options{})
	checkModule(t, rng, nn.NewGlobalSumPool(), tensor.Randn(rng, 0, 1, 2, 3, 3, 2), tensortest.Options{})
	c := nn.NewConv2d(3, 4, 3, 1, 1, true, rng)
	checkModule(t, rng, funcModule{c.ForwardUp, c.Params()}, tensor.Randn(rng, 0, 1, 2, 3, 3, 2), tensortest.Options{})
	checkModule(t, rng, funcModule{c.ForwardPool, c.Params()}, tensor.Randn(rng, 0, 1, 2, 3, 4, 5), tensortest.Options{})
}

// The fused forward methods equal the modules they stand for.
func TestConvForwardUpPool(t *testing.T) {
	rng := rand.New(rand.NewPCG(seedBase, 8))
	c := nn.NewConv2d(3, 4, 3, 1, 1, true, rng)
	x := tensor.Randn(rng, 0, 1, 2, 3, 6, 6)
	nearT(t, "ForwardUp", c.ForwardUp(x), c.Forward(nn.NewUpsample(2).Forward(x)), 1e-5)
	nearT(t, "ForwardPool", c.ForwardPool(x), nn.NewAvgPool2d(2, 2, 0).Forward(c.Forward(x)), 1e-5)
	sum := nn.NewGlobalSumPool().Forward(x)
	if sum.Dim(0) != 2 || sum.Dim(1) != 3 || sum.Rank() != 2 {
		t.Fatalf("GlobalSumPool shape %v", sum.Shape())
	}
	s := 0.0
	for _, v := range x.Data[36 : 2*36] {
		s += float64(v)
	}
	if math.Abs(s-float64(sum.Data[1])) > 1e-4 {
		t.Errorf("GlobalSumPool[0,1] = %v, want %v", sum.Data[1], s)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "3x3") {
			t.Errorf("ForwardUp on a 4x4 stride-2 conv: panic %v, want one about 3x3", r)
		}
	}()
	nn.NewConv2d(3, 4, 4, 2, 1, true, rng).ForwardUp(x)
}

func nearT(t *testing.T, what string, got, want *tensor.Tensor, tol float64) {
	t.Helper()
	if !tensor.SameShape(got.Shape(), want.Shape()) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape(), want.Shape())
	}
	var d2, w2 float64
	for i, w := range want.Data {
		d := float64(got.Data[i] - w)
		d2 += d * d
		w2 += float64(w) * float64(w)
	}
	if rel := math.Sqrt(d2 / math.Max(w2, 1e-30)); rel > tol {
		t.Errorf("%s: relative error %.3g > %.3g", what, rel, tol)
	}
}

// CondBatchNorm is BatchNorm2d with each sample's affine row: samples of
// one class match a BatchNorm2d holding that class's weight and bias, and
// the running statistics move the same way.
func TestCondBatchNormMatchesBatchNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(seedBase, 9))
	cbn := nn.NewCondBatchNorm2d(3, 4)
	nn.Normal(cbn.Weight, 1, 0.5, rng)
	nn.Normal(cbn.Bias, 0, 0.5, rng)
	bn := nn.NewBatchNorm2d(3)
	copy(bn.Weight.Data, cbn.Weight.Data[2*3:3*3])
	copy(bn.Bias.Data, cbn.Bias.Data[2*3:3*3])
	x := tensor.Randn(rng, 0.5, 2, 5, 3, 4, 4)
	for _, training := range []bool{true, false} {
		nn.SetTraining(cbn, training)
		nn.SetTraining(bn, training)
		got := cbn.ForwardLabels(x, []int{2, 2, 2, 2, 2})
		nearT(t, "one class", got, bn.Forward(x), 1e-6)
		nearT(t, "running mean", cbn.RunningMean, bn.RunningMean, 0)
		nearT(t, "running var", cbn.RunningVar, bn.RunningVar, 0)
	}
	// Fresh tables make it a plain BatchNorm2d.
	fresh, plain := nn.NewCondBatchNorm2d(3, 4), nn.NewBatchNorm2d(3)
	nearT(t, "fresh", fresh.ForwardLabels(x, []int{0, 1, 2, 3, 0}), plain.Forward(x), 0)
	if got := len(nn.StateDict(fresh)); got != 4 {
		t.Errorf("state dict has %d entries, want weight, bias, running_mean, running_var", got)
	}
}

func TestGradCondBatchNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(seedBase, 10))
	opt := tensortest.Options{Eps: 3e-3, Tol: 2e-3}
	cbn := nn.NewCondBatchNorm2d(3, 4)
	nn.Normal(cbn.Weight, 1, 0.5, rng)
	nn.Normal(cbn.Bias, 0, 0.5, rng)
	labels := []int{3, 0, 3, 1} // class 2 unused: its rows get zero gradient
	m := funcModule{func(x *tensor.Tensor) *tensor.Tensor { return cbn.ForwardLabels(x, labels) }, cbn.Params()}
	checkModule(t, rng, m, tensor.Randn(rng, -1, 1.5, 4, 3, 3, 2), opt)
	nn.Normal(cbn.RunningMean, 0, 1, rng)
	nn.Uniform(cbn.RunningVar, 0.5, 2, rng)
	cbn.SetTraining(false)
	checkModule(t, rng, m, tensor.Randn(rng, 0, 1, 4, 3, 2, 2), opt)
}
