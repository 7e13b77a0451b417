package tensor

import (
	"fmt"
	"os"
	"strings"
)

// The fast Sgemm follows GotoBLAS/BLIS: op(B) is packed a (kc,nc) block at a
// time into panels of nr columns (kept in L2), op(A) an (mc,kc) block at a
// time into panels of mr rows (alpha applied while packing), and a
// micro-kernel multiplies one A panel by one B panel into an (mr,nr) tile of
// C. Packing absorbs the transposes, so every micro-kernel sees one layout:
// packed A step p holds op(A)[i..i+mr, p], packed B step p holds
// op(B)[p, j..j+nr], both zero-padded at the edges.

// gemmKernel is one micro-kernel with the blocking tuned for it.
type gemmKernel struct {
	name       string
	mr, nr     int
	mc, kc, nc int // block sizes; mc a multiple of mr, nc of nr
	// micro computes the (rows,cols) tile at c from kc steps of packed a and
	// b: c = acc when beta == 0 (c is not read), else c = acc + beta*c.
	micro func(kc int, a, b, c []float32, ldc int, beta float32, rows, cols int)
}

// sgemmFunc is the Sgemm signature every path implements.
type sgemmFunc = func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

// sgemmPath is a named Sgemm implementation the CPU can run.
type sgemmPath struct {
	name   string
	fn     sgemmFunc
	kernel *gemmKernel // the blocked kernel behind fn; nil for the reference
}

// sgemmPaths lists the paths this CPU supports, slowest first; init fills it
// so that one test suite can run every path against SgemmRef.
var sgemmPaths []sgemmPath

// selectSgemm installs the fastest path, or the one named by the
// GOGAN_KERNEL environment variable (generic, sse, avx2 or avx512) so runs can
// be checked or compared on one machine. Asking for a path the CPU lacks
// is an error: silently measuring another path would mislead.
func selectSgemm(env string) {
	p := sgemmPaths[len(sgemmPaths)-1]
	if env != "" {
		found := false
		var names []string
		for _, q := range sgemmPaths {
			names = append(names, q.name)
			if q.name == env {
				p, found = q, true
			}
		}
		if !found {
			panic(fmt.Sprintf("tensor: GOGAN_KERNEL=%q is not available on this CPU; use one of %s",
				env, strings.Join(names, ", ")))
		}
	}
	sgemmImpl, kernelPath = p.fn, p.name
}

func init() {
	registerSgemmPaths()
	selectSgemm(os.Getenv("GOGAN_KERNEL"))
}

// genericKernel is the pure-Go micro-kernel: a 2x4 tile is the largest the
// Go compiler keeps in registers without spilling (4x4 spills and runs
// slower). On amd64 the SSE kernel replaces it (gonum's Sgemm there runs
// SSE assembly, which this kernel reaches only half of); where gonum is pure
// Go too (arm64, or -tags noasm) this one runs at over twice its speed.
var genericKernel = &gemmKernel{name: "generic", mr: 2, nr: 4, mc: 128, kc: 256, nc: 2048, micro: microGeneric}

// minGemmWork is the fewest multiply-adds per goroutine worth a split.
const minGemmWork = 1 << 19

// sgemm is the Sgemm of kernel g. Work is split over column panels when
// n >= m (each thread then repacks only the smaller A) and over row panels
// otherwise; the split depends only on the sizes and Threads(), panel
// boundaries fall on the same tiles for any split, and k is never split, so
// every element is the same FMA chain whatever the thread count.
func (g *gemmKernel) sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleRows(m, n, beta, c, ldc)
		return
	}
	if n >= m {
		panels := (n + g.nr - 1) / g.nr
		minPanels := minGemmWork/(m*k*g.nr) + 1
		// Every thread's column share meets all of A once per nc block.
		// When a share spans more than one block, A is packed here once
		// for all of them (the same values, so the same sums) instead of
		// once per block per thread.
		var pre *[]float32
		if perThread := n / max(1, min(Threads(), panels/minPanels)); perThread > g.nc && m*k <= maxPrepackA {
			pre = g.prepackA(transA, m, k, alpha, a, lda)
			defer packList.put(pre)
		}
		parallelFor(panels, minPanels, func(lo, hi int) {
			j0, j1 := lo*g.nr, min(hi*g.nr, n)
			off := j0
			if transB {
				off = j0 * ldb
			}
			var ap []float32
			if pre != nil {
				ap = *pre
			}
			g.blocked(transA, transB, m, j1-j0, k, alpha, a, lda, b[off:], ldb, beta, c[j0:], ldc, ap)
		})
		return
	}
	panels := (m + g.mr - 1) / g.mr
	parallelFor(panels, minGemmWork/(n*k*g.mr)+1, func(lo, hi int) {
		i0, i1 := lo*g.mr, min(hi*g.mr, m)
		off := i0 * lda
		if transA {
			off = i0
		}
		g.blocked(transA, transB, i1-i0, n, k, alpha, a[off:], lda, b, ldb, beta, c[i0*ldc:], ldc, nil)
	})
}

