package nn

import (
	"fmt"

	"github.com/gogan/gan/train/tensor"
)

// Upsample repeats every pixel into a Scale x Scale block (nearest
// neighbour), like torch.nn.Upsample(scale_factor=Scale, mode="nearest").
type Upsample struct {
	stateless
	Scale int
}

// NewUpsample returns a nearest-neighbour upsampling by an integer factor.
func NewUpsample(scale int) *Upsample {
	if scale < 1 {
		panic(fmt.Sprintf("nn: Upsample: scale %d must be at least 1", scale))
	}
	return &Upsample{Scale: scale}
}

// Forward maps (N,C,H,W) to (N,C,Scale*H,Scale*W).
func (u *Upsample) Forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.UpsampleNearest2d(x, u.Scale)
}

// GlobalSumPool sums each channel over its pixels: (N,C,H,W) -> (N,C), the
// pooling of SNGAN's discriminator (a sum, not a mean, so that the
// features grow with the image as the original's do).
type GlobalSumPool struct{ stateless }

// NewGlobalSumPool returns a global sum pooling module.
func NewGlobalSumPool() *GlobalSumPool { return &GlobalSumPool{} }

// Forward sums over H and W.
func (*GlobalSumPool) Forward(x *tensor.Tensor) *tensor.Tensor {
	if x.Rank() != 4 {
		panic(fmt.Sprintf("nn: GlobalSumPool: input shape %v; want (N,C,H,W)", x.Shape()))
	}
	n, c := x.Dim(0), x.Dim(1)
	return tensor.Reshape(tensor.SumTo(x, []int{n, c, 1, 1}), n, c)
}
