package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/gogan/gan/train/tensor"
)

// The modules in this file have no parameters; they let activations and
// reshapes sit inside a Sequential and keep PyTorch's layer indices (a ReLU
// at index 2 makes the next conv "main.3").

// stateless gives a module an empty Params.
type stateless struct{}

// Params returns nil: the module has no parameters.
func (stateless) Params() []Param { return nil }

// ReLU is max(x, 0).
type ReLU struct{ stateless }

// NewReLU returns a ReLU module.
func NewReLU() *ReLU { return &ReLU{} }

// Forward applies max(x, 0).
func (*ReLU) Forward(x *tensor.Tensor) *tensor.Tensor { return tensor.Relu(x) }

// LeakyReLU is x for x > 0 and Slope*x elsewhere.
type LeakyReLU struct {
	stateless
	Slope float32
}

// NewLeakyReLU returns a LeakyReLU with the given negative slope (DCGAN's
// discriminator uses 0.2).
func NewLeakyReLU(slope float32) *LeakyReLU { return &LeakyReLU{Slope: slope} }

// Forward applies the leaky rectifier.
func (l *LeakyReLU) Forward(x *tensor.Tensor) *tensor.Tensor { return tensor.LeakyRelu(x, l.Slope) }

// Tanh is tanh(x).
type Tanh struct{ stateless }

// NewTanh returns a Tanh module.
func NewTanh() *Tanh { return &Tanh{} }

// Forward applies tanh.
func (*Tanh) Forward(x *tensor.Tensor) *tensor.Tensor { return tensor.Tanh(x) }

// Sigmoid is 1/(1+exp(-x)).
type Sigmoid struct{ stateless }

// NewSigmoid returns a Sigmoid module.
func NewSigmoid() *Sigmoid { return &Sigmoid{} }

// Forward applies the logistic function.
func (*Sigmoid) Forward(x *tensor.Tensor) *tensor.Tensor { return tensor.Sigmoid(x) }

// Flatten maps (N, ...) to (N, rest), like torch.nn.Flatten().
type Flatten struct{ stateless }

// NewFlatten returns a Flatten module.
func NewFlatten() *Flatten { return &Flatten{} }

// Forward flattens all but the first dimension.
func (*Flatten) Forward(x *tensor.Tensor) *tensor.Tensor { return tensor.Flatten(x) }

// Reshape keeps the batch dimension and reshapes each sample:
// (N, ...) -> (N, Shape...), like torch.nn.Unflatten(1, Shape). Shape may
// hold one -1.
type Reshape struct {
	stateless
	Shape []int
}

// NewReshape returns a Reshape to the per-sample shape.
func NewReshape(shape ...int) *Reshape { return &Reshape{Shape: append([]int(nil), shape...)} }

// Forward reshapes x to (N, Shape...).
func (r *Reshape) Forward(x *tensor.Tensor) *tensor.Tensor {
	if x.Rank() < 1 {
		panic(fmt.Sprintf("nn: Reshape%v: input shape %v has no batch dimension", r.Shape, x.Shape()))
	}
	return tensor.Reshape(x, append([]int{x.Dim(0)}, r.Shape...)...)
}

// Dropout zeroes each element with probability P in training mode and
// scales the rest by 1/(1-P); in evaluation mode it is the identity.
type Dropout struct {
	stateless
	P        float32
	Training bool
	rng      *rand.Rand
}

// NewDropout returns a Dropout module in training mode drawing its masks
// from rng.
func NewDropout(p float32, rng *rand.Rand) *Dropout {
	if !(p >= 0 && p < 1) {
		panic(fmt.Sprintf("nn: Dropout: p = %v outside [0, 1)", p))
	}
	return &Dropout{P: p, Training: true, rng: rng}
}

// Forward applies dropout in training mode.
func (d *Dropout) Forward(x *tensor.Tensor) *tensor.Tensor {
	if !d.Training || d.P == 0 {
		return x
	}
	return tensor.Dropout(x, d.P, d.rng)
}

// SetTraining turns dropping on (true) or off.
func (d *Dropout) SetTraining(training bool) { d.Training = training }

// MaxPool2d takes the maximum over Kernel x Kernel windows.
type MaxPool2d struct {
	stateless
	Kernel, Stride, Pad int
}

// NewMaxPool2d returns a max-pooling module.
func NewMaxPool2d(kernel, stride, pad int) *MaxPool2d {
	return &MaxPool2d{Kernel: kernel, Stride: stride, Pad: pad}
}

// Forward pools x.
func (p *MaxPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.MaxPool2d(x, p.Kernel, p.Stride, p.Pad)
}

// AvgPool2d averages over Kernel x Kernel windows.
type AvgPool2d struct {
	stateless
	Kernel, Stride, Pad int
}

// NewAvgPool2d returns an average-pooling module.
func NewAvgPool2d(kernel, stride, pad int) *AvgPool2d {
	return &AvgPool2d{Kernel: kernel, Stride: stride, Pad: pad}
}

// Forward pools x.
func (p *AvgPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.AvgPool2d(x, p.Kernel, p.Stride, p.Pad)
}
