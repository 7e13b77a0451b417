package models

import (
	"math/rand/v2"

	"github.com/gogan/gan/train/nn"
)

// ngf is the channel width of the last generator block and of the first
// discriminator block; each block further in doubles it (pytorch/examples).
const ngf = 64

// dcganG builds G's body for spec s, taking a (N, in) vector: Linear to
// (width, base, base), then per block BatchNorm, ReLU and a stride-2
// ConvTranspose2d(k4, p1), ending in Tanh. Layers followed by BatchNorm
// have no bias. For 28 pixels this is exactly the reference model:
// Linear(100, 6272) -> 128x7x7 -> 64x14x14 -> 1x28x28.
func dcganG(s Spec, in int, rng *rand.Rand) *nn.Sequential {
	base, blocks, _ := dcganPlan(s.Size)
	width := ngf << (blocks - 1)
	m := nn.NewSequential(
		nn.NewLinear(in, width*base*base, false, rng),
		nn.NewReshape(width, base, base),
	)
	for b := 0; b < blocks; b++ {
		out := width / 2
		bias := false
		if b == blocks-1 {
			out, bias = s.Channels, true
		}
		m.Append(nn.NewBatchNorm2d(width))
		m.Append(nn.NewReLU())
		m.Append(nn.NewConvTranspose2d(width, out, 4, 2, 1, 0, bias, rng))
		width = out
	}
	m.Append(nn.NewTanh())
	nn.DCGANInit(m, rng)
	return m
}

// dcganD builds D's network: dcganDBody, then Linear to out features: one
// logit for D, mu and logvar for the VAE's encoder. in is the number of
// input channels (the image's, plus one for a label map). With
// s.SpectralNorm the blocks have no BatchNorm (spectral norm, applied by
// NewDiscriminator, takes its place, as in SN-DCGAN) and every conv a bias.
func dcganD(s Spec, in, out int, rng *rand.Rand) *nn.Sequential {
	m, features := dcganDBody(s, in, rng)
	m.Append(nn.NewLinear(features, out, true, rng))
	nn.DCGANInit(m, rng)
	return m
}

// dcganDBody builds D's feature body, (N, in, H, W) -> (N, features):
// stride-2 Conv2d(k4, p1) blocks with LeakyReLU(0.2) (BatchNorm after all
// but the first), then Flatten. Its layers keep their default
// initialisation; the caller applies DCGANInit once the network is whole.
func dcganDBody(s Spec, in int, rng *rand.Rand) (m *nn.Sequential, features int) {
	base, blocks, _ := dcganPlan(s.Size)
	m = nn.NewSequential()
	width := ngf
	for b := 0; b < blocks; b++ {
		m.Append(nn.NewConv2d(in, width, 4, 2, 1, b == 0 || s.SpectralNorm, rng))
		if b > 0 && !s.SpectralNorm {
			m.Append(nn.NewBatchNorm2d(width))
		}
		m.Append(nn.NewLeakyReLU(0.2))
		in, width = width, width*2
	}
	m.Append(nn.NewFlatten())
	return m, in * base * base
}
