package eval

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gogan/gan/internal/approx"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol*max(1, math.Abs(b)) }

// gaussianSample draws n vectors from N(mean, diag(sd^2)) as float32.
func gaussianSample(rng *rand.Rand, n int, mean, sd []float64) []float32 {
	d := len(mean)
	x := make([]float32, n*d)
	for i := range n {
		for j := range d {
			x[i*d+j] = float32(mean[j] + sd[j]*rng.NormFloat64())
		}
	}
	return x
}

func diagGaussian(mean, variance []float64) Gaussian {
	d := len(mean)
	cov := make([]float64, d*d)
	for i, v := range variance {
		cov[i*d+i] = v
	}
	return Gaussian{Dim: d, Mean: mean, Cov: cov}
}

// For diagonal covariances the Fréchet distance separates per axis:
// sum (m1-m2)^2 + s1 + s2 - 2 sqrt(s1 s2), with s the variances.
func TestFrechetDiagonalClosedForm(t *testing.T) {
	cases := []struct{ m1, v1, m2, v2 []float64 }{
		{[]float64{0}, []float64{1}, []float64{0}, []float64{1}},
		{[]float64{1}, []float64{4}, []float64{-2}, []float64{9}},
		{[]float64{0, 1, 2}, []float64{1, 2, 3}, []float64{3, 1, 0}, []float64{0.5, 8, 3}},
		{[]float64{0, 0}, []float64{1, 0}, []float64{0, 0}, []float64{0, 1}}, // singular
	}
	for _, c := range cases {
		want := 0.0
		for i := range c.m1 {
			want += (c.m1[i]-c.m2[i])*(c.m1[i]-c.m2[i]) + c.v1[i] + c.v2[i] - 2*math.Sqrt(c.v1[i]*c.v2[i])
		}
		got := FrechetDistance(diagGaussian(c.m1, c.v1), diagGaussian(c.m2, c.v2))
		if !near(got, want, 1e-9) {
			t.Errorf("%v: got %.12g, want %.12g", c, got, want)
		}
	}
}

// For 2x2 covariances the eigenvalues l1, l2 of S1 S2 give
// tr sqrt(S1 S2) = sqrt(l1) + sqrt(l2) = sqrt(tr(S1 S2) + 2 sqrt(det(S1 S2))),
// a closed form that also holds when S1 and S2 do not commute.
func TestFrechetNonCommuting2x2(t *testing.T) {
	s1 := []float64{2, 0.9, 0.9, 1}
	s2 := []float64{1, -0.4, -0.4, 3}
	trProd := s1[0]*s2[0] + s1[1]*s2[2] + s1[2]*s2[1] + s1[3]*s2[3]
	det := (s1[0]*s1[3] - s1[1]*s1[2]) * (s2[0]*s2[3] - s2[1]*s2[2])
	trSqrt := math.Sqrt(trProd + 2*math.Sqrt(det))
	m1, m2 := []float64{1, 2}, []float64{0.5, -1}
	want := 0.25 + 9 + s1[0] + s1[3] + s2[0] + s2[3] - 2*trSqrt
	got := FrechetDistance(Gaussian{Dim: 2, Mean: m1, Cov: s1}, Gaussian{Dim: 2, Mean: m2, Cov: s2})
	if !near(got, want, 1e-9) {
		t.Fatalf("got %.12g, want %.12g", got, want)
	}
}

// Rotating both Gaussians by one orthogonal matrix leaves the distance
// unchanged; the rotated covariances are dense, unlike the diagonal ones.
func TestFrechetRotationInvariant(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const d = 6
	q := randomOrthogonal(rng, d)
	m1, m2 := make([]float64, d), make([]float64, d)
	v1, v2 := make([]float64, d), make([]float64, d)
	for i := range d {
		m1[i], m2[i] = rng.NormFloat64(), rng.NormFloat64()
		v1[i], v2[i] = rng.Float64()*3, rng.Float64()*3
	}
	want := FrechetDistance(diagGaussian(m1, v1), diagGaussian(m2, v2))
	rot := func(g Gaussian) Gaussian {
		out := Gaussian{Dim: d, Mean: make([]float64, d), Cov: make([]float64, d*d)}
		for i := range d {
			for k := range d {
				out.Mean[i] += q[i*d+k] * g.Mean[k]
			}
			for j := range d {
				for k := range d {
					out.Cov[i*d+j] += q[i*d+k] * g.Cov[k*d+k] * q[j*d+k]
				}
			}
		}
		return out
	}
	got := FrechetDistance(rot(diagGaussian(m1, v1)), rot(diagGaussian(m2, v2)))
	if !near(got, want, 1e-9) {
		t.Fatalf("rotated: got %.12g, want %.12g", got, want)
	}
}

