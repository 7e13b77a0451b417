//go:build !cgo

package main

import (
	"github.com/gogan/gan/infer"
	"github.com/gogan/gan/train/eval"
)

// onnxNet stands in for the ONNX feature network of onnxnet.go in a build
// without cgo, where onnxruntime cannot be loaded: --features FILE.onnx
// fails with infer.ErrNoCgo (the built-in and .bin networks still work).
type onnxNet struct{ eval.Extractor }

func (*onnxNet) close() {}

func openONNXFeatures(string, []byte, float32, float32, int) (*onnxNet, error) {
	return nil, infer.ErrNoCgo
}
