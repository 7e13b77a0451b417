package tensor

import (
	"fmt"
	"runtime"
)

// Convolution is three mutually differentiating ops, so that the family is
// closed under differentiation and gradient penalties can run double
// backward through it. With y = conv(x, w), x (N,C,H,W), w (F,C,kH,kW),
// y (N,F,OH,OW):
//
//	conv2d(x, w)      -> y          d/dx: convData(gy, w)    d/dw: convFilter(x, gy)
//	convData(gy, w)   -> (N,C,H,W)  d/dgy: conv2d(G, w)      d/dw: convFilter(G, gy)
//	convFilter(x, gy) -> (F,C,kH,kW) d/dx: convData(gy, G)   d/dgy: conv2d(x, G)
//
// convData is the transposed convolution, which ConvTranspose2d exposes.
// All three run on runConv. Convolutions with large weights unfold a chunk
// of images into one (C*kH*kW, n*OH*OW) column matrix for one threaded
// Sgemm per chunk, since one wide product keeps the GEMM kernel busier than
// one narrow product per image (OH*OW is only 49 in DCGAN's middle layers).
// Those with small weights (the first and last layers) work image by image,
// the images split across threads, and skip the batch transposes.

// convGeom holds the sizes of one convolution y = conv(x, w).
type convGeom struct {
	n, c, h, w  int // input x (N,C,H,W)
	f, kh, kw   int // weight (F,C,kH,kW)
	stride, pad int
	oh, ow      int // output y (N,F,OH,OW)
}

func (g *convGeom) ckk() int { return g.c * g.kh * g.kw }
func (g *convGeom) l() int   { return g.oh * g.ow }

// convChunkElems caps the column matrix of one chunk (16 MiB): large enough
// for a whole DCGAN batch in one product, small enough that big images do
// not need gigabytes of scratch.
const convChunkElems = 1 << 22

// thin reports whether the weights are small (64 KiB at most: first and
// last layers, one side of C*kH*kW and F tiny). Such convolutions run image
// by image (runConvImages): the batched path's transposes of y and gy would
// cost as much as their products.
func (g *convGeom) thin() bool { return g.f*g.ckk() <= 1<<14 }

// chunk is how many images one product takes; it depends only on the
// shapes, so the weight-gradient sum over chunks has a fixed order.
func (g *convGeom) chunk() int {
	return max(1, min(g.n, convChunkElems/max(1, g.ckk()*g.l())))
}

// newConvGeom checks the operands of Conv2d and returns its geometry.
func newConvGeom(x, w, b *Tensor, stride, pad int) convGeom {
	if x.Rank() != 4 || w.Rank() != 4 || x.shape[1] != w.shape[1] {
		panic(fmt.Sprintf("tensor: Conv2d: input %v and weight %v; want (N,C,H,W) and (F,C,kH,kW)", x.shape, w.shape))
	}
	if numel(x.shape) == 0 || numel(w.shape) == 0 {
		panic(fmt.Sprintf("tensor: Conv2d: empty input %v or weight %v", x.shape, w.shape))
	}
	g := convGeom{n: x.shape[0], c: x.shape[1], h: x.shape[2], w: x.shape[3],
		f: w.shape[0], kh: w.shape[2], kw: w.shape[3], stride: stride, pad: pad}
	if stride < 1 || pad < 0 {
		panic(fmt.Sprintf("tensor: Conv2d: stride %d pad %d for input %v weight %v", stride, pad, x.shape, w.shape))
	}
	if g.h+2*pad < g.kh || g.w+2*pad < g.kw {
		panic(fmt.Sprintf("tensor: Conv2d: kernel %v larger than input %v padded by %d", w.shape, x.shape, pad))
	}
	if b != nil && (b.Rank() != 1 || b.shape[0] != g.f) {
		panic(fmt.Sprintf("tensor: Conv2d: bias %v for weight %v; want (%d)", b.shape, w.shape, g.f))
	}
	g.oh, g.ow = convOut(g.h, g.kh, stride, pad), convOut(g.w, g.kw, stride, pad)
	return g
}

