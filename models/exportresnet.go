package models

import (
	"fmt"

	"github.com/gogan/gan/models/onnx"
	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// The resnet generator is not a chain: each block's input feeds both its
// residual branch and its shortcut, and an Add joins them. It is written
// node by node here, reusing the chain exporter's layers for the pieces:
//
//	h -> [b1] -> Relu -> ConvTranspose(4x4, s2) -> [b2] -> Relu -> Conv(3x3) -+-> Add
//	h -> Conv(1x1) -> Resize(nearest, x2) ------------------------------------+
//
// The upsampling 3x3 convolution is written as the stride-2 transposed
// convolution the engine runs (tensor.UpConvKernel), which onnxruntime
// runs fast and ExportOptions.ConvTransposeAsConv can turn into Conv +
// DepthToSpace. b2 folds into it. b1 reads the block input, which the
// shortcut also reads, so it stays a BatchNormalization; a class-
// conditional BN becomes a Gather of per-class scale and shift (running
// statistics folded into the tables), a Mul and an Add. The shortcut's 1x1
// convolution runs before the upsampling, at a quarter of the pixels.

// emit writes the body reading x (N, in) and, for a conditional model,
// the label input; its last node writes OutputImage.
func (g *resnetG) emit(gr *onnx.Graph, x, label string, opt ExportOptions) string {
	lin := g.lin
	x = (&gemmLayer{named: named{"main.lin"}, in: lin.In, out: lin.Out, w: clone(lin.Weight), b: clone(lin.Bias)}).emit(gr, x, "main.lin", opt)
	x = (&reshapeLayer{named: named{"main.reshape"}, shape: []int{g.ch, g.base, g.base}}).emit(gr, x, "main.reshape", opt)
	scales := gr.Initializer("main.upsample_scales", []float32{1, 1, 2, 2}, 4)
	for i, b := range g.blocks {
		x = b.emit(gr, fmt.Sprintf("main.block%d", i), x, label, scales, opt)
	}
	x = emitNorm(gr, "main.bn", g.bn, x, label)
	x = gr.Node("Relu", "main.relu", []string{x})
	x = convOf("main.conv", g.conv).emit(gr, x, "main.conv", opt)
	return gr.Node("Tanh", OutputImage, []string{x})
}

func (b *upBlock) emit(gr *onnx.Graph, p, x, label, scales string, opt ExportOptions) string {
	h := emitNorm(gr, p+".b1", b.b1, x, label)
	h = gr.Node("Relu", p+".relu1", []string{h})
	var k *tensor.Tensor
	tensor.NoGrad(func() { k = tensor.UpConvKernel(b.c1.Weight) })
	up := &convLayer{named: named{p + ".c1"}, transpose: true, in: b.c1.In, out: b.c1.Out,
		kernel: 4, stride: 2, pad: 1, w: clone(k), b: clone(b.c1.Bias)}
	if bn, ok := b.b2.(*nn.BatchNorm); ok {
		up.fold(bnOf("", bn).affine())
		h = up.emit(gr, h, p+".c1", opt)
	} else {
		h = up.emit(gr, h, p+".c1", opt)
		h = emitNorm(gr, p+".b2", b.b2, h, label)
	}
	h = gr.Node("Relu", p+".relu2", []string{h})
	h = convOf(p+".c2", b.c2).emit(gr, h, p+".c2", opt)
	s := convOf(p+".c_sc", b.sc).emit(gr, x, p+".c_sc", opt)
	s = gr.Node("Resize", p+".up", []string{s, "", scales}, onnx.String("mode", "nearest"),
		onnx.String("coordinate_transformation_mode", "asymmetric"), onnx.String("nearest_mode", "floor"))
	return gr.Node("Add", p+".add", []string{h, s})
}

func convOf(name string, c *nn.Conv2d) *convLayer {
	return &convLayer{named: named{name}, in: c.In, out: c.Out, kernel: c.Kernel, stride: c.Stride, pad: c.Pad,
		w: clone(c.Weight), b: clone(c.Bias)}
}

func bnOf(name string, m *nn.BatchNorm) *bnLayer {
	return &bnLayer{named: named{name}, c: m.C, eps: m.Eps, gamma: clone(m.Weight), beta: clone(m.Bias),
		mean: clone(m.RunningMean), variance: clone(m.RunningVar)}
}

// emitNorm writes a BatchNorm in evaluation form, or a class-conditional
// one as x * scale[label] + shift[label] with (N,C,1,1) factors.
func emitNorm(gr *onnx.Graph, name string, m nn.Module, x, label string) string {
	switch m := m.(type) {
	case *nn.BatchNorm:
		return bnOf(name, m).emit(gr, x, name, ExportOptions{})
	case *nn.CondBatchNorm:
		scale, shift := condTables(m)
		shape := gr.Int64Initializer(name+".shape", []int64{0, int64(m.C), 1, 1}, 4)
		factor := func(suffix string, table []float32) string {
			t := gr.Initializer(name+"."+suffix, table, m.Classes, m.C)
			v := gr.Node("Gather", name+"."+suffix+"_rows", []string{t, label}, onnx.Int("axis", 0))
			return gr.Node("Reshape", name+"."+suffix+"_nchw", []string{v, shape})
		}
		y := gr.Node("Mul", name+".mul", []string{x, factor("scale", scale)})
		return gr.Node("Add", name, []string{y, factor("shift", shift)})
	}
	panic(fmt.Sprintf("models: export: %s (%T) is not a normalisation", name, m))
}

// condTables folds the running statistics into the per-class affine
// tables: y = (x - mean) / sqrt(var + eps) * w[k] + b[k] = x * scale[k] +
// shift[k], computed in float64.
func condTables(m *nn.CondBatchNorm) (scale, shift []float32) {
	bn := &bnLayer{c: m.C, eps: m.Eps, gamma: make([]float32, m.C), mean: m.RunningMean.Data, variance: m.RunningVar.Data}
	for i := range bn.gamma {
		bn.gamma[i] = 1
	}
	bn.beta = make([]float32, m.C)
	inv, off := bn.affine() // inv = invstd, off = -mean*invstd
	scale, shift = make([]float32, m.Classes*m.C), make([]float32, m.Classes*m.C)
	for k := 0; k < m.Classes; k++ {
		for c := 0; c < m.C; c++ {
			w, b := float64(m.Weight.Data[k*m.C+c]), float64(m.Bias.Data[k*m.C+c])
			scale[k*m.C+c] = float32(w * inv[c])
			shift[k*m.C+c] = float32(w*off[c] + b)
		}
	}
	return scale, shift
}
