package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/gogan/gan/train/tensor"
)

// Linear is y = x W^T + b, with W shaped (out, in) as in torch.nn.Linear.
// x is (N, in), or (..., in) with any leading dimensions.
type Linear struct {
	In, Out int
	Weight  *tensor.Tensor // (Out, In); weight_orig under spectral norm
	Bias    *tensor.Tensor // (Out), or nil
	spectral
}

// NewLinear returns a Linear layer with PyTorch's default initialisation
// drawn from rng.
func NewLinear(in, out int, bias bool, rng *rand.Rand) *Linear {
	l := &Linear{In: in, Out: out, Weight: tensor.Zeros(out, in).SetRequiresGrad(true)}
	if bias {
		l.Bias = tensor.Zeros(out).SetRequiresGrad(true)
	}
	defaultInit(l.Weight, l.Bias, rng)
	return l
}

// Forward maps (..., In) to (..., Out).
func (l *Linear) Forward(x *tensor.Tensor) *tensor.Tensor {
	if x.Rank() < 1 || x.Dim(-1) != l.In {
		panic(fmt.Sprintf("nn: Linear(%d, %d): input shape %v", l.In, l.Out, x.Shape()))
	}
	x2 := x
	if x.Rank() != 2 {
		x2 = tensor.Reshape(x, -1, l.In)
	}
	y := tensor.MatMul(x2, l.weight(l.Weight), false, true)
	if l.Bias != nil {
		y = tensor.Add(y, l.Bias)
	}
	if x.Rank() != 2 {
		shape := append(append([]int(nil), x.Shape()[:x.Rank()-1]...), l.Out)
		y = tensor.Reshape(y, shape...)
	}
	return y
}

// Params returns weight and, if present, bias (bias and weight_orig under
// spectral norm).
func (l *Linear) Params() []Param { return l.params(l.Weight, l.Bias) }

func weightBias(w, b *tensor.Tensor) []Param {
	ps := []Param{{"weight", w}}
	if b != nil {
		ps = append(ps, Param{"bias", b})
	}
	return ps
}

// Embedding maps integer indices to rows of a (V, D) table, like
// torch.nn.Embedding (initialised N(0, 1)).
type Embedding struct {
	Weight *tensor.Tensor // (V, D); weight_orig under spectral norm
	spectral
}

// NewEmbedding returns a V-row table of D-vectors drawn from rng.
func NewEmbedding(v, d int, rng *rand.Rand) *Embedding {
	e := &Embedding{Weight: tensor.Zeros(v, d).SetRequiresGrad(true)}
	Normal(e.Weight, 0, 1, rng)
	return e
}

// Lookup returns the rows idx of the table, shaped (len(idx), D).
func (e *Embedding) Lookup(idx []int) *tensor.Tensor {
	v := e.Weight.Dim(0)
	for _, i := range idx {
		if i < 0 || i >= v {
			panic(fmt.Sprintf("nn: Embedding(%d, %d): index %d out of range", v, e.Weight.Dim(1), i))
		}
	}
	return tensor.Embedding(e.weight(e.Weight), idx)
}

// Forward treats x's values as indices (class labels stored as float32)
// and maps shape S to (S..., D). The indices take no gradient.
func (e *Embedding) Forward(x *tensor.Tensor) *tensor.Tensor {
	idx := make([]int, x.Numel())
	for i, f := range x.Data {
		idx[i] = int(f)
		if float32(idx[i]) != f {
			panic(fmt.Sprintf("nn: Embedding: index %v is not an integer", f))
		}
	}
	y := e.Lookup(idx)
	shape := append(append([]int(nil), x.Shape()...), e.Weight.Dim(1))
	return tensor.Reshape(y, shape...)
}

// Params returns the table as "weight" ("weight_orig" under spectral norm).
func (e *Embedding) Params() []Param { return e.params(e.Weight, nil) }
