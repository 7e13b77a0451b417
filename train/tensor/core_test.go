package tensor_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	T "github.com/gogan/gan/train/tensor"
	"github.com/gogan/gan/train/tensor/tensortest"
)

type op = func([]*T.Tensor) *T.Tensor

func newRng(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }

func randn(rng *rand.Rand, shape ...int) *T.Tensor { return T.Randn(rng, 0, 1, shape...) }

// awayFromZero returns N(0,1) samples pushed at least 0.2 from 0, so that a
// gradient check's steps never cross a kink at 0.
func awayFromZero(rng *rand.Rand, shape ...int) *T.Tensor {
	t := randn(rng, shape...)
	for i, v := range t.Data {
		t.Data[i] = v + float32(math.Copysign(0.2, float64(v)))
	}
	return t
}

// positive returns U[lo, hi) samples.
func positive(rng *rand.Rand, lo, hi float32, shape ...int) *T.Tensor {
	return T.Uniform(rng, lo, hi, shape...)
}

// checkGrads runs first- and second-order gradient checks of f at xs.
func checkGrads(t *testing.T, name string, f op, xs []*T.Tensor, opt tensortest.Options) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		rng := newRng(7)
		tensortest.GradCheck(t, rng, f, xs, opt)
		tensortest.GradGradCheck(t, rng, f, xs, opt)
	})
}

// mustPanic runs f and checks that it panics with a message containing
// every one of parts.
func mustPanic(t *testing.T, f func(), parts ...string) {
	t.Helper()
	var msg string
	func() {
		defer func() {
			if r := recover(); r != nil {
				msg = fmt.Sprint(r)
			}
		}()
		f()
	}()
	if msg == "" {
		t.Fatalf("no panic; want one naming %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("panic %q does not mention %q", msg, p)
		}
	}
}

