package onnxtest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gogan/gan/models/onnx"
)

func arange(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i)
	}
	return v
}

func ones(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = 1
	}
	return v
}

func ints(v []float32) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

// one builds a one-node model over a float input x of the given shape.
func one(t *testing.T, op string, shape []int, consts map[string]Value, attrs ...any) Value {
	t.Helper()
	g := onnx.NewGraph("t")
	var dims []onnx.Dim
	for _, d := range shape {
		dims = append(dims, onnx.Fixed(d))
	}
	ins := []string{g.Input("x", onnx.Float32, dims...)}
	for _, name := range []string{"w", "b", "c", "d"} {
		if v, ok := consts[name]; ok {
			if v.I != nil {
				ins = append(ins, g.Int64Initializer(name, v.I, v.Shape...))
			} else {
				ins = append(ins, g.Initializer(name, v.F, v.Shape...))
			}
		}
	}
	var as []*onnxAttr
	for _, a := range attrs {
		as = append(as, a.(*onnxAttr))
	}
	g.Node(op, "y", ins, as...)
	g.Output("y", onnx.Float32)
	m, err := g.Model(onnx.ModelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := Run(m, map[string]Value{"x": consts["x"]})
	if err != nil {
		t.Fatal(err)
	}
	return out["y"]
}

// Expected values below are PyTorch's conv_transpose2d and conv2d and the
// reshape/transpose formulas of ONNX's DepthToSpace specification.
func TestConvTransposeSpec(t *testing.T) {
	x := Floats(arange(9), 1, 1, 3, 3)
	y := one(t, "ConvTranspose", x.Shape, map[string]Value{"x": x, "w": Floats(ones(18), 1, 2, 3, 3)})
	want := "[0 1 3 3 2 3 8 15 12 7 9 21 36 27 15 9 20 33 24 13 6 13 21 15 8]"
	if fmt.Sprint(y.Shape) != "[1 2 5 5]" || fmt.Sprint(ints(y.F[:25])) != want || fmt.Sprint(ints(y.F[25:])) != want {
		t.Errorf("ConvTranspose: %v %v", y.Shape, y.F)
	}
	y = one(t, "ConvTranspose", x.Shape, map[string]Value{"x": x, "w": Floats(ones(18), 1, 2, 3, 3)},
		onnx.Ints("strides", 3, 2), onnx.Ints("pads", 1, 2, 1, 2))
	if want := "[1 1 3 1 1 3 7 4 9 7 4 9 7 4 9 13 7 15 13 7 15]"; fmt.Sprint(y.Shape) != "[1 2 7 3]" || fmt.Sprint(ints(y.F[:21])) != want {
		t.Errorf("ConvTranspose strided: %v %v", y.Shape, y.F)
	}
}

func TestConvSpec(t *testing.T) {
	x := Floats(arange(25), 1, 1, 5, 5)
	y := one(t, "Conv", x.Shape, map[string]Value{"x": x, "w": Floats(ones(9), 1, 1, 3, 3), "b": Floats([]float32{1}, 1)},
		onnx.Ints("strides", 2, 2), onnx.Ints("pads", 1, 1, 1, 1), onnx.Ints("kernel_shape", 3, 3))
	if want := "[13 28 25 64 109 82 73 118 85]"; fmt.Sprint(y.Shape) != "[1 1 3 3]" || fmt.Sprint(ints(y.F)) != want {
		t.Errorf("Conv: %v %v", y.Shape, y.F)
	}
}

func TestDepthToSpaceSpec(t *testing.T) {
	x := Floats(arange(48), 1, 8, 2, 3)
	dcr := "[0 12 1 13 2 14 24 36 25 37 26 38 3 15 4 16 5 17 27 39 28 40 29 41 6 18 7 19 8 20 30 42 31 43 32 44 9 21 10 22 11 23 33 45 34 46 35 47]"
	crd := "[0 6 1 7 2 8 12 18 13 19 14 20 3 9 4 10 5 11 15 21 16 22 17 23 24 30 25 31 26 32 36 42 37 43 38 44 27 33 28 34 29 35 39 45 40 46 41 47]"
	for mode, want := range map[string]string{"DCR": dcr, "CRD": crd} {
		y := one(t, "DepthToSpace", x.Shape, map[string]Value{"x": x}, onnx.Int("blocksize", 2), onnx.String("mode", mode))
		if fmt.Sprint(y.Shape) != "[1 2 4 6]" || fmt.Sprint(ints(y.F)) != want {
			t.Errorf("DepthToSpace %s: %v %v", mode, y.Shape, ints(y.F))
		}
	}
}

func TestSmallOps(t *testing.T) {
	x := Floats([]float32{1, -2, 3, -4, 5, -6}, 2, 3)
	cases := []struct {
		op     string
		consts map[string]Value
		attrs  []any
		want   string
	}{
		{"Gemm", map[string]Value{"w": Floats([]float32{1, 0, 2, 1, 0, 1}, 2, 3), "b": Floats([]float32{10, 20}, 2)},
			[]any{onnx.Int("transB", 1)}, "[2 2] [17 24 -6 10]"},
		{"Gemm", map[string]Value{"w": Floats([]float32{1, 1, 1}, 3, 1)}, []any{onnx.Float("alpha", 2)}, "[2 1] [4 -10]"},
		{"Reshape", map[string]Value{"w": Ints([]int64{0, -1, 1}, 3)}, nil, "[2 3 1] [1 -2 3 -4 5 -6]"},
		{"Relu", nil, nil, "[2 3] [1 0 3 0 5 0]"},
		{"LeakyRelu", nil, []any{onnx.Float("alpha", 0.5)}, "[2 3] [1 -1 3 -2 5 -3]"},
		{"Add", map[string]Value{"w": Floats([]float32{1, 2, 3}, 3)}, nil, "[2 3] [2 0 6 -3 7 -3]"},
		{"Mul", map[string]Value{"w": Floats([]float32{2, 3}, 2, 1)}, nil, "[2 3] [2 -4 6 -12 15 -18]"},
		{"Flatten", nil, []any{onnx.Int("axis", 0)}, "[1 6] [1 -2 3 -4 5 -6]"},
		{"BatchNormalization", map[string]Value{"w": Floats([]float32{2, 1, 1}, 3), "b": Floats([]float32{0, 1, 0}, 3),
			"c": Floats([]float32{1, 0, 0}, 3), "d": Floats([]float32{4, 1, 1}, 3)}, []any{onnx.Float("epsilon", 0)},
			"[2 3] [0 -1 3 -5 6 -6]"},
	}
	for _, c := range cases {
		consts := map[string]Value{"x": x}
		for k, v := range c.consts {
			consts[k] = v
		}
		y := one(t, c.op, x.Shape, consts, c.attrs...)
		if got := fmt.Sprint(y.Shape, " ", ints(y.F)); got != c.want {
			t.Errorf("%s: %s, want %s", c.op, got, c.want)
		}
	}
}

// Unknown attributes and operators are errors, never ignored.
func TestRejects(t *testing.T) {
	x := Floats(arange(9), 1, 1, 3, 3)
	cases := []struct {
		op    string
		attrs []*onnxAttr
		want  string
	}{
		{"Relu", []*onnxAttr{onnx.Int("bogus", 1)}, "bogus is not supported"},
		{"ConvTranspose", []*onnxAttr{onnx.String("auto_pad", "SAME_UPPER")}, "auto_pad"},
		{"ConvTranspose", []*onnxAttr{onnx.Ints("output_shape", 5, 5)}, "output_shape"},
		{"Conv", []*onnxAttr{onnx.Int("group", 2)}, "group 2"},
		{"Softmax", nil, "Softmax is not supported"},
	}
	for _, c := range cases {
		g := onnx.NewGraph("t")
		ins := []string{g.Input("x", onnx.Float32, onnx.Fixed(1), onnx.Fixed(1), onnx.Fixed(3), onnx.Fixed(3))}
		if strings.HasPrefix(c.op, "Conv") {
			ins = append(ins, g.Initializer("w", ones(9), 1, 1, 3, 3))
		}
		g.Node(c.op, "y", ins, c.attrs...)
		g.Output("y", onnx.Float32)
		m, err := g.Model(onnx.ModelOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Run(m, map[string]Value{"x": x}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v: error %v, want one mentioning %q", c.op, c.attrs, err, c.want)
		}
	}
}

// Declared shapes are enforced, and a symbolic dimension takes one size.
func TestRunChecksShapes(t *testing.T) {
	g := onnx.NewGraph("t")
	x := g.Input("x", onnx.Float32, onnx.Sym("N"), onnx.Fixed(2))
	l := g.Input("l", onnx.Int64, onnx.Sym("N"))
	e := g.Node("Gather", "e", []string{g.Initializer("tab", arange(6), 3, 2), l})
	g.Node("Concat", "y", []string{x, e}, onnx.Int("axis", 1))
	g.Output("y", onnx.Float32, onnx.Sym("N"), onnx.Fixed(4))
	m, err := g.Model(onnx.ModelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := Run(m, map[string]Value{"x": Floats([]float32{9, 9, 8, 8}, 2, 2), "l": Ints([]int64{2, -3}, 2)})
	if err != nil || fmt.Sprint(ints(out["y"].F)) != "[9 9 4 5 8 8 0 1]" {
		t.Errorf("Gather+Concat: %v %v", out["y"], err)
	}
	bad := []map[string]Value{
		{"x": Floats([]float32{9, 9, 8, 8}, 2, 2), "l": Ints([]int64{0}, 1)}, // N is 2, then 1
		{"x": Floats([]float32{9, 9, 9}, 1, 3), "l": Ints([]int64{0}, 1)},    // fixed dim 2
		{"x": Floats([]float32{9, 9}, 1, 2), "l": Ints([]int64{3}, 1)},       // index out of range
		{"x": Floats([]float32{9, 9}, 1, 2), "l": Floats([]float32{0}, 1)},   // wrong type
		{"x": Floats([]float32{9, 9}, 1, 2)},                                 // missing input
		{"x": Floats([]float32{9}, 1, 2), "l": Ints([]int64{0}, 1)},          // data does not fill shape
	}
	for _, f := range bad {
		if _, err := Run(m, f); err == nil {
			t.Errorf("feeds %v: no error", f)
		}
	}
}
