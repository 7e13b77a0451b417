package nn

import (
	"fmt"

	"github.com/gogan/gan/train/tensor"
)

// CondBatchNorm is class-conditional batch normalisation (de Vries et al.
// 2017), as SNGAN's and BigGAN's generators use it: BatchNorm2d without
// affine weights, then a scale and shift per sample looked up by its class,
// y = BN(x) * Weight[label] + Bias[label]. The tables start at 1 and 0, so
// a fresh layer is a plain BatchNorm2d. Running statistics, momentum and eps
// are BatchNorm's.
type CondBatchNorm struct {
	C, Classes  int
	Momentum    float32
	Eps         float32
	Weight      *tensor.Tensor // gamma per class (Classes, C), trained
	Bias        *tensor.Tensor // beta per class (Classes, C), trained
	RunningMean *tensor.Tensor // (C), buffer
	RunningVar  *tensor.Tensor // (C), buffer
	Training    bool
}

// NewCondBatchNorm2d normalises (N,C,H,W) per channel with classes sets of
// affine parameters.
func NewCondBatchNorm2d(c, classes int) *CondBatchNorm {
	if c < 1 || classes < 1 {
		panic(fmt.Sprintf("nn: CondBatchNorm2d(%d, %d): need at least one channel and one class", c, classes))
	}
	return &CondBatchNorm{
		C: c, Classes: classes, Momentum: 0.1, Eps: 1e-5, Training: true,
		Weight:      tensor.Full(1, classes, c).SetRequiresGrad(true),
		Bias:        tensor.Zeros(classes, c).SetRequiresGrad(true),
		RunningMean: tensor.Zeros(c),
		RunningVar:  tensor.Full(1, c),
	}
}

// Forward panics: the layer needs each sample's class (ForwardLabels).
func (b *CondBatchNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	panic(fmt.Sprintf("nn: CondBatchNorm2d(%d, %d): Forward without labels; use ForwardLabels", b.C, b.Classes))
}

// ForwardLabels normalises x (N,C,H,W) and applies each sample's class
// scale and shift; labels holds N classes in [0, Classes).
func (b *CondBatchNorm) ForwardLabels(x *tensor.Tensor, labels []int) *tensor.Tensor {
	if x.Rank() != 4 || x.Dim(1) != b.C || len(labels) != x.Dim(0) {
		panic(fmt.Sprintf("nn: CondBatchNorm2d(%d, %d): input shape %v with %d labels", b.C, b.Classes, x.Shape(), len(labels)))
	}
	for _, l := range labels {
		if l < 0 || l >= b.Classes {
			panic(fmt.Sprintf("nn: CondBatchNorm2d(%d, %d): label %d out of range", b.C, b.Classes, l))
		}
	}
	y := tensor.BatchNorm(x, nil, nil, b.RunningMean, b.RunningVar, b.Training, b.Momentum, b.Eps)
	n := x.Dim(0)
	gamma := tensor.Reshape(tensor.Embedding(b.Weight, labels), n, b.C, 1, 1)
	beta := tensor.Reshape(tensor.Embedding(b.Bias, labels), n, b.C, 1, 1)
	return tensor.Add(tensor.Mul(y, gamma), beta)
}

// Params returns the weight and bias tables.
func (b *CondBatchNorm) Params() []Param { return []Param{{"weight", b.Weight}, {"bias", b.Bias}} }

// Buffers returns running_mean and running_var.
func (b *CondBatchNorm) Buffers() []Param {
	return []Param{{"running_mean", b.RunningMean}, {"running_var", b.RunningVar}}
}

// SetTraining selects batch statistics (true) or running statistics.
func (b *CondBatchNorm) SetTraining(training bool) { b.Training = training }
