package nn

import (
	"fmt"

	"github.com/gogan/gan/train/tensor"
)

// BatchNorm is torch.nn.BatchNorm1d/2d with affine weights and running
// statistics (momentum 0.1, eps 1e-5). In training mode it normalises by the
// batch's statistics and updates the running ones; in evaluation mode it
// uses the running ones.
type BatchNorm struct {
	C           int
	Momentum    float32
	Eps         float32
	Weight      *tensor.Tensor // gamma (C), trained
	Bias        *tensor.Tensor // beta (C), trained
	RunningMean *tensor.Tensor // (C), buffer
	RunningVar  *tensor.Tensor // (C), buffer
	Training    bool
	rank        int // 2 or 3 for BatchNorm1d, 4 for BatchNorm2d
}

// NewBatchNorm1d normalises (N,C) or (N,C,L) per channel.
func NewBatchNorm1d(c int) *BatchNorm { return newBatchNorm(c, 1) }

// NewBatchNorm2d normalises (N,C,H,W) per channel.
func NewBatchNorm2d(c int) *BatchNorm { return newBatchNorm(c, 4) }

func newBatchNorm(c, rank int) *BatchNorm {
	return &BatchNorm{
		C: c, Momentum: 0.1, Eps: 1e-5, Training: true, rank: rank,
		Weight:      tensor.Full(1, c).SetRequiresGrad(true),
		Bias:        tensor.Zeros(c).SetRequiresGrad(true),
		RunningMean: tensor.Zeros(c),
		RunningVar:  tensor.Full(1, c),
	}
}

// Is2d reports whether b is a BatchNorm2d (for exporters).
func (b *BatchNorm) Is2d() bool { return b.rank == 4 }

// Forward normalises x.
func (b *BatchNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	ok := x.Rank() >= 2 && x.Dim(1) == b.C
	if b.rank == 4 {
		ok = ok && x.Rank() == 4
	} else {
		ok = ok && x.Rank() <= 3
	}
	if !ok {
		kind := "1d"
		if b.rank == 4 {
			kind = "2d"
		}
		panic(fmt.Sprintf("nn: BatchNorm%s(%d): input shape %v", kind, b.C, x.Shape()))
	}
	if x.Rank() == 3 {
		// (N,C,L) normalises like (N,C,L,1); the reshapes share data.
		n, l := x.Dim(0), x.Dim(2)
		y := b.forward(tensor.Reshape(x, n, b.C, l, 1))
		return tensor.Reshape(y, n, b.C, l)
	}
	return b.forward(x)
}

func (b *BatchNorm) forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.BatchNorm(x, b.Weight, b.Bias, b.RunningMean, b.RunningVar, b.Training, b.Momentum, b.Eps)
}

// fusable reports whether Forward(x) would normalise x as it is, (N,C,H,W)
// for BatchNorm2d or (N,C) for BatchNorm1d, so that forwardAct may take
// its place.
func (b *BatchNorm) fusable(x *tensor.Tensor) bool {
	return x.Rank() >= 2 && x.Dim(1) == b.C && (b.rank == 4) == (x.Rank() == 4) && x.Rank() != 3
}

// forwardAct is Forward followed by a rectifier of the given negative
// slope, in one pass.
func (b *BatchNorm) forwardAct(x *tensor.Tensor, slope float32) *tensor.Tensor {
	return tensor.BatchNormAct(x, b.Weight, b.Bias, b.RunningMean, b.RunningVar, b.Training, b.Momentum, b.Eps, slope)
}

// rectifierSlope is m's negative slope when m is a ReLU (0) or a LeakyReLU.
func rectifierSlope(m Module) (float32, bool) {
	switch a := m.(type) {
	case *ReLU:
		return 0, true
	case *LeakyReLU:
		return a.Slope, a.Slope >= 0
	}
	return 0, false
}

// Params returns weight and bias.
func (b *BatchNorm) Params() []Param { return []Param{{"weight", b.Weight}, {"bias", b.Bias}} }

// Buffers returns running_mean and running_var.
func (b *BatchNorm) Buffers() []Param {
	return []Param{{"running_mean", b.RunningMean}, {"running_var", b.RunningVar}}
}

// SetTraining selects batch statistics (true) or running statistics.
func (b *BatchNorm) SetTraining(training bool) { b.Training = training }
