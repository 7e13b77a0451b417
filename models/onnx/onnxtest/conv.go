package onnxtest

import (
	"fmt"
	"math"
)

// convAttrs are the 2-D convolution attributes both Conv and ConvTranspose
// take. Only auto_pad NOTSET (explicit pads) and group 1 are supported.
type convAttrs struct {
	kernel, strides, dilations [2]int
	pads                       [4]int // top, left, bottom, right
}

func readConvAttrs(a attrs, w Value) (convAttrs, error) {
	var c convAttrs
	autoPad, err := a.str("auto_pad", "NOTSET")
	if err != nil {
		return c, err
	}
	if autoPad != "NOTSET" {
		return c, fmt.Errorf("auto_pad %s is not supported (write explicit pads)", autoPad)
	}
	group, err := a.int("group", 1)
	if err != nil || group != 1 {
		return c, firstErr(err, fmt.Errorf("group %d is not supported", group))
	}
	if len(w.Shape) != 4 {
		return c, fmt.Errorf("weight shape %v: only 2-D convolutions are supported", w.Shape)
	}
	c.kernel = [2]int{w.Shape[2], w.Shape[3]}
	c.strides, c.dilations = [2]int{1, 1}, [2]int{1, 1}
	read := func(name string, dst []int) error {
		v, err := a.ints(name)
		if err != nil || v == nil {
			return err
		}
		if len(v) != len(dst) {
			return fmt.Errorf("%s %v: want %d values", name, v, len(dst))
		}
		for i, x := range v {
			dst[i] = int(x)
		}
		return nil
	}
	k := c.kernel
	if err := firstErr(read("kernel_shape", c.kernel[:]), read("strides", c.strides[:]),
		read("dilations", c.dilations[:]), read("pads", c.pads[:])); err != nil {
		return c, err
	}
	if c.kernel != k {
		return c, fmt.Errorf("kernel_shape %v does not match the weight %v", c.kernel, w.Shape)
	}
	return c, nil
}

// conv is ONNX Conv: X (N,C,H,W), W (M,C,kH,kW), B (M) -> (N,M,H',W').
func conv(a attrs, in []Value) (Value, error) {
	if err := wantInputs(in, 2, 3); err != nil {
		return Value{}, err
	}
	x, w := in[0], in[1]
	c, err := readConvAttrs(a, w)
	if err != nil {
		return Value{}, err
	}
	if len(x.Shape) != 4 || x.Shape[1] != w.Shape[1] {
		return Value{}, fmt.Errorf("input %v does not match weight %v", x.Shape, w.Shape)
	}
	n, ci, h, wd := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	m := w.Shape[0]
	oh := (h+c.pads[0]+c.pads[2]-c.dilations[0]*(c.kernel[0]-1)-1)/c.strides[0] + 1
	ow := (wd+c.pads[1]+c.pads[3]-c.dilations[1]*(c.kernel[1]-1)-1)/c.strides[1] + 1
	if oh < 1 || ow < 1 {
		return Value{}, fmt.Errorf("input %v is smaller than the kernel", x.Shape)
	}
	bias, err := biasOf(in, m)
	if err != nil {
		return Value{}, err
	}
	acc := make([]float64, n*m*oh*ow)
	for b := 0; b < n; b++ {
		for f := 0; f < m; f++ {
			dst := acc[(b*m+f)*oh*ow : (b*m+f+1)*oh*ow]
			for i := range dst {
				dst[i] = bias[f]
			}
			for ch := 0; ch < ci; ch++ {
				src := x.F[(b*ci+ch)*h*wd : (b*ci+ch+1)*h*wd]
				for ky := 0; ky < c.kernel[0]; ky++ {
					for kx := 0; kx < c.kernel[1]; kx++ {
						wv := float64(w.F[((f*ci+ch)*c.kernel[0]+ky)*c.kernel[1]+kx])
						// Output (oy, ox) reads input (oy*stride - pad + k*dilation).
						for oy := 0; oy < oh; oy++ {
							iy := oy*c.strides[0] - c.pads[0] + ky*c.dilations[0]
							if iy < 0 || iy >= h {
								continue
							}
							for ox := 0; ox < ow; ox++ {
								ix := ox*c.strides[1] - c.pads[1] + kx*c.dilations[1]
								if ix >= 0 && ix < wd {
									dst[oy*ow+ox] += wv * float64(src[iy*wd+ix])
								}
							}
						}
					}
				}
			}
		}
	}
	out := make([]float32, len(acc))
	for i, v := range acc {
		out[i] = float32(v)
	}
	return Floats(out, n, m, oh, ow), nil
}

