package main

import (
	"errors"

	"github.com/gogan/gan/infer"
	"github.com/gogan/gan/train/eval"
)

// onnxNet is an ONNX feature network, run by infer, as an eval.Extractor.
type onnxNet struct{ *infer.FeatureNet }

func openONNXFeatures(path string, b []byte, lo, hi float32, threads int) (*onnxNet, error) {
	n, err := infer.OpenFeatures(path, b, lo, hi, infer.WithThreads(threads))
	var me *infer.ModelError
	switch {
	case errors.Is(err, infer.ErrNoCgo):
		return nil, usage("--features %s: neither a gogan feature network (.bin) nor, in this build, an ONNX model: %v", path, infer.ErrNoCgo)
	case errors.As(err, &me):
		return nil, usage("--features %s: neither a gogan feature network (.bin) nor an ONNX model onnxruntime can read: %v", path, errors.Unwrap(me.Err))
	case err != nil:
		return nil, err
	}
	return &onnxNet{n}, nil
}

func (n *onnxNet) ClassNames() []string { return nil }
func (n *onnxNet) close()               { n.Close() }

// Extract implements eval.Extractor.
func (n *onnxNet) Extract(images []float32, count int) (*eval.Features, error) {
	vecs, dim, err := n.Features(images, count)
	if err != nil {
		return nil, err
	}
	return &eval.Features{N: count, Dim: dim, Data: vecs}, nil
}
