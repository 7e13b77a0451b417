package models

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// The resnet model is the residual GAN of SNGAN (Miyato et al. 2018) and
// BigGAN (Brock et al. 2019), kept narrow enough for CPUs:
//
//	G: Linear(z [+ label embedding]) -> (W, base, base); per up block
//	   BN-ReLU-Upsample-Conv3-BN-ReLU-Conv3 plus Upsample-Conv1 on the
//	   shortcut; then BN-ReLU-Conv3-Tanh. With classes, the blocks' BNs are
//	   class-conditional.
//	D: an optimised first block Conv3-ReLU-Conv3-AvgPool2 (shortcut
//	   AvgPool2-Conv1), down blocks ReLU-Conv3-ReLU-Conv3-AvgPool2
//	   (shortcut AvgPool2-Conv1), two blocks without resampling (identity
//	   shortcut), ReLU, a sum over pixels -> features (N, W), Linear(W, 1).
//	   No normalisation: spectral norm, when used, wraps D's layers from
//	   outside.
//
// W is Spec.Width (DefaultWidth when 0) for every block of both networks.
// Up- and downsampling sit inside the 3x3 convolutions as fused ops
// (nn.Conv2d.ForwardUp, ForwardPool); shortcuts pool before, or upsample
// after, their 1x1 convolution, which commutes with both. Weights start
// as in SNGAN's reference code: Xavier-uniform, gain sqrt(2) on the
// residual convolutions and 1 on shortcuts and linear layers.

// DefaultWidth is the residual blocks' channel count when Spec.Width is 0.
const DefaultWidth = 64

// resnetPlan returns G's base size and number of up blocks, and D's number
// of downsampling blocks (the optimised block included): D ends at 7x7
// (28 px) or 8x8 (32 and 64 px).
func resnetPlan(size int) (base, up, down int, err error) {
	switch size {
	case 28:
		return 7, 2, 2, nil
	case 32:
		return 4, 3, 2, nil
	case 64:
		return 4, 4, 3, nil
	}
	return 0, 0, 0, fmt.Errorf("image size %d: the resnet model supports 28, 32 or 64 pixels (use --image-size)", size)
}

// width is the resnet's block width for s.
func (s Spec) width() int {
	if s.Width > 0 {
		return s.Width
	}
	return DefaultWidth
}

// norm is one of G's normalisations: *nn.BatchNorm, or *nn.CondBatchNorm
// for a conditional model.
func newNorm(c, classes int) nn.Module {
	if classes > 0 {
		return nn.NewCondBatchNorm2d(c, classes)
	}
	return nn.NewBatchNorm2d(c)
}

func applyNorm(m nn.Module, x *tensor.Tensor, labels []int) *tensor.Tensor {
	if c, ok := m.(*nn.CondBatchNorm); ok {
		return c.ForwardLabels(x, labels)
	}
	return m.Forward(x)
}

func xavier(c *nn.Conv2d, gain float64, rng *rand.Rand) *nn.Conv2d {
	nn.XavierUniform(c.Weight, gain, rng)
	return c
}

// upBlock is one residual block of G, doubling the resolution.
type upBlock struct {
	nn.Container
	b1, b2     nn.Module // *nn.BatchNorm or *nn.CondBatchNorm
	c1, c2, sc *nn.Conv2d
}

func newUpBlock(in, out, classes int, rng *rand.Rand) *upBlock {
	b := &upBlock{}
	b.b1 = nn.Add(&b.Container, "b1", newNorm(in, classes))
	// c1 feeds a BatchNorm, which cancels any bias.
	b.c1 = nn.Add(&b.Container, "c1", xavier(nn.NewConv2d(in, out, 3, 1, 1, false, rng), math.Sqrt2, rng))
	b.b2 = nn.Add(&b.Container, "b2", newNorm(out, classes))
	b.c2 = nn.Add(&b.Container, "c2", xavier(nn.NewConv2d(out, out, 3, 1, 1, true, rng), math.Sqrt2, rng))
	b.sc = nn.Add(&b.Container, "c_sc", xavier(nn.NewConv2d(in, out, 1, 1, 0, true, rng), 1, rng))
	return b
}

func (b *upBlock) forward(x *tensor.Tensor, labels []int) *tensor.Tensor {
	h := tensor.Relu(applyNorm(b.b1, x, labels))
	h = b.c1.ForwardUp(h)
	h = tensor.Relu(applyNorm(b.b2, h, labels))
	h = b.c2.Forward(h)
	return tensor.Add(h, tensor.UpsampleNearest2d(b.sc.Forward(x), 2))
}

