package tensor_test

import (
	"fmt"
	"math"
	"testing"

	T "github.com/gogan/gan/train/tensor"
	"github.com/gogan/gan/train/tensor/tensortest"
)

// snMatrix builds torch's weight matrix explicitly: dimension dim moved to
// the front (a real permutation, not the engine's strided view), the rest
// flattened. It returns the matrix in float64, row-major.
func snMatrix(w *T.Tensor, dim int) (m []float64, rows, cols int) {
	s := w.Shape()
	rows = s[dim]
	cols = w.Numel() / rows
	m = make([]float64, w.Numel())
	rest := w.Numel() / (s[0] * s[1])
	for i0 := 0; i0 < s[0]; i0++ {
		for i1 := 0; i1 < s[1]; i1++ {
			for r := 0; r < rest; r++ {
				x := float64(w.Data[(i0*s[1]+i1)*rest+r])
				if dim == 0 {
					m[i0*cols+i1*rest+r] = x
				} else {
					m[i1*cols+i0*rest+r] = x
				}
			}
		}
	}
	return m, rows, cols
}

func unit(x []float64) []float64 {
	n := 0.0
	for _, v := range x {
		n += v * v
	}
	n = math.Max(math.Sqrt(n), 1e-12)
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = v / n
	}
	return out
}

var snShapes = []struct {
	shape []int
	dim   int
}{
	{[]int{4, 6}, 0},       // Linear (Out, In)
	{[]int{5, 3, 3, 3}, 0}, // Conv2d (F, C, k, k)
	{[]int{3, 5, 2, 2}, 1}, // ConvTranspose2d (C, F, k, k)
	{[]int{2, 7, 3, 3}, 1},
}

// TestPowerIterationMatchesReference runs the power method on the explicit
// permuted matrix in float64 and compares u, v and sigma after each step.
func TestPowerIterationMatchesReference(t *testing.T) {
	rng := newRng(31)
	for _, c := range snShapes {
		w := randn(rng, c.shape...)
		m, rows, cols := snMatrix(w, c.dim)
		u, v := randn(rng, rows), randn(rng, cols)
		ru := make([]float64, rows)
		for i, x := range u.Data {
			ru[i] = float64(x)
		}
		var rv []float64
		for step := 0; step < 3; step++ {
			T.PowerIteration(w, u, v, c.dim, 1, 1e-12)
			tv := make([]float64, cols)
			for i := 0; i < rows; i++ {
				for j := 0; j < cols; j++ {
					tv[j] += m[i*cols+j] * ru[i]
				}
			}
			rv = unit(tv)
			tu := make([]float64, rows)
			for i := 0; i < rows; i++ {
				for j := 0; j < cols; j++ {
					tu[i] += m[i*cols+j] * rv[j]
				}
			}
			ru = unit(tu)
			what := fmt.Sprintf("%v dim %d step %d", c.shape, c.dim, step)
			cvNear(t, what+" u", u.Data, ru, 1e-5)
			cvNear(t, what+" v", v.Data, rv, 1e-5)
		}
		sigma := 0.0
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				sigma += ru[i] * m[i*cols+j] * rv[j]
			}
		}
		if got := T.SpectralSigma(w, u, v, c.dim); math.Abs(got-sigma) > 1e-5*sigma {
			t.Errorf("%v dim %d: sigma %v, want %v", c.shape, c.dim, got, sigma)
		}
	}
}

// TestPowerIterationConverges checks that sigma reaches the largest singular
// value of a matrix built with known singular values (orthogonal rows
// scaled by 5, 2 and 1), permuted into a ConvTranspose2d layout.
func TestPowerIterationConverges(t *testing.T) {
	// W (3 rows, 4 cols) = diag(5,2,1) times orthonormal rows.
	rowsOf := [][]float64{{0.5, 0.5, 0.5, 0.5}, {0.5, -0.5, 0.5, -0.5}, {0.5, 0.5, -0.5, -0.5}}
	scale := []float64{2, 5, 1} // the largest is not the first row
	// ConvTranspose2d layout (C=1, F=3, 2, 2): w[0, f, r] = W[f, r].
	w := T.Zeros(1, 3, 2, 2)
	for f := range rowsOf {
		for r, x := range rowsOf[f] {
			w.Data[f*4+r] = float32(scale[f] * x)
		}
	}
	u, v := T.Full(1, 3), T.Zeros(4)
	T.PowerIteration(w, u, v, 1, 50, 1e-12)
	if s := T.SpectralSigma(w, u, v, 1); math.Abs(s-5) > 1e-5 {
		t.Errorf("sigma after 50 iterations = %v, want 5", s)
	}
	y := T.SpectralNormalize(w, u, v, 1)
	closeTo(t, "normalised", y.Data, T.Scale(w, 0.2).Data, 1e-5)
}