// randomOrthogonal returns a d x d orthogonal matrix by Gram-Schmidt.
func randomOrthogonal(rng *rand.Rand, d int) []float64 {
	q := make([]float64, d*d)
	for i := range d {
		row := q[i*d : (i+1)*d]
		for j := range row {
			row[j] = rng.NormFloat64()
		}
		for p := range i {
			prev := q[p*d : (p+1)*d]
			dot := 0.0
			for j := range row {
				dot += row[j] * prev[j]
			}
			for j := range row {
				row[j] -= dot * prev[j]
			}
		}
		norm := 0.0
		for _, v := range row {
			norm += v * v
		}
		for j := range row {
			row[j] /= math.Sqrt(norm)
		}
	}
	return q
}

// FID of a set with itself is zero, also when the covariance is singular
// (fewer vectors than dimensions).
func TestFIDIdenticalSets(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{500, 20} {
		const d = 64
		x := make([]float32, n*d)
		for i := range x {
			x[i] = float32(rng.ExpFloat64())
		}
		if got := FID(x, n, x, n, d); got > 1e-6 {
			t.Errorf("n=%d: FID of a set with itself = %g, want ~0", n, got)
		}
	}
}

// FitGaussian on large samples recovers the Gaussians, so the sample FID
// approaches the closed form.
func TestFIDSampleMatchesClosedForm(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	m1, s1 := []float64{0, 1, -1}, []float64{1, 2, 0.5}
	m2, s2 := []float64{1, 1, 0}, []float64{2, 1, 0.5}
	const n = 40000
	got := FID(gaussianSample(rng, n, m1, s1), n, gaussianSample(rng, n, m2, s2), n, 3)
	want := 0.0
	for i := range m1 {
		want += (m1[i]-m2[i])*(m1[i]-m2[i]) + (s1[i]-s2[i])*(s1[i]-s2[i])
	}
	if !approx.Near(got, want, 0.05) {
		t.Fatalf("sample FID %.4f, closed form %.4f", got, want)
	}
}

// With the subset equal to the whole (permuted) sets, KID is the unbiased
// MMD^2 computed directly.
func TestKIDMatchesDirectFormula(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n, d = 30, 5
	x := gaussianSample(rng, n, make([]float64, d), []float64{1, 1, 1, 1, 1})
	y := gaussianSample(rng, n, []float64{0.5, 0, 0, 0, 0}, []float64{1, 2, 1, 1, 1})
	k := func(a, b []float32) float64 {
		dot := 0.0
		for i := range a {
			dot += float64(a[i]) * float64(b[i])
		}
		return math.Pow(dot/d+1, 3)
	}
	var kxx, kyy, kxy float64
	for i := range n {
		for j := range n {
			xi, xj, yi, yj := x[i*d:(i+1)*d], x[j*d:(j+1)*d], y[i*d:(i+1)*d], y[j*d:(j+1)*d]
			if i != j {
				kxx += k(xi, xj)
				kyy += k(yi, yj)
			}
			kxy += k(xi, yj)
		}
	}
	want := (kxx+kyy)/(n*(n-1)) - 2*kxy/(n*n)
	got := KID(x, n, y, n, d, KIDOptions{Subsets: 3, SubsetSize: n})
	if !near(got.Mean, want, 1e-5) || got.Std > 1e-5*math.Abs(want) || got.SubsetSize != n {
		t.Fatalf("KID %+v, direct formula %.8g", got, want)
	}
}

