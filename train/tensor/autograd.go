package tensor

import (
	"fmt"
	"sync/atomic"
)

// A node records one op application: its inputs and how to map the gradient
// of its output to gradients of those inputs.
type node struct {
	op     string
	inputs []*Tensor
	// backward returns one gradient per input (nil where need[i] is false or
	// the input takes no gradient). It must not modify g.
	backward func(g *Tensor, need []bool) []*Tensor
}

// gradOff > 0 disables recording (NoGrad, or a backward pass that is not
// creating a graph). It is process-wide, like torch.no_grad.
var gradOff atomic.Int32

// Recording reports whether ops are being recorded for autograd.
func Recording() bool { return gradOff.Load() == 0 }

// NoGrad runs f with recording off: no graph is built and outputs take no
// gradient (inference, EMA updates, optimiser steps).
func NoGrad(f func()) {
	gradOff.Add(1)
	defer gradOff.Add(-1)
	f()
}

// record attaches a node to out when recording and any input needs a
// gradient. It returns out.
func record(out *Tensor, op string, backward func(g *Tensor, need []bool) []*Tensor, inputs ...*Tensor) *Tensor {
	if !Recording() {
		return out
	}
	for _, in := range inputs {
		if in != nil && in.requiresGrad {
			out.requiresGrad = true
			out.fn = &node{op: op, inputs: inputs, backward: backward}
			return out
		}
	}
	return out
}

// Op returns the name of the op that produced t, or "" for a leaf.
func (t *Tensor) Op() string {
	if t.fn == nil {
		return ""
	}
	return t.fn.op
}

// Backward computes d(t)/d(leaf) for every leaf that requires a gradient and
// adds it into leaf.Grad. t must hold a single value.
func (t *Tensor) Backward() {
	if t.Numel() != 1 {
		panic(fmt.Sprintf("tensor: Backward on shape %v; reduce to a scalar or use Grad with a gradient", t.shape))
	}
	run(t, nil, nil, false, true)
}

// BackwardTo is Backward restricted to targets: only the paths from t to the
// targets are computed, and only the targets' Grad fields change. The
// generator step uses it to skip the discriminator's weight gradients.
func (t *Tensor) BackwardTo(targets ...*Tensor) {
	if t.Numel() != 1 {
		panic(fmt.Sprintf("tensor: BackwardTo on shape %v", t.shape))
	}
	run(t, nil, targets, false, true)
}

// Grad returns d(out)/d(inputs[i]) weighted by gradOut (nil means ones; out
// must then be a scalar), without touching any Grad field, like
// torch.autograd.grad. With createGraph the backward pass is itself recorded,
// so the returned gradients can be differentiated again (R1, WGAN-GP).
// An input that out does not depend on gets a zero gradient.
func Grad(out *Tensor, inputs []*Tensor, gradOut *Tensor, createGraph bool) []*Tensor {
	if gradOut == nil && out.Numel() != 1 {
		panic(fmt.Sprintf("tensor: Grad of shape %v needs gradOut", out.shape))
	}
	if gradOut != nil {
		mustSame("Grad", out, gradOut)
	}
	grads := run(out, gradOut, inputs, createGraph, false)
	res := make([]*Tensor, len(inputs))
	for i, in := range inputs {
		if g := grads[in]; g != nil {
			res[i] = g.t
		} else {
			res[i] = Zeros(in.shape...)
		}
	}
	return res
}

type gradSlot struct {
	t     *Tensor
	owned bool // t's buffer belongs to the slot and may be added into
}

// topo returns the tensors reachable from root through recorded nodes, each
// after all of its inputs.
func topo(root *Tensor) []*Tensor {
	var order []*Tensor
	seen := map[*Tensor]bool{root: true}
	type frame struct {
		t *Tensor
		i int
	}
	stack := []frame{{root, 0}}
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.t.fn == nil || f.i >= len(f.t.fn.inputs) {
			order = append(order, f.t)
			stack = stack[:len(stack)-1]
			continue
		}
		in := f.t.fn.inputs[f.i]
		f.i++
		if in != nil && in.requiresGrad && !seen[in] {
			seen[in] = true
			stack = append(stack, frame{in, 0})
		}
	}
	return order
}

