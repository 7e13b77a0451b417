package tensor_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	T "github.com/gogan/gan/train/tensor"
	"github.com/gogan/gan/train/tensor/tensortest"
)

// gcFailer is a testing.TB that records errors instead of failing, so a
// test can watch the gradient checker fail.
type gcFailer struct {
	testing.TB
	errs []string
}

func (f *gcFailer) Helper()                   {}
func (f *gcFailer) Errorf(s string, a ...any) { f.errs = append(f.errs, fmt.Sprintf(s, a...)) }

// gcSquare is x*x with the backward given: want 2*x*g.
func gcSquare(backward func(x, g *T.Tensor) *T.Tensor) func([]*T.Tensor) *T.Tensor {
	return func(xs []*T.Tensor) *T.Tensor {
		x := xs[0]
		var out *T.Tensor
		T.NoGrad(func() { out = T.Mul(x, x) })
		return T.Record(out, "Square", func(g *T.Tensor, need []bool) []*T.Tensor {
			return []*T.Tensor{backward(x, g)}
		}, x)
	}
}

// The checker is only worth its passes if it fails on a wrong gradient:
// a right backward passes, and backwards that are wrong by a factor, in a
// single element, or by ignoring the upstream gradient (which a check of
// plain sum(f(x)) would miss) each fail it.
func TestGradCheckCatchesWrongBackward(t *testing.T) {
	cases := []struct {
		name     string
		backward func(x, g *T.Tensor) *T.Tensor
		ok       bool
	}{
		{"right", func(x, g *T.Tensor) *T.Tensor { return T.Scale(T.Mul(x, g), 2) }, true},
		{"factor 1 not 2", func(x, g *T.Tensor) *T.Tensor { return T.Mul(x, g) }, false},
		{"one element wrong", func(x, g *T.Tensor) *T.Tensor {
			gi := T.Scale(T.Mul(x, g), 2)
			gi.Data[5] += 0.5
			return gi
		}, false},
		{"upstream ignored", func(x, g *T.Tensor) *T.Tensor { return T.Scale(x, 2) }, false},
	}
	for _, c := range cases {
		rng := rand.New(rand.NewPCG(1, 2))
		x := T.Randn(rng, 0, 1, 3, 4)
		f := &gcFailer{TB: t}
		tensortest.GradCheck(f, rng, gcSquare(c.backward), []*T.Tensor{x}, tensortest.Options{})
		if passed := len(f.errs) == 0; passed != c.ok {
			t.Errorf("%s backward: checker passed=%v (%q), want %v", c.name, passed, f.errs, c.ok)
		}
	}
}
