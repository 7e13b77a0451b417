package onnxtest

import (
	"fmt"
	"math"
)

// resize is ONNX Resize (opset 13 to 17) in nearest mode for a 4-D input:
// inputs X, roi (omitted or empty), scales (4) or sizes (4). Each output
// coordinate maps back to the input by coordinate_transformation_mode and
// is rounded by nearest_mode, then clamped to the input.
func resize(a attrs, in []Value) (Value, error) {
	mode, err1 := a.str("mode", "nearest")
	coord, err2 := a.str("coordinate_transformation_mode", "half_pixel")
	nearest, err3 := a.str("nearest_mode", "round_prefer_floor")
	// Attributes that do not apply to nearest mode keep their defaults.
	_, err4 := a.float("cubic_coeff_a", -0.75)
	excl, err5 := a.int("exclude_outside", 0)
	_, err6 := a.float("extrapolation_value", 0)
	if err := firstErr(err1, err2, err3, err4, err5, err6); err != nil {
		return Value{}, err
	}
	if mode != "nearest" {
		return Value{}, fmt.Errorf("mode %s is not supported (only nearest)", mode)
	}
	if excl != 0 || coord == "tf_crop_and_resize" {
		return Value{}, fmt.Errorf("exclude_outside %d / coordinate_transformation_mode %s are not supported", excl, coord)
	}
	if len(in) < 2 || len(in) > 4 || in[0].omitted || !in[0].isFloat() || len(in[0].Shape) != 4 {
		return Value{}, fmt.Errorf("Resize needs a 4-D float input X, roi, and scales or sizes")
	}
	x := in[0]
	if r := in[1]; !r.omitted && numel(r.Shape) != 0 {
		return Value{}, fmt.Errorf("roi %v is not supported (it applies to tf_crop_and_resize)", r.Shape)
	}
	var scales [4]float64
	var out [4]int
	switch {
	case len(in) >= 3 && !in[2].omitted && numel(in[2].Shape) > 0:
		if len(in) == 4 && !in[3].omitted {
			return Value{}, fmt.Errorf("give scales or sizes, not both")
		}
		s := in[2]
		if !s.isFloat() || len(s.F) != 4 {
			return Value{}, fmt.Errorf("scales must be 4 floats, got %v", s.Shape)
		}
		for i, v := range s.F {
			scales[i] = float64(v)
			out[i] = int(math.Floor(float64(x.Shape[i]) * scales[i]))
		}
	case len(in) == 4 && !in[3].omitted:
		s := in[3]
		if s.I == nil || len(s.I) != 4 {
			return Value{}, fmt.Errorf("sizes must be 4 int64s, got %v", s.Shape)
		}
		for i, v := range s.I {
			out[i] = int(v)
			scales[i] = float64(v) / float64(x.Shape[i])
		}
	default:
		return Value{}, fmt.Errorf("Resize needs scales or sizes")
	}
	var idx [4][]int
	for ax := range out {
		if out[ax] < 1 {
			return Value{}, fmt.Errorf("output size %v is empty", out)
		}
		idx[ax] = make([]int, out[ax])
		for o := range idx[ax] {
			src, err := sourceCoord(coord, float64(o), scales[ax], x.Shape[ax], out[ax])
			if err != nil {
				return Value{}, err
			}
			i, err := roundNearest(nearest, src)
			if err != nil {
				return Value{}, err
			}
			idx[ax][o] = min(max(i, 0), x.Shape[ax]-1)
		}
	}
	res := make([]float32, 0, out[0]*out[1]*out[2]*out[3])
	s := x.Shape
	for _, n := range idx[0] {
		for _, c := range idx[1] {
			for _, h := range idx[2] {
				for _, w := range idx[3] {
					res = append(res, x.F[((n*s[1]+c)*s[2]+h)*s[3]+w])
				}
			}
		}
	}
	return Floats(res, out[:]...), nil
}

