package tensor

import (
	"fmt"
	"math"
)

// Pooling backward passes are linear in the incoming gradient: max pooling
// scatters it to the saved argmax positions, average pooling spreads it
// evenly over each window. Each linear map is recorded with its adjoint as
// backward (scatter <-> gather, avgPoolT <-> avgPool), so gradients of
// gradients flow; the argmax itself is piecewise constant in x, which makes
// the second derivative of max pooling with respect to x zero, as in PyTorch.

// poolGeom holds the sizes of a k x k pooling of x (N,C,H,W) to (N,C,OH,OW).
type poolGeom struct {
	n, c, h, w     int
	k, stride, pad int
	oh, ow         int
}

func newPoolGeom(op string, x *Tensor, k, stride, pad int) poolGeom {
	if x.Rank() != 4 || numel(x.shape) == 0 {
		panic(fmt.Sprintf("tensor: %s: input %v; want non-empty (N,C,H,W)", op, x.shape))
	}
	g := poolGeom{n: x.shape[0], c: x.shape[1], h: x.shape[2], w: x.shape[3], k: k, stride: stride, pad: pad}
	// pad <= k/2, as PyTorch demands, guarantees that every window holds at
	// least one real pixel.
	if k < 1 || stride < 1 || pad < 0 || pad > k/2 {
		panic(fmt.Sprintf("tensor: %s: kernel %d stride %d pad %d for input %v (need pad <= kernel/2)", op, k, stride, pad, x.shape))
	}
	if g.h+2*pad < k || g.w+2*pad < k {
		panic(fmt.Sprintf("tensor: %s: kernel %d larger than input %v padded by %d", op, k, x.shape, pad))
	}
	g.oh, g.ow = convOut(g.h, k, stride, pad), convOut(g.w, k, stride, pad)
	return g
}

// window returns the rows [h0,h1) and columns [w0,w1) of input under output
// (y,x), clipped to the image.
func (g *poolGeom) window(y, x int) (h0, h1, w0, w1 int) {
	h0, w0 = y*g.stride-g.pad, x*g.stride-g.pad
	h1, w1 = min(h0+g.k, g.h), min(w0+g.k, g.w)
	return max(h0, 0), h1, max(w0, 0), w1
}

// planes runs f on every (image, channel) plane in parallel; each plane has
// one writer, so results do not depend on the split.
func (g *poolGeom) planes(f func(p int)) {
	parallelFor(g.n*g.c, minItems(g.oh*g.ow*g.k*g.k), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			f(p)
		}
	})
}

// MaxPool2d returns the maximum over each k x k window of x (N,C,H,W), moved
// by stride, with padding that never wins (-inf): (N,C,OH,OW), OH =
// (H+2*pad-k)/stride+1, as torch.nn.functional.max_pool2d (floor mode). Ties
// go to the first maximum in row-major order; NaN propagates.
func MaxPool2d(x *Tensor, k, stride, pad int) *Tensor {
	g := newPoolGeom("MaxPool2d", x, k, stride, pad)
	out := Zeros(g.n, g.c, g.oh, g.ow)
	// idx holds each output's argmax as an offset in its input plane.
	idx := make([]int32, out.Numel())
	hw, ol := g.h*g.w, g.oh*g.ow
	g.planes(func(p int) {
		src := x.Data[p*hw : (p+1)*hw]
		dst, arg := out.Data[p*ol:(p+1)*ol], idx[p*ol:(p+1)*ol]
		for y := 0; y < g.oh; y++ {
			for xo := 0; xo < g.ow; xo++ {
				h0, h1, w0, w1 := g.window(y, xo)
				best, bv := h0*g.w+w0, float32(math.Inf(-1))
				for i := h0; i < h1; i++ {
					for j, v := range src[i*g.w+w0 : i*g.w+w1] {
						if v > bv || v != v {
							best, bv = i*g.w+w0+j, v
						}
					}
				}
				dst[y*g.ow+xo], arg[y*g.ow+xo] = bv, int32(best)
			}
		}
	})
	return record(out, "MaxPool2d", func(gy *Tensor, need []bool) []*Tensor {
		return []*Tensor{maxScatter(g, gy, idx)}
	}, x)
}

