package models

import (
	"math/rand/v2"

	"github.com/gogan/gan/train/nn"
)

// mlpG is the fully connected generator of the original GAN, with
// LeakyReLU hidden layers: in -> 256 -> 512 -> 1024 -> C*H*W, Tanh.
func mlpG(s Spec, in int, rng *rand.Rand) *nn.Sequential {
	out := s.Channels * s.Size * s.Size
	return nn.NewSequential(
		nn.NewLinear(in, 256, true, rng), nn.NewLeakyReLU(0.2),
		nn.NewLinear(256, 512, true, rng), nn.NewLeakyReLU(0.2),
		nn.NewLinear(512, 1024, true, rng), nn.NewLeakyReLU(0.2),
		nn.NewLinear(1024, out, true, rng), nn.NewTanh(),
		nn.NewReshape(s.Channels, s.Size, s.Size),
	)
}

// mlpD flattens its (N, C', H, W) input and maps it through 512 and 256
// LeakyReLU units to one logit.
func mlpD(s Spec, inChannels int, rng *rand.Rand) *nn.Sequential {
	in := inChannels * s.Size * s.Size
	return nn.NewSequential(
		nn.NewFlatten(),
		nn.NewLinear(in, 512, true, rng), nn.NewLeakyReLU(0.2),
		nn.NewLinear(512, 256, true, rng), nn.NewLeakyReLU(0.2),
		nn.NewLinear(256, 1, true, rng),
	)
}
