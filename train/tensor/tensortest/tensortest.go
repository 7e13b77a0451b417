// Package tensortest checks gradients numerically for the engine's tests and
// for packages built on it.
package tensortest

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gogan/gan/train/tensor"
)

// Options tune a gradient check. Zero values take the defaults.
type Options struct {
	Eps float64 // central-difference step (default 1e-2)
	Tol float64 // allowed ||num-ana||/||num|| per input (default 2e-3)
	// MaxPoints caps how many elements per input are perturbed (default 256);
	// the checked elements are drawn from the rng.
	MaxPoints int
	// Skip lists input indices that take no gradient (integer-like inputs).
	Skip []int
}

func (o *Options) defaults() {
	if o.Eps == 0 {
		o.Eps = 1e-2
	}
	if o.Tol == 0 {
		o.Tol = 2e-3
	}
	if o.MaxPoints == 0 {
		o.MaxPoints = 256
	}
}

// weightedSum returns sum(w * f(xs)) accumulated in float64, with recording off.
func weightedSum(f func([]*tensor.Tensor) *tensor.Tensor, xs []*tensor.Tensor, w []float32) float64 {
	var out *tensor.Tensor
	tensor.NoGrad(func() { out = f(xs) })
	s := 0.0
	for i, v := range out.Data {
		s += float64(w[i]) * float64(v)
	}
	return s
}

// GradCheck compares the gradients of L = sum(w * f(xs)), for a random w,
// with central differences of L. xs are used as leaves: their RequiresGrad is
// set for the duration of the check.
func GradCheck(t testing.TB, rng *rand.Rand, f func([]*tensor.Tensor) *tensor.Tensor, xs []*tensor.Tensor, opt Options) {
	t.Helper()
	opt.defaults()
	skip := map[int]bool{}
	for _, s := range opt.Skip {
		skip[s] = true
	}
	var leaves []*tensor.Tensor
	for i, x := range xs {
		x.SetRequiresGrad(!skip[i])
		if !skip[i] {
			leaves = append(leaves, x)
		}
	}
	defer func() {
		for _, x := range xs {
			x.SetRequiresGrad(false)
		}
	}()
	out := f(xs)
	w := tensor.Randn(rng, 0, 1, out.Shape()...)
	ana := tensor.Grad(tensor.Sum(tensor.Mul(out, w)), leaves, nil, false)
	li := 0
	for i, x := range xs {
		if skip[i] {
			continue
		}
		g := ana[li]
		li++
		idx := pick(rng, x.Numel(), opt.MaxPoints)
		var diff2, num2, ana2 float64
		for _, j := range idx {
			orig := x.Data[j]
			x.Data[j] = orig + float32(opt.Eps)
			lp := weightedSum(f, xs, w.Data)
			hp := float64(x.Data[j])
			x.Data[j] = orig - float32(opt.Eps)
			lm := weightedSum(f, xs, w.Data)
			hm := float64(x.Data[j])
			x.Data[j] = orig
			num := (lp - lm) / (hp - hm)
			a := float64(g.Data[j])
			diff2 += (num - a) * (num - a)
			num2 += num * num
			ana2 += a * a
		}
		rel := math.Sqrt(diff2) / math.Max(math.Sqrt(num2), 1e-6)
		if rel > opt.Tol || math.IsNaN(rel) {
			t.Errorf("input %d %v: gradient relative error %.3g > %.3g (|num| %.4g, |ana| %.4g)",
				i, x.Shape(), rel, opt.Tol, math.Sqrt(num2), math.Sqrt(ana2))
		}
	}
}

// GradGradCheck checks second derivatives: it gradient-checks
// h(xs) = sum_i sum(v_i * dL/dx_i), where L = sum(w * f(xs)) and the inner
// gradients are taken with CreateGraph.
func GradGradCheck(t testing.TB, rng *rand.Rand, f func([]*tensor.Tensor) *tensor.Tensor, xs []*tensor.Tensor, opt Options) {
	t.Helper()
	var w *tensor.Tensor
	var vs []*tensor.Tensor
	h := func(in []*tensor.Tensor) *tensor.Tensor {
		var total *tensor.Tensor
		// The inner gradient needs recording even while the outer check
		// evaluates h with recording off, so give the leaves fresh copies.
		leaves := make([]*tensor.Tensor, len(in))
		for i, x := range in {
			if tensor.Recording() {
				leaves[i] = x
			} else {
				leaves[i] = x.Detach().SetRequiresGrad(true)
			}
		}
		var gs []*tensor.Tensor
		withRecording(func() {
			out := f(leaves)
			if w == nil {
				w = tensor.Randn(rng, 0, 1, out.Shape()...)
				for _, x := range in {
					vs = append(vs, tensor.Randn(rng, 0, 1, x.Shape()...))
				}
			}
			gs = tensor.Grad(tensor.Sum(tensor.Mul(out, w)), leaves, nil, true)
			for i, g := range gs {
				term := tensor.Sum(tensor.Mul(g, vs[i]))
				if total == nil {
					total = term
				} else {
					total = tensor.Add(total, term)
				}
			}
		})
		return total
	}
	GradCheck(t, rng, h, xs, opt)
}

// withRecording runs f with recording forced on, even inside NoGrad.
func withRecording(f func()) { tensor.ForceGrad(f) }

func pick(rng *rand.Rand, n, k int) []int {
	if n <= k {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	return rng.Perm(n)[:k]
}
