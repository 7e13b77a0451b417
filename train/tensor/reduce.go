package tensor

import "fmt"

// SumTo sums a over the dimensions in which shape was broadcast to a's
// shape, returning a tensor of the given shape. It is the adjoint of
// BroadcastTo. If the shapes already match, a itself is returned.
func SumTo(a *Tensor, shape []int) *Tensor {
	if SameShape(a.shape, shape) {
		return a
	}
	if !SameShape(broadcastShape("SumTo", shape, a.shape), a.shape) {
		panic(fmt.Sprintf("tensor: SumTo: %v does not broadcast to %v", shape, a.shape))
	}
	out := Zeros(shape...)
	// Sum in float64 per output element for accuracy and to keep the order
	// fixed: walk a once, accumulating into out's (broadcast) position.
	acc := make([]float64, len(out.Data))
	walk(a.shape, bstrides(a.shape, a.shape), bstrides(shape, a.shape), func(oa, ob, _, n, sa, sb int) {
		src := a.Data[oa : oa+n]
		if sb == 0 {
			s := 0.0
			for _, v := range src {
				s += float64(v)
			}
			acc[ob] += s
			return
		}
		dst := acc[ob : ob+n]
		for i, v := range src {
			dst[i] += float64(v)
		}
	})
	for i, v := range acc {
		out.Data[i] = float32(v)
	}
	return record(out, "SumTo", func(g *Tensor, need []bool) []*Tensor {
		return []*Tensor{BroadcastTo(g, a.shape)}
	}, a)
}

// BroadcastTo repeats a along broadcast dimensions to reach shape.
func BroadcastTo(a *Tensor, shape []int) *Tensor {
	if SameShape(a.shape, shape) {
		return a
	}
	if !SameShape(broadcastShape("BroadcastTo", a.shape, shape), shape) {
		panic(fmt.Sprintf("tensor: BroadcastTo: %v does not broadcast to %v", a.shape, shape))
	}
	out := Zeros(shape...)
	walk(shape, bstrides(a.shape, shape), bstrides(shape, shape), func(oa, _, oo, n, sa, _ int) {
		dst := out.Data[oo : oo+n]
		if sa == 0 {
			v := a.Data[oa]
			for i := range dst {
				dst[i] = v
			}
			return
		}
		copy(dst, a.Data[oa:oa+n])
	})
	return record(out, "BroadcastTo", func(g *Tensor, need []bool) []*Tensor {
		return []*Tensor{SumTo(g, a.shape)}
	}, a)
}

// Sum returns the sum of all elements as a scalar (accumulated in float64).
func Sum(a *Tensor) *Tensor {
	s := 0.0
	for _, v := range a.Data {
		s += float64(v)
	}
	return record(Scalar(float32(s)), "Sum", func(g *Tensor, need []bool) []*Tensor {
		return []*Tensor{BroadcastTo(Reshape(g, ones(len(a.shape))...), a.shape)}
	}, a)
}

// Mean returns the mean of all elements as a scalar.
func Mean(a *Tensor) *Tensor { return Scale(Sum(a), 1/float32(max(1, a.Numel()))) }

// MeanTo averages a over the dimensions that shape broadcasts along (the
// per-channel mean of (N,C,H,W) for shape (1,C,1,1)).
func MeanTo(a *Tensor, shape []int) *Tensor {
	return Scale(SumTo(a, shape), float32(numel(shape))/float32(max(1, a.Numel())))
}

func ones(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = 1
	}
	return s
}
