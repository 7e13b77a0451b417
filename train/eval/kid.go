package eval

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gogan/gan/train/tensor"
)

// KIDOptions sets how KID is estimated. Zero fields take the defaults of
// Bińkowski et al. and clean-fid: 100 subsets of 1000.
type KIDOptions struct {
	Subsets    int    // random subset pairs averaged (default 100)
	SubsetSize int    // vectors per subset, capped at the smaller set (default 1000)
	Seed       uint64 // the subsets are a pure function of the seed
}

// KIDResult is the mean and the (population) standard deviation of the
// unbiased squared MMD over the subsets.
type KIDResult struct {
	Mean       float64 `json:"mean"`
	Std        float64 `json:"std"`
	Subsets    int     `json:"subsets"`
	SubsetSize int     `json:"subset_size"`
}

// KID returns the kernel inception distance between reals (nr, d) and fake
// (nf, d) features: for each pair of random subsets of m vectors, the
// unbiased estimate of MMD^2 with the kernel k(x,y) = (x.y/d + 1)^3,
//
//	sum_{i!=j} k(x_i,x_j)/(m(m-1)) + sum_{i!=j} k(y_i,y_j)/(m(m-1)) - 2 sum_{i,j} k(x_i,y_j)/m^2
//
// Being unbiased it is near zero, and may be slightly negative, for two
// samples of one distribution. Both sets need at least 2 vectors.
func KID(reals []float32, nr int, fake []float32, nf, d int, opt KIDOptions) KIDResult {
	checkMatrix("KID", reals, nr, d)
	checkMatrix("KID", fake, nf, d)
	if opt.Subsets <= 0 {
		opt.Subsets = 100
	}
	if opt.SubsetSize <= 0 {
		opt.SubsetSize = 1000
	}
	m := min(opt.SubsetSize, nr, nf)
	if m < 2 {
		panic(fmt.Sprintf("eval: KID: sets of %d and %d vectors; need at least 2 each", nr, nf))
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x6b6964)) // "kid"
	xs, ys := make([]float32, m*d), make([]float32, m*d)
	gram := make([]float32, m*m)
	permR, permF := identity(nr), identity(nf)
	vals := make([]float64, opt.Subsets)
	for s := range vals {
		gather(xs, reals, d, sampleIndices(permR, m, rng))
		gather(ys, fake, d, sampleIndices(permF, m, rng))
		kxx := kernelSum(gram, xs, xs, m, d, true)
		kyy := kernelSum(gram, ys, ys, m, d, true)
		kxy := kernelSum(gram, xs, ys, m, d, false)
		fm := float64(m)
		vals[s] = (kxx+kyy)/(fm*(fm-1)) - 2*kxy/(fm*fm)
	}
	mean, std := meanStd(vals)
	return KIDResult{Mean: mean, Std: std, Subsets: opt.Subsets, SubsetSize: m}
}

// kernelSum fills gram (m, m) with the cubic kernel of the rows of a and b
// and returns its sum, leaving out the diagonal when offDiag is set.
func kernelSum(gram, a, b []float32, m, d int, offDiag bool) float64 {
	tensor.Sgemm(false, true, m, m, d, 1/float32(d), a, d, b, d, 0, gram, m)
	parts := make([]float64, m)
	parallelRows(m, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			s := 0.0
			for j, v := range gram[i*m : (i+1)*m] {
				if offDiag && i == j {
					continue
				}
				t := float64(v) + 1
				s += t * t * t
			}
			parts[i] = s
		}
	})
	sum := 0.0
	for _, p := range parts {
		sum += p
	}
	return sum
}

func identity(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return p
}

// sampleIndices draws m distinct indices by a partial Fisher-Yates shuffle
// of perm, which stays a permutation between calls.
func sampleIndices(perm []int, m int, rng *rand.Rand) []int {
	for i := range m {
		j := i + rng.IntN(len(perm)-i)
		perm[i], perm[j] = perm[j], perm[i]
	}
	return perm[:m]
}

// gather copies rows idx of x (., d) into dst.
func gather(dst, x []float32, d int, idx []int) {
	for i, r := range idx {
		copy(dst[i*d:(i+1)*d], x[r*d:(r+1)*d])
	}
}

func meanStd(v []float64) (mean, std float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(v)))
}