// Conv2d returns the cross-correlation of x (N,C,H,W) with w (F,C,kH,kW)
// plus b (F) (nil for none): y (N,F,OH,OW), OH = (H+2*pad-kH)/stride+1,
// zero padding, as torch.nn.functional.conv2d.
func Conv2d(x, w, b *Tensor, stride, pad int) *Tensor {
	return conv2d(newConvGeom(x, w, b, stride, pad), x, w, b)
}

func conv2d(g convGeom, x, w, b *Tensor) *Tensor {
	out := Zeros(g.n, g.f, g.oh, g.ow)
	// The weight gradient needs the forward's column matrix again: keep it
	// (one chunk's worth at most) rather than unfold x a second time. Only
	// this op's graph node reads it, and the node is reachable only through
	// out, so the buffer goes back to the pool once out is unreachable.
	var xcols []float32
	if Recording() && w.requiresGrad && !g.thin() && g.chunk() == g.n {
		if a := current.Load(); a != nil {
			// Inside an arena the step's end frees it, without waiting for GC.
			xcols = a.get(g.ckk() * g.n * g.l())
		} else {
			p := getScratch(g.ckk() * g.n * g.l())
			xcols = *p
			runtime.AddCleanup(out, putScratch, p)
		}
	}
	runConv(&g, convRun{x: x.Data, w: w.Data, b: dataOf(b), y: out.Data, xcols: xcols, fill: true})
	return record(out, "Conv2d", func(gy *Tensor, need []bool) []*Tensor {
		gs := make([]*Tensor, 3)
		if !Recording() && need[0] && need[1] {
			// Not being differentiated: one pass shares the transposed gy.
			gs[0], gs[1] = Zeros(x.shape...), Zeros(w.shape...)
			runConv(&g, convRun{x: x.Data, w: w.Data, gy: gy.Data, dx: gs[0].Data, dw: gs[1].Data, xcols: xcols})
		} else {
			if need[0] {
				gs[0] = convData(g, gy, w, nil, "Conv2dGradInput")
			}
			if need[1] {
				gs[1] = convFilter(g, x, gy, xcols)
			}
		}
		if need[2] {
			gs[2] = channelSum(gy)
		}
		return gs
	}, x, w, b)
}

// convFilter returns the weight gradient of conv2d: sum over the batch of
// gy_n (F,OH*OW) times cols(x_n)^T, as (F,C,kH,kW). xcols is im2col of x
// if the forward pass kept it, else nil. It is bilinear in x and gy, so its
// own gradients are a convData and a conv2d with G as weight.
func convFilter(g convGeom, x, gy *Tensor, xcols []float32) *Tensor {
	out := Zeros(g.f, g.c, g.kh, g.kw)
	runConv(&g, convRun{x: x.Data, gy: gy.Data, dw: out.Data, xcols: xcols})
	return record(out, "Conv2dGradWeight", func(gw *Tensor, need []bool) []*Tensor {
		gs := make([]*Tensor, 2)
		if need[0] {
			gs[0] = convData(g, gy, gw, nil, "Conv2dGradInput")
		}
		if need[1] {
			gs[1] = conv2d(g, x, gw, nil)
		}
		return gs
	}, x, gy)
}

// channelSum sums g (N,C,H,W) to (C): the bias gradient.
func channelSum(g *Tensor) *Tensor {
	c := g.shape[1]
	return Reshape(SumTo(g, []int{1, c, 1, 1}), c)
}

func dataOf(t *Tensor) []float32 {
	if t == nil {
		return nil
	}
	return t.Data
}

// convRun names the operands of one runConv; nil ones are not computed:
//
//	y  = conv(x, w) + b         x (N,C,H,W), w (F,C,kH,kW), b (F) or nil, y (N,F,OH,OW)
//	dx += convT(gy, w)          gy (N,F,OH,OW), dx (N,C,H,W)
//	dw  = sum_n gy_n cols(x_n)^T, dw (F,C,kH,kW)
//
// xcols, if set, holds im2col of the whole batch of x (C*kH*kW, N*OH*OW)
// in one chunk: runConv fills it when fill is set and otherwise trusts it.
type convRun struct {
	x, w, b, y, gy, dx, dw []float32
	xcols                  []float32
	fill                   bool
}

