package tensor

import (
	"fmt"
	"math/bits"
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
// kernel tap becomes one branch-free gather through a table of offsets;
// col2im gathers each pixel's contributions through a table of its own.

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

// padScratch returns room for n planes padded to (H+2*pad)*(W+2*pad),
// zeroed, for im2colBlock, or nil when pad is 0; release it with
// putScratch.
func padScratch(g *convGeom, n int) *[]float32 {
	if g.pad == 0 {
		return nil
	}
	p := getScratch(n * (g.h + 2*g.pad) * (g.w + 2*g.pad))
	clear(*p)
	return p
}

func planeOf(p *[]float32) []float32 {
	if p == nil {
		return nil
	}
	return *p
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

// pixelTable lists, for every pixel q of an (H,W) plane, where im2col
// copies it to in the column block of one channel of one image (tap row t
// at offset t*ld): tab[start[q]:start[q+1]], in tap order. col2im then
// gathers each pixel's contributions instead of scattering them, and taps
// that fall on padding cost nothing.
type pixelTable struct{ start, tab []int32 }

func newPixelTable(g *convGeom, ld int) pixelTable {
	hw := g.h * g.w
	start := make([]int32, hw+1)
	// taps calls f(q, offset) for every column entry that reads a pixel.
	taps := func(f func(q, off int)) {
		for ki := 0; ki < g.kh; ki++ {
			for kj := 0; kj < g.kw; kj++ {
				t := ki*g.kw + kj
				lo, hi := tapRange(kj, g.w, g.stride, g.pad, g.ow)
				for y := 0; y < g.oh; y++ {
					iy := y*g.stride - g.pad + ki
					if iy < 0 || iy >= g.h {
						continue
					}
					for x := lo; x < hi; x++ {
						f(iy*g.w+x*g.stride-g.pad+kj, t*ld+y*g.ow+x)
					}
				}
			}
		}
	}
	taps(func(q, _ int) { start[q+1]++ })
	for q := 0; q < hw; q++ {
		start[q+1] += start[q]
	}
	tab := make([]int32, start[hw])
	next := append([]int32(nil), start[:hw]...)
	taps(func(q, off int) {
		tab[next[q]] = int32(off)
		next[q]++
	})
	return pixelTable{start, tab}
}

// sumPixels adds to every dst[q] the src values at its table entries.
//
//go:noinline
func sumPixels(dst, src []float32, pt pixelTable) {
	start, tab := pt.start[:len(dst)+1], pt.tab
	for q := range dst {
		s := dst[q]
		for _, o := range tab[start[q]:start[q+1]] {
			s += src[o]
		}
		dst[q] = s
	}
}

// im2colBlock unfolds channels [c0,c1) of images n0+i, i in [i0,i1), into
// the rows of cols (leading dimension ld, image n0+i at column i*OH*OW).
// Each row is written left to right across the images, so stores stream
// through whole cache lines. idx is colTable(g); pp is padScratch(g,
// i1-i0), whose borders stay zero: only plane interiors are written.
func im2colBlock(cols []float32, ld int, x []float32, g *convGeom, n0, c0, c1, i0, i1 int, idx []int32, pp []float32) {
	l, hw, wp := g.l(), g.h*g.w, g.w+2*g.pad
	pl := (g.h + 2*g.pad) * wp
	for ch := c0; ch < c1; ch++ {
		src, stride := x[((n0+i0)*g.c+ch)*hw:], g.c*hw
		if pp != nil {
			for i := i0; i < i1; i++ {
				plane := x[((n0+i)*g.c+ch)*hw:][:hw]
				dst := pp[(i-i0)*pl:]
				for y := 0; y < g.h; y++ {
					copy(dst[(y+g.pad)*wp+g.pad:][:g.w], plane[y*g.w:])
				}
			}
			src, stride = pp, pl
		}
		for ki := 0; ki < g.kh; ki++ {
			for kj := 0; kj < g.kw; kj++ {
				row := cols[((ch*g.kh+ki)*g.kw+kj)*ld:]
				for i := i0; i < i1; i++ {
					gather(row[i*l:], src[(i-i0)*stride+ki*wp+kj:], idx)
				}
			}
		}
	}
}

// col2imBlock adds the columns im2colBlock would write for the same block
// onto dx (N,C,H,W). pt is newPixelTable(g, ld), unused (and may be empty)
// when isS2K4(g).
func col2imBlock(dx, cols []float32, ld int, g *convGeom, n0, c0, c1, i0, i1 int, pt pixelTable) {
	l, hw := g.l(), g.h*g.w
	fast := isS2K4(g)
	for ch := c0; ch < c1; ch++ {
		rows := cols[ch*g.kh*g.kw*ld:]
		for i := i0; i < i1; i++ {
			if fast {
				col2imS2K4(dx[((n0+i)*g.c+ch)*hw:][:hw], rows[i*l:], ld, g)
			} else {
				sumPixels(dx[((n0+i)*g.c+ch)*hw:][:hw], rows[i*l:], pt)
			}
		}
	}
}

// isS2K4 reports whether g is a 4x4 convolution of stride 2 and padding 1
// whose input is exactly twice its output each way (every stride-2 layer
// of the DCGANs, G's transposed ones included): col2imS2K4 sums its planes,
// and no pixel table is needed.
func isS2K4(g *convGeom) bool {
	return g.kh == 4 && g.kw == 4 && g.stride == 2 && g.pad == 1 &&
		g.h == 2*g.oh && g.w == 2*g.ow && g.oh >= 2 && g.ow >= 2
}

// col2imS2K4 is sumPixels for a geometry isS2K4 accepts. A pixel's taps
// come from the two kernel rows and two kernel columns its parity picks
// (one at the borders), each reading one output row, so an input row is
// summed from eight contiguous tap rows with no table; the terms are added
// in tap order, as sumPixels adds them, so the sums are the same bit for
// bit. src holds tap t's columns at src[t*ld:], as the pixel table reads.
func col2imS2K4(dst, src []float32, ld int, g *convGeom) {
	oh, ow, w := g.oh, g.ow, g.w
	// tap is kernel position (ki,kj)'s values along output row oy.
	tap := func(ki, kj, oy int) []float32 {
		o := (ki*4+kj)*ld + oy*ow
		return src[o : o+ow : o+ow]
	}
	for iy := 0; iy < g.h; iy++ {
		// Input row iy = 2*oy - 1 + ki: kernel rows kA < kB (in tap
		// order) reading output rows yA and yB; one of them at a border.
		r := iy / 2
		kA, yA, kB, yB, two := 1, r, 3, r-1, r >= 1 // iy even
		if iy%2 == 1 {
			kA, yA, kB, yB, two = 0, r+1, 2, r, r+1 < oh
			if !two {
				kA, yA = 2, r
			}
		}
		d := dst[iy*w : iy*w+w : iy*w+w]
		a0, a1, a2, a3 := tap(kA, 0, yA), tap(kA, 1, yA), tap(kA, 2, yA), tap(kA, 3, yA)
		if !two {
			d[0] = d[0] + a1[0]
			for c := 1; c < ow; c++ {
				d[2*c-1] = d[2*c-1] + a0[c] + a2[c-1]
				d[2*c] = d[2*c] + a1[c] + a3[c-1]
			}
			d[w-1] = d[w-1] + a2[ow-1]
			continue
		}
		b0, b1, b2, b3 := tap(kB, 0, yB), tap(kB, 1, yB), tap(kB, 2, yB), tap(kB, 3, yB)
		// Even columns 2c take kernel columns 1 (at c) and 3 (at c-1), odd
		// columns 2c-1 take 0 (at c) and 2 (at c-1); column 0 has no
		// column 3 tap and column w-1 no column 0 tap.
		d[0] = d[0] + a1[0] + b1[0]
		for c := 1; c < ow; c++ {
			d[2*c-1] = d[2*c-1] + a0[c] + a2[c-1] + b0[c] + b2[c-1]
			d[2*c] = d[2*c] + a1[c] + a3[c-1] + b1[c] + b3[c-1]
		}
		d[w-1] = d[w-1] + a2[ow-1] + b2[ow-1]
	}
}

// chunkBlocks splits a chunk of m images into blocks of images per channel
// so that there are at least two (channel, block) items per thread.
func chunkBlocks(g *convGeom, m int) int {
	return max(1, min(m, (2*Threads()+g.c-1)/g.c))
}

// im2colChunk unfolds images [n0,n0+m) of x (N,C,H,W) into cols
// (C*kH*kW, m*OH*OW), in parallel over (channel, image block) items; the
// items of one goroutine write a contiguous band of rows.
func im2colChunk(cols, x []float32, g *convGeom, n0, m int, idx []int32) {
	nb := chunkBlocks(g, m)
	parallelFor(g.c*nb, minItems((m+nb-1)/nb*g.kh*g.kw*g.l()), func(lo, hi int) {
		pp := padScratch(g, (m+nb-1)/nb)
		for it := lo; it < hi; it++ {
			ch, b := it/nb, it%nb
			im2colBlock(cols, m*g.l(), x, g, n0, ch, ch+1, b*m/nb, (b+1)*m/nb, idx, planeOf(pp))
		}
		if pp != nil {
			putScratch(pp)
		}
	})
}

// col2imChunk adds cols (C*kH*kW, m*OH*OW) onto images [n0,n0+m) of dx
// (N,C,H,W); pt is newPixelTable(g, m*OH*OW), empty when isS2K4(g). Each
// (image, channel) plane has one writer, so the parallel split does not
// change the sums.
func col2imChunk(dx, cols []float32, g *convGeom, n0, m int, pt pixelTable) {
	nb := chunkBlocks(g, m)
	parallelFor(g.c*nb, minItems((m+nb-1)/nb*g.kh*g.kw*g.l()), func(lo, hi int) {
		for it := lo; it < hi; it++ {
			ch, b := it/nb, it%nb
			col2imBlock(dx, cols, m*g.l(), g, n0, ch, ch+1, b*m/nb, (b+1)*m/nb, pt)
		}
	})
}

// Scratch buffers for column matrices and transposes, kept by power-of-two
// size class: a training step reuses the same few large sizes every
// iteration, and allocating (and zeroing) megabytes per call costs as much
// as the copy into them. The lists survive garbage collections (freeList).
var scratchLists [48]freeList

// getScratch returns a buffer of n floats with unspecified contents.
func getScratch(n int) *[]float32 {
	cls := bits.Len(uint(max(n, 1) - 1))
	if p := scratchLists[cls].get(n); p != nil {
		*p = (*p)[:n]
		return p
	}
	s := make([]float32, n, 1<<cls)
	return &s
}

// putScratch returns a buffer from getScratch to its list.
func putScratch(p *[]float32) {
	scratchLists[bits.Len(uint(max(cap(*p), 1)-1))].put(p)
}
