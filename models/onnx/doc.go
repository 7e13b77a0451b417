// Package onnx builds ONNX models and writes them, over the protobuf types
// that scripts/genproto.sh generates from onnx.proto (package onnxpb).
//
// A Graph collects inputs with symbolic or fixed dimensions, initializers
// (weights stored little-endian in raw_data) and nodes in topological order;
// Graph.Model checks that every value is defined before it is read and
// wraps the graph as a model of IR version 8 importing opset 17 of the
// default domain, which ONNX 1.12's checker (onnx.checker.check_model with
// full_check) and onnxruntime accept. Write serialises a model
// deterministically, so the same model always gives the same bytes; Read
// parses one back, and Floats and Int64s decode initializers.
//
// The package is a leaf: it knows ONNX, not gogan's modules. models turns a
// generator into a Graph. Misuse of the builder (a name defined twice, a
// shape that does not match its data) is a programmer error and panics with
// an "onnx: " message; malformed files are returned as errors.
package onnx
