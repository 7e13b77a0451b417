package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// gemmCase is one Sgemm problem; pads widen the leading dimensions past the
// matrix widths so that stride bugs and stores past a row show up.
type gemmCase struct {
	m, n, k     int
	alpha, beta float32
	pad         int
}

func gemmCases() []gemmCase {
	var cs []gemmCase
	small := [][3]int{
		{0, 0, 0}, {0, 5, 3}, {5, 0, 3}, {5, 3, 0}, {1, 1, 1}, {1, 7, 1}, {3, 17, 33},
		{17, 3, 65}, {33, 65, 17}, {65, 127, 3}, {127, 33, 129}, {6, 64, 4}, {7, 65, 9},
		{12, 16, 5}, {13, 130, 2},
	}
	ab := [][2]float32{{1, 0}, {1, 1}, {-0.7, 0.3}, {0, 2}, {2.5, 0}}
	for _, s := range small {
		for _, v := range ab {
			for _, pad := range []int{0, 3} {
				cs = append(cs, gemmCase{s[0], s[1], s[2], v[0], v[1], pad})
			}
		}
	}
	// Sizes that cross every blocking edge (mc, kc, nc) and both thread splits.
	large := [][3]int{{200, 600, 300}, {70, 1100, 20}, {300, 50, 40}, {400, 90, 120}, {64, 700, 513}, {5, 33, 1000}}
	for _, s := range large {
		cs = append(cs, gemmCase{s[0], s[1], s[2], 1, 0, 1}, gemmCase{s[0], s[1], s[2], 0.5, -1.5, 0})
	}
	return cs
}

// gemmData holds the operands of one case, stored as op(X) requires.
type gemmData struct {
	a, b, c       []float32
	lda, ldb, ldc int
}

func newGemmData(rng *rand.Rand, tc gemmCase, transA, transB bool) gemmData {
	ar, ac := tc.m, tc.k
	if transA {
		ar, ac = ac, ar
	}
	br, bc := tc.k, tc.n
	if transB {
		br, bc = bc, br
	}
	d := gemmData{lda: max(ac+tc.pad, 1), ldb: max(bc+tc.pad, 1), ldc: max(tc.n+tc.pad, 1)}
	d.a = randSlice(rng, max(ar*d.lda, 1))
	d.b = randSlice(rng, max(br*d.ldb, 1))
	d.c = randSlice(rng, tc.m*d.ldc+cGuard)
	if tc.beta == 0 {
		// BLAS does not read C when beta is 0, so NaNs there must vanish.
		for i := 0; i < tc.m; i++ {
			for j := 0; j < tc.n; j++ {
				d.c[i*d.ldc+j] = float32(math.NaN())
			}
		}
	}
	return d
}

// cGuard extra elements after C catch stores past its end.
const cGuard = 80

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

// gemm64 is C = alpha*op(A)*op(B) + beta*C in float64, with the magnitude
// sum |alpha|*sum|a*b| + |beta*c| each element's rounding error scales with.
func gemm64(tc gemmCase, transA, transB bool, d gemmData) (want, scale []float64) {
	want = make([]float64, tc.m*tc.n)
	scale = make([]float64, tc.m*tc.n)
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			var s, abs float64
			for p := 0; p < tc.k; p++ {
				ai, bi := i*d.lda+p, p*d.ldb+j
				if transA {
					ai = p*d.lda + i
				}
				if transB {
					bi = j*d.ldb + p
				}
				av, bv := d.a[ai], d.b[bi]
				s += float64(av) * float64(bv)
				abs += math.Abs(float64(av) * float64(bv))
			}
			v, sc := float64(tc.alpha)*s, math.Abs(float64(tc.alpha))*abs
			if tc.beta != 0 {
				cv := float64(tc.beta) * float64(d.c[i*d.ldc+j])
				v += cv
				sc += math.Abs(cv)
			}
			want[i*tc.n+j], scale[i*tc.n+j] = v, sc
		}
	}
	return want, scale
}

// allPaths is the reference followed by every fast path this CPU runs.
func allPaths() []sgemmPath {
	return append([]sgemmPath{{name: "ref", fn: SgemmRef}}, sgemmPaths...)
}

func TestSgemmPaths(t *testing.T) {
	defer SetThreads(Threads())
	SetThreads(2)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range gemmCases() {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			d := newGemmData(rng, tc, tr[0], tr[1])
			want, scale := gemm64(tc, tr[0], tr[1], d)
			// A float32 FMA chain over k terms is off by at most about
			// k ulps of the magnitude sum; a wrong index is off by O(scale).
			tol := float64(tc.k+3) * 1.2e-7
			for _, p := range allPaths() {
				name := fmt.Sprintf("%s/%dx%dx%d/tA=%v,tB=%v/a=%g,b=%g,pad=%d",
					p.name, tc.m, tc.n, tc.k, tr[0], tr[1], tc.alpha, tc.beta, tc.pad)
				c := append([]float32(nil), d.c...)
				p.fn(tr[0], tr[1], tc.m, tc.n, tc.k, tc.alpha, d.a, d.lda, d.b, d.ldb, tc.beta, c, d.ldc)
				checkGemm32(t, name, tc, d, c, want, scale, tol)
			}
		}
	}
}