// Forward runs an unconditional block (nn.Module).
func (b *upBlock) Forward(x *tensor.Tensor) *tensor.Tensor { return b.forward(x, nil) }

// resnetG is G's body after the optional label embedding.
type resnetG struct {
	nn.Container
	ch, base int
	lin      *nn.Linear
	blocks   []*upBlock
	bn       *nn.BatchNorm
	conv     *nn.Conv2d
}

func newResnetG(s Spec, in int, rng *rand.Rand) *resnetG {
	base, up, _, _ := resnetPlan(s.Size)
	ch := s.width()
	g := &resnetG{ch: ch, base: base}
	g.lin = nn.Add(&g.Container, "lin", nn.NewLinear(in, ch*base*base, true, rng))
	nn.XavierUniform(g.lin.Weight, 1, rng)
	for i := 0; i < up; i++ {
		g.blocks = append(g.blocks, nn.Add(&g.Container, fmt.Sprintf("block%d", i), newUpBlock(ch, ch, s.Classes, rng)))
	}
	g.bn = nn.Add(&g.Container, "bn", nn.NewBatchNorm2d(ch))
	g.conv = nn.Add(&g.Container, "conv", xavier(nn.NewConv2d(ch, s.Channels, 3, 1, 1, true, rng), 1, rng))
	return g
}

func (g *resnetG) forward(z *tensor.Tensor, labels []int) *tensor.Tensor {
	h := tensor.Reshape(g.lin.Forward(z), z.Dim(0), g.ch, g.base, g.base)
	for _, b := range g.blocks {
		h = b.forward(h, labels)
	}
	h = tensor.Relu(g.bn.Forward(h))
	return tensor.Tanh(g.conv.Forward(h))
}

// Forward runs an unconditional G body (nn.Module).
func (g *resnetG) Forward(z *tensor.Tensor) *tensor.Tensor { return g.forward(z, nil) }

// downBlock is one residual block of D: the optimised first block (first),
// a downsampling block (down), or one that keeps the resolution.
type downBlock struct {
	nn.Container
	first, down bool
	c1, c2, sc  *nn.Conv2d // sc nil: identity shortcut
}

func newDownBlock(in, out int, first, down bool, rng *rand.Rand) *downBlock {
	b := &downBlock{first: first, down: down || first}
	b.c1 = nn.Add(&b.Container, "c1", xavier(nn.NewConv2d(in, out, 3, 1, 1, true, rng), math.Sqrt2, rng))
	b.c2 = nn.Add(&b.Container, "c2", xavier(nn.NewConv2d(out, out, 3, 1, 1, true, rng), math.Sqrt2, rng))
	if in != out || b.down {
		b.sc = nn.Add(&b.Container, "c_sc", xavier(nn.NewConv2d(in, out, 1, 1, 0, true, rng), 1, rng))
	}
	return b
}

// Forward maps (N,in,H,W) to (N,out,H',W'), H' = H/2 when downsampling.
func (b *downBlock) Forward(x *tensor.Tensor) *tensor.Tensor {
	h := x
	if !b.first {
		h = tensor.Relu(h)
	}
	h = tensor.Relu(b.c1.Forward(h))
	s := x
	if b.down {
		h = b.c2.ForwardPool(h)
		s = tensor.AvgPool2d(s, 2, 2, 0)
	} else {
		h = b.c2.Forward(h)
	}
	if b.sc != nil {
		s = b.sc.Forward(s)
	}
	return tensor.Add(h, s)
}

// resnetDFeatures builds D's body, (N, in, H, W) -> (N, W) features.
func resnetDFeatures(s Spec, in int, rng *rand.Rand) *nn.Sequential {
	_, _, down, _ := resnetPlan(s.Size)
	ch := s.width()
	m := nn.NewSequential(newDownBlock(in, ch, true, true, rng))
	for i := 1; i < down; i++ {
		m.Append(newDownBlock(ch, ch, false, true, rng))
	}
	for i := 0; i < 2; i++ {
		m.Append(newDownBlock(ch, ch, false, false, rng))
	}
	m.Append(nn.NewReLU())
	m.Append(nn.NewGlobalSumPool())
	return m
}

// resnetDHead is D's last layer, features (N, W) -> scores (N, 1).
func resnetDHead(s Spec, rng *rand.Rand) *nn.Linear {
	l := nn.NewLinear(s.width(), 1, true, rng)
	nn.XavierUniform(l.Weight, 1, rng)
	return l
}
