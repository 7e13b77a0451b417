package models

import (
	"fmt"
	"math/rand/v2"

	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// LeNetFeatures is the width of LeNet's penultimate layer, the features
// that sample-quality metrics measure distances in.
const LeNetFeatures = 128

// LeNet is the small convolutional classifier of PyTorch's MNIST example,
// used as the feature network of train/eval:
//
//	conv1 Conv(C,32,5,p2) ReLU MaxPool2 -> conv2 Conv(32,64,5,p2) ReLU MaxPool2
//	-> Flatten -> fc1 Linear(64*(H/4)*(W/4),128) ReLU -> fc2 Linear(128,K)
//
// (N,C,H,W) -> (N,K) logits. Parameter names (conv1.weight, fc2.bias, ...)
// match a PyTorch module with those attributes.
type LeNet struct {
	nn.Container
	C, H, W, Classes int

	conv1, conv2 *nn.Conv2d
	fc1, fc2     *nn.Linear
}

// NewLeNet builds a LeNet for (C,H,W) images and k classes with PyTorch's
// default initialisation drawn from rng. Images must be at least 4 pixels
// on each side, so that two 2x2 poolings leave something.
func NewLeNet(c, h, w, k int, rng *rand.Rand) (*LeNet, error) {
	switch {
	case c < 1:
		return nil, fmt.Errorf("lenet: %d channels; want at least 1", c)
	case h < 4 || w < 4:
		return nil, fmt.Errorf("lenet: images of %dx%d; want at least 4x4", h, w)
	case k < 2:
		return nil, fmt.Errorf("lenet: %d classes; a classifier needs at least 2", k)
	}
	m := &LeNet{C: c, H: h, W: w, Classes: k}
	m.conv1 = nn.Add(&m.Container, "conv1", nn.NewConv2d(c, 32, 5, 1, 2, true, rng))
	m.conv2 = nn.Add(&m.Container, "conv2", nn.NewConv2d(32, 64, 5, 1, 2, true, rng))
	m.fc1 = nn.Add(&m.Container, "fc1", nn.NewLinear(64*(h/4)*(w/4), LeNetFeatures, true, rng))
	m.fc2 = nn.Add(&m.Container, "fc2", nn.NewLinear(LeNetFeatures, k, true, rng))
	return m, nil
}

// Forward maps images (N,C,H,W) to class logits (N,K).
func (m *LeNet) Forward(x *tensor.Tensor) *tensor.Tensor {
	_, logits := m.Features(x)
	return logits
}

// Features returns the penultimate activations (N,128), after fc1's ReLU,
// and the logits (N,K) computed from them.
func (m *LeNet) Features(x *tensor.Tensor) (features, logits *tensor.Tensor) {
	if x.Rank() != 4 || x.Dim(1) != m.C || x.Dim(2) != m.H || x.Dim(3) != m.W {
		panic(fmt.Sprintf("models: LeNet: input shape %v, want (N, %d, %d, %d)", x.Shape(), m.C, m.H, m.W))
	}
	// Pooling before ReLU gives the same values and gradients (ReLU is
	// monotone) with a quarter of the ReLU work.
	x = tensor.Relu(tensor.MaxPool2d(m.conv1.Forward(x), 2, 2, 0))
	x = tensor.Relu(tensor.MaxPool2d(m.conv2.Forward(x), 2, 2, 0))
	features = tensor.Relu(m.fc1.Forward(tensor.Flatten(x)))
	return features, m.fc2.Forward(features)
}
