package eval

import (
	"fmt"
	"math"
	"sync"

	"github.com/gogan/gan/train/tensor"
)

// distBlock is how many query rows one squared-distance product covers:
// a (256, n) block of float32 is 10 MB for n = 10000.
const distBlock = 256

// sqNorms returns |x_i|^2 for the n rows of x (n, d), summed in float64.
func sqNorms(x []float32, n, d int) []float32 {
	out := make([]float32, n)
	for i := range n {
		s := 0.0
		for _, v := range x[i*d : (i+1)*d] {
			s += float64(v) * float64(v)
		}
		out[i] = float32(s)
	}
	return out
}

// sqDistances fills dst (na, nb) with |a_i - b_j|^2 = |a_i|^2 + |b_j|^2 -
// 2 a_i.b_j for a (na, d) and b (nb, d) with row norms an and bn, clamped
// at zero (the expansion can round below it for near points). One Sgemm
// does the products, so a block costs what a matrix product costs.
func sqDistances(dst, a []float32, na int, an []float32, b []float32, nb int, bn []float32, d int) {
	tensor.Sgemm(false, true, na, nb, d, -2, a, d, b, d, 0, dst, nb)
	parallelRows(na, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := dst[i*nb : (i+1)*nb]
			for j := range row {
				row[j] = max(row[j]+an[i]+bn[j], 0)
			}
		}
	})
}

// parallelRows splits [0, n) into one contiguous part per kernel thread;
// every row is computed independently, so the split changes no result.
func parallelRows(n int, f func(lo, hi int)) {
	parts := min(tensor.Threads(), n)
	if parts <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(p*n/parts, (p+1)*n/parts)
		}()
	}
	wg.Wait()
}

// knnRadii returns, for each of the n rows of x (n, d), the squared
// distance to its k-th nearest other row: the radius of the row's ball in
// the k-NN manifold estimate of Kynkäänniemi et al.
func knnRadii(x []float32, n, d, k int) []float32 {
	if k < 1 || n <= k {
		panic(fmt.Sprintf("eval: k-NN radii: %d vectors for k = %d; need more than k", n, k))
	}
	norms := sqNorms(x, n, d)
	radii := make([]float32, n)
	dist := make([]float32, distBlock*n)
	for lo := 0; lo < n; lo += distBlock {
		m := min(distBlock, n-lo)
		sqDistances(dist[:m*n], x[lo*d:(lo+m)*d], m, norms[lo:lo+m], x, n, norms, d)
		parallelRows(m, func(a, b int) {
			best := make([]float32, k)
			for i := a; i < b; i++ {
				row := dist[i*n : (i+1)*n]
				radii[lo+i] = kthSmallest(row, lo+i, best)
			}
		})
	}
	return radii
}

// kthSmallest returns the len(best)-th smallest value of row, skipping
// index self, keeping the smallest values seen so far sorted in best.
func kthSmallest(row []float32, self int, best []float32) float32 {
	k := len(best)
	for i := range best {
		best[i] = float32(math.Inf(1))
	}
	for j, v := range row {
		if j == self || v >= best[k-1] {
			continue
		}
		p := k - 1
		for p > 0 && best[p-1] > v {
			best[p] = best[p-1]
			p--
		}
		best[p] = v
	}
	return best[k-1]
}

// manifoldShare returns the share of the nq rows of q that lie inside the
// k-NN manifold of x: within radii[j] (squared) of at least one row x_j.
func manifoldShare(q []float32, nq int, x []float32, nx int, radii []float32, d int) float64 {
	qn, xn := sqNorms(q, nq, d), sqNorms(x, nx, d)
	dist := make([]float32, distBlock*nx)
	inside := 0
	var mu sync.Mutex
	for lo := 0; lo < nq; lo += distBlock {
		m := min(distBlock, nq-lo)
		sqDistances(dist[:m*nx], q[lo*d:(lo+m)*d], m, qn[lo:lo+m], x, nx, xn, d)
		parallelRows(m, func(a, b int) {
			c := 0
			for i := a; i < b; i++ {
				for j, v := range dist[i*nx : (i+1)*nx] {
					if v <= radii[j] {
						c++
						break
					}
				}
			}
			mu.Lock()
			inside += c
			mu.Unlock()
		})
	}
	return float64(inside) / float64(nq)
}

// PrecisionRecall returns the improved precision and recall of
// Kynkäänniemi et al. (2019) for reals (nr, d) and fake (nf, d) features:
// precision is the share of fake vectors within the k-th-neighbour radius
// of some real vector (samples look real), recall the share of real vectors
// within that of some fake vector (the real variety is covered). The paper
// uses k = 3. Both sets need more than k vectors.
func PrecisionRecall(reals []float32, nr int, fake []float32, nf, d, k int) (precision, recall float64) {
	checkMatrix("PrecisionRecall", reals, nr, d)
	checkMatrix("PrecisionRecall", fake, nf, d)
	precision = manifoldShare(fake, nf, reals, nr, knnRadii(reals, nr, d, k), d)
	recall = manifoldShare(reals, nr, fake, nf, knnRadii(fake, nf, d, k), d)
	return precision, recall
}

// UnitRows returns the n rows of x (n, d) scaled to unit length (a zero
// row stays zero).
func UnitRows(x []float32, n, d int) []float32 {
	checkMatrix("UnitRows", x, n, d)
	out := make([]float32, len(x))
	norms := sqNorms(x, n, d)
	for i := range n {
		if norms[i] == 0 {
			continue
		}
		inv := 1 / math.Sqrt(float64(norms[i]))
		for j, v := range x[i*d : (i+1)*d] {
			out[i*d+j] = float32(float64(v) * inv)
		}
	}
	return out
}