// KID is unbiased: near zero for two samples of one distribution, well
// above zero for a shifted one, and repeatable for a seed.
func TestKIDSameAndShifted(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const n, d = 1200, 16
	mean, sd := make([]float64, d), make([]float64, d)
	shifted := make([]float64, d)
	for i := range sd {
		sd[i], shifted[i] = 1, 0.3
	}
	a, b := gaussianSample(rng, n, mean, sd), gaussianSample(rng, n, mean, sd)
	c := gaussianSample(rng, n, shifted, sd)
	opt := KIDOptions{Subsets: 20, SubsetSize: 400, Seed: 1}
	same, diff := KID(a, n, b, n, d, opt), KID(a, n, c, n, d, opt)
	if !approx.Near(same.Mean, 0, 3*same.Std+1e-3) || diff.Mean < 10*math.Abs(same.Mean) || diff.Mean-3*diff.Std <= 0 {
		t.Fatalf("KID same distribution %+v, shifted %+v", same, diff)
	}
	if again := KID(a, n, c, n, d, opt); again != diff {
		t.Fatalf("KID with the same seed: %+v then %+v", diff, again)
	}
}

// The k-NN radii agree with a brute-force search.
func TestKNNRadiiBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const n, d, k = 300, 7, 3
	x := gaussianSample(rng, n, make([]float64, d), []float64{1, 2, 1, 1, 3, 1, 1})
	radii := knnRadii(x, n, d, k)
	for i := range n {
		var ds []float64
		for j := range n {
			if j == i {
				continue
			}
			s := 0.0
			for p := range d {
				diff := float64(x[i*d+p]) - float64(x[j*d+p])
				s += diff * diff
			}
			ds = append(ds, s)
		}
		for a := 0; a < k; a++ { // partial selection sort: the k smallest
			for b := a + 1; b < len(ds); b++ {
				if ds[b] < ds[a] {
					ds[a], ds[b] = ds[b], ds[a]
				}
			}
		}
		if !near(float64(radii[i]), ds[k-1], 1e-4) {
			t.Fatalf("row %d: radius %g, brute force %g", i, radii[i], ds[k-1])
		}
	}
}

// clusters draws n 2-D points around the given centres in turn.
func clusters(rng *rand.Rand, n int, centres [][2]float64) []float32 {
	x := make([]float32, 2*n)
	for i := range n {
		c := centres[i%len(centres)]
		x[2*i] = float32(c[0] + 0.3*rng.NormFloat64())
		x[2*i+1] = float32(c[1] + 0.3*rng.NormFloat64())
	}
	return x
}

// A generator that covers one of four modes has precision ~1 (its samples
// lie on the real manifold) but recall near a quarter; one that covers all
// has both high; swapping the roles swaps the two.
func TestPrecisionRecallPointClouds(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	all := [][2]float64{{0, 0}, {5, 0}, {0, 5}, {5, 5}}
	const n = 2000
	reals := clusters(rng, n, all)
	one := clusters(rng, n, all[:1])
	full := clusters(rng, n, all)
	p, r := PrecisionRecall(reals, n, one, n, 2, 3)
	if p < 0.95 || r > 0.4 {
		t.Errorf("one mode of four: precision %.3f (want ~1), recall %.3f (want ~0.25)", p, r)
	}
	p2, r2 := PrecisionRecall(one, n, reals, n, 2, 3)
	if !approx.Near(p2, r, 0.05) || !approx.Near(r2, p, 0.05) {
		t.Errorf("roles swapped: precision %.3f recall %.3f; want %.3f and %.3f", p2, r2, r, p)
	}
	p, r = PrecisionRecall(reals, n, full, n, 2, 3)
	if p < 0.9 || r < 0.9 {
		t.Errorf("all modes: precision %.3f recall %.3f, want both > 0.9", p, r)
	}
	far := clusters(rng, n, [][2]float64{{20, 20}})
	if p, r = PrecisionRecall(reals, n, far, n, 2, 3); p != 0 || r != 0 {
		t.Errorf("disjoint: precision %.3f recall %.3f, want 0 and 0", p, r)
	}
}

