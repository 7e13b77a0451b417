// Package pretrained holds the generator built into gan-gen: a conditional
// DCGAN (one class per digit) trained on MNIST by `make pretrained` (the
// modern recipe, 10000 steps, seed 1, 2 threads) and exported by gan-train,
// as the bytes of its ONNX file. It imports nothing,
// so a Go program can sample digits without shipping a model file:
//
//	g, err := infer.OpenBytes(pretrained.Name, pretrained.Generator)
//
// To build gan-gen (and this package) with another generator, replace
// default.onnx here with a complete gan-train export (input z, output
// image, and the gogan metadata) and rebuild; `gan-gen info` with no
// --model prints what was built in.
package pretrained

import _ "embed"

// Generator is the ONNX file of the built-in generator.
//
//go:embed default.onnx
var Generator []byte

// Name identifies the built-in generator in messages and Generator.Name.
const Name = "built-in generator (infer/pretrained)"
