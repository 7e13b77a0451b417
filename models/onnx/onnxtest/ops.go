package onnxtest

import (
	"fmt"
	"math"

	"github.com/gogan/gan/models/onnx/onnxpb"
)

// apply runs one node. Each op reads its attributes first; attributes it
// did not read are reported, so none is silently ignored.
func apply(n *onnxpb.NodeProto, in []Value) (Value, error) {
	a := newAttrs(n)
	var out Value
	var err error
	switch op := n.GetOpType(); op {
	case "Identity":
		out, err = unary(in, func(x float64) float64 { return x })
	case "Relu":
		out, err = unary(in, func(x float64) float64 { return math.Max(x, 0) })
	case "LeakyRelu":
		var alpha float32
		if alpha, err = a.float("alpha", 0.01); err == nil {
			out, err = unary(in, func(x float64) float64 {
				if x < 0 {
					return float64(alpha) * x
				}
				return x
			})
		}
	case "Tanh":
		out, err = unary(in, math.Tanh)
	case "Sigmoid":
		out, err = unary(in, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) })
	case "Add", "Sub", "Mul", "Div":
		out, err = binary(op, in)
	case "Gemm":
		out, err = gemm(a, in)
	case "MatMul":
		out, err = matmul(in)
	case "Reshape":
		out, err = reshape(a, in)
	case "Flatten":
		out, err = flatten(a, in)
	case "Concat":
		out, err = concat(a, in)
	case "Gather":
		out, err = gather(a, in)
	case "Conv":
		out, err = conv(a, in)
	case "ConvTranspose":
		out, err = convTranspose(a, in)
	case "DepthToSpace":
		out, err = depthToSpace(a, in)
	case "BatchNormalization":
		out, err = batchNorm(a, in)
	case "Resize":
		out, err = resize(a, in)
	case "AveragePool":
		out, err = averagePool(a, in)
	default:
		return Value{}, fmt.Errorf("operator %s is not supported", op)
	}
	if err != nil {
		return Value{}, err
	}
	return out, a.unused()
}

func wantInputs(in []Value, lo, hi int) error {
	if len(in) < lo || len(in) > hi {
		return fmt.Errorf("%d inputs, want %d to %d", len(in), lo, hi)
	}
	for i, v := range in {
		if v.omitted {
			return fmt.Errorf("input %d is omitted", i)
		}
		if !v.isFloat() {
			return fmt.Errorf("input %d is not float32", i)
		}
	}
	return nil
}

func unary(in []Value, f func(float64) float64) (Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return Value{}, err
	}
	out := make([]float32, len(in[0].F))
	for i, x := range in[0].F {
		out[i] = float32(f(float64(x)))
	}
	return Floats(out, in[0].Shape...), nil
}

// binary applies an elementwise op with numpy broadcasting.
func binary(op string, in []Value) (Value, error) {
	if err := wantInputs(in, 2, 2); err != nil {
		return Value{}, err
	}
	x, y := in[0], in[1]
	r := max(len(x.Shape), len(y.Shape))
	pad := func(s []int) []int { return append(make1(r-len(s)), s...) }
	xs, ys := pad(x.Shape), pad(y.Shape)
	shape := make([]int, r)
	for i := range shape {
		switch {
		case xs[i] == ys[i] || ys[i] == 1:
			shape[i] = xs[i]
		case xs[i] == 1:
			shape[i] = ys[i]
		default:
			return Value{}, fmt.Errorf("shapes %v and %v do not broadcast", x.Shape, y.Shape)
		}
	}
	out := make([]float32, numel(shape))
	idx := make([]int, r)
	for k := range out {
		rem := k
		for i := r - 1; i >= 0; i-- {
			idx[i] = rem % shape[i]
			rem /= shape[i]
		}
		a, b := float64(x.F[bcast(idx, xs)]), float64(y.F[bcast(idx, ys)])
		var v float64
		switch op {
		case "Add":
			v = a + b
		case "Sub":
			v = a - b
		case "Mul":
			v = a * b
		case "Div":
			v = a / b
		}
		out[k] = float32(v)
	}
	return Floats(out, shape...), nil
}