// sourceCoord maps output coordinate o back to the input axis.
func sourceCoord(mode string, o, scale float64, in, out int) (float64, error) {
	switch mode {
	case "half_pixel":
		return (o+0.5)/scale - 0.5, nil
	case "pytorch_half_pixel":
		if out == 1 {
			return 0, nil
		}
		return (o+0.5)/scale - 0.5, nil
	case "asymmetric":
		return o / scale, nil
	case "align_corners":
		if out == 1 {
			return 0, nil
		}
		return o * float64(in-1) / float64(out-1), nil
	}
	return 0, fmt.Errorf("coordinate_transformation_mode %s is not supported", mode)
}

func roundNearest(mode string, v float64) (int, error) {
	switch mode {
	case "floor":
		return int(math.Floor(v)), nil
	case "ceil":
		return int(math.Ceil(v)), nil
	case "round_prefer_floor":
		if v == math.Floor(v)+0.5 {
			return int(math.Floor(v)), nil
		}
		return int(math.Round(v)), nil
	case "round_prefer_ceil":
		return int(math.Floor(v + 0.5)), nil
	}
	return 0, fmt.Errorf("nearest_mode %s is not supported", mode)
}

// averagePool is ONNX AveragePool (opset 17) over 2-D windows of a 4-D
// input, with explicit pads; count_include_pad chooses whether padded
// positions count in the divisor.
func averagePool(a attrs, in []Value) (Value, error) {
	autoPad, err1 := a.str("auto_pad", "NOTSET")
	ceil, err2 := a.int("ceil_mode", 0)
	incl, err3 := a.int("count_include_pad", 0)
	kernel, err4 := a.ints("kernel_shape")
	strides, err5 := a.ints("strides")
	pads, err6 := a.ints("pads")
	if err := firstErr(err1, err2, err3, err4, err5, err6, wantInputs(in, 1, 1)); err != nil {
		return Value{}, err
	}
	if autoPad != "NOTSET" || ceil != 0 {
		return Value{}, fmt.Errorf("auto_pad %s / ceil_mode %d are not supported", autoPad, ceil)
	}
	x := in[0]
	if len(x.Shape) != 4 || len(kernel) != 2 {
		return Value{}, fmt.Errorf("only 2-D pooling of a 4-D input is supported, got %v kernel %v", x.Shape, kernel)
	}
	if strides == nil {
		strides = []int64{1, 1}
	}
	if pads == nil {
		pads = []int64{0, 0, 0, 0}
	}
	if len(strides) != 2 || len(pads) != 4 {
		return Value{}, fmt.Errorf("strides %v / pads %v: want 2 and 4 values", strides, pads)
	}
	n, c, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	kh, kw, sh, sw := int(kernel[0]), int(kernel[1]), int(strides[0]), int(strides[1])
	pt, pl, pb, pr := int(pads[0]), int(pads[1]), int(pads[2]), int(pads[3])
	oh, ow := (h+pt+pb-kh)/sh+1, (w+pl+pr-kw)/sw+1
	if oh < 1 || ow < 1 {
		return Value{}, fmt.Errorf("input %v is smaller than the kernel %v", x.Shape, kernel)
	}
	out := make([]float32, 0, n*c*oh*ow)
	for p := 0; p < n*c; p++ {
		for y := 0; y < oh; y++ {
			for xo := 0; xo < ow; xo++ {
				s, cnt := 0.0, 0
				for i := y*sh - pt; i < y*sh-pt+kh; i++ {
					for j := xo*sw - pl; j < xo*sw-pl+kw; j++ {
						if i >= 0 && i < h && j >= 0 && j < w {
							s += float64(x.F[(p*h+i)*w+j])
							cnt++
						} else if incl != 0 {
							cnt++
						}
					}
				}
				out = append(out, float32(s/float64(cnt)))
			}
		}
	}
	return Floats(out, n, c, oh, ow), nil
}
