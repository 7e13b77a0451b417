package tensor

import "fmt"

// Nearest-neighbour upsampling copies each pixel into an s x s block; its
// adjoint sums each s x s block back into one pixel. Both are linear, and
// each is recorded with the other as its backward, so gradients of
// gradients flow (R1 through a generator-shaped network, say).

// upGeom holds the sizes of a factor-s upsampling of (N,C,H,W).
type upGeom struct {
	n, c, h, w, s int
}

func (g upGeom) planes(f func(p int)) {
	parallelFor(g.n*g.c, minItems(g.h*g.w*g.s*g.s), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			f(p)
		}
	})
}

// UpsampleNearest2d returns x (N,C,H,W) with every pixel repeated into an
// s x s block: (N,C,s*H,s*W), as torch.nn.functional.interpolate(x,
// scale_factor=s, mode="nearest") for an integer s.
func UpsampleNearest2d(x *Tensor, s int) *Tensor {
	if x.Rank() != 4 || numel(x.shape) == 0 || s < 1 {
		panic(fmt.Sprintf("tensor: UpsampleNearest2d: input %v scale %d; want non-empty (N,C,H,W) and scale >= 1", x.shape, s))
	}
	return upsample(upGeom{n: x.shape[0], c: x.shape[1], h: x.shape[2], w: x.shape[3], s: s}, x)
}

func upsample(g upGeom, x *Tensor) *Tensor {
	ow := g.w * g.s
	out := Zeros(g.n, g.c, g.h*g.s, ow)
	hw, ol := g.h*g.w, g.h*g.s*ow
	g.planes(func(p int) {
		src, dst := x.Data[p*hw:(p+1)*hw], out.Data[p*ol:(p+1)*ol]
		for i := 0; i < g.h; i++ {
			row := dst[i*g.s*ow : (i*g.s+1)*ow]
			if g.s == 2 {
				for j, v := range src[i*g.w : (i+1)*g.w] {
					row[2*j], row[2*j+1] = v, v
				}
			} else {
				for j, v := range src[i*g.w : (i+1)*g.w] {
					for k := j * g.s; k < (j+1)*g.s; k++ {
						row[k] = v
					}
				}
			}
			for r := 1; r < g.s; r++ {
				copy(dst[(i*g.s+r)*ow:(i*g.s+r+1)*ow], row)
			}
		}
	})
	return record(out, "UpsampleNearest2d", func(gy *Tensor, need []bool) []*Tensor {
		return []*Tensor{blockSum(g, gy)}
	}, x)
}

// blockSum sums each s x s block of gy (N,C,s*H,s*W) into (N,C,H,W): the
// adjoint of upsample.
func blockSum(g upGeom, gy *Tensor) *Tensor {
	out := Zeros(g.n, g.c, g.h, g.w)
	ow := g.w * g.s
	hw, ol := g.h*g.w, g.h*g.s*ow
	g.planes(func(p int) {
		src, dst := gy.Data[p*ol:(p+1)*ol], out.Data[p*hw:(p+1)*hw]
		for i := 0; i < g.h; i++ {
			drow := dst[i*g.w : (i+1)*g.w]
			for r := 0; r < g.s; r++ {
				srow := src[(i*g.s+r)*ow : (i*g.s+r+1)*ow]
				for j := range drow {
					var acc float32
					for _, v := range srow[j*g.s : (j+1)*g.s] {
						acc += v
					}
					drow[j] += acc
				}
			}
		}
	})
	return record(out, "UpsampleNearest2dBackward", func(gx *Tensor, need []bool) []*Tensor {
		return []*Tensor{upsample(g, gx)}
	}, gy)
}
