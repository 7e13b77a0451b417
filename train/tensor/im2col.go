package tensor

import (
	"fmt"
	"math/bits"
	"sync"
)

// convOut is the PyTorch output size of a convolution along one axis.
func convOut(in, k, stride, pad int) int { return (in+2*pad-k)/stride + 1 }

// Im2col unfolds one image src (C,H,W) into dst (C*kH*kW, OH*OW), with
// OH = (H+2*pad-kH)/stride+1 and likewise OW: row (c,i,j) holds, for every
// output position, the input pixel under kernel tap (i,j) of channel c, or
// zero where the tap falls on padding. Convolution is then one matrix
// product with the weights viewed as (F, C*kH*kW). It does not allocate.
func Im2col(dst, src []float32, c, h, w, kh, kw, stride, pad int) {
	oh, ow := checkCols("Im2col", len(dst), len(src), c, h, w, kh, kw, stride, pad)
	im2colRef(dst, src, c, h, w, kh, kw, stride, pad, oh, ow)
}

// Col2im is the adjoint of Im2col: it folds src (C*kH*kW, OH*OW) back onto
// the image and ADDS the result into dst (C,H,W); values that Im2col would
// have read from the same pixel are summed there, padding taps are dropped.
// It does not allocate.
func Col2im(dst, src []float32, c, h, w, kh, kw, stride, pad int) {
	oh, ow := checkCols("Col2im", len(src), len(dst), c, h, w, kh, kw, stride, pad)
	col2imRef(dst, src, c, h, w, kh, kw, stride, pad, oh, ow)
}

// checkCols validates the sizes of an Im2col/Col2im call and returns OH, OW.
func checkCols(op string, ncols, nimg, c, h, w, kh, kw, stride, pad int) (int, int) {
	if c < 1 || h < 1 || w < 1 || kh < 1 || kw < 1 || stride < 1 || pad < 0 || h+2*pad < kh || w+2*pad < kw {
		panic(fmt.Sprintf("tensor: %s: bad geometry C=%d H=%d W=%d kernel %dx%d stride %d pad %d", op, c, h, w, kh, kw, stride, pad))
	}
	oh, ow := convOut(h, kh, stride, pad), convOut(w, kw, stride, pad)
	if ncols < c*kh*kw*oh*ow || nimg < c*h*w {
		panic(fmt.Sprintf("tensor: %s: image (%d,%d,%d) needs %d values, columns (%d,%d) need %d; got %d and %d",
			op, c, h, w, c*h*w, c*kh*kw, oh*ow, c*kh*kw*oh*ow, nimg, ncols))
	}
	return oh, ow
}

// tapRange returns the output columns [lo,hi) whose kernel tap j lands
// inside an input row of width w; the columns outside read padding. Keeping
// the bounds out of the inner loops lets them run branch-free.
func tapRange(j, w, stride, pad, ow int) (lo, hi int) {
	if d := pad - j; d > 0 {
		lo = min((d+stride-1)/stride, ow)
	}
	if e := w - 1 + pad - j; e >= 0 {
		hi = min(e/stride+1, ow)
	}
	return lo, max(hi, lo)
}

// im2colRef is the plain Im2col: row by row, with the padding bounds kept
// out of the inner loop. It needs no scratch, so Im2col does not allocate.
func im2colRef(dst, src []float32, c, h, w, kh, kw, stride, pad, oh, ow int) {
	for ch := 0; ch < c; ch++ {
		plane := src[ch*h*w : (ch+1)*h*w]
		for ki := 0; ki < kh; ki++ {
			for kj := 0; kj < kw; kj++ {
				row := dst[((ch*kh+ki)*kw+kj)*oh*ow:][:oh*ow]
				lo, hi := tapRange(kj, w, stride, pad, ow)
				for y := 0; y < oh; y++ {
					seg := row[y*ow : (y+1)*ow]
					ih := y*stride - pad + ki
					if ih < 0 || ih >= h || lo == hi {
						clear(seg)
						continue
					}
					clear(seg[:lo])
					clear(seg[hi:])
					in := plane[ih*w+lo*stride-pad+kj:]
					for x := range seg[lo:hi] {
						seg[lo+x] = in[x*stride]
					}
				}
			}
		}
	}
}

// col2imRef is the plain Col2im, the adjoint of im2colRef.
func col2imRef(dst, src []float32, c, h, w, kh, kw, stride, pad, oh, ow int) {
	for ch := 0; ch < c; ch++ {
		plane := dst[ch*h*w : (ch+1)*h*w]
		for ki := 0; ki < kh; ki++ {
			for kj := 0; kj < kw; kj++ {
				row := src[((ch*kh+ki)*kw+kj)*oh*ow:][:oh*ow]
				lo, hi := tapRange(kj, w, stride, pad, ow)
				for y := 0; y < oh && lo < hi; y++ {
					ih := y*stride - pad + ki
					if ih < 0 || ih >= h {
						continue
					}
					out := plane[ih*w+lo*stride-pad+kj:]
					for x, v := range row[y*ow+lo : y*ow+hi] {
						out[x*stride] += v
					}
				}
			}
		}
	}
}

// The batched kernels below serve the convolution ops. DCGAN's planes are
// small (OH*OW = 49), so per-row bookkeeping would cost more than the copy:
// instead each plane is copied once into a zero-bordered buffer and every
// kernel tap becomes one branch-free gather (scatter-add for col2im) through
// a table of offsets.