func closeTo(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(float64(got[i]) - float64(want[i])); d > tol*math.Max(1, math.Abs(float64(want[i]))) || math.IsNaN(d) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

func TestGradElementwise(t *testing.T) {
	rng := newRng(1)
	bin := map[string]func(a, b *T.Tensor) *T.Tensor{"Add": T.Add, "Sub": T.Sub, "Mul": T.Mul, "Div": T.Div}
	shapes := []struct {
		name string
		a, b []int
	}{
		{"same", []int{2, 3}, []int{2, 3}},
		{"NC+C", []int{4, 3}, []int{3}},
		{"NCHW+1C11", []int{2, 3, 2, 2}, []int{1, 3, 1, 1}},
		{"scalar", []int{2, 3}, []int{}},
		{"C+NC", []int{3}, []int{4, 3}},
	}
	for _, name := range []string{"Add", "Sub", "Mul", "Div"} {
		f := bin[name]
		for _, sh := range shapes {
			a := randn(rng, sh.a...)
			b := randn(rng, sh.b...)
			if name == "Div" {
				b = positive(rng, 0.5, 2, sh.b...)
			}
			checkGrads(t, name+"/"+sh.name, func(x []*T.Tensor) *T.Tensor { return f(x[0], x[1]) }, []*T.Tensor{a, b}, tensortest.Options{})
		}
	}
	checkGrads(t, "Scale", func(x []*T.Tensor) *T.Tensor { return T.Scale(x[0], -1.5) }, []*T.Tensor{randn(rng, 3, 4)}, tensortest.Options{})
	checkGrads(t, "AddScalar", func(x []*T.Tensor) *T.Tensor { return T.AddScalar(x[0], 0.7) }, []*T.Tensor{randn(rng, 3, 4)}, tensortest.Options{})
	checkGrads(t, "Square", func(x []*T.Tensor) *T.Tensor { return T.Square(x[0]) }, []*T.Tensor{randn(rng, 3, 4)}, tensortest.Options{})
	// A product of two ops checks that second-order terms reach both inputs.
	checkGrads(t, "Mul(Div,Square)", func(x []*T.Tensor) *T.Tensor {
		return T.Mul(T.Div(x[0], x[1]), T.Square(x[0]))
	}, []*T.Tensor{randn(rng, 2, 3), positive(rng, 0.5, 2, 3)}, tensortest.Options{})
}

func TestGradReduce(t *testing.T) {
	rng := newRng(2)
	cases := []struct {
		name string
		f    op
		x    *T.Tensor
	}{
		{"SumTo/1C1", func(x []*T.Tensor) *T.Tensor { return T.SumTo(x[0], []int{1, 3, 1}) }, randn(rng, 2, 3, 4)},
		{"SumTo/C1", func(x []*T.Tensor) *T.Tensor { return T.SumTo(x[0], []int{3, 1}) }, randn(rng, 2, 3, 4)},
		{"SumTo/scalar", func(x []*T.Tensor) *T.Tensor { return T.SumTo(x[0], []int{}) }, randn(rng, 2, 3)},
		{"BroadcastTo", func(x []*T.Tensor) *T.Tensor { return T.BroadcastTo(x[0], []int{2, 3, 4}) }, randn(rng, 3, 1)},
		{"Sum", func(x []*T.Tensor) *T.Tensor { return T.Sum(x[0]) }, randn(rng, 2, 3, 4)},
		{"Mean", func(x []*T.Tensor) *T.Tensor { return T.Mean(x[0]) }, randn(rng, 2, 3, 4)},
		{"MeanTo", func(x []*T.Tensor) *T.Tensor { return T.MeanTo(x[0], []int{1, 3, 1, 1}) }, randn(rng, 2, 3, 2, 2)},
		// Squared after reducing so that the second derivative is not zero.
		{"Square(SumTo)", func(x []*T.Tensor) *T.Tensor { return T.Square(T.SumTo(x[0], []int{1, 3})) }, randn(rng, 4, 3)},
		{"Square(BroadcastTo)", func(x []*T.Tensor) *T.Tensor { return T.Square(T.BroadcastTo(x[0], []int{4, 3})) }, randn(rng, 3)},
		{"Square(Mean)", func(x []*T.Tensor) *T.Tensor { return T.Square(T.Mean(x[0])) }, randn(rng, 4, 3)},
	}
	for _, c := range cases {
		checkGrads(t, c.name, c.f, []*T.Tensor{c.x}, tensortest.Options{})
	}
}

func TestGradShape(t *testing.T) {
	rng := newRng(3)
	checkGrads(t, "Reshape", func(x []*T.Tensor) *T.Tensor { return T.Square(T.Reshape(x[0], 4, -1)) }, []*T.Tensor{randn(rng, 2, 3, 2)}, tensortest.Options{})
	checkGrads(t, "Flatten", func(x []*T.Tensor) *T.Tensor { return T.Square(T.Flatten(x[0])) }, []*T.Tensor{randn(rng, 2, 3, 2)}, tensortest.Options{})
	cat := func(axis int) op {
		return func(x []*T.Tensor) *T.Tensor { return T.Square(T.Concat(axis, x...)) }
	}
	checkGrads(t, "Concat/0", cat(0), []*T.Tensor{randn(rng, 2, 3), randn(rng, 1, 3), randn(rng, 3, 3)}, tensortest.Options{})
	checkGrads(t, "Concat/1", cat(1), []*T.Tensor{randn(rng, 2, 1, 2), randn(rng, 2, 3, 2)}, tensortest.Options{})
	checkGrads(t, "Narrow/1", func(x []*T.Tensor) *T.Tensor { return T.Square(T.Narrow(x[0], 1, 1, 2)) }, []*T.Tensor{randn(rng, 2, 4, 3)}, tensortest.Options{})
	checkGrads(t, "Narrow/0", func(x []*T.Tensor) *T.Tensor { return T.Narrow(x[0], 0, 2, 1) }, []*T.Tensor{randn(rng, 3, 2)}, tensortest.Options{})
}

func TestGradMatMul(t *testing.T) {
	rng := newRng(4)
	for _, ta := range []bool{false, true} {
		for _, tb := range []bool{false, true} {
			a, b := randn(rng, 3, 4), randn(rng, 4, 5)
			if ta {
				a = randn(rng, 4, 3)
			}
			if tb {
				b = randn(rng, 5, 4)
			}
			checkGrads(t, fmt.Sprintf("transA=%v,transB=%v", ta, tb), func(x []*T.Tensor) *T.Tensor {
				return T.MatMul(x[0], x[1], ta, tb)
			}, []*T.Tensor{a, b}, tensortest.Options{})
		}
	}
	// A matrix times itself: both gradient paths meet in one input.
	checkGrads(t, "A*A^T", func(x []*T.Tensor) *T.Tensor { return T.MatMul(x[0], x[0], false, true) }, []*T.Tensor{randn(rng, 3, 4)}, tensortest.Options{})
}

func TestGradActivation(t *testing.T) {
	rng := newRng(5)
	cases := []struct {
		name string
		f    func(*T.Tensor) *T.Tensor
		x    *T.Tensor
	}{
		{"Relu", T.Relu, awayFromZero(rng, 3, 4)},
		{"LeakyRelu", func(x *T.Tensor) *T.Tensor { return T.LeakyRelu(x, 0.2) }, awayFromZero(rng, 3, 4)},
		{"Tanh", T.Tanh, randn(rng, 3, 4)},
		{"Sigmoid", T.Sigmoid, randn(rng, 3, 4)},
		{"Exp", T.Exp, randn(rng, 3, 4)},
		{"Log", T.Log, positive(rng, 0.5, 3, 3, 4)},
		{"Sqrt", T.Sqrt, positive(rng, 0.5, 3, 3, 4)},
		// Squared so that the kinked ops have a non-zero second derivative.
		{"Square(Relu)", func(x *T.Tensor) *T.Tensor { return T.Square(T.Relu(x)) }, awayFromZero(rng, 3, 4)},
		{"Square(LeakyRelu)", func(x *T.Tensor) *T.Tensor { return T.Square(T.LeakyRelu(x, 0.2)) }, awayFromZero(rng, 3, 4)},
	}
	for _, c := range cases {
		f := c.f
		checkGrads(t, c.name, func(x []*T.Tensor) *T.Tensor { return f(x[0]) }, []*T.Tensor{c.x}, tensortest.Options{})
	}
}

// TestGradAccumulates checks that Backward adds into Grad rather than
// overwriting it.
func TestGradAccumulates(t *testing.T) {
	x := T.New([]float32{1, -2, 3}, 3).SetRequiresGrad(true)
	for range 2 {
		T.Sum(T.Square(x)).Backward()
	}
	closeTo(t, "x.Grad", x.Grad.Data, []float32{4, -8, 12}, 1e-6)
	// Reusing one graph accumulates too.
	y := T.Sum(T.Mul(x, T.New([]float32{1, 2, 3}, 3)))
	x.ZeroGrad()
	y.Backward()
	y.Backward()
	closeTo(t, "x.Grad", x.Grad.Data, []float32{2, 4, 6}, 1e-6)
}

func TestNoGradBuildsNoGraph(t *testing.T) {
	x := T.New([]float32{1, 2}, 2).SetRequiresGrad(true)
	var y *T.Tensor
	T.NoGrad(func() {
		if T.Recording() {
			t.Error("Recording() inside NoGrad")
		}
		y = T.Sum(T.Exp(T.Mul(x, x)))
	})
	if !T.Recording() {
		t.Error("recording still off after NoGrad")
	}
	if y.RequiresGrad() || !y.IsLeaf() || y.Op() != "" {
		t.Errorf("NoGrad output: RequiresGrad %v, IsLeaf %v, Op %q", y.RequiresGrad(), y.IsLeaf(), y.Op())
	}
	if z := T.Mul(x, x); !z.RequiresGrad() || z.Op() != "Mul" {
		t.Errorf("after NoGrad: RequiresGrad %v, Op %q", z.RequiresGrad(), z.Op())
	}
}

// TestBackwardToSkips builds loss = sum(x W) + sum(exp(b)) and asks only for
// x's gradient. b's shape is then altered behind the graph's back, so that
// running Exp's backward would panic with a shape mismatch: BackwardTo must
// not run it (the control below shows that Backward does).
func TestBackwardToSkips(t *testing.T) {
	rng := newRng(6)
	x := randn(rng, 2, 3).SetRequiresGrad(true)
	w := randn(rng, 3, 4).SetRequiresGrad(true)
	b := randn(rng, 2, 3).SetRequiresGrad(true)
	other := T.Full(5, 2).SetRequiresGrad(true)
	other.Grad = T.Full(1, 2)
	loss := T.Add(T.Sum(T.MatMul(x, w, false, false)), T.Sum(T.Exp(b)))
	loss = T.Add(loss, T.Sum(other))
	sh := b.Shape()
	sh[0], sh[1] = 3, 2
	loss.BackwardTo(x)
	if w.Grad != nil || b.Grad != nil {
		t.Errorf("BackwardTo(x) set W.Grad %v, b.Grad %v", w.Grad, b.Grad)
	}
	closeTo(t, "other.Grad", other.Grad.Data, []float32{1, 1}, 0)
	// dloss/dx[i][k] = sum_j W[k][j].
	want := make([]float32, 6)
	for i := range 2 {
		for k := range 3 {
			for j := range 4 {
				want[i*3+k] += w.Data[k*4+j]
			}
		}
	}
	closeTo(t, "x.Grad", x.Grad.Data, want, 1e-5)
	mustPanic(t, loss.Backward, "Exp")
}

func TestSetRequiresGradFalseExcludes(t *testing.T) {
	rng := newRng(8)
	x := randn(rng, 2, 3).SetRequiresGrad(true)
	w := randn(rng, 3, 2).SetRequiresGrad(true)
	w.SetRequiresGrad(false)
	y := T.Sum(T.MatMul(x, w, false, false))
	y.Backward()
	if w.Grad != nil {
		t.Errorf("excluded weight got Grad %v", w.Grad)
	}
	if x.Grad == nil {
		t.Fatal("input got no gradient")
	}
	x.SetRequiresGrad(false)
	if z := T.MatMul(x, w, false, false); z.RequiresGrad() || z.Op() != "" {
		t.Errorf("no input needs a gradient, yet output has RequiresGrad %v, Op %q", z.RequiresGrad(), z.Op())
	}
	mustPanic(t, func() { T.MatMul(x, w.SetRequiresGrad(true), false, false).SetRequiresGrad(false) }, "non-leaf")
}

// TestGradCreateGraph differentiates dy/dx for y = x^3 again: 6x.
func TestGradCreateGraph(t *testing.T) {
	x := T.New([]float32{-1.5, 0.5, 2}, 3).SetRequiresGrad(true)
	y := T.Mul(T.Mul(x, x), x)
	d1 := T.Grad(T.Sum(y), []*T.Tensor{x}, nil, true)[0]
	closeTo(t, "dy/dx", d1.Data, []float32{6.75, 0.75, 12}, 1e-6)
	if !d1.RequiresGrad() {
		t.Fatal("Grad with createGraph returned a tensor with no graph")
	}
	d2 := T.Grad(T.Sum(d1), []*T.Tensor{x}, nil, false)[0]
	closeTo(t, "d2y/dx2", d2.Data, []float32{-9, 3, 12}, 1e-6)
	if x.Grad != nil {
		t.Errorf("Grad touched x.Grad: %v", x.Grad)
	}
	// Without createGraph the result is a constant.
	if d := T.Grad(T.Sum(T.Mul(T.Mul(x, x), x)), []*T.Tensor{x}, nil, false)[0]; d.RequiresGrad() {
		t.Error("Grad without createGraph returned a tensor with a graph")
	}
}

func TestShapePanics(t *testing.T) {
	a, b := T.Zeros(2, 3), T.Zeros(4)
	mustPanic(t, func() { T.Add(a, b) }, "Add", "[2 3]", "[4]")
	mustPanic(t, func() { T.Sub(a, b) }, "Sub", "[2 3]", "[4]")
	mustPanic(t, func() { T.Mul(a, b) }, "Mul", "[2 3]", "[4]")
	mustPanic(t, func() { T.Div(a, b) }, "Div", "[2 3]", "[4]")
	mustPanic(t, func() { T.MatMul(a, T.Zeros(2, 3), false, false) }, "MatMul", "[2 3]")
	mustPanic(t, func() { T.Concat(1, a, T.Zeros(3, 3)) }, "Concat", "[2 3]", "[3 3]")
	mustPanic(t, func() { T.Reshape(a, 4, 2) }, "Reshape", "[2 3]", "[4 2]")
	mustPanic(t, func() { T.Narrow(a, 1, 2, 2) }, "Narrow", "[2 3]")
	mustPanic(t, func() { T.SumTo(a, []int{4}) }, "SumTo", "[2 3]", "[4]")
	mustPanic(t, func() { T.BroadcastTo(a, []int{4, 3}) }, "BroadcastTo", "[2 3]", "[4 3]")
}

// An arena hands the same buffers out again after Reset, zeroed, and
// tensors made outside UseArena are untouched by it.
func TestArenaRecycles(t *testing.T) {
	defer T.SetThreads(T.Threads())
	T.SetThreads(3)
	// A small buffer, and one large enough to be cleared on every thread.
	for _, n := range []int{1024, 1<<18 + 3} {
		a := T.NewArena()
		outside := T.Full(3, n)
		var first *T.Tensor
		T.UseArena(a, func() { first = T.Full(7, n) })
		a.Reset()
		var second *T.Tensor
		T.UseArena(a, func() { second = T.Zeros(n) })
		if &first.Data[0] != &second.Data[0] {
			t.Errorf("n=%d: the arena did not reuse the buffer after Reset", n)
		}
		for i, v := range second.Data {
			if v != 0 {
				t.Fatalf("n=%d: a recycled buffer was not zeroed at %d", n, i)
			}
		}
		if outside.Data[0] != 3 || outside.Data[n-1] != 3 {
			t.Errorf("n=%d: a heap tensor changed", n)
		}
	}
}

// Release hands back only what was handed out after its mark: a later
// allocation reuses a released buffer, zeroed, and one from before the mark
// stays with its holder.
func TestArenaRelease(t *testing.T) {
	a := T.NewArena()
	var kept, phase, again *T.Tensor
	T.UseArena(a, func() {
		kept = T.Full(1, 1024)
		mark := a.Mark()
		phase = T.Full(2, 1024)
		a.Release(mark)
		again = T.Zeros(1024)
		if &again.Data[0] != &phase.Data[0] {
			t.Error("a buffer released after the mark was not reused")
		}
		if &again.Data[0] == &kept.Data[0] {
			t.Error("a buffer from before the mark was handed out again")
		}
	})
	if kept.Data[0] != 1 || again.Data[0] != 0 {
		t.Errorf("kept %g, reused %g: want 1 and a zeroed buffer", kept.Data[0], again.Data[0])
	}
	mustPanic(t, func() { a.Release(5) }, "Release")
}
