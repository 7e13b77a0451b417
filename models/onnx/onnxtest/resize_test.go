package onnxtest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gogan/gan/models/onnx"
)

// runResize builds x -> Resize(x, roi "", scales or sizes) and runs it.
func runResize(t *testing.T, x Value, scales []float32, sizes []int64, attrs ...*onnxAttr) (Value, error) {
	t.Helper()
	g := onnx.NewGraph("t")
	var dims []onnx.Dim
	for _, d := range x.Shape {
		dims = append(dims, onnx.Fixed(d))
	}
	ins := []string{g.Input("x", onnx.Float32, dims...), ""}
	if scales != nil {
		ins = append(ins, g.Initializer("scales", scales, len(scales)))
	} else {
		ins = append(ins, "", g.Int64Initializer("sizes", sizes, len(sizes)))
	}
	g.Node("Resize", "y", ins, attrs...)
	g.Output("y", onnx.Float32)
	m, err := g.Model(onnx.ModelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := Run(m, map[string]Value{"x": x})
	return out["y"], err
}

// Expected values are the ONNX operator tests resize_upsample_scales_nearest,
// resize_downsample_scales_nearest and resize_upsample_sizes_nearest, and
// the exporter's form (asymmetric, floor), which is exact nearest x2.
func TestResizeSpec(t *testing.T) {
	x := Floats([]float32{1, 2, 3, 4}, 1, 1, 2, 2)
	cases := []struct {
		x      Value
		scales []float32
		sizes  []int64
		attrs  []*onnxAttr
		want   string
	}{
		{x, []float32{1, 1, 2, 3}, nil, nil, "[1 1 4 6] [1 1 1 2 2 2 1 1 1 2 2 2 3 3 3 4 4 4 3 3 3 4 4 4]"},
		{Floats(arange(8), 1, 1, 2, 4), []float32{1, 1, 0.6, 0.6}, nil, nil, "[1 1 1 2] [0 2]"},
		{x, nil, []int64{1, 1, 7, 8}, nil, "[1 1 7 8] [1 1 1 1 2 2 2 2 1 1 1 1 2 2 2 2 1 1 1 1 2 2 2 2 1 1 1 1 2 2 2 2 3 3 3 3 4 4 4 4 3 3 3 3 4 4 4 4 3 3 3 3 4 4 4 4]"},
		{x, []float32{1, 1, 2, 2}, nil, []*onnxAttr{onnx.String("mode", "nearest"),
			onnx.String("coordinate_transformation_mode", "asymmetric"), onnx.String("nearest_mode", "floor")},
			"[1 1 4 4] [1 1 2 2 1 1 2 2 3 3 4 4 3 3 4 4]"},
	}
	for _, c := range cases {
		y, err := runResize(t, c.x, c.scales, c.sizes, c.attrs...)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(y.Shape, " ", ints(y.F)); got != c.want {
			t.Errorf("Resize scales %v sizes %v: %s, want %s", c.scales, c.sizes, got, c.want)
		}
	}
	for _, c := range []struct {
		attr *onnxAttr
		want string
	}{
		{onnx.String("mode", "linear"), "mode linear"},
		{onnx.String("nearest_mode", "bogus"), "nearest_mode bogus"},
		{onnx.Int("antialias", 1), "antialias is not supported"},
	} {
		if _, err := runResize(t, x, []float32{1, 1, 2, 2}, nil, c.attr); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Resize %v: error %v, want one mentioning %q", c.attr, err, c.want)
		}
	}
}

// Expected values: 2x2 windows average directly; with 3x3 windows, stride
// 2 and pads 1, count_include_pad=1 is PyTorch's avg_pool2d default (the
// divisor is always 9) and 0 divides by the pixels inside the image.
func TestAveragePoolSpec(t *testing.T) {
	x := Floats(arange(16), 1, 1, 4, 4)
	y := one(t, "AveragePool", x.Shape, map[string]Value{"x": x}, onnx.Ints("kernel_shape", 2, 2), onnx.Ints("strides", 2, 2))
	if got := fmt.Sprint(y.Shape, " ", y.F); got != "[1 1 2 2] [2.5 4.5 10.5 12.5]" {
		t.Errorf("AveragePool 2x2: %s", got)
	}
	x1 := Floats(arange(16), 1, 1, 4, 4)
	for i := range x1.F {
		x1.F[i]++
	}
	for incl, want := range map[int64][]float32{1: {14.0 / 9, 30.0 / 9, 57.0 / 9, 99.0 / 9}, 0: {14.0 / 4, 30.0 / 6, 57.0 / 6, 99.0 / 9}} {
		y := one(t, "AveragePool", x1.Shape, map[string]Value{"x": x1}, onnx.Ints("kernel_shape", 3, 3), onnx.Ints("strides", 2, 2),
			onnx.Ints("pads", 1, 1, 1, 1), onnx.Int("count_include_pad", incl))
		if fmt.Sprint(y.F) != fmt.Sprint(want) {
			t.Errorf("AveragePool count_include_pad=%d: %v, want %v", incl, y.F, want)
		}
	}
}
