package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gogan/gan/train/tensor"
)

// A Sequential runs BatchNorm then ReLU or LeakyReLU as one BatchNormAct,
// with the same output bits as the two modules run one after the other; a
// BatchNorm before anything else, or given a shape Forward reshapes, runs alone.
func TestSequentialFusesBatchNormRectifier(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cases := []struct {
		bn    *BatchNorm
		act   Module
		shape []int
		op    string
	}{
		{NewBatchNorm2d(4), NewLeakyReLU(0.2), []int{8, 4, 3, 3}, "BatchNormAct"},
		{NewBatchNorm2d(4), NewReLU(), []int{8, 4, 3, 3}, "BatchNormAct"},
		{NewBatchNorm1d(4), NewReLU(), []int{8, 4}, "BatchNormAct"},
		{NewBatchNorm1d(4), NewReLU(), []int{8, 4, 5}, "Relu"},
		{NewBatchNorm2d(4), NewLeakyReLU(-0.5), []int{8, 4, 3, 3}, "LeakyRelu"},
		{NewBatchNorm2d(4), NewTanh(), []int{8, 4, 3, 3}, "Tanh"},
	}
	for _, c := range cases {
		x := tensor.Randn(rng, 0, 1, c.shape...).SetRequiresGrad(true)
		got := NewSequential(c.bn, c.act).Forward(x)
		if got.Op() != c.op {
			t.Errorf("%T then %T on %v: output of %q, want %q", c.bn, c.act, c.shape, got.Op(), c.op)
		}
		want := c.act.Forward(c.bn.Forward(x))
		for i := range want.Data {
			if math.Float32bits(got.Data[i]) != math.Float32bits(want.Data[i]) {
				t.Fatalf("%T on %v: output[%d] = %v, unfused %v", c.act, c.shape, i, got.Data[i], want.Data[i])
			}
		}
	}
}