func run(root, seed *Tensor, targets []*Tensor, createGraph, accumulate bool) map[*Tensor]*gradSlot {
	if !root.requiresGrad {
		return nil
	}
	order := topo(root)
	// need marks the tensors whose gradient is wanted: every one that
	// requires a gradient, or, with targets, those on a path to a target.
	need := make(map[*Tensor]bool, len(order))
	isTarget := make(map[*Tensor]bool, len(targets))
	for _, t := range targets {
		isTarget[t] = true
	}
	if targets == nil {
		for _, t := range order {
			need[t] = true
		}
	} else {
		for _, t := range order {
			if isTarget[t] {
				need[t] = true
				continue
			}
			if t.fn != nil {
				for _, in := range t.fn.inputs {
					if in != nil && need[in] {
						need[t] = true
						break
					}
				}
			}
		}
	}
	if seed == nil {
		seed = Full(1, root.shape...)
	}
	grads := map[*Tensor]*gradSlot{root: {t: seed}}
	body := func() {
		for i := len(order) - 1; i >= 0; i-- {
			t := order[i]
			slot := grads[t]
			if slot == nil || !need[t] {
				continue
			}
			if t.fn == nil {
				if accumulate {
					accumulateLeaf(t, slot, createGraph)
				}
				continue
			}
			mask := make([]bool, len(t.fn.inputs))
			anyMasked := false
			for j, in := range t.fn.inputs {
				mask[j] = in != nil && in.requiresGrad && need[in]
				anyMasked = anyMasked || mask[j]
			}
			if !anyMasked {
				continue
			}
			gin := t.fn.backward(slot.t, mask)
			if !isTarget[t] {
				delete(grads, t) // free intermediate gradients early
			}
			for j, g := range gin {
				if g == nil || !mask[j] {
					continue
				}
				in := t.fn.inputs[j]
				if !SameShape(g.shape, in.shape) {
					panic(fmt.Sprintf("tensor: backward of %s gave gradient %v for input %v", t.fn.op, g.shape, in.shape))
				}
				addSlot(grads, in, g, createGraph)
			}
		}
	}
	if createGraph {
		body()
	} else {
		NoGrad(body)
	}
	return grads
}

func addSlot(grads map[*Tensor]*gradSlot, in, g *Tensor, createGraph bool) {
	s := grads[in]
	switch {
	case s == nil:
		grads[in] = &gradSlot{t: g}
	case createGraph:
		s.t = Add(s.t, g)
	case s.owned:
		axpy(s.t.Data, g.Data)
	default:
		sum := Zeros(in.shape...)
		copy(sum.Data, s.t.Data)
		axpy(sum.Data, g.Data)
		s.t, s.owned = sum, true
	}
}

func accumulateLeaf(t *Tensor, slot *gradSlot, createGraph bool) {
	switch {
	case createGraph && t.Grad != nil:
		t.Grad = Add(t.Grad, slot.t)
	case createGraph:
		t.Grad = slot.t
	case t.Grad == nil:
		g := &Tensor{shape: t.shape, Data: alloc(len(slot.t.Data))}
		copy(g.Data, slot.t.Data)
		t.Grad = g
	default:
		axpy(t.Grad.Data, slot.t.Data)
	}
}

// axpy adds src into dst elementwise.
func axpy(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}

// ForceGrad runs f with recording on even inside NoGrad; gradient checks use
// it to build a graph within a pass that is otherwise unrecorded.
func ForceGrad(f func()) {
	old := gradOff.Swap(0)
	defer gradOff.Store(old)
	f()
}