// maxScatter adds each gy (N,C,OH,OW) value to its argmax position in a zero
// (N,C,H,W) tensor; overlapping windows that share a maximum add up.
func maxScatter(g poolGeom, gy *Tensor, idx []int32) *Tensor {
	out := Zeros(g.n, g.c, g.h, g.w)
	hw, ol := g.h*g.w, g.oh*g.ow
	g.planes(func(p int) {
		dst := out.Data[p*hw : (p+1)*hw]
		for o, v := range gy.Data[p*ol : (p+1)*ol] {
			dst[idx[p*ol+o]] += v
		}
	})
	return record(out, "MaxPool2dBackward", func(gx *Tensor, need []bool) []*Tensor {
		return []*Tensor{maxGather(g, gx, idx)}
	}, gy)
}

// maxGather reads gx (N,C,H,W) at each argmax: (N,C,OH,OW). It is the
// adjoint of maxScatter.
func maxGather(g poolGeom, gx *Tensor, idx []int32) *Tensor {
	out := Zeros(g.n, g.c, g.oh, g.ow)
	hw, ol := g.h*g.w, g.oh*g.ow
	g.planes(func(p int) {
		src := gx.Data[p*hw : (p+1)*hw]
		for o, i := range idx[p*ol : (p+1)*ol] {
			out.Data[p*ol+o] = src[i]
		}
	})
	return record(out, "MaxPool2dGather", func(gy *Tensor, need []bool) []*Tensor {
		return []*Tensor{maxScatter(g, gy, idx)}
	}, gx)
}

// AvgPool2d returns the mean over each k x k window of x (N,C,H,W), moved by
// stride, counting zero padding in the divisor (k*k always): (N,C,OH,OW),
// OH = (H+2*pad-k)/stride+1, as torch.nn.functional.avg_pool2d with
// count_include_pad=True and ceil_mode=False.
func AvgPool2d(x *Tensor, k, stride, pad int) *Tensor {
	return avgPool(newPoolGeom("AvgPool2d", x, k, stride, pad), x)
}

func avgPool(g poolGeom, x *Tensor) *Tensor {
	out := Zeros(g.n, g.c, g.oh, g.ow)
	hw, ol := g.h*g.w, g.oh*g.ow
	inv := 1 / float32(g.k*g.k)
	g.planes(func(p int) {
		src, dst := x.Data[p*hw:(p+1)*hw], out.Data[p*ol:(p+1)*ol]
		for y := 0; y < g.oh; y++ {
			for xo := 0; xo < g.ow; xo++ {
				h0, h1, w0, w1 := g.window(y, xo)
				var s float32
				for i := h0; i < h1; i++ {
					for _, v := range src[i*g.w+w0 : i*g.w+w1] {
						s += v
					}
				}
				dst[y*g.ow+xo] = s * inv
			}
		}
	})
	return record(out, "AvgPool2d", func(gy *Tensor, need []bool) []*Tensor {
		return []*Tensor{avgPoolT(g, gy)}
	}, x)
}

// avgPoolT spreads each gy (N,C,OH,OW) value, divided by k*k, over its
// window of a zero (N,C,H,W) tensor; the adjoint of avgPool.
func avgPoolT(g poolGeom, gy *Tensor) *Tensor {
	out := Zeros(g.n, g.c, g.h, g.w)
	hw, ol := g.h*g.w, g.oh*g.ow
	inv := 1 / float32(g.k*g.k)
	g.planes(func(p int) {
		src, dst := gy.Data[p*ol:(p+1)*ol], out.Data[p*hw:(p+1)*hw]
		for y := 0; y < g.oh; y++ {
			for xo := 0; xo < g.ow; xo++ {
				h0, h1, w0, w1 := g.window(y, xo)
				v := src[y*g.ow+xo] * inv
				for i := h0; i < h1; i++ {
					row := dst[i*g.w+w0 : i*g.w+w1]
					for j := range row {
						row[j] += v
					}
				}
			}
		}
	})
	return record(out, "AvgPool2dBackward", func(gx *Tensor, need []bool) []*Tensor {
		return []*Tensor{avgPool(g, gx)}
	}, gy)
}
