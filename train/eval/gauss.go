package eval

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Gaussian is a multivariate normal fitted to a set of feature vectors.
type Gaussian struct {
	Dim  int
	N    int       // vectors it was fitted to (0 when built by hand)
	Mean []float64 // (Dim)
	Cov  []float64 // (Dim, Dim), symmetric
}

// FitGaussian returns the mean and the unbiased (n-1) covariance, as
// numpy.cov computes it, of n vectors of d values in x (n, d). The sums run
// in float64. It needs n >= 2.
func FitGaussian(x []float32, n, d int) Gaussian {
	checkMatrix("FitGaussian", x, n, d)
	if n < 2 {
		panic(fmt.Sprintf("eval: FitGaussian: %d vectors; a covariance needs at least 2", n))
	}
	mean := make([]float64, d)
	for i := range n {
		for j, v := range x[i*d : (i+1)*d] {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	centred := make([]float64, n*d)
	for i := range n {
		row := x[i*d : (i+1)*d]
		for j, v := range row {
			centred[i*d+j] = float64(v) - mean[j]
		}
	}
	var cov mat.SymDense
	cov.SymOuterK(1/float64(n-1), mat.NewDense(n, d, centred).T())
	return Gaussian{Dim: d, N: n, Mean: mean, Cov: symData(&cov)}
}

// symData returns the full row-major contents of a symmetric matrix.
func symData(s *mat.SymDense) []float64 {
	d := s.SymmetricDim()
	out := make([]float64, d*d)
	for i := range d {
		for j := range d {
			out[i*d+j] = s.At(i, j)
		}
	}
	return out
}

// FrechetDistance returns the squared Fréchet (2-Wasserstein) distance
// between two Gaussians, the FID when they are fitted to features:
//
//	|mu1-mu2|^2 + tr(S1) + tr(S2) - 2 tr sqrt(S1 S2)
//
// S1 S2 is not symmetric, so tr sqrt(S1 S2) is taken as the sum of the
// square roots of the eigenvalues of sqrt(S1) S2 sqrt(S1), which has the
// same spectrum and is symmetric positive semi-definite: two symmetric
// eigendecompositions in float64, with rounding-level negative eigenvalues
// clamped to zero. That stays accurate for the singular covariances of
// small samples, where scipy's sqrtm needs an offset. Rounding can leave a
// distance of about -1e-12 for identical inputs; it is returned as 0.
func FrechetDistance(a, b Gaussian) float64 {
	if a.Dim != b.Dim || len(a.Mean) != a.Dim || len(b.Mean) != b.Dim ||
		len(a.Cov) != a.Dim*a.Dim || len(b.Cov) != b.Dim*b.Dim {
		panic(fmt.Sprintf("eval: FrechetDistance: Gaussians of dimension %d (mean %d, cov %d) and %d (mean %d, cov %d)",
			a.Dim, len(a.Mean), len(a.Cov), b.Dim, len(b.Mean), len(b.Cov)))
	}
	d := a.Dim
	dist := 0.0
	for i := range d {
		diff := a.Mean[i] - b.Mean[i]
		dist += diff*diff + a.Cov[i*d+i] + b.Cov[i*d+i]
	}
	s1, s2 := symmetric(d, a.Cov), symmetric(d, b.Cov)
	r := psdSqrt(s1)
	var m mat.Dense
	m.Mul(r, s2)
	m.Mul(&m, r)
	vals := eigenvalues(symmetrise(&m))
	for _, v := range vals {
		dist -= 2 * math.Sqrt(max(v, 0))
	}
	return max(dist, 0)
}

// symmetric wraps a row-major (d,d) matrix, averaging it with its
// transpose so that rounding asymmetry in the input does no harm.
func symmetric(d int, data []float64) *mat.SymDense {
	s := mat.NewSymDense(d, nil)
	for i := range d {
		for j := i; j < d; j++ {
			s.SetSym(i, j, (data[i*d+j]+data[j*d+i])/2)
		}
	}
	return s
}

func symmetrise(m *mat.Dense) *mat.SymDense {
	d, _ := m.Dims()
	return symmetric(d, m.RawMatrix().Data)
}

func eigenvalues(s *mat.SymDense) []float64 {
	var es mat.EigenSym
	if !es.Factorize(s, false) {
		// EigenSym fails only on NaN or Inf input; surface it in the score.
		return []float64{math.NaN()}
	}
	return es.Values(nil)
}

// psdSqrt returns the symmetric square root V diag(sqrt(max(l,0))) V^T of
// a positive semi-definite matrix.
func psdSqrt(s *mat.SymDense) *mat.Dense {
	d := s.SymmetricDim()
	var es mat.EigenSym
	if !es.Factorize(s, true) {
		nan := make([]float64, d*d)
		for i := range nan {
			nan[i] = math.NaN()
		}
		return mat.NewDense(d, d, nan)
	}
	vals := es.Values(nil)
	var v mat.Dense
	es.VectorsTo(&v)
	scaled := mat.DenseCopyOf(&v)
	for j, l := range vals {
		r := math.Sqrt(max(l, 0))
		for i := range d {
			scaled.Set(i, j, scaled.At(i, j)*r)
		}
	}
	var out mat.Dense
	out.Mul(scaled, v.T())
	return &out
}

// FID returns the Fréchet distance between Gaussians fitted to two feature
// sets, reals (nr, d) and fake (nf, d).
func FID(reals []float32, nr int, fake []float32, nf, d int) float64 {
	return FrechetDistance(FitGaussian(reals, nr, d), FitGaussian(fake, nf, d))
}

// checkMatrix panics when x is not (n, d).
func checkMatrix(op string, x []float32, n, d int) {
	if n < 0 || d < 1 || len(x) != n*d {
		panic(fmt.Sprintf("eval: %s: %d values for a (%d, %d) feature matrix", op, len(x), n, d))
	}
}