// runConv computes r chunk by chunk, sharing the column matrix of x and
// the transposed gy between the products that need them. Everything is
// computed in a fixed order for a given thread count.
func runConv(g *convGeom, r convRun) {
	if g.thin() && r.xcols == nil {
		runConvImages(g, r)
		return
	}
	ckk, l, f := g.ckk(), g.l(), g.f
	nb := g.chunk()
	if r.xcols != nil && nb != g.n {
		panic("tensor: runConv: kept columns need a single chunk")
	}
	idx := colTable(g)
	var cols []float32
	if (r.x != nil && r.xcols == nil) || r.dx != nil {
		p := getScratch(ckk * nb * l)
		defer putScratch(p)
		cols = *p
	}
	// A chunk of one image needs no transposes: (F, OH*OW) is its layout.
	var yt, gyt []float32
	if nb > 1 && r.y != nil {
		p := getScratch(f * nb * l)
		defer putScratch(p)
		yt = *p
	}
	if nb > 1 && r.gy != nil {
		p := getScratch(f * nb * l)
		defer putScratch(p)
		gyt = *p
	}
	// The GEMM kernel's tiles are wide in the output's columns: when the
	// filters outnumber the taps (first layers, C*kH*kW = 16 against 64
	// filters), form dw^T (C*kH*kW, F) and transpose it at the end.
	var dwt []float32
	if r.dw != nil && f > ckk {
		p := getScratch(ckk * f)
		defer putScratch(p)
		dwt = *p
	}
	var pt pixelTable
	for n0 := 0; n0 < g.n; n0 += nb {
		m := min(nb, g.n-n0)
		ld := m * l
		var xc, gyc []float32
		switch {
		case r.x == nil:
		case r.xcols == nil:
			xc = cols[:ckk*ld]
			im2colChunk(xc, r.x, g, n0, m, idx)
		default:
			xc = r.xcols
			if r.fill {
				im2colChunk(xc, r.x, g, n0, m, idx)
			}
		}
		if r.gy != nil {
			if m == 1 {
				gyc = r.gy[n0*f*l : (n0+1)*f*l]
			} else {
				gyc = gyt[:f*ld]
				toFNL(gyc, r.gy, n0, m, f, l)
			}
		}
		if r.y != nil {
			yc := r.y[n0*f*l : (n0+1)*f*l]
			if m > 1 {
				yc = yt[:f*ld]
			}
			Sgemm(false, false, f, ld, ckk, 1, r.w, ckk, xc, ld, 0, yc, ld)
			fromFNL(r.y, yc, r.b, n0, m, f, l)
		}
		if r.dw != nil {
			beta := float32(1)
			if n0 == 0 {
				beta = 0
			}
			if dwt != nil {
				Sgemm(false, true, ckk, f, ld, 1, xc, ld, gyc, ld, beta, dwt, f)
			} else {
				Sgemm(false, true, f, ckk, ld, 1, gyc, ld, xc, ld, beta, r.dw, ckk)
			}
		}
		if r.dx != nil {
			// cols is free again: x's columns were used above or kept.
			dc := cols[:ckk*ld]
			Sgemm(true, false, ckk, ld, f, 1, r.w, ckk, gyc, ld, 0, dc, ld)
			if !isS2K4(g) && (len(pt.start) == 0 || m != nb) {
				pt = newPixelTable(g, ld)
			}
			col2imChunk(r.dx, dc, g, n0, m, pt)
		}
	}
	for i := 0; i < ckk && dwt != nil; i++ {
		for c, v := range dwt[i*f : (i+1)*f] {
			r.dw[c*ckk+i] = v
		}
	}
}

