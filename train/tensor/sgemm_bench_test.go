package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

var benchSizes = []int{256, 1024}

// benchSquare runs C = A*B on size^3 and reports GFLOP/s.
func benchSquare(b *testing.B, size int, fn sgemmFunc) {
	rng := rand.New(rand.NewPCG(7, 8))
	x, y, c := randSlice(rng, size*size), randSlice(rng, size*size), make([]float32, size*size)
	b.ResetTimer()
	for b.Loop() {
		fn(false, false, size, size, size, 1, x, size, y, size, 0, c, size)
	}
	reportGFLOPs(b, size, size, size)
}

func reportGFLOPs(b *testing.B, m, n, k int) {
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkSgemm compares the reference with every path this CPU runs; the
// reference is skipped where one call would take over two seconds.
func BenchmarkSgemm(b *testing.B) {
	for _, p := range allPaths() {
		for _, size := range benchSizes {
			b.Run(fmt.Sprintf("%s/%d", p.name, size), func(b *testing.B) {
				if p.name == "ref" && refTooSlow(size) {
					b.Skip("reference takes over 2s per call")
				}
				benchSquare(b, size, p.fn)
			})
		}
	}
}

// refTooSlow times one reference call on a quarter-size problem (1/64 of the
// work) and extrapolates.
func refTooSlow(size int) bool {
	q := max(size/4, 1)
	x := make([]float32, q*q)
	start := time.Now()
	SgemmRef(false, false, q, q, q, 1, x, q, x, q, 0, make([]float32, q*q), q)
	return time.Since(start)*64 > 2*time.Second
}

// BenchmarkGonumSgemm is gonum's pure-Go Sgemm on the same problems, for
// comparison in one `go test -bench Sgemm` run.
func BenchmarkGonumSgemm(b *testing.B) {
	impl := gonum.Implementation{}
	for _, size := range benchSizes {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			benchSquare(b, size, func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, bb []float32, ldb int, beta float32, c []float32, ldc int) {
				impl.Sgemm(blasTrans(transA), blasTrans(transB), m, n, k, alpha, a, lda, bb, ldb, beta, c, ldc)
			})
		})
	}
}

func blasTrans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// BenchmarkSgemmConv covers the shapes conv layers hand to Sgemm on the
// default path: forward W*cols, and the backward A^T B and A B^T products.
func BenchmarkSgemmConv(b *testing.B) {
	shapes := []struct {
		name           string
		transA, transB bool
		m, n, k        int
	}{
		{"fwd/64x16384x1024", false, false, 64, 16384, 1024},
		{"fwd/128x4096x2048", false, false, 128, 4096, 2048},
		{"fwd/64x50176x48", false, false, 64, 50176, 48},
		{"dcols/1024x16384x64/AT", true, false, 1024, 16384, 64},
		{"dW/128x2048x4096/BT", false, true, 128, 2048, 4096},
	}
	for _, s := range shapes {
		b.Run(s.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(9, 10))
			x, y, c := randSlice(rng, s.m*s.k), randSlice(rng, s.k*s.n), make([]float32, s.m*s.n)
			lda, ldb := s.k, s.n
			if s.transA {
				lda = s.m
			}
			if s.transB {
				ldb = s.k
			}
			b.ResetTimer()
			for b.Loop() {
				Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, x, lda, y, ldb, 0, c, s.n)
			}
			reportGFLOPs(b, s.m, s.n, s.k)
		})
	}
}