// colTable returns, for every output position, the offset of kernel tap
// (0,0) in a plane padded by pad on each side; tap (i,j) lies i rows and j
// columns further.
func colTable(g *convGeom) []int32 {
	wp := g.w + 2*g.pad
	idx := make([]int32, g.l())
	for y := 0; y < g.oh; y++ {
		for x := 0; x < g.ow; x++ {
			idx[y*g.ow+x] = int32(y*g.stride*wp + x*g.stride)
		}
	}
	return idx
}

// padPlanes calls f for every (image, channel) item in [lo,hi) of a chunk
// with a zeroed scratch plane of (H+2*pad)*(W+2*pad) floats, or nil when
// pad is 0.
func padPlanes(g *convGeom, lo, hi int, f func(it int, pp []float32)) {
	var pp []float32
	if g.pad > 0 {
		p := getScratch((g.h + 2*g.pad) * (g.w + 2*g.pad))
		defer putScratch(p)
		pp = *p
		clear(pp)
	}
	for it := lo; it < hi; it++ {
		f(it, pp)
	}
}

// gather sets dst[p] = src[idx[p]]. It is kept out of line: inlined into
// the chunk loops, register pressure spilled the loop to the stack.
//
//go:noinline
func gather(dst, src []float32, idx []int32) {
	dst = dst[:len(idx)]
	p := 0
	for ; p+4 <= len(idx); p += 4 {
		i := idx[p : p+4 : p+4]
		d := dst[p : p+4 : p+4]
		d[0], d[1], d[2], d[3] = src[i[0]], src[i[1]], src[i[2]], src[i[3]]
	}
	for ; p < len(idx); p++ {
		dst[p] = src[idx[p]]
	}
}

// scatterAdd adds src[p] into dst[idx[p]]; idx must not repeat.
//
//go:noinline
func scatterAdd(dst, src []float32, idx []int32) {
	src = src[:len(idx)]
	p := 0
	for ; p+4 <= len(idx); p += 4 {
		i := idx[p : p+4 : p+4]
		v := src[p : p+4 : p+4]
		dst[i[0]] += v[0]
		dst[i[1]] += v[1]
		dst[i[2]] += v[2]
		dst[i[3]] += v[3]
	}
	for ; p < len(idx); p++ {
		dst[idx[p]] += src[p]
	}
}

// im2colChunk unfolds images [n0,n0+m) of x (N,C,H,W) into cols
// (C*kH*kW, m*OH*OW), in parallel over (image, channel). idx is colTable(g).
func im2colChunk(cols, x []float32, g *convGeom, n0, m int, idx []int32) {
	l, hw, wp := g.l(), g.h*g.w, g.w+2*g.pad
	parallelFor(m*g.c, minItems(g.kh*g.kw*l), func(lo, hi int) {
		padPlanes(g, lo, hi, func(it int, pp []float32) {
			i, ch := it/g.c, it%g.c
			src := x[((n0+i)*g.c+ch)*hw:][:hw]
			if pp != nil {
				// The border stays zero: only the interior is rewritten.
				for y := 0; y < g.h; y++ {
					copy(pp[(y+g.pad)*wp+g.pad:][:g.w], src[y*g.w:])
				}
				src = pp
			}
			for ki := 0; ki < g.kh; ki++ {
				for kj := 0; kj < g.kw; kj++ {
					gather(cols[((ch*g.kh+ki)*g.kw+kj)*m*l+i*l:], src[ki*wp+kj:], idx)
				}
			}
		})
	})
}

// col2imChunk adds cols (C*kH*kW, m*OH*OW) onto images [n0,n0+m) of dx
// (N,C,H,W). Each (image, channel) plane has one writer, so the parallel
// split does not change the sums.
func col2imChunk(dx, cols []float32, g *convGeom, n0, m int, idx []int32) {
	l, hw, wp := g.l(), g.h*g.w, g.w+2*g.pad
	parallelFor(m*g.c, minItems(g.kh*g.kw*l), func(lo, hi int) {
		padPlanes(g, lo, hi, func(it int, pp []float32) {
			i, ch := it/g.c, it%g.c
			dst := dx[((n0+i)*g.c+ch)*hw:][:hw]
			acc := dst
			if pp != nil {
				clear(pp)
				acc = pp
			}
			for ki := 0; ki < g.kh; ki++ {
				for kj := 0; kj < g.kw; kj++ {
					scatterAdd(acc[ki*wp+kj:], cols[((ch*g.kh+ki)*g.kw+kj)*m*l+i*l:], idx)
				}
			}
			if pp != nil {
				for y := 0; y < g.h; y++ {
					in := pp[(y+g.pad)*wp+g.pad:][:g.w]
					out := dst[y*g.w:][:g.w]
					for x, v := range in {
						out[x] += v
					}
				}
			}
		})
	})
}

// Scratch buffers for column matrices and transposes, pooled by power-of-two
// size class: a training step reuses the same few large sizes every
// iteration, and allocating (and zeroing) megabytes per call costs as much
// as the copy into them.
var scratchPools [48]sync.Pool

// getScratch returns a buffer of n floats with unspecified contents.
func getScratch(n int) *[]float32 {
	cls := bits.Len(uint(max(n, 1) - 1))
	if p, ok := scratchPools[cls].Get().(*[]float32); ok {
		*p = (*p)[:n]
		return p
	}
	s := make([]float32, n, 1<<cls)
	return &s
}

// putScratch returns a buffer from getScratch to its pool.
func putScratch(p *[]float32) {
	scratchPools[bits.Len(uint(max(cap(*p), 1)-1))].Put(p)
}
