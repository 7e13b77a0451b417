//go:build cgo

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/gogan/gan/infer"
	"github.com/gogan/gan/train/eval"
)

// onnxNet is an ONNX feature network: one float32 image input (N,C,H,W)
// and a float32 output of one vector per image, (N,D) (or (N,D,1,1)).
// The output named "features" is used when there are several, else the
// first.
type onnxNet struct {
	name       string
	path       string
	c, h, w    int
	fixedBatch int // > 0 when the model's batch dimension is fixed
	in, out    string
	lo, hi     float32
	session    *ort.DynamicAdvancedSession
}

func openONNXFeatures(path string, b []byte, lo, hi float32, threads int) (*onnxNet, error) {
	if _, _, err := infer.RuntimeVersion(""); err != nil {
		return nil, err
	}
	ins, outs, err := ort.GetInputOutputInfoWithONNXData(b)
	if err != nil {
		return nil, usage("--features %s: neither a gogan feature network (.bin) nor an ONNX model onnxruntime can read: %v", path, err)
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("feature network %s: %s", path, fmt.Sprintf(format, a...))
	}
	if len(ins) != 1 || ins[0].DataType != ort.TensorElementDataTypeFloat || len(ins[0].Dimensions) != 4 {
		return nil, bad("want one float32 image input (N,C,H,W); it has %s", describe(ins))
	}
	d := ins[0].Dimensions
	if d[1] < 1 || d[2] < 1 || d[3] < 1 {
		return nil, bad("input %s has shape %s; C, H and W must be fixed", ins[0].Name, shapeString(d))
	}
	o := outs[0]
	for _, x := range outs {
		if x.Name == "features" {
			o = x
		}
	}
	if o.DataType != ort.TensorElementDataTypeFloat || vectorDims(o.Dimensions) < 0 {
		return nil, bad("output %s; gan-eval needs one vector per image, float32 (N,D)", describe([]ort.InputOutputInfo{o}))
	}
	n := &onnxNet{path: path, c: int(d[1]), h: int(d[2]), w: int(d[3]), in: ins[0].Name, out: o.Name, lo: lo, hi: hi}
	if d[0] > 0 {
		n.fixedBatch = int(d[0])
	}
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	defer so.Destroy()
	if threads > 0 {
		if err := so.SetIntraOpNumThreads(threads); err != nil {
			return nil, err
		}
	}
	if n.session, err = ort.NewDynamicAdvancedSessionWithONNXData(b, []string{n.in}, []string{n.out}, so); err != nil {
		return nil, bad("onnxruntime cannot load it: %v", err)
	}
	sum := sha256.Sum256(b)
	n.name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)) + "@" + hex.EncodeToString(sum[:4])
	return n, nil
}

// vectorDims returns D for an output shaped (N,D), (N,D,1,...) or -1 when
// the shape is not one vector per image (D may be -1 when symbolic, which
// then returns 0: it is checked after a run).
func vectorDims(s ort.Shape) int {
	if len(s) < 2 {
		return -1
	}
	for _, x := range s[2:] {
		if x != 1 {
			return -1
		}
	}
	return max(int(s[1]), 0)
}

func describe(vs []ort.InputOutputInfo) string {
	var parts []string
	for _, v := range vs {
		parts = append(parts, fmt.Sprintf("%s %s %s", v.Name, typeName(v.DataType), shapeString(v.Dimensions)))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// typeName shortens onnxruntime's element type names:
// ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT becomes float32, the others lose the prefix.
func typeName(t ort.TensorElementDataType) string {
	if t == ort.TensorElementDataTypeFloat {
		return "float32"
	}
	return strings.ToLower(strings.TrimPrefix(t.String(), "ONNX_TENSOR_ELEMENT_DATA_TYPE_"))
}

func shapeString(s ort.Shape) string {
	parts := make([]string, len(s))
	for i, x := range s {
		if x < 0 {
			parts[i] = "?"
		} else {
			parts[i] = strconv.FormatInt(x, 10)
		}
	}
	return "(" + strings.Join(parts, ",") + ")"
}

func (n *onnxNet) Name() string         { return n.name }
func (n *onnxNet) Input() (c, h, w int) { return n.c, n.h, n.w }
func (n *onnxNet) ClassNames() []string { return nil }
func (n *onnxNet) close()               { n.session.Destroy() }

// onnxBatch bounds the images of one onnxruntime run.
const onnxBatch = 256

// Extract implements eval.Extractor: it maps the images from [-1,1] to the
// model's range and runs them in batches.
func (n *onnxNet) Extract(images []float32, count int) (*eval.Features, error) {
	per := n.c * n.h * n.w
	chunk := onnxBatch
	if n.fixedBatch > 0 {
		chunk = n.fixedBatch
	}
	var f *eval.Features
	scale, off := (n.hi-n.lo)/2, (n.hi+n.lo)/2
	for lo := 0; lo < count; lo += chunk {
		m := min(chunk, count-lo)
		size := m
		if n.fixedBatch > 0 {
			size = n.fixedBatch
		}
		buf := make([]float32, size*per)
		for i, v := range images[lo*per : (lo+m)*per] {
			buf[i] = v*scale + off
		}
		vec, dim, err := n.run(buf, size)
		if err != nil {
			return nil, err
		}
		if f == nil {
			f = &eval.Features{N: count, Dim: dim, Data: make([]float32, count*dim)}
		}
		copy(f.Data[lo*dim:], vec[:m*dim])
	}
	return f, nil
}

func (n *onnxNet) run(buf []float32, size int) ([]float32, int, error) {
	in, err := ort.NewTensor(ort.NewShape(int64(size), int64(n.c), int64(n.h), int64(n.w)), buf)
	if err != nil {
		return nil, 0, err
	}
	defer in.Destroy()
	outs := []ort.Value{nil}
	if err := n.session.Run([]ort.Value{in}, outs); err != nil {
		return nil, 0, fmt.Errorf("feature network %s: %v", n.path, err)
	}
	defer outs[0].Destroy()
	t, ok := outs[0].(*ort.Tensor[float32])
	shape := outs[0].GetShape()
	if !ok || len(shape) < 2 || int(shape[0]) != size || vectorDims(shape) < 1 {
		return nil, 0, fmt.Errorf("feature network %s: output %s came back with shape %s; gan-eval needs one vector per image, (N,D)",
			n.path, n.out, shapeString(shape))
	}
	return append([]float32(nil), t.GetData()...), int(shape[1]), nil
}