// convTranspose is ONNX ConvTranspose: X (N,C,H,W), W (C,M,kH,kW), B (M)
// -> (N,M,H',W') with H' = stride*(H-1) + output_padding +
// dilation*(kH-1) + 1 - pad_top - pad_bottom. Input pixel (iy, ix) adds
// X*W to output pixel (iy*stride - pad + ky*dilation, ...).
func convTranspose(a attrs, in []Value) (Value, error) {
	if err := wantInputs(in, 2, 3); err != nil {
		return Value{}, err
	}
	x, w := in[0], in[1]
	c, err := readConvAttrs(a, w)
	if err != nil {
		return Value{}, err
	}
	if shape, err := a.ints("output_shape"); err != nil || shape != nil {
		return Value{}, firstErr(err, fmt.Errorf("output_shape is not supported (write pads and output_padding)"))
	}
	outPad := []int64{0, 0}
	if v, err := a.ints("output_padding"); err != nil {
		return Value{}, err
	} else if v != nil {
		if len(v) != 2 {
			return Value{}, fmt.Errorf("output_padding %v: want 2 values", v)
		}
		outPad = v
	}
	if len(x.Shape) != 4 || x.Shape[1] != w.Shape[0] {
		return Value{}, fmt.Errorf("input %v does not match weight %v", x.Shape, w.Shape)
	}
	n, ci, h, wd := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	m := w.Shape[1]
	oh := c.strides[0]*(h-1) + int(outPad[0]) + c.dilations[0]*(c.kernel[0]-1) + 1 - c.pads[0] - c.pads[2]
	ow := c.strides[1]*(wd-1) + int(outPad[1]) + c.dilations[1]*(c.kernel[1]-1) + 1 - c.pads[1] - c.pads[3]
	if oh < 1 || ow < 1 {
		return Value{}, fmt.Errorf("output would be %dx%d", oh, ow)
	}
	bias, err := biasOf(in, m)
	if err != nil {
		return Value{}, err
	}
	acc := make([]float64, n*m*oh*ow)
	for b := 0; b < n; b++ {
		for f := 0; f < m; f++ {
			for i := 0; i < oh*ow; i++ {
				acc[(b*m+f)*oh*ow+i] = bias[f]
			}
		}
		for ch := 0; ch < ci; ch++ {
			src := x.F[(b*ci+ch)*h*wd : (b*ci+ch+1)*h*wd]
			for f := 0; f < m; f++ {
				dst := acc[(b*m+f)*oh*ow : (b*m+f+1)*oh*ow]
				for ky := 0; ky < c.kernel[0]; ky++ {
					for kx := 0; kx < c.kernel[1]; kx++ {
						wv := float64(w.F[((ch*m+f)*c.kernel[0]+ky)*c.kernel[1]+kx])
						for iy := 0; iy < h; iy++ {
							oy := iy*c.strides[0] - c.pads[0] + ky*c.dilations[0]
							if oy < 0 || oy >= oh {
								continue
							}
							for ix := 0; ix < wd; ix++ {
								ox := ix*c.strides[1] - c.pads[1] + kx*c.dilations[1]
								if ox >= 0 && ox < ow {
									dst[oy*ow+ox] += wv * float64(src[iy*wd+ix])
								}
							}
						}
					}
				}
			}
		}
	}
	out := make([]float32, len(acc))
	for i, v := range acc {
		out[i] = float32(v)
	}
	return Floats(out, n, m, oh, ow), nil
}