// oneHot returns probabilities that put confidence conf on the given
// labels and spread the rest evenly.
func oneHot(labels []int, k int, conf float32) []float32 {
	p := make([]float32, len(labels)*k)
	for i, l := range labels {
		for j := range k {
			p[i*k+j] = (1 - conf) / float32(k-1)
		}
		p[i*k+l] = conf
	}
	return p
}

func TestCoverageKnownDistributions(t *testing.T) {
	names := DigitClasses()
	cases := []struct {
		name   string
		labels func(i int) int
		perp   float64
	}{
		{"uniform", func(i int) int { return i % 10 }, 10},
		{"one class", func(int) int { return 7 }, 1},
		{"two classes", func(i int) int { return 3 * (i % 2) }, 2},
		{"skewed", func(i int) int { // shares 0.5, 0.25, 0.25
			return []int{0, 0, 1, 2}[i%4]
		}, math.Exp(-(0.5*math.Log(0.5) + 0.5*math.Log(0.25)))},
	}
	for _, c := range cases {
		labels := make([]int, 1000)
		for i := range labels {
			labels[i] = c.labels(i)
		}
		cov := ClassCoverage(oneHot(labels, 10, 0.9), 1000, 10, names)
		if !near(cov.Perplexity, c.perp, 1e-9) || !near(cov.MeanConfidence, 0.9, 1e-6) {
			t.Errorf("%s: perplexity %.6f (want %.6f), confidence %.4f (want 0.9)", c.name, cov.Perplexity, c.perp, cov.MeanConfidence)
		}
		sum := 0.0
		for _, s := range cov.Share {
			sum += s
		}
		if !near(sum, 1, 1e-12) {
			t.Errorf("%s: shares sum to %g", c.name, sum)
		}
	}
}

func TestJudge(t *testing.T) {
	names := DigitClasses()
	cover := func(label func(int) int) *Coverage {
		labels := make([]int, 1000)
		for i := range labels {
			labels[i] = label(i)
		}
		c := ClassCoverage(oneHot(labels, 10, 0.95), 1000, 10, names)
		return &c
	}
	balanced := cover(func(i int) int { return i % 10 })
	if v := Judge(balanced, 0.8, 0.8); v.Collapse || v.Summary != "no mode collapse detected" {
		t.Errorf("balanced sample: %+v", v)
	}
	v := Judge(cover(func(int) int { return 1 }), 0.9, 0.05)
	if !v.Collapse || v.Unrealistic || len(v.Reasons) != 3 || !strings.Contains(v.Summary, "perplexity 1.00") ||
		!strings.Contains(v.Reasons[1], "9 of 10 classes nearly absent") {
		t.Errorf("one-class sample: %+v", v)
	}
	// Eight classes evenly: perplexity 8 passes, but two missing classes do not.
	v = Judge(cover(func(i int) int { return i % 8 }), 0.8, 0.7)
	if !v.Collapse || len(v.Reasons) != 1 || !strings.Contains(v.Reasons[0], "2 of 10 classes nearly absent: 8 (0.0% vs 10.0%)") {
		t.Errorf("two classes missing: %+v", v)
	}
	// The reference's shares, not 1/K, set what counts as missing.
	ref := cover(func(i int) int { return i % 8 })
	if v = Judge(ptr(cover(func(i int) int { return i % 8 }).WithReference(*ref)), 0.8, 0.7); v.Collapse {
		t.Errorf("sample matching an 8-class reference: %+v", v)
	}
	// No classifier: recall alone decides.
	if v = Judge(nil, 0.9, 0.02); !v.Collapse || !strings.Contains(v.Summary, "recall 0.020") {
		t.Errorf("low recall without coverage: %+v", v)
	}
	// Samples that do not look real (noise, an untrained generator) are not
	// called collapsed, whatever their class shares.
	v = Judge(cover(func(int) int { return 1 }), 0.01, 0)
	if v.Collapse || !v.Unrealistic || len(v.Reasons) != 3 || !strings.Contains(v.Summary, "precision 0.010") {
		t.Errorf("unrealistic one-class sample: %+v", v)
	}
}

func ptr[T any](v T) *T { return &v }
