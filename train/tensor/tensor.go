package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Tensor is an n-dimensional float32 array in row-major order, with an
// optional gradient and the graph node that produced it.
type Tensor struct {
	shape []int
	Data  []float32
	// Grad accumulates d(loss)/d(this) over Backward calls; nil until the
	// first backward pass that reaches this tensor.
	Grad *Tensor

	requiresGrad bool
	fn           *node
}

// New returns a tensor of the given shape that owns data. len(data) must be
// the product of the shape.
func New(data []float32, shape ...int) *Tensor {
	n := numel(shape)
	if len(data) != n {
		panic(fmt.Sprintf("tensor: New: %d values for shape %v (needs %d)", len(data), shape, n))
	}
	return &Tensor{shape: append([]int(nil), shape...), Data: data}
}

// Zeros returns a zero-filled tensor.
func Zeros(shape ...int) *Tensor {
	return &Tensor{shape: append([]int(nil), shape...), Data: alloc(numel(shape))}
}

// Full returns a tensor filled with v.
func Full(v float32, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.Data {
		t.Data[i] = v
	}
	return t
}

// Scalar returns a 0-dimensional tensor holding v.
func Scalar(v float32) *Tensor { return &Tensor{shape: []int{}, Data: []float32{v}} }

// Randn returns a tensor of N(mean, std^2) samples drawn from rng.
func Randn(rng *rand.Rand, mean, std float32, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.Data {
		t.Data[i] = mean + std*float32(rng.NormFloat64())
	}
	return t
}

// Uniform returns a tensor of U[lo, hi) samples drawn from rng.
func Uniform(rng *rand.Rand, lo, hi float32, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.Data {
		t.Data[i] = lo + (hi-lo)*rng.Float32()
	}
	return t
}

func numel(shape []int) int {
	n := 1
	for _, s := range shape {
		if s < 0 {
			panic(fmt.Sprintf("tensor: negative dimension in shape %v", shape))
		}
		n *= s
	}
	return n
}

// Shape returns the tensor's shape; callers must not modify it.
func (t *Tensor) Shape() []int { return t.shape }

// Dim returns the size of dimension i; negative i counts from the end.
func (t *Tensor) Dim(i int) int {
	if i < 0 {
		i += len(t.shape)
	}
	return t.shape[i]
}

// Rank is the number of dimensions.
func (t *Tensor) Rank() int { return len(t.shape) }

// Numel is the number of elements.
func (t *Tensor) Numel() int { return len(t.Data) }

// Item returns the single value of a one-element tensor.
func (t *Tensor) Item() float32 {
	if len(t.Data) != 1 {
		panic(fmt.Sprintf("tensor: Item on shape %v", t.shape))
	}
	return t.Data[0]
}

// RequiresGrad reports whether gradients flow to this tensor.
func (t *Tensor) RequiresGrad() bool { return t.requiresGrad }

// SetRequiresGrad marks a leaf tensor (a parameter or an input) as needing
// gradients, or excludes it from later graphs. It returns t.
func (t *Tensor) SetRequiresGrad(b bool) *Tensor {
	if t.fn != nil && !b {
		panic("tensor: SetRequiresGrad(false) on a non-leaf tensor; use Detach")
	}
	t.requiresGrad = b
	return t
}

// IsLeaf reports whether t was not produced by a recorded op.
func (t *Tensor) IsLeaf() bool { return t.fn == nil }

// Detach returns a tensor sharing t's data with no graph history.
func (t *Tensor) Detach() *Tensor { return &Tensor{shape: t.shape, Data: t.Data} }

// Clone returns a deep copy of t's data with no graph history.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{shape: append([]int(nil), t.shape...), Data: append([]float32(nil), t.Data...)}
}

// ZeroGrad drops the accumulated gradient.
func (t *Tensor) ZeroGrad() { t.Grad = nil }

// SameShape reports whether a and b have identical shapes.
func SameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// IsFinite reports whether every element is neither NaN nor Inf.
func (t *Tensor) IsFinite() bool {
	for _, v := range t.Data {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return false
		}
	}
	return true
}

func (t *Tensor) String() string {
	if len(t.Data) <= 8 {
		return fmt.Sprintf("Tensor%v%v", t.shape, t.Data)
	}
	return fmt.Sprintf("Tensor%v[%v %v ... %v]", t.shape, t.Data[0], t.Data[1], t.Data[len(t.Data)-1])
}

func mustSame(op string, a, b *Tensor) {
	if !SameShape(a.shape, b.shape) {
		panic(fmt.Sprintf("tensor: %s: shapes %v and %v differ", op, a.shape, b.shape))
	}
}
