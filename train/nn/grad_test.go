package nn_test

import (
	"math/rand/v2"
	"testing"

	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
	"github.com/gogan/gan/train/tensor/tensortest"
)

// seedBase seeds the gradient checks; the tolerances were checked over
// several seeds.
var seedBase uint64 = 20

// checkModule gradient-checks m's forward pass with respect to x and every
// trainable parameter of m.
func checkModule(t *testing.T, rng *rand.Rand, m nn.Module, x *tensor.Tensor, opt tensortest.Options) {
	t.Helper()
	xs := []*tensor.Tensor{x}
	for _, p := range m.Params() {
		xs = append(xs, p.T)
	}
	tensortest.GradCheck(t, rng, func(in []*tensor.Tensor) *tensor.Tensor { return m.Forward(in[0]) }, xs, opt)
	// GradCheck clears RequiresGrad on its inputs; parameters need it back.
	for _, p := range m.Params() {
		p.T.SetRequiresGrad(true)
	}
}

func TestGradLinear(t *testing.T) {
	rng := rand.New(rand.NewPCG(seedBase, 1))
	checkModule(t, rng, nn.NewLinear(5, 3, true, rng), tensor.Randn(rng, 0, 1, 4, 5), tensortest.Options{})
	checkModule(t, rng, nn.NewLinear(5, 3, false, rng), tensor.Randn(rng, 0, 1, 2, 3, 5), tensortest.Options{})
}

func TestGradConv2d(t *testing.T) {
	rng := rand.New(rand.NewPCG(seedBase, 2))
	checkModule(t, rng, nn.NewConv2d(3, 4, 3, 2, 1, true, rng), tensor.Randn(rng, 0, 1, 2, 3, 5, 5), tensortest.Options{})
	checkModule(t, rng, nn.NewConv2d(2, 3, 4, 2, 1, false, rng), tensor.Randn(rng, 0, 1, 2, 2, 6, 6), tensortest.Options{})
}

func TestGradConvTranspose2d(t *testing.T) {
	rng := rand.New(rand.NewPCG(seedBase, 3))
	checkModule(t, rng, nn.NewConvTranspose2d(3, 2, 4, 2, 1, 0, true, rng), tensor.Randn(rng, 0, 1, 2, 3, 3, 3), tensortest.Options{})
	checkModule(t, rng, nn.NewConvTranspose2d(2, 3, 3, 2, 1, 1, false, rng), tensor.Randn(rng, 0, 1, 2, 2, 3, 3), tensortest.Options{})
	checkModule(t, rng, nn.NewConvTranspose2d(4, 2, 4, 1, 0, 0, false, rng), tensor.Randn(rng, 0, 1, 3, 4, 1, 1), tensortest.Options{})
}

func randomAffine(bn *nn.BatchNorm, rng *rand.Rand) *nn.BatchNorm {
	nn.Normal(bn.Weight, 1, 0.5, rng)
	nn.Normal(bn.Bias, 0, 0.5, rng)
	return bn
}

func TestGradBatchNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(seedBase, 4))
	opt := tensortest.Options{Eps: 3e-3, Tol: 2e-3}
	checkModule(t, rng, randomAffine(nn.NewBatchNorm1d(4), rng), tensor.Randn(rng, 1, 2, 6, 4), opt)
	checkModule(t, rng, randomAffine(nn.NewBatchNorm1d(3), rng), tensor.Randn(rng, 0, 1, 4, 3, 5), opt)
	checkModule(t, rng, randomAffine(nn.NewBatchNorm2d(4), rng), tensor.Randn(rng, -1, 1.5, 3, 4, 3, 3), opt)
	// Eval mode: an affine map through the running statistics.
	bn := randomAffine(nn.NewBatchNorm2d(3), rng)
	nn.Normal(bn.RunningMean, 0, 1, rng)
	nn.Uniform(bn.RunningVar, 0.5, 2, rng)
	bn.SetTraining(false)
	checkModule(t, rng, bn, tensor.Randn(rng, 0, 1, 2, 3, 2, 2), opt)
}

func TestGradEmbedding(t *testing.T) {
	rng := rand.New(rand.NewPCG(seedBase, 5))
	e := nn.NewEmbedding(6, 4, rng)
	idx := tensor.New([]float32{2, 0, 5, 2, 2, 1}, 3, 2) // repeats sum
	tensortest.GradCheck(t, rng, func(in []*tensor.Tensor) *tensor.Tensor { return e.Forward(idx) },
		[]*tensor.Tensor{e.Weight}, tensortest.Options{})
}

func TestGradSequential(t *testing.T) {
	rng := rand.New(rand.NewPCG(seedBase, 6))
	mlp := nn.NewSequential(
		// No bias before BatchNorm: its gradient is exactly zero there,
		// which a relative error cannot measure.
		nn.NewLinear(5, 8, false, rng),
		randomAffine(nn.NewBatchNorm1d(8), rng),
		nn.NewTanh(),
		nn.NewLinear(8, 3, true, rng),
		nn.NewSigmoid(),
	)
	checkModule(t, rng, mlp, tensor.Randn(rng, 0, 1, 6, 5), tensortest.Options{Eps: 3e-3, Tol: 5e-3})

	convnet := nn.NewSequential(
		nn.NewConvTranspose2d(3, 4, 4, 2, 1, 0, false, rng),
		randomAffine(nn.NewBatchNorm2d(4), rng),
		nn.NewTanh(),
		nn.NewConv2d(4, 2, 3, 2, 1, true, rng),
		nn.NewFlatten(),
		nn.NewLinear(8, 2, true, rng),
		nn.NewReshape(1, 2),
	)
	checkModule(t, rng, convnet, tensor.Randn(rng, 0, 1, 3, 3, 2, 2), tensortest.Options{Eps: 3e-3, Tol: 5e-3})
}