func make1(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

// bcast is the flat offset of index idx in a tensor of shape s that is
// broadcast along its size-1 axes.
func bcast(idx, s []int) int {
	off := 0
	for i, d := range s {
		j := idx[i]
		if d == 1 {
			j = 0
		}
		off = off*d + j
	}
	return off
}

func gemm(a attrs, in []Value) (Value, error) {
	alpha, err1 := a.float("alpha", 1)
	beta, err2 := a.float("beta", 1)
	ta, err3 := a.int("transA", 0)
	tb, err4 := a.int("transB", 0)
	if err := firstErr(err1, err2, err3, err4, wantInputs(in, 2, 3)); err != nil {
		return Value{}, err
	}
	A, B := in[0], in[1]
	if len(A.Shape) != 2 || len(B.Shape) != 2 {
		return Value{}, fmt.Errorf("Gemm needs 2-D A and B, got %v and %v", A.Shape, B.Shape)
	}
	m, k := A.Shape[0], A.Shape[1]
	if ta != 0 {
		m, k = k, m
	}
	k2, n := B.Shape[0], B.Shape[1]
	if tb != 0 {
		k2, n = n, k2
	}
	if k != k2 {
		return Value{}, fmt.Errorf("Gemm inner sizes differ: A %v (transA %d), B %v (transB %d)", A.Shape, ta, B.Shape, tb)
	}
	at := func(i, p int) float64 {
		if ta != 0 {
			return float64(A.F[p*m+i])
		}
		return float64(A.F[i*k+p])
	}
	bt := func(p, j int) float64 {
		if tb != 0 {
			return float64(B.F[j*k+p])
		}
		return float64(B.F[p*n+j])
	}
	out := make([]float32, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			s := 0.0
			for p := 0; p < k; p++ {
				s += at(i, p) * bt(p, j)
			}
			out[i*n+j] = float32(float64(alpha) * s)
		}
	}
	res := Floats(out, m, n)
	if len(in) == 3 {
		c, err := binary("Mul", []Value{in[2], Floats([]float32{beta}, 1)})
		if err != nil {
			return Value{}, err
		}
		// C broadcasts to (M, N), never the other way round.
		sum, err := binary("Add", []Value{res, c})
		if err != nil || numel(sum.Shape) != m*n {
			return Value{}, fmt.Errorf("Gemm bias %v does not broadcast to (%d, %d)", in[2].Shape, m, n)
		}
		res = sum
	}
	return res, nil
}

func matmul(in []Value) (Value, error) {
	if err := wantInputs(in, 2, 2); err != nil {
		return Value{}, err
	}
	if len(in[0].Shape) != 2 || len(in[1].Shape) != 2 {
		return Value{}, fmt.Errorf("only 2-D MatMul is supported, got %v and %v", in[0].Shape, in[1].Shape)
	}
	var a attrs
	a.byName, a.used = map[string]*onnxpb.AttributeProto{}, map[string]bool{}
	return gemm(a, in)
}

func reshape(a attrs, in []Value) (Value, error) {
	allowZero, err := a.int("allowzero", 0)
	if err != nil {
		return Value{}, err
	}
	if len(in) != 2 || !in[0].isFloat() || in[1].I == nil || len(in[1].Shape) != 1 {
		return Value{}, fmt.Errorf("Reshape needs float data and a 1-D int64 shape")
	}
	x := in[0]
	shape := make([]int, len(in[1].I))
	infer := -1
	known := 1
	for i, d := range in[1].I {
		switch {
		case d == 0 && allowZero == 0:
			if i >= len(x.Shape) {
				return Value{}, fmt.Errorf("shape %v copies dimension %d of %v, which has none", in[1].I, i, x.Shape)
			}
			shape[i] = x.Shape[i]
		case d == -1:
			if infer >= 0 {
				return Value{}, fmt.Errorf("shape %v has two -1s", in[1].I)
			}
			infer = i
			continue
		case d < 0:
			return Value{}, fmt.Errorf("shape %v has a negative size", in[1].I)
		default:
			shape[i] = int(d)
		}
		known *= shape[i]
	}
	if infer >= 0 {
		if known == 0 || numel(x.Shape)%known != 0 {
			return Value{}, fmt.Errorf("cannot infer -1 in %v for input %v", in[1].I, x.Shape)
		}
		shape[infer] = numel(x.Shape) / known
	}
	if numel(shape) != numel(x.Shape) {
		return Value{}, fmt.Errorf("cannot reshape %v to %v", x.Shape, shape)
	}
	return Floats(x.F, shape...), nil
}