func biasOf(in []Value, m int) ([]float64, error) {
	b := make([]float64, m)
	if len(in) < 3 {
		return b, nil
	}
	if len(in[2].Shape) != 1 || in[2].Shape[0] != m {
		return nil, fmt.Errorf("bias shape %v, want [%d]", in[2].Shape, m)
	}
	for i, v := range in[2].F {
		b[i] = float64(v)
	}
	return b, nil
}

// depthToSpace moves blocks of channels into space: (N, C*b*b, H, W) ->
// (N, C, H*b, W*b). In DCR mode channel (i*b+j)*C + c goes to pixel (i, j)
// of channel c's block; in CRD mode channel (c*b+i)*b + j does.
func depthToSpace(a attrs, in []Value) (Value, error) {
	bs, err1 := a.int("blocksize", 0)
	mode, err2 := a.str("mode", "DCR")
	if err := firstErr(err1, err2, wantInputs(in, 1, 1)); err != nil {
		return Value{}, err
	}
	x := in[0]
	b := int(bs)
	if b < 1 || len(x.Shape) != 4 || x.Shape[1]%(b*b) != 0 {
		return Value{}, fmt.Errorf("blocksize %d for input %v", b, x.Shape)
	}
	if mode != "DCR" && mode != "CRD" {
		return Value{}, fmt.Errorf("mode %q", mode)
	}
	n, h, w := x.Shape[0], x.Shape[2], x.Shape[3]
	c := x.Shape[1] / (b * b)
	out := make([]float32, len(x.F))
	for nb := 0; nb < n; nb++ {
		for ch := 0; ch < c; ch++ {
			for i := 0; i < b; i++ {
				for j := 0; j < b; j++ {
					src := (i*b+j)*c + ch
					if mode == "CRD" {
						src = (ch*b+i)*b + j
					}
					for y := 0; y < h; y++ {
						for xx := 0; xx < w; xx++ {
							out[((nb*c+ch)*h*b+y*b+i)*w*b+xx*b+j] = x.F[((nb*c*b*b+src)*h+y)*w+xx]
						}
					}
				}
			}
		}
	}
	return Floats(out, n, c, h*b, w*b), nil
}

// batchNorm is BatchNormalization in inference form: (x - mean) /
// sqrt(var + eps) * scale + B per channel (axis 1).
func batchNorm(a attrs, in []Value) (Value, error) {
	eps, err1 := a.float("epsilon", 1e-5)
	_, err2 := a.float("momentum", 0.9) // only used in training mode
	train, err3 := a.int("training_mode", 0)
	if err := firstErr(err1, err2, err3, wantInputs(in, 5, 5)); err != nil {
		return Value{}, err
	}
	if train != 0 {
		return Value{}, fmt.Errorf("training_mode %d is not supported", train)
	}
	x := in[0]
	if len(x.Shape) < 2 {
		return Value{}, fmt.Errorf("input %v has no channel axis", x.Shape)
	}
	c := x.Shape[1]
	for i, p := range in[1:] {
		if len(p.Shape) != 1 || p.Shape[0] != c {
			return Value{}, fmt.Errorf("parameter %d has shape %v for %d channels", i+1, p.Shape, c)
		}
	}
	inner := numel(x.Shape[2:])
	out := make([]float32, len(x.F))
	for i, v := range x.F {
		ch := i / inner % c
		mean, vr := float64(in[3].F[ch]), float64(in[4].F[ch])
		out[i] = float32((float64(v)-mean)/math.Sqrt(vr+float64(eps))*float64(in[1].F[ch]) + float64(in[2].F[ch]))
	}
	return Floats(out, x.Shape...), nil
}
