package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gogan/gan/train/tensor"
)

// The initialisers below fill a tensor in place, drawing from rng in data
// order, and mirror torch.nn.init. They do not record on the autograd graph.

// FanMode picks which fan Kaiming initialisation scales by.
type FanMode int

const (
	FanIn  FanMode = iota // preserve the forward pass's variance
	FanOut                // preserve the backward pass's variance
)

// Fans returns fan_in and fan_out of a weight shaped (out, in, k...) as
// torch.nn.init computes them: in*prod(k) and out*prod(k). For a transposed
// convolution's (C, F, kH, kW) weight this makes fan_in F*kH*kW, as in
// PyTorch.
func Fans(shape []int) (fanIn, fanOut int) {
	if len(shape) < 2 {
		panic(fmt.Sprintf("nn: Fans: weight shape %v needs at least 2 dimensions", shape))
	}
	rf := 1
	for _, d := range shape[2:] {
		rf *= d
	}
	return shape[1] * rf, shape[0] * rf
}

// Gain is torch.nn.init.calculate_gain for leaky_relu with negative slope
// a: sqrt(2/(1+a^2)). a = 0 gives ReLU's sqrt(2).
func Gain(a float64) float64 { return math.Sqrt(2 / (1 + a*a)) }

// Normal fills t with N(mean, std^2) samples.
func Normal(t *tensor.Tensor, mean, std float64, rng *rand.Rand) {
	for i := range t.Data {
		t.Data[i] = float32(mean + std*rng.NormFloat64())
	}
}

// Uniform fills t with U[lo, hi) samples.
func Uniform(t *tensor.Tensor, lo, hi float64, rng *rand.Rand) {
	for i := range t.Data {
		t.Data[i] = float32(lo + (hi-lo)*rng.Float64())
	}
}

// Constant fills t with v.
func Constant(t *tensor.Tensor, v float32) {
	for i := range t.Data {
		t.Data[i] = v
	}
}

func kaimingStd(t *tensor.Tensor, a float64, mode FanMode) float64 {
	in, out := Fans(t.Shape())
	fan := in
	if mode == FanOut {
		fan = out
	}
	return Gain(a) / math.Sqrt(float64(fan))
}

// KaimingNormal is kaiming_normal_(t, a, mode, 'leaky_relu'):
// N(0, (gain(a)/sqrt(fan))^2).
func KaimingNormal(t *tensor.Tensor, a float64, mode FanMode, rng *rand.Rand) {
	Normal(t, 0, kaimingStd(t, a, mode), rng)
}

// KaimingUniform is kaiming_uniform_(t, a, mode, 'leaky_relu'):
// U(-b, b) with b = gain(a)*sqrt(3/fan).
func KaimingUniform(t *tensor.Tensor, a float64, mode FanMode, rng *rand.Rand) {
	b := math.Sqrt(3) * kaimingStd(t, a, mode)
	Uniform(t, -b, b, rng)
}

// XavierNormal is xavier_normal_(t, gain): N(0, gain^2 * 2/(fan_in+fan_out)).
func XavierNormal(t *tensor.Tensor, gain float64, rng *rand.Rand) {
	in, out := Fans(t.Shape())
	Normal(t, 0, gain*math.Sqrt(2/float64(in+out)), rng)
}

// XavierUniform is xavier_uniform_(t, gain): U(-b, b) with
// b = gain*sqrt(6/(fan_in+fan_out)).
func XavierUniform(t *tensor.Tensor, gain float64, rng *rand.Rand) {
	in, out := Fans(t.Shape())
	b := gain * math.Sqrt(6/float64(in+out))
	Uniform(t, -b, b, rng)
}

// defaultInit is PyTorch's reset_parameters for Linear and the
// convolutions: kaiming_uniform_(a=sqrt(5)) for the weight, which is
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for the bias.
func defaultInit(w, b *tensor.Tensor, rng *rand.Rand) {
	KaimingUniform(w, math.Sqrt(5), FanIn, rng)
	if b != nil {
		in, _ := Fans(w.Shape())
		bound := 0.0
		if in > 0 {
			bound = 1 / math.Sqrt(float64(in))
		}
		Uniform(b, -bound, bound, rng)
	}
}

// DCGANInit re-initialises m's layers as in the pytorch/examples DCGAN
// weights_init: every Conv2d, ConvTranspose2d and Linear weight gets
// N(0, 0.02^2); every BatchNorm weight N(1, 0.02^2) and bias 0. Other
// tensors (layer biases, Embedding) keep their values. Layers are visited in
// Walk order, so a seeded rng gives the same weights every run.
func DCGANInit(m Module, rng *rand.Rand) {
	Walk(m, func(_ string, m Module) {
		switch l := m.(type) {
		case *Conv2d:
			Normal(l.Weight, 0, 0.02, rng)
		case *ConvTranspose2d:
			Normal(l.Weight, 0, 0.02, rng)
		case *Linear:
			Normal(l.Weight, 0, 0.02, rng)
		case *BatchNorm:
			Normal(l.Weight, 1, 0.02, rng)
			Constant(l.Bias, 0)
		}
	})
}
