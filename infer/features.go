//go:build cgo

package infer

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	ort "github.com/yalue/onnxruntime_go"
)

// FeatureNet is an ONNX feature network for scoring samples (FID, KID,
// precision/recall): one float32 image input (N,C,H,W) and a float32 output
// of one vector per image, (N,D) (or (N,D,1,1)). The output named
// "features" is used when there are several, else the first. Images come
// in [-1,1], as generators make them, and are mapped onto the network's
// input range.
type FeatureNet struct {
	name       string
	path       string
	c, h, w    int
	fixedBatch int // > 0 when the model's batch dimension is fixed
	in, out    string
	lo, hi     float32
	session    *ort.DynamicAdvancedSession
}

// featureBatch bounds the images of one onnxruntime run.
const featureBatch = 256

// OpenFeatures starts an onnxruntime session for the feature network
// model, read from path (named in errors). lo and hi are the pixel range
// the network was trained on (0,1 for most; -1,1 for generator-side
// networks). Of the options, WithThreads and WithLibrary apply. A model
// onnxruntime cannot read is a *ModelError; a missing runtime library
// wraps ErrNoLibrary.
func OpenFeatures(path string, model []byte, lo, hi float32, opts ...Option) (*FeatureNet, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if !(lo < hi) {
		return nil, fmt.Errorf("infer: feature network input range %g,%g: want lo < hi", lo, hi)
	}
	if _, err := loadLibrary(cfg.library); err != nil {
		return nil, err
	}
	ins, outs, err := ort.GetInputOutputInfoWithONNXData(model)
	if err != nil {
		return nil, &ModelError{path, fmt.Errorf("not an ONNX model onnxruntime can read: %w", err)}
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
		return nil, bad("output %s; scoring needs one vector per image, float32 (N,D)", describe([]ort.InputOutputInfo{o}))
	}
	n := &FeatureNet{path: path, c: int(d[1]), h: int(d[2]), w: int(d[3]), in: ins[0].Name, out: o.Name, lo: lo, hi: hi}
	if d[0] > 0 {
		n.fixedBatch = int(d[0])
	}
	so, err := sessionOptions(cfg.threads)
	if err != nil {
		return nil, err
	}
	defer so.Destroy()
	if n.session, err = ort.NewDynamicAdvancedSessionWithONNXData(model, []string{n.in}, []string{n.out}, so); err != nil {
		return nil, bad("onnxruntime cannot load it: %v", err)
	}
	sum := sha256.Sum256(model)
	n.name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)) + "@" + hex.EncodeToString(sum[:4])
	return n, nil
}

// Name is the network's file stem and the start of its SHA-256, e.g.
// "inception@1a2b3c4d", so that scores name what computed them.
func (n *FeatureNet) Name() string { return n.name }

// Input is the image shape the network takes.
func (n *FeatureNet) Input() (c, h, w int) { return n.c, n.h, n.w }

// Close ends the session.
func (n *FeatureNet) Close() error { return n.session.Destroy() }

// Features returns the vectors of count images (N,C,H,W) in [-1,1], row
// by row, and their length dim. It runs them in batches of at most 256,
// or the model's fixed batch size.
func (n *FeatureNet) Features(images []float32, count int) (vecs []float32, dim int, err error) {
	per := n.c * n.h * n.w
	chunk := featureBatch
	if n.fixedBatch > 0 {
		chunk = n.fixedBatch
	}
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
		vec, d, err := n.run(buf, size)
		if err != nil {
			return nil, 0, err
		}
		if vecs == nil {
			vecs, dim = make([]float32, count*d), d
		}
		copy(vecs[lo*dim:], vec[:m*dim])
	}
	return vecs, dim, nil
}

func (n *FeatureNet) run(buf []float32, size int) ([]float32, int, error) {
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
		return nil, 0, fmt.Errorf("feature network %s: output %s came back with shape %s; scoring needs one vector per image, (N,D)",
			n.path, n.out, shapeString(shape))
	}
	return append([]float32(nil), t.GetData()...), int(shape[1]), nil
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
