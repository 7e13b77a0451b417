// Package tensor is gogan's small float32 tensor engine: a Tensor is a shape
// plus flat row-major data (NCHW for images), and every op records itself on
// the autograd graph so that Backward and Grad can run reverse mode.
//
// Each op family lives in one file with its forward and backward side by side
// (conv.go, convtranspose.go, batchnorm.go, ...). Backward functions are
// written with the same differentiable ops as forward code, so a backward pass
// run with CreateGraph can itself be differentiated (gradient penalties need
// this); where a fused kernel is faster, it is used when no graph is recorded.
//
// Kernels (Sgemm, Im2col, Col2im) take their destination first and never
// allocate; the Tensor API above them does. Shape errors are programmer
// errors and panic with a "tensor: " message naming the op and the shapes.
//
// All randomness comes from a caller-supplied *rand.Rand (math/rand/v2).
package tensor
