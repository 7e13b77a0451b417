package models

import (
	"fmt"
	"math/rand/v2"

	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// Projection is the head of a projection discriminator (Miyato & Koyama
// 2018): on features h (N, F) from any discriminator body and labels y it
// scores Linear(h) + sum_f Embed(y)_f * h_f, shaped (N, 1). The label thus
// enters as an inner product with D's features instead of as an input
// plane. Its parameters are "linear.weight", "linear.bias" and
// "embed.weight".
type Projection struct {
	nn.Container
	Linear *nn.Linear    // (F) -> 1, the unconditional score
	Embed  *nn.Embedding // (classes, F), the class directions
}

// NewProjection builds a head for features of size F and the given number
// of classes. Both weights are Xavier-uniform and the bias zero, as in the
// SNGAN projection discriminators (pfnet-research's chainer code,
// PyTorch Mimicry); an N(0,1) embedding, PyTorch's default, would make the
// inner product over thousands of features swamp the score at the start.
func NewProjection(features, classes int, rng *rand.Rand) *Projection {
	if features < 1 || classes < 1 {
		panic(fmt.Sprintf("models: NewProjection: %d features, %d classes", features, classes))
	}
	p := &Projection{}
	p.Linear = nn.Add(&p.Container, "linear", nn.NewLinear(features, 1, true, rng))
	p.Embed = nn.Add(&p.Container, "embed", nn.NewEmbedding(classes, features, rng))
	nn.XavierUniform(p.Linear.Weight, 1, rng)
	nn.Constant(p.Linear.Bias, 0)
	nn.XavierUniform(p.Embed.Weight, 1, rng)
	return p
}

// Score maps features h (N, F) and one label per row to scores (N, 1).
func (p *Projection) Score(h *tensor.Tensor, labels []int) *tensor.Tensor {
	if h.Rank() != 2 || h.Dim(1) != p.Embed.Weight.Dim(1) {
		panic(fmt.Sprintf("models: Projection: features %v, want (N, %d)", h.Shape(), p.Embed.Weight.Dim(1)))
	}
	if len(labels) != h.Dim(0) {
		panic(fmt.Sprintf("models: Projection: %d labels for %d feature rows", len(labels), h.Dim(0)))
	}
	inner := tensor.SumTo(tensor.Mul(p.Embed.Lookup(labels), h), []int{h.Dim(0), 1})
	return tensor.Add(p.Linear.Forward(h), inner)
}

// Forward panics: the head needs labels (use Score). It exists so the head
// is an nn.Module inside its discriminator.
func (p *Projection) Forward(*tensor.Tensor) *tensor.Tensor {
	panic("models: Projection needs labels; call Score")
}