// scaleRows sets C = beta*C over (m,n), clearing when beta == 0 so that NaNs
// in C do not survive, as BLAS specifies.
func scaleRows(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		switch beta {
		case 0:
			clear(row)
		case 1:
		default:
			for j := range row {
				row[j] *= beta
			}
		}
	}
}

// packList keeps the sgemm packing buffers (freeList).
var packList freeList

func getPack(n int) *[]float32 {
	if p := packList.get(n); p != nil {
		*p = (*p)[:n]
		return p
	}
	s := make([]float32, n)
	return &s
}

// maxPrepackA bounds the A (m*k floats) that sgemm packs whole up front:
// 4 MB, past which the packed copy would no longer sit in the caches.
const maxPrepackA = 1 << 20

// prepackA packs all of alpha*op(A) (m,k) as blocked packs each (ic, pc)
// block: the kc-wide block at pc starts at pc*roundUp(m, mr), and within
// it the rows from ic on at ic*kc (packA's panel layout, for all rows).
func (g *gemmKernel) prepackA(transA bool, m, k int, alpha float32, a []float32, lda int) *[]float32 {
	mPad := roundUp(m, g.mr)
	p := getPack(mPad * k)
	for pc := 0; pc < k; pc += g.kc {
		packA((*p)[pc*mPad:], g.mr, transA, a, lda, 0, pc, m, min(g.kc, k-pc), alpha)
	}
	return p
}

// blocked runs one thread's share with the GotoBLAS loop nest. The A panel
// of the inner loop stays in L1 while the packed B block streams from L2.
// pre, when not nil, is all of A from prepackA; else each block of A is
// packed as it is needed.
func (g *gemmKernel) blocked(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, pre []float32) {
	kcMax := min(g.kc, k)
	var ap []float32
	if pre == nil {
		pa := getPack(roundUp(min(g.mc, m), g.mr) * kcMax)
		defer packList.put(pa)
		ap = *pa
	}
	pb := getPack(roundUp(min(g.nc, n), g.nr) * kcMax)
	defer packList.put(pb)
	bp := *pb
	mPad := roundUp(m, g.mr)
	for jc := 0; jc < n; jc += g.nc {
		nc := min(g.nc, n-jc)
		for pc := 0; pc < k; pc += g.kc {
			kc := min(g.kc, k-pc)
			packB(bp, g.nr, transB, b, ldb, pc, jc, kc, nc)
			bEff := beta
			if pc > 0 {
				bEff = 1
			}
			for ic := 0; ic < m; ic += g.mc {
				mc := min(g.mc, m-ic)
				if pre != nil {
					ap = pre[pc*mPad+ic*kc:]
				} else {
					packA(ap, g.mr, transA, a, lda, ic, pc, mc, kc, alpha)
				}
				for ir := 0; ir < mc; ir += g.mr {
					rows := min(g.mr, mc-ir)
					apan := ap[ir*kc:]
					crow := (ic+ir)*ldc + jc
					for jr := 0; jr < nc; jr += g.nr {
						g.micro(kc, apan, bp[jr*kc:], c[crow+jr:], ldc, bEff, rows, min(g.nr, nc-jr))
					}
				}
			}
		}
	}
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }

// packA packs alpha*op(A)[ic:ic+mc, pc:pc+kc] into panels of mr rows: panel
// q step p holds rows q*mr.. at dst[q*mr*kc + p*mr ..].
func packA(dst []float32, mr int, transA bool, a []float32, lda, ic, pc, mc, kc int, alpha float32) {
	for q := 0; q*mr < mc; q++ {
		rows := min(mr, mc-q*mr)
		pan := dst[q*mr*kc : (q+1)*mr*kc]
		i0 := ic + q*mr
		if transA {
			// op(A)[i,p] = a[p*lda+i]: each step is a contiguous run.
			for p := 0; p < kc; p++ {
				src := a[(pc+p)*lda+i0:][:rows]
				d := pan[p*mr : p*mr+mr]
				for i, v := range src {
					d[i] = alpha * v
				}
				clear(d[rows:])
			}
			continue
		}
		packStrided(pan, mr, a[i0*lda+pc:], lda, rows, kc, alpha)
	}
}

