package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/gogan/gan/train/tensor"
)

// Conv2d is torch.nn.Conv2d with square kernels, one stride and one padding
// for both axes: (N,C,H,W) -> (N,F,H',W').
type Conv2d struct {
	In, Out, Kernel, Stride, Pad int
	Weight                       *tensor.Tensor // (F,C,k,k); weight_orig under spectral norm
	Bias                         *tensor.Tensor // (F), or nil
	spectral
}

// NewConv2d returns a convolution with PyTorch's default initialisation
// drawn from rng.
func NewConv2d(in, out, kernel, stride, pad int, bias bool, rng *rand.Rand) *Conv2d {
	c := &Conv2d{In: in, Out: out, Kernel: kernel, Stride: stride, Pad: pad,
		Weight: tensor.Zeros(out, in, kernel, kernel).SetRequiresGrad(true)}
	if bias {
		c.Bias = tensor.Zeros(out).SetRequiresGrad(true)
	}
	defaultInit(c.Weight, c.Bias, rng)
	return c
}

// Forward convolves x.
func (c *Conv2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.Conv2d(x, c.weight(c.Weight), c.Bias, c.Stride, c.Pad)
}

// Params returns weight and, if present, bias (bias and weight_orig under
// spectral norm).
func (c *Conv2d) Params() []Param { return c.params(c.Weight, c.Bias) }

// ForwardUp upsamples x by 2 (nearest) and convolves it, as a residual
// generator block does, in one fused op: (N,C,H,W) -> (N,F,2H,2W). The
// convolution must be 3x3, stride 1, pad 1. It reads the same Weight and
// Bias as Forward; a reparameterisation of the weight must cover all three
// forward methods.
func (c *Conv2d) ForwardUp(x *tensor.Tensor) *tensor.Tensor {
	c.mustSame3x3("ForwardUp")
	return tensor.UpConv2d(x, c.weight(c.Weight), c.Bias)
}

// ForwardPool convolves x and average-pools the result over 2x2 windows, as
// a residual discriminator block does, in one fused op: (N,C,H,W) ->
// (N,F,H/2,W/2). The convolution must be 3x3, stride 1, pad 1.
func (c *Conv2d) ForwardPool(x *tensor.Tensor) *tensor.Tensor {
	c.mustSame3x3("ForwardPool")
	return tensor.ConvAvgPool2d(x, c.weight(c.Weight), c.Bias)
}

func (c *Conv2d) mustSame3x3(op string) {
	if c.Kernel != 3 || c.Stride != 1 || c.Pad != 1 {
		panic(fmt.Sprintf("nn: Conv2d.%s: kernel %d stride %d pad %d; the fused op needs a 3x3 convolution with stride 1 and pad 1", op, c.Kernel, c.Stride, c.Pad))
	}
}

// ConvTranspose2d is torch.nn.ConvTranspose2d with square kernels:
// (N,C,H,W) -> (N,F,(H-1)*stride-2*pad+k+outPad, ...). The weight is laid
// out (C,F,k,k) as in PyTorch.
type ConvTranspose2d struct {
	In, Out, Kernel, Stride, Pad, OutPad int
	Weight                               *tensor.Tensor // (C,F,k,k); weight_orig under spectral norm
	Bias                                 *tensor.Tensor // (F), or nil
	spectral
}

// NewConvTranspose2d returns a transposed convolution with PyTorch's
// default initialisation drawn from rng (fan_in is F*k*k there).
func NewConvTranspose2d(in, out, kernel, stride, pad, outPad int, bias bool, rng *rand.Rand) *ConvTranspose2d {
	c := &ConvTranspose2d{In: in, Out: out, Kernel: kernel, Stride: stride, Pad: pad, OutPad: outPad,
		Weight: tensor.Zeros(in, out, kernel, kernel).SetRequiresGrad(true)}
	if bias {
		c.Bias = tensor.Zeros(out).SetRequiresGrad(true)
	}
	defaultInit(c.Weight, c.Bias, rng)
	return c
}

// Forward applies the transposed convolution to x.
func (c *ConvTranspose2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.ConvTranspose2d(x, c.weight(c.Weight), c.Bias, c.Stride, c.Pad, c.OutPad)
}

// Params returns weight and, if present, bias (bias and weight_orig under
// spectral norm).
func (c *ConvTranspose2d) Params() []Param { return c.params(c.Weight, c.Bias) }