// runConvImages is runConv one image at a time, the images split evenly
// over Threads() goroutines: an image's y, gy and dx are read and written
// in place, its columns stay in cache between im2col and the products, and
// dw is summed per goroutine, then across goroutines in order.
func runConvImages(g *convGeom, r convRun) {
	ckk, l, f := g.ckk(), g.l(), g.f
	idx := colTable(g)
	var pt pixelTable
	if r.dx != nil && !isS2K4(g) {
		pt = newPixelTable(g, l)
	}
	parts := min(Threads(), g.n)
	dwt := r.dw != nil && f > ckk // as in runConv: the wide side in columns
	partial := make([][]float32, parts)
	parallelFor(parts, 1, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			cp, pp := getScratch(ckk*l), padScratch(g, 1)
			cols := *cp
			var acc []float32
			if r.dw != nil {
				acc = *getScratch(ckk * f) // returned after the reduction
				partial[p] = acc
			}
			n0, n1 := p*g.n/parts, (p+1)*g.n/parts
			for n := n0; n < n1; n++ {
				if r.x != nil {
					im2colBlock(cols, l, r.x, g, n, 0, g.c, 0, 1, idx, planeOf(pp))
				}
				var gyn []float32
				if r.gy != nil {
					gyn = r.gy[n*f*l : (n+1)*f*l]
				}
				if r.y != nil {
					yn := r.y[n*f*l : (n+1)*f*l]
					Sgemm(false, false, f, l, ckk, 1, r.w, ckk, cols, l, 0, yn, l)
					addBias(yn, r.b, l)
				}
				if r.dw != nil {
					beta := float32(1)
					if n == n0 {
						beta = 0
					}
					if dwt {
						Sgemm(false, true, ckk, f, l, 1, cols, l, gyn, l, beta, acc, f)
					} else {
						Sgemm(false, true, f, ckk, l, 1, gyn, l, cols, l, beta, acc, ckk)
					}
				}
				if r.dx != nil {
					Sgemm(true, false, ckk, l, f, 1, r.w, ckk, gyn, l, 0, cols, l)
					col2imBlock(r.dx, cols, l, g, n, 0, g.c, 0, 1, pt)
				}
			}
			putScratch(cp)
			if pp != nil {
				putScratch(pp)
			}
		}
	})
	if r.dw == nil {
		return
	}
	sum := partial[0]
	for _, q := range partial[1:] {
		for i, v := range q {
			sum[i] += v
		}
		putScratch(&q)
	}
	if dwt {
		for i := 0; i < ckk; i++ {
			for c, v := range sum[i*f : (i+1)*f] {
				r.dw[c*ckk+i] = v
			}
		}
	} else {
		copy(r.dw, sum)
	}
	putScratch(&sum)
}

// minItems is the smallest number of work items, of size each, worth a
// goroutine of their own.
func minItems(size int) int { return max(1, (1<<14)/max(1, size)) }

// toFNL copies images [n0,n0+m) of src (N,F,L) into dst (F, m*L).
func toFNL(dst, src []float32, n0, m, f, l int) {
	parallelFor(m*f, minItems(l), func(lo, hi int) {
		for it := lo; it < hi; it++ {
			i, c := it/f, it%f
			copy(dst[c*m*l+i*l:c*m*l+(i+1)*l], src[((n0+i)*f+c)*l:])
		}
	})
}

// addBias adds bias[c] (nil for none) to every row c of y (F, L).
func addBias(y, bias []float32, l int) {
	for c, bv := range bias {
		row := y[c*l : (c+1)*l]
		for j := range row {
			row[j] += bv
		}
	}
}

// fromFNL writes src (F, m*L) plus bias (F, or nil) into images [n0,n0+m)
// of dst (N,F,L). With m == 1 src may be that image of dst itself.
func fromFNL(dst, src, bias []float32, n0, m, f, l int) {
	if m == 1 {
		if &src[0] != &dst[n0*f*l] {
			copy(dst[n0*f*l:(n0+1)*f*l], src)
		}
		addBias(dst[n0*f*l:(n0+1)*f*l], bias, l)
		return
	}
	parallelFor(m*f, minItems(l), func(lo, hi int) {
		for it := lo; it < hi; it++ {
			i, c := it/f, it%f
			d := dst[((n0+i)*f+c)*l : ((n0+i)*f+c+1)*l]
			s := src[c*m*l+i*l : c*m*l+(i+1)*l]
			if bias == nil {
				copy(d, s)
				continue
			}
			bv := bias[c]
			for j, v := range s {
				d[j] = v + bv
			}
		}
	})
}
