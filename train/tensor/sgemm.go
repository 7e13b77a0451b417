package tensor

import "fmt"

// Sgemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices, where
// op(X) is X or its transpose: op(A) is (m,k), op(B) is (k,n), C is (m,n),
// with leading dimensions lda, ldb, ldc. It dispatches to the fastest kernel
// the CPU supports (see KernelPath) and splits work across Threads().
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	sgemmImpl(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// sgemmImpl is the dispatch point; selectSgemm (sgemm_pack.go) installs the
// chosen path at init.
var sgemmImpl = SgemmRef

// kernelPath names the sgemm path in use.
var kernelPath = "generic"

// KernelPath returns the name of the sgemm kernel in use ("generic", "sse",
// "avx2", "avx512"); checkpoints record it because results are bit-identical
// only on the same path. The fastest path the CPU supports is chosen at init;
// the environment variable GOGAN_KERNEL=generic|sse|avx2|avx512 forces one (init
// panics if the CPU lacks it), e.g. to check or compare paths on one machine.
func KernelPath() string { return kernelPath }

func checkGemm(transA, transB bool, m, n, k, la, lda, lb, ldb, lc, ldc int) {
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	bad := lda < max(1, ac) || ldb < max(1, bc) || ldc < max(1, n) ||
		(ar > 0 && la < (ar-1)*lda+ac) || (br > 0 && lb < (br-1)*ldb+bc) || (m > 0 && lc < (m-1)*ldc+n)
	if bad {
		panic(fmt.Sprintf("tensor: Sgemm: bad sizes m=%d n=%d k=%d lda=%d ldb=%d ldc=%d len(a)=%d len(b)=%d len(c)=%d",
			m, n, k, lda, ldb, ldc, la, lb, lc))
	}
}

// SgemmRef is the plain reference Sgemm: a direct triple loop, used to test
// the fast kernels and on CPUs without them.
func SgemmRef(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	parallelFor(m, 4, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			crow := c[i*ldc : i*ldc+n]
			if beta == 0 {
				clear(crow)
			} else if beta != 1 {
				for j := range crow {
					crow[j] *= beta
				}
			}
			for p := 0; p < k; p++ {
				var av float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				av *= alpha
				if av == 0 {
					continue
				}
				if !transB {
					brow := b[p*ldb : p*ldb+n]
					for j, bv := range brow {
						crow[j] += av * bv
					}
				} else {
					for j := range crow {
						crow[j] += av * b[j*ldb+p]
					}
				}
			}
		}
	})
}
