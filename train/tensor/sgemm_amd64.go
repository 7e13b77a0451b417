//go:build !purego

package tensor

import "golang.org/x/sys/cpu"

// sgemmKernelAVX512 is the 6x64 AVX-512 micro-kernel: rows 1..6 of the tile
// are stored, columns where mask has a bit set (low bit first).
//
//go:noescape
func sgemmKernelAVX512(k int, a, b, c *float32, ldc int, beta float32, rows int, mask uint64)

// sgemmKernelAVX2 is the 6x16 AVX2+FMA micro-kernel: rows 1..6 of the tile
// are stored, always all 16 columns.
//
//go:noescape
func sgemmKernelAVX2(k int, a, b, c *float32, ldc int, beta float32, rows int)

// sgemmKernelSSE is the 6x8 SSE micro-kernel for CPUs without AVX2: rows
// 1..6 of the tile are stored, always all 8 columns.
//
//go:noescape
func sgemmKernelSSE(k int, a, b, c *float32, ldc int, beta float32, rows int)

// Blocking: an A panel (6 x kc) sits in L1 for a sweep over the packed B
// block (kc x nc, 512 KiB), which fits in half of a 1 MiB L2; mc bounds the
// packed A block. Measured on Zen 5, kc from 128 to 256 with nc filling the
// same 512 KiB are within a few percent of each other.
var (
	avx512Kernel = &gemmKernel{name: "avx512", mr: 6, nr: 64, mc: 192, kc: 128, nc: 1024, micro: microAVX512}
	avx2Kernel   = &gemmKernel{name: "avx2", mr: 6, nr: 16, mc: 192, kc: 256, nc: 512, micro: microAVX2}
	sseKernel    = &gemmKernel{name: "sse", mr: 6, nr: 8, mc: 192, kc: 256, nc: 512, micro: microSSE}
)

func microSSE(kc int, a, b, c []float32, ldc int, beta float32, rows, cols int) {
	if cols == 8 {
		sgemmKernelSSE(kc, &a[0], &b[0], &c[0], ldc, beta, rows)
		return
	}
	var t [6 * 8]float32
	sgemmKernelSSE(kc, &a[0], &b[0], &t[0], 8, 0, rows)
	mergeTile(t[:], 8, c, ldc, beta, rows, cols)
}

func microAVX512(kc int, a, b, c []float32, ldc int, beta float32, rows, cols int) {
	sgemmKernelAVX512(kc, &a[0], &b[0], &c[0], ldc, beta, rows, ^uint64(0)>>(64-cols))
}

func microAVX2(kc int, a, b, c []float32, ldc int, beta float32, rows, cols int) {
	if cols == 16 {
		sgemmKernelAVX2(kc, &a[0], &b[0], &c[0], ldc, beta, rows)
		return
	}
	// A narrow edge tile would store past the end of C's rows: go through
	// a scratch tile instead.
	var t [6 * 16]float32
	sgemmKernelAVX2(kc, &a[0], &b[0], &t[0], 16, 0, rows)
	mergeTile(t[:], 16, c, ldc, beta, rows, cols)
}

func registerSgemmPaths() {
	// SSE2 is part of amd64: every such CPU runs the SSE kernel, which
	// is what one without AVX2 uses.
	sgemmPaths = append(sgemmPaths, sgemmPath{"generic", genericKernel.sgemm, genericKernel}, sgemmPath{"sse", sseKernel.sgemm, sseKernel})
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		sgemmPaths = append(sgemmPaths, sgemmPath{"avx2", avx2Kernel.sgemm, avx2Kernel})
	}
	// HasAVX512F is only set when the OS saves the zmm and mask state.
	if cpu.X86.HasAVX512F {
		sgemmPaths = append(sgemmPaths, sgemmPath{"avx512", avx512Kernel.sgemm, avx512Kernel})
	}
}
