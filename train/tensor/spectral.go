package tensor

import (
	"fmt"
	"math"
)

// Spectral normalisation (Miyato et al. 2018) divides a weight by an
// estimate of its largest singular value. The weight w is read as the
// matrix W of torch.nn.utils.spectral_norm: dimension dim moved to the
// front and the rest flattened, so W is (rows, cols) with rows = w.Dim(dim).
// dim is 0 for Linear (Out,In), Conv2d (F,C,k,k) and Embedding (V,D), and 1
// for ConvTranspose2d (C,F,k,k), whose output channels are its second axis.
//
// snGeom views w as (A,B,R) with the rows along B: dim 0 is (1,rows,cols),
// dim 1 is (w.Dim(0),rows,rest), and W[b, a*R+r] = w[a,b,r]. No copy of w
// is ever permuted.
type snGeom struct{ a, b, r int }

func newSNGeom(op string, w *Tensor, dim int) snGeom {
	if w.Rank() < 2 || dim < 0 || dim > 1 {
		panic(fmt.Sprintf("tensor: %s: weight %v with dim %d (needs rank >= 2 and dim 0 or 1)", op, w.shape, dim))
	}
	if dim == 0 {
		return snGeom{a: 1, b: w.shape[0], r: w.Numel() / max(1, w.shape[0])}
	}
	return snGeom{a: w.shape[0], b: w.shape[1], r: w.Numel() / max(1, w.shape[0]*w.shape[1])}
}

func (g snGeom) rows() int { return g.b }
func (g snGeom) cols() int { return g.a * g.r }

func (g snGeom) check(op string, w, u, v *Tensor) {
	if u.Numel() != g.rows() || v.Numel() != g.cols() {
		panic(fmt.Sprintf("tensor: %s: weight %v needs u of %d and v of %d values, got %v and %v",
			op, w.shape, g.rows(), g.cols(), u.shape, v.shape))
	}
}

// mulV sets dst (rows) to W v, accumulated in float64.
func (g snGeom) mulV(dst []float64, w []float32, v []float32) {
	clear(dst)
	for a := 0; a < g.a; a++ {
		va := v[a*g.r : (a+1)*g.r]
		for b := 0; b < g.b; b++ {
			row := w[(a*g.b+b)*g.r : (a*g.b+b+1)*g.r]
			s := 0.0
			for i, x := range row {
				s += float64(x) * float64(va[i])
			}
			dst[b] += s
		}
	}
}

// mulTU sets dst (cols) to W^T u, accumulated in float64.
func (g snGeom) mulTU(dst []float64, w []float32, u []float32) {
	clear(dst)
	for a := 0; a < g.a; a++ {
		da := dst[a*g.r : (a+1)*g.r]
		for b := 0; b < g.b; b++ {
			row := w[(a*g.b+b)*g.r : (a*g.b+b+1)*g.r]
			ub := float64(u[b])
			for i, x := range row {
				da[i] += ub * float64(x)
			}
		}
	}
}

// outer returns u v^T laid out like w: the derivative of sigma = u^T W v
// with respect to w.
func (g snGeom) outer(shape []int, u, v []float32) *Tensor {
	o := Zeros(shape...)
	for a := 0; a < g.a; a++ {
		va := v[a*g.r : (a+1)*g.r]
		for b := 0; b < g.b; b++ {
			row := o.Data[(a*g.b+b)*g.r : (a*g.b+b+1)*g.r]
			ub := u[b]
			for i, x := range va {
				row[i] = ub * x
			}
		}
	}
	return o
}

// normalizeInto writes x / max(||x||, eps) into dst, as torch's
// F.normalize does.
func normalizeInto(dst []float32, x []float64, eps float32) {
	n := 0.0
	for _, v := range x {
		n += v * v
	}
	n = math.Max(math.Sqrt(n), float64(eps))
	for i, v := range x {
		dst[i] = float32(v / n)
	}
}

// PowerIteration runs n steps of the power method on W (w read as above)
// from u (rows) and v (cols), updating both in place as
// torch.nn.utils.spectral_norm does in training mode:
//
//	v = normalize(W^T u), u = normalize(W v), normalize(x) = x / max(||x||, eps)
//
// Nothing is recorded: u and v are constants of the graph.
func PowerIteration(w, u, v *Tensor, dim, n int, eps float32) {
	g := newSNGeom("PowerIteration", w, dim)
	g.check("PowerIteration", w, u, v)
	su := make([]float64, g.rows())
	sv := make([]float64, g.cols())
	for it := 0; it < n; it++ {
		g.mulTU(sv, w.Data, u.Data)
		normalizeInto(v.Data, sv, eps)
		g.mulV(su, w.Data, v.Data)
		normalizeInto(u.Data, su, eps)
	}
}

// SpectralSigma returns sigma = u^T W v, summed in float64, without
// recording.
func SpectralSigma(w, u, v *Tensor, dim int) float64 {
	g := newSNGeom("SpectralSigma", w, dim)
	g.check("SpectralSigma", w, u, v)
	return g.sigma(w, u, v)
}

func (g snGeom) sigma(w, u, v *Tensor) float64 {
	wv := make([]float64, g.rows())
	g.mulV(wv, w.Data, v.Data)
	s := 0.0
	for b, x := range wv {
		s += float64(u.Data[b]) * x
	}
	return s
}

// SpectralNormalize returns w / sigma, sigma = u^T W v, with w's shape.
// The gradient flows to w, through sigma too (d sigma/dW = u v^T), and not
// to u and v, which torch computes under no_grad: with G the incoming
// gradient,
//
//	dw = G / sigma - (sum(G*w) / sigma^2) u v^T
//
// u and v are copied, so a later PowerIteration on them does not change
// this op's backward. Without a recorded backward pass a fused kernel
// computes dw; with one (createGraph) it is built from differentiable ops so
// that it can be differentiated again (R1 through a normalised D).
func SpectralNormalize(w, u, v *Tensor, dim int) *Tensor {
	g := newSNGeom("SpectralNormalize", w, dim)
	g.check("SpectralNormalize", w, u, v)
	sigma := float32(g.sigma(w, u, v))
	uc := append([]float32(nil), u.Data...)
	vc := append([]float32(nil), v.Data...)
	out := Zeros(w.shape...)
	for i, x := range w.Data {
		out.Data[i] = x / sigma
	}
	return record(out, "SpectralNormalize", func(gy *Tensor, need []bool) []*Tensor {
		if Recording() {
			o := g.outer(w.shape, uc, vc)
			sg := Sum(Mul(w, o))
			c := Div(Sum(Mul(gy, w)), Mul(sg, sg))
			return []*Tensor{Sub(Div(gy, sg), Mul(c, o))}
		}
		return []*Tensor{g.backward(gy, w, uc, vc, sigma)}
	}, w)
}

// backward is SpectralNormalize's fused gradient for w.
func (g snGeom) backward(gy, w *Tensor, u, v []float32, sigma float32) *Tensor {
	dot := 0.0
	for i, x := range gy.Data {
		dot += float64(x) * float64(w.Data[i])
	}
	c := float32(dot / (float64(sigma) * float64(sigma)))
	dw := Zeros(w.shape...)
	for a := 0; a < g.a; a++ {
		va := v[a*g.r : (a+1)*g.r]
		for b := 0; b < g.b; b++ {
			off := (a*g.b + b) * g.r
			row, grow := dw.Data[off:off+g.r], gy.Data[off:off+g.r]
			cu := c * u[b]
			for i, x := range grow {
				row[i] = x/sigma - cu*va[i]
			}
		}
	}
	return dw
}
