// Package infer samples images from generators exported by gan-train, running
// them through onnxruntime on the CPU or a GPU provider.
//
// An exported generator is an ONNX model with input z (N, z_dim) float32, an
// optional input label (N) int64 for conditional models, and output image
// (N,C,H,W) float32 in the model's value range ([-1,1]). Its metadata_props
// record kind, z_dim, image_size, channels, value_range, class_names (a JSON
// list, conditional models only), dataset, steps and gogan_version; Open
// checks them against the graph and rejects anything that is not such a
// generator with a *ModelError naming the file.
//
// Images are reproducible per seed: image i of a request with Seeds is made
// from Latent(Seeds[i], ...), a pure function of that one seed, so it comes
// out the same whatever the batch size or the other seeds. (The runtime may
// still round differently for different batch sizes, by a float32 ulp or
// so, which can move a pixel by one level.)
//
// EncoderFor, FileName, NpyHeader with AppendFloat32s, and Manifest write
// images, names, stacked arrays and manifests byte for byte as gan-gen and
// its service (package infer/serve) do.
//
// The onnxruntime shared library (>= 1.24) is loaded once per process, found
// as WithLibrary describes; `make setup` fetches it. onnxruntime is reached
// through cgo: built with CGO_ENABLED=0, infer still compiles, with the same
// API, and Open returns ErrNoCgo. infer imports neither
// the training code nor the model definitions: the ONNX file is the whole
// interface between them.
package infer