func checkGemm32(t *testing.T, name string, tc gemmCase, d gemmData, got []float32, want, scale []float64, tol float64) {
	t.Helper()
	for x, g := range got {
		i, j := x/d.ldc, x%d.ldc
		if i >= tc.m || j >= tc.n {
			if math.Float32bits(g) != math.Float32bits(d.c[x]) {
				t.Fatalf("%s: wrote C[%d] outside the (%d,%d) matrix with ldc %d", name, x, tc.m, tc.n, d.ldc)
			}
			continue
		}
		{
			w := want[i*tc.n+j]
			if diff := math.Abs(float64(g) - w); !(diff <= tol*scale[i*tc.n+j]+1e-30) {
				t.Fatalf("%s: C[%d,%d] = %g, want %g (diff %g, allowed %g)", name, i, j, g, w, diff, tol*scale[i*tc.n+j])
			}
		}
	}
}

// The result must not depend on the thread count: k is never split and
// tiles land on the same elements for every split.
func TestSgemmThreadsBitIdentical(t *testing.T) {
	defer SetThreads(Threads())
	rng := rand.New(rand.NewPCG(3, 4))
	shapes := [][3]int{{64, 3000, 48}, {333, 97, 200}, {130, 130, 300}}
	for _, s := range shapes {
		for _, tr := range [][2]bool{{false, false}, {true, true}} {
			tc := gemmCase{m: s[0], n: s[1], k: s[2], alpha: 0.75, beta: 0.5}
			d := newGemmData(rng, tc, tr[0], tr[1])
			for _, p := range sgemmPaths {
				var first []float32
				for _, th := range []int{1, 2, 3} {
					SetThreads(th)
					c := append([]float32(nil), d.c...)
					p.fn(tr[0], tr[1], tc.m, tc.n, tc.k, tc.alpha, d.a, d.lda, d.b, d.ldb, tc.beta, c, d.ldc)
					if first == nil {
						first = c
						continue
					}
					for i := range c {
						if math.Float32bits(c[i]) != math.Float32bits(first[i]) {
							t.Fatalf("%s %v trans=%v: threads=%d differs from threads=1 at %d: %g vs %g",
								p.name, s, tr, th, i, c[i], first[i])
						}
					}
				}
			}
		}
	}
}

// A packed once up front for every column block (prepackA) gives the very
// sums of A packed block by block: shapes that span several kc, mc and nc
// blocks, with and without transposes, against blocked packing as it goes.
func TestSgemmPrepackBitIdentical(t *testing.T) {
	defer SetThreads(Threads())
	rng := rand.New(rand.NewPCG(5, 6))
	for _, s := range [][3]int{{200, 1500, 300}, {7, 2100, 530}, {64, 3000, 48}} {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			tc := gemmCase{m: s[0], n: s[1], k: s[2], alpha: 0.75, beta: 0.5}
			d := newGemmData(rng, tc, tr[0], tr[1])
			for _, p := range sgemmPaths {
				g := p.kernel
				want := append([]float32(nil), d.c...)
				g.blocked(tr[0], tr[1], tc.m, tc.n, tc.k, tc.alpha, d.a, d.lda, d.b, d.ldb, tc.beta, want, d.ldc, nil)
				pre := g.prepackA(tr[0], tc.m, tc.k, tc.alpha, d.a, d.lda)
				got := append([]float32(nil), d.c...)
				g.blocked(tr[0], tr[1], tc.m, tc.n, tc.k, tc.alpha, d.a, d.lda, d.b, d.ldb, tc.beta, got, d.ldc, *pre)
				packList.put(pre)
				for _, th := range []int{1, 2} {
					SetThreads(th) // through sgemm, which prepacks at these sizes
					c := append([]float32(nil), d.c...)
					p.fn(tr[0], tr[1], tc.m, tc.n, tc.k, tc.alpha, d.a, d.lda, d.b, d.ldb, tc.beta, c, d.ldc)
					for i := range c {
						if math.Float32bits(c[i]) != math.Float32bits(want[i]) || math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("%s %v trans=%v threads=%d: C[%d] prepacked %g, sgemm %g, packed per block %g",
								p.name, s, tr, th, i, got[i], c[i], want[i])
						}
					}
				}
			}
		}
	}
}

func TestSgemmSelect(t *testing.T) {
	defer selectSgemm(kernelPath)
	for _, p := range sgemmPaths {
		selectSgemm(p.name)
		if KernelPath() != p.name {
			t.Errorf("GOGAN_KERNEL=%s gave path %q", p.name, KernelPath())
		}
	}
	selectSgemm("")
	if want := sgemmPaths[len(sgemmPaths)-1].name; KernelPath() != want {
		t.Errorf("default path %q, want the fastest %q", KernelPath(), want)
	}
	defer func() {
		if recover() == nil {
			t.Error("GOGAN_KERNEL=bogus did not panic")
		}
	}()
	selectSgemm("bogus")
}

// Packing buffers come from a pool, so a steady stream of calls on one
// thread allocates next to nothing.
func TestSgemmSteadyAllocs(t *testing.T) {
	defer SetThreads(Threads())
	SetThreads(1)
	rng := rand.New(rand.NewPCG(5, 6))
	a, b, c := randSlice(rng, 96*300), randSlice(rng, 300*200), make([]float32, 96*200)
	for _, p := range sgemmPaths {
		allocs := testing.AllocsPerRun(20, func() {
			p.fn(false, false, 96, 200, 300, 1, a, 300, b, 200, 0, c, 200)
		})
		if allocs > 2 {
			t.Errorf("%s: %.1f allocations per call", p.name, allocs)
		}
	}
}
