//go:build !cgo

package main

import (
	"github.com/gogan/gan/infer"
	"github.com/gogan/gan/train/eval"
)

// onnxNet stands in for the ONNX feature network of onnxnet.go in a build
// without cgo, where onnxruntime cannot be loaded: --features FILE.onnx
// is refused, naming infer.ErrNoCgo (the built-in and .bin networks still
// work).
type onnxNet struct{ eval.Extractor }

func (*onnxNet) close() {}

func openONNXFeatures(path string, _ []byte, _, _ float32, _ int) (*onnxNet, error) {
	return nil, usage("--features %s: neither a gogan feature network (.bin) nor, in this build, an ONNX model: %v", path, infer.ErrNoCgo)
}
