package models

import (
	"fmt"
	"math/rand/v2"

	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// VAE is a convolutional variational autoencoder (Kingma and Welling, 2014)
// made of DCGAN's two halves: the Encoder is the discriminator's body
// ending in a Linear to mu and logvar, and the Decoder is a Generator of
// the same Spec. A trained VAE therefore exports, loads and samples like
// any generator (its export's metadata says kind "vae").
type VAE struct {
	Encoder *Encoder
	Decoder *Generator
}

// Encoder maps images (N, C, H, W), and labels for a conditional model, to
// the mean and log-variance, (N, ZDim) each, of the Gaussian posterior
// q(z|x).
type Encoder struct {
	nn.Container
	Spec  Spec
	embed *nn.Embedding // conditional only: label -> an extra H*W input plane
	main  *nn.Sequential
}

// NewVAE builds the encoder and decoder for s (Kind "vae") with weights
// drawn from rng, decoder first.
func NewVAE(s Spec, rng *rand.Rand) (*VAE, error) {
	if s.Kind != "vae" {
		return nil, fmt.Errorf("models: NewVAE needs kind vae, not %q", s.Kind)
	}
	dec, err := NewGenerator(s, rng)
	if err != nil {
		return nil, err
	}
	e := &Encoder{Spec: s}
	in := s.Channels
	if s.Classes > 0 {
		e.embed = nn.Add(&e.Container, "label_emb", nn.NewEmbedding(s.Classes, s.Size*s.Size, rng))
		in++
	}
	e.main = nn.Add(&e.Container, "main", dcganD(s, in, 2*s.ZDim, rng))
	return &VAE{Encoder: e, Decoder: dec}, nil
}

// Encode returns the posterior's mean and log-variance for x; labels (one
// per image) are required by a conditional model and must be nil otherwise.
func (e *Encoder) Encode(x *tensor.Tensor, labels []int) (mu, logvar *tensor.Tensor) {
	out := e.forward(x, labels)
	z := e.Spec.ZDim
	return tensor.Narrow(out, 1, 0, z), tensor.Narrow(out, 1, z, z)
}

func (e *Encoder) forward(x *tensor.Tensor, labels []int) *tensor.Tensor {
	s := e.Spec
	if x.Rank() != 4 || x.Dim(1) != s.Channels || x.Dim(2) != s.Size || x.Dim(3) != s.Size {
		panic(fmt.Sprintf("models: Encoder: input shape %v, want (N, %d, %d, %d)", x.Shape(), s.Channels, s.Size, s.Size))
	}
	checkLabels("Encoder", s, x.Dim(0), labels)
	if e.embed != nil {
		plane := tensor.Reshape(e.embed.Lookup(labels), x.Dim(0), 1, s.Size, s.Size)
		x = tensor.Concat(1, x, plane)
	}
	return e.main.Forward(x)
}

// Forward is the unconditional encoder (nn.Module): (N, 2*ZDim), mu
// then logvar.
func (e *Encoder) Forward(x *tensor.Tensor) *tensor.Tensor { return e.forward(x, nil) }

// Decode maps latents to images and returns them with their
// pre-activations a, images = tanh(a), from one pass of the decoder. A
// pixel's intensity (y+1)/2 is sigmoid(2a), so 2a are exactly the logits of
// a Bernoulli likelihood: a BCE reconstruction loss on them needs no
// clamping of the decoder's output.
func (v *VAE) Decode(z *tensor.Tensor, labels []int) (images, pre *tensor.Tensor) {
	g := v.Decoder
	if z.Rank() != 2 || z.Dim(1) != g.Spec.ZDim {
		panic(fmt.Sprintf("models: VAE: z has shape %v, want (N, %d)", z.Shape(), g.Spec.ZDim))
	}
	checkLabels("VAE", g.Spec, z.Dim(0), labels)
	if g.embed != nil {
		z = tensor.Concat(1, z, g.embed.Lookup(labels))
	}
	last := g.main.Len() - 1
	if _, ok := g.main.At(last).(*nn.Tanh); !ok {
		panic(fmt.Sprintf("models: VAE: the decoder ends in %T, not Tanh", g.main.At(last)))
	}
	pre = z
	for i := 0; i < last; i++ {
		pre = g.main.At(i).Forward(pre)
	}
	return tensor.Tanh(pre), pre
}