func TestSpectralNormalizeGradients(t *testing.T) {
	rng := newRng(32)
	for _, c := range snShapes {
		w := randn(rng, c.shape...)
		s := c.shape
		u, v := randn(rng, s[c.dim]), randn(rng, w.Numel()/s[c.dim])
		// A few power steps so that sigma is well away from 0.
		T.PowerIteration(w, u, v, c.dim, 3, 1e-12)
		f := func(xs []*T.Tensor) *T.Tensor { return T.SpectralNormalize(xs[0], u, v, c.dim) }
		checkGrads(t, fmt.Sprintf("%v dim %d", c.shape, c.dim), f, []*T.Tensor{w}, tensortest.Options{})
		// Through a nonlinearity, so that the second-order check sees
		// curvature from the layer after the normalised weight too.
		x := randn(rng, 3, s[0], 2)
		g := func(xs []*T.Tensor) *T.Tensor {
			wn := T.Reshape(T.SpectralNormalize(xs[0], u, v, c.dim), s[0], -1)
			return T.Tanh(T.MatMul(T.Reshape(xs[1], 3*2, s[0]), wn, false, false))
		}
		checkGrads(t, fmt.Sprintf("%v dim %d chained", c.shape, c.dim), g, []*T.Tensor{w, x}, tensortest.Options{})
	}
}

func TestSpectralNormalizeFusedMatchesGraph(t *testing.T) {
	rng := newRng(33)
	for _, c := range snShapes {
		w := randn(rng, c.shape...).SetRequiresGrad(true)
		s := c.shape
		u, v := randn(rng, s[c.dim]), randn(rng, w.Numel()/s[c.dim])
		T.PowerIteration(w, u, v, c.dim, 1, 1e-12)
		y := T.SpectralNormalize(w, u, v, c.dim)
		// The op's u and v are its own: updating the buffers after the
		// forward pass must not change the gradient.
		T.PowerIteration(w, u, v, c.dim, 1, 1e-12)
		g := randn(rng, y.Shape()...)
		fused := T.Grad(y, []*T.Tensor{w}, g, false)[0]
		graph := T.Grad(y, []*T.Tensor{w}, g, true)[0]
		closeTo(t, fmt.Sprintf("%v dim %d", c.shape, c.dim), fused.Data, graph.Data, 1e-5)
	}
}

// TestSpectralNormalizeStaleBuffers checks the copy of u and v: the
// gradient of the first forward pass is the one for the u and v it used.
func TestSpectralNormalizeStaleBuffers(t *testing.T) {
	rng := newRng(34)
	w := randn(rng, 4, 5).SetRequiresGrad(true)
	u, v := randn(rng, 4), randn(rng, 5)
	T.PowerIteration(w, u, v, 0, 1, 1e-12)
	u0, v0 := u.Clone(), v.Clone()
	y := T.SpectralNormalize(w, u, v, 0)
	T.PowerIteration(w, u, v, 0, 5, 1e-12)
	g := randn(rng, 4, 5)
	got := T.Grad(y, []*T.Tensor{w}, g, false)[0]
	want := T.Grad(T.SpectralNormalize(w, u0, v0, 0), []*T.Tensor{w}, g, false)[0]
	closeTo(t, "gradient after a later power step", got.Data, want.Data, 0)
}

func TestSpectralShapePanics(t *testing.T) {
	w := T.Zeros(3, 4)
	mustPanic(t, func() { T.SpectralNormalize(w, T.Zeros(4), T.Zeros(4), 0) }, "SpectralNormalize", "u of 3")
	mustPanic(t, func() { T.PowerIteration(w, T.Zeros(3), T.Zeros(4), 2, 1, 1e-12) }, "PowerIteration", "dim 2")
	mustPanic(t, func() { T.PowerIteration(T.Zeros(5), T.Zeros(5), T.Zeros(1), 0, 1, 1e-12) }, "rank")
}