func flatten(a attrs, in []Value) (Value, error) {
	axis, err := a.int("axis", 1)
	if err := firstErr(err, wantInputs(in, 1, 1)); err != nil {
		return Value{}, err
	}
	x := in[0]
	r := int64(len(x.Shape))
	if axis < 0 {
		axis += r
	}
	if axis < 0 || axis > r {
		return Value{}, fmt.Errorf("axis %d for rank %d", axis, r)
	}
	outer := numel(x.Shape[:axis])
	return Floats(x.F, outer, numel(x.Shape)/max(outer, 1)), nil
}

func concat(a attrs, in []Value) (Value, error) {
	at, err := a.get("axis", onnxpb.AttributeProto_INT)
	if err != nil || at == nil {
		return Value{}, fmt.Errorf("Concat needs an int axis")
	}
	if len(in) == 0 {
		return Value{}, fmt.Errorf("Concat of nothing")
	}
	r := len(in[0].Shape)
	axis := int(at.GetI())
	if axis < 0 {
		axis += r
	}
	if axis < 0 || axis >= r {
		return Value{}, fmt.Errorf("axis %d for rank %d", at.GetI(), r)
	}
	shape := append([]int(nil), in[0].Shape...)
	shape[axis] = 0
	for _, v := range in {
		if len(v.Shape) != r || v.isFloat() != in[0].isFloat() {
			return Value{}, fmt.Errorf("inputs differ in rank or type: %v and %v", in[0].Shape, v.Shape)
		}
		for i := range v.Shape {
			if i != axis && v.Shape[i] != in[0].Shape[i] {
				return Value{}, fmt.Errorf("shapes %v and %v differ off axis %d", in[0].Shape, v.Shape, axis)
			}
		}
		shape[axis] += v.Shape[axis]
	}
	outer, inner := numel(shape[:axis]), numel(shape[axis+1:])
	var f []float32
	var ii []int64
	for o := 0; o < outer; o++ {
		for _, v := range in {
			blk := v.Shape[axis] * inner
			if v.isFloat() {
				f = append(f, v.F[o*blk:(o+1)*blk]...)
			} else {
				ii = append(ii, v.I[o*blk:(o+1)*blk]...)
			}
		}
	}
	return Value{Shape: shape, F: f, I: ii}, nil
}

// gather takes rows of float data along axis 0 at int64 indices.
func gather(a attrs, in []Value) (Value, error) {
	axis, err := a.int("axis", 0)
	if err != nil {
		return Value{}, err
	}
	if axis != 0 {
		return Value{}, fmt.Errorf("only axis 0 is supported, got %d", axis)
	}
	if len(in) != 2 || !in[0].isFloat() || in[1].I == nil || len(in[0].Shape) < 1 {
		return Value{}, fmt.Errorf("Gather needs float data and int64 indices")
	}
	data, idx := in[0], in[1]
	rows := data.Shape[0]
	row := numel(data.Shape[1:])
	out := make([]float32, 0, len(idx.I)*row)
	for _, i := range idx.I {
		if i < -int64(rows) || i >= int64(rows) {
			return Value{}, fmt.Errorf("index %d out of range for %d rows", i, rows)
		}
		if i < 0 {
			i += int64(rows)
		}
		out = append(out, data.F[int(i)*row:(int(i)+1)*row]...)
	}
	return Floats(out, append(append([]int(nil), idx.Shape...), data.Shape[1:]...)...), nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
