package models

import (
	"fmt"
	"math/rand/v2"

	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// Generator maps latents z (N, ZDim), and labels for a conditional model,
// to images (N, C, H, W) in [-1, 1].
type Generator struct {
	nn.Container
	Spec  Spec
	embed *nn.Embedding // conditional only: label -> embedDim vector joined to z
	main  *nn.Sequential
	res   *resnetG // the resnet's body, in main's place
}

// Discriminator maps images (N, C, H, W), and labels for a conditional
// model, to one raw score per image (N, 1): a logit for the BCE losses.
type Discriminator struct {
	nn.Container
	Spec  Spec
	embed *nn.Embedding // concat conditional only: label -> an extra H*W input plane
	main  *nn.Sequential
	// head, when set, is D's last layer and main ends in features (N, F)
	// (resnet): a projection head can take its place.
	head *nn.Linear
	// proj, for --cond-d projection, scores main's features (N, F) with
	// the label; main then takes no label plane.
	proj *Projection
}

// NewGenerator builds G for s with weights drawn from rng.
func NewGenerator(s Spec, rng *rand.Rand) (*Generator, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	g := &Generator{Spec: s}
	in := s.ZDim
	if s.Classes > 0 {
		g.embed = nn.Add(&g.Container, "label_emb", nn.NewEmbedding(s.Classes, embedDim, rng))
		in += embedDim
	}
	switch s.Kind {
	case "dcgan", "vae": // a VAE's decoder is DCGAN's generator
		g.main = nn.Add(&g.Container, "main", dcganG(s, in, rng))
	case "mlp":
		g.main = nn.Add(&g.Container, "main", mlpG(s, in, rng))
	case "resnet":
		g.res = nn.Add(&g.Container, "main", newResnetG(s, in, rng))
	}
	return g, nil
}

// NewDiscriminator builds D for s with weights drawn from rng.
func NewDiscriminator(s Spec, rng *rand.Rand) (*Discriminator, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if s.Kind == "vae" {
		return nil, fmt.Errorf("models: the vae model has an encoder, not a discriminator; build it with NewVAE")
	}
	d := &Discriminator{Spec: s}
	if s.Projection() {
		d.buildProjection(rng)
		return d, nil
	}
	in := s.Channels
	if s.Classes > 0 {
		d.embed = nn.Add(&d.Container, "label_emb", nn.NewEmbedding(s.Classes, s.Size*s.Size, rng))
		in++
	}
	switch s.Kind {
	case "dcgan":
		d.main = nn.Add(&d.Container, "main", dcganD(s, in, 1, rng))
	case "mlp":
		d.main = nn.Add(&d.Container, "main", mlpD(s, in, rng))
	case "resnet":
		d.main = nn.Add(&d.Container, "main", resnetDFeatures(s, in, rng))
		d.head = nn.Add(&d.Container, "head", resnetDHead(s, rng))
	}
	if s.SpectralNorm {
		// Every Linear and Conv2d; not the label plane's Embedding, an
		// input rather than a layer.
		nn.ApplySpectralNorm(d, rng)
	}
	return d, nil
}

// buildProjection makes a projection D (--cond-d projection): the
// model's feature body, which takes no label plane, and a Projection head.
// With spectral norm the head's class embedding is normalised too, as in
// SNGAN's projection discriminator: it is a layer here, not an input.
func (d *Discriminator) buildProjection(rng *rand.Rand) {
	s := d.Spec
	var features int
	switch s.Kind {
	case "dcgan":
		body, f := dcganDBody(s, s.Channels, rng)
		nn.DCGANInit(body, rng)
		d.main, features = nn.Add(&d.Container, "main", body), f
	case "resnet":
		d.main, features = nn.Add(&d.Container, "main", resnetDFeatures(s, s.Channels, rng)), s.width()
	}
	d.proj = nn.Add(&d.Container, "head", NewProjection(features, s.Classes, rng))
	if s.SpectralNorm {
		nn.ApplySpectralNorm(d, rng)
		d.proj.Embed.EnableSpectralNorm(rng)
	}
}

func checkLabels(who string, s Spec, n int, labels []int) {
	if s.Classes == 0 {
		if labels != nil {
			panic(fmt.Sprintf("models: %s: labels given to an unconditional model", who))
		}
		return
	}
	if len(labels) != n {
		panic(fmt.Sprintf("models: %s: %d labels for a batch of %d", who, len(labels), n))
	}
}

// Generate maps z (N, ZDim) to images; labels (one per row) are required
// by a conditional model and must be nil otherwise.
func (g *Generator) Generate(z *tensor.Tensor, labels []int) *tensor.Tensor {
	if z.Rank() != 2 || z.Dim(1) != g.Spec.ZDim {
		panic(fmt.Sprintf("models: Generator: z has shape %v, want (N, %d)", z.Shape(), g.Spec.ZDim))
	}
	checkLabels("Generator", g.Spec, z.Dim(0), labels)
	if g.embed != nil {
		z = tensor.Concat(1, z, g.embed.Lookup(labels))
	}
	if g.res != nil {
		return g.res.forward(z, labels)
	}
	return g.main.Forward(z)
}

// Forward is Generate for an unconditional model (nn.Module).
func (g *Generator) Forward(z *tensor.Tensor) *tensor.Tensor { return g.Generate(z, nil) }

// Score maps images (N, C, H, W) to raw scores (N, 1).
func (d *Discriminator) Score(x *tensor.Tensor, labels []int) *tensor.Tensor {
	switch {
	case d.proj != nil:
		return d.proj.Score(d.Features(x, labels), labels)
	case d.head != nil:
		return d.head.Forward(d.Features(x, labels))
	}
	return d.body(x, labels)
}

// Features maps images (N, C, H, W) to D's features (N, F) before its last
// layer, for a D that has one apart (HasFeatures). A conditional model's
// label plane is part of the input; a projection D's has none.
func (d *Discriminator) Features(x *tensor.Tensor, labels []int) *tensor.Tensor {
	if !d.HasFeatures() {
		panic(fmt.Sprintf("models: Discriminator: the %s model's D has no separate features", d.Spec.Kind))
	}
	return d.body(x, labels)
}

// HasFeatures reports whether D ends in a separate Linear over features
// (resnet), which Head returns, or in a projection head (--cond-d
// projection).
func (d *Discriminator) HasFeatures() bool { return d.head != nil || d.proj != nil }

// Head returns D's last layer, features (N, F) -> (N, 1), or nil (also for
// a projection D, whose last layer takes the labels too).
func (d *Discriminator) Head() *nn.Linear { return d.head }

// body checks x and runs main on it, with the label plane if any.
func (d *Discriminator) body(x *tensor.Tensor, labels []int) *tensor.Tensor {
	s := d.Spec
	if x.Rank() != 4 || x.Dim(1) != s.Channels || x.Dim(2) != s.Size || x.Dim(3) != s.Size {
		panic(fmt.Sprintf("models: Discriminator: input shape %v, want (N, %d, %d, %d)", x.Shape(), s.Channels, s.Size, s.Size))
	}
	checkLabels("Discriminator", s, x.Dim(0), labels)
	if d.embed != nil {
		plane := tensor.Reshape(d.embed.Lookup(labels), x.Dim(0), 1, s.Size, s.Size)
		x = tensor.Concat(1, x, plane)
	}
	return d.main.Forward(x)
}

// Forward is Score for an unconditional model (nn.Module).
func (d *Discriminator) Forward(x *tensor.Tensor) *tensor.Tensor { return d.Score(x, nil) }

// Main returns the body network, for export; nil for the resnet, whose
// body is not a Sequential.
func (g *Generator) Main() *nn.Sequential { return g.main }

// Embedding returns the label table of a conditional generator, or nil.
func (g *Generator) Embedding() *nn.Embedding { return g.embed }