// packB packs op(B)[pc:pc+kc, jc:jc+nc] into panels of nr columns: panel q
// step p holds columns q*nr.. at dst[q*nr*kc + p*nr ..].
func packB(dst []float32, nr int, transB bool, b []float32, ldb, pc, jc, kc, nc int) {
	if !transB {
		// Read each source row front to back, the order prefetchers follow.
		full := nc / nr * nr
		for p := 0; p < kc; p++ {
			row := b[(pc+p)*ldb+jc:][:nc]
			// A fixed-size array copy through a local compiles to a few
			// vector moves, where copy (or a direct array assignment, which
			// may overlap) calls memmove, whose call costs as much as 64 bytes.
			switch nr {
			case 16:
				for j := 0; j < full; j += 16 {
					v := *(*[16]float32)(row[j:])
					*(*[16]float32)(dst[j*kc+p*16:]) = v
				}
			case 8:
				for j := 0; j < full; j += 8 {
					v := *(*[8]float32)(row[j:])
					*(*[8]float32)(dst[j*kc+p*8:]) = v
				}
			default:
				for j := 0; j < full; j += nr {
					copy(dst[j*kc+p*nr:j*kc+p*nr+nr], row[j:j+nr])
				}
			}
			if full < nc {
				d := dst[full*kc+p*nr : full*kc+p*nr+nr]
				copy(d, row[full:])
				clear(d[nc-full:])
			}
		}
		return
	}
	for q := 0; q*nr < nc; q++ {
		// op(B)[p,j] = b[j*ldb+p]: each column is a contiguous run.
		j0 := q * nr
		packStrided(dst[j0*kc:j0*kc+nr*kc], nr, b[(jc+j0)*ldb+pc:], ldb, min(nr, nc-j0), kc, 1)
	}
}

// packStrided interleaves n runs of kc floats, run r starting at src[r*ld],
// into dst so that dst[p*w + r] = scale*run_r[p], zeroing lanes n..w. Four
// runs go at once so that each step writes whole groups of lanes rather than
// one float per cache line.
func packStrided(dst []float32, w int, src []float32, ld, n, kc int, scale float32) {
	r := 0
	for ; r+4 <= n; r += 4 {
		s0 := src[r*ld:][:kc]
		s1 := src[(r+1)*ld:][:kc]
		s2 := src[(r+2)*ld:][:kc]
		s3 := src[(r+3)*ld:][:kc]
		for p, v := range s0 {
			d := dst[p*w+r : p*w+r+4 : p*w+r+4]
			d[0], d[1], d[2], d[3] = scale*v, scale*s1[p], scale*s2[p], scale*s3[p]
		}
	}
	for ; r < n; r++ {
		for p, v := range src[r*ld:][:kc] {
			dst[p*w+r] = scale * v
		}
	}
	if n < w {
		for p := 0; p < kc; p++ {
			clear(dst[p*w+n : p*w+w])
		}
	}
}

// microGeneric is the 2x4 pure-Go micro-kernel (see gemmKernel.micro).
func microGeneric(kc int, a, b, c []float32, ldc int, beta float32, rows, cols int) {
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	a, b = a[:2*kc], b[:4*kc]
	for p := 0; p < kc; p++ {
		ap, bp := a[2*p:2*p+2:2*p+2], b[4*p:4*p+4:4*p+4]
		a0, a1 := ap[0], ap[1]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
	}
	t := [8]float32{c00, c01, c02, c03, c10, c11, c12, c13}
	mergeTile(t[:], 4, c, ldc, beta, rows, cols)
}

// mergeTile writes the (rows,cols) corner of tile t (row stride nr) into C:
// c = t when beta == 0, else c = t + beta*c.
func mergeTile(t []float32, nr int, c []float32, ldc int, beta float32, rows, cols int) {
	for i := 0; i < rows; i++ {
		src := t[i*nr : i*nr+cols]
		dst := c[i*ldc : i*ldc+cols]
		if beta == 0 {
			copy(dst, src)
			continue
		}
		for j, v := range src {
			dst[j] = v + beta*dst[j]
		}
	}
}
