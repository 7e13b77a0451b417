package train

import (
	"fmt"
	"strings"

	"github.com/gogan/gan/train/tensor"
)

// Loss names one member of the V(D,G) family: how D's raw outputs (logits
// or critic scores) on real and generated batches become the two players'
// losses.
type Loss string

// The losses gan-train offers with --loss.
const (
	Minimax       Loss = "minimax"       // exactly V(D,G); G minimises log(1 - D(G(z)))
	NonSaturating Loss = "nonsaturating" // G maximises log D(G(z)) instead
	LSGAN         Loss = "lsgan"         // least squares on D's outputs
	Hinge         Loss = "hinge"         // hinge on D, -D(G(z)) for G
	WGANGP        Loss = "wgan-gp"       // Wasserstein critic with gradient penalty
)

// Losses lists every loss, default first.
var Losses = []Loss{NonSaturating, Minimax, LSGAN, Hinge, WGANGP}

// ParseLoss returns the loss named s or an error listing the choices.
func ParseLoss(s string) (Loss, error) {
	for _, l := range Losses {
		if string(l) == s {
			return l, nil
		}
	}
	names := make([]string, len(Losses))
	for i, l := range Losses {
		names[i] = string(l)
	}
	return "", fmt.Errorf("unknown loss %q; choose one of %s", s, strings.Join(names, ", "))
}

// DLoss is D's loss to minimise given its raw outputs on a real and a
// generated batch. realTarget is the BCE target for real data (1, or e.g.
// 0.9 with one-sided label smoothing; ignored by the other losses).
func (l Loss) DLoss(reals, fake *tensor.Tensor, realTarget float32) *tensor.Tensor {
	switch l {
	case Minimax, NonSaturating:
		// -[log D(x) + log(1 - D(G(z)))] with D = sigmoid(logit).
		return tensor.Add(
			tensor.BCEWithLogits(reals, tensor.Full(realTarget, reals.Shape()...)),
			tensor.BCEWithLogits(fake, tensor.Zeros(fake.Shape()...)))
	case LSGAN:
		return tensor.Scale(tensor.Add(
			tensor.MSE(reals, tensor.Full(realTarget, reals.Shape()...)),
			tensor.MSE(fake, tensor.Zeros(fake.Shape()...))), 0.5)
	case Hinge:
		return tensor.Add(
			tensor.Mean(tensor.Relu(tensor.AddScalar(tensor.Neg(reals), 1))),
			tensor.Mean(tensor.Relu(tensor.AddScalar(fake, 1))))
	case WGANGP:
		return tensor.Sub(tensor.Mean(fake), tensor.Mean(reals))
	}
	panic("train: unknown loss " + string(l))
}

// GLoss is G's loss to minimise given D's raw outputs on a generated batch.
func (l Loss) GLoss(fake *tensor.Tensor) *tensor.Tensor {
	switch l {
	case Minimax:
		// log(1 - sigmoid(x)) = -softplus(x) = -BCE(x, 0).
		return tensor.Neg(tensor.BCEWithLogits(fake, tensor.Zeros(fake.Shape()...)))
	case NonSaturating:
		return tensor.BCEWithLogits(fake, tensor.Full(1, fake.Shape()...))
	case LSGAN:
		return tensor.Scale(tensor.MSE(fake, tensor.Full(1, fake.Shape()...)), 0.5)
	case Hinge, WGANGP:
		return tensor.Neg(tensor.Mean(fake))
	}
	panic("train: unknown loss " + string(l))
}

// Probabilistic reports whether D's outputs are logits of P(real), so that
// sigmoid(d) is meaningful for collapse checks.
func (l Loss) Probabilistic() bool { return l == Minimax || l == NonSaturating }

// GradPenalty returns mean_i (||dD/dx(x_i)||_2 - target)^2 when target >= 0
// (WGAN-GP, target 1, at interpolates) or mean_i ||dD/dx(x_i)||^2 when
// target < 0 (R1, at real data). The result is differentiable w.r.t. D's
// parameters: the inner gradient is taken with a recorded graph.
func GradPenalty(d func(*tensor.Tensor) *tensor.Tensor, x *tensor.Tensor, target float32) *tensor.Tensor {
	x = x.Detach().SetRequiresGrad(true)
	out := d(x)
	g := tensor.Grad(tensor.Sum(out), []*tensor.Tensor{x}, nil, true)[0]
	n := x.Dim(0)
	sq := tensor.SumTo(tensor.Square(tensor.Reshape(g, n, -1)), []int{n, 1})
	if target < 0 {
		return tensor.Mean(sq)
	}
	// sqrt(sq + tiny) keeps the gradient finite where the norm is zero.
	norm := tensor.Sqrt(tensor.AddScalar(sq, 1e-12))
	return tensor.Mean(tensor.Square(tensor.AddScalar(norm, -target)))
}
