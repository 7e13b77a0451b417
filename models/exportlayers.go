package models

import (
	"fmt"
	"math"

	"github.com/gogan/gan/models/onnx"
	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// The exporter first lowers a module tree to a flat list of layers holding
// copies of the weights, then folds BatchNorm into the weights before it,
// then emits one or two ONNX nodes per layer. Working on copies leaves the
// model untouched.

// layer is one lowered module, named by its state_dict path ("main.3").
type layer interface {
	path() string
	// emit appends the layer's nodes reading x; the last one writes out.
	emit(g *onnx.Graph, x, out string, opt ExportOptions) string
}

type named struct{ name string }

func (n named) path() string { return n.name }

// gemmLayer is Linear: y = x W^T + b with W (out, in).
type gemmLayer struct {
	named
	in, out int
	w, b    []float32 // b nil: no bias
}

type reshapeLayer struct {
	named
	shape []int // per sample, as nn.Reshape holds it
}

type bnLayer struct {
	named
	c                           int
	eps                         float32
	gamma, beta, mean, variance []float32
}

// convLayer is Conv2d or, with transpose, ConvTranspose2d. Its weight is
// (F,C,k,k) for Conv2d and (C,F,k,k) for ConvTranspose2d, as in PyTorch.
type convLayer struct {
	named
	transpose                            bool
	in, out, kernel, stride, pad, outPad int
	w, b                                 []float32
}

type actLayer struct {
	named
	op    string // Relu, LeakyRelu, Tanh, Sigmoid
	alpha float32
}

type flattenLayer struct{ named }

func clone(t *tensor.Tensor) []float32 {
	if t == nil {
		return nil
	}
	return append([]float32(nil), t.Data...)
}

// lower flattens the Sequential seq, registered under prefix, into layers.
// Dropout is the identity in evaluation form and is dropped.
func lower(prefix string, seq *nn.Sequential) ([]layer, error) {
	var ls []layer
	for i := 0; i < seq.Len(); i++ {
		p := named{fmt.Sprintf("%s.%d", prefix, i)}
		switch m := seq.At(i).(type) {
		case *nn.Sequential:
			sub, err := lower(p.name, m)
			if err != nil {
				return nil, err
			}
			ls = append(ls, sub...)
		case *nn.Linear:
			ls = append(ls, &gemmLayer{named: p, in: m.In, out: m.Out, w: clone(m.Weight), b: clone(m.Bias)})
		case *nn.Reshape:
			for _, d := range m.Shape {
				if d == 0 {
					return nil, fmt.Errorf("models: export: %s: Reshape%v has a zero dimension", p.name, m.Shape)
				}
			}
			ls = append(ls, &reshapeLayer{named: p, shape: append([]int(nil), m.Shape...)})
		case *nn.BatchNorm:
			ls = append(ls, &bnLayer{named: p, c: m.C, eps: m.Eps, gamma: clone(m.Weight), beta: clone(m.Bias),
				mean: clone(m.RunningMean), variance: clone(m.RunningVar)})
		case *nn.ConvTranspose2d:
			ls = append(ls, &convLayer{named: p, transpose: true, in: m.In, out: m.Out, kernel: m.Kernel,
				stride: m.Stride, pad: m.Pad, outPad: m.OutPad, w: clone(m.Weight), b: clone(m.Bias)})
		case *nn.Conv2d:
			ls = append(ls, &convLayer{named: p, in: m.In, out: m.Out, kernel: m.Kernel,
				stride: m.Stride, pad: m.Pad, w: clone(m.Weight), b: clone(m.Bias)})
		case *nn.ReLU:
			ls = append(ls, &actLayer{named: p, op: "Relu"})
		case *nn.LeakyReLU:
			ls = append(ls, &actLayer{named: p, op: "LeakyRelu", alpha: m.Slope})
		case *nn.Tanh:
			ls = append(ls, &actLayer{named: p, op: "Tanh"})
		case *nn.Sigmoid:
			ls = append(ls, &actLayer{named: p, op: "Sigmoid"})
		case *nn.Flatten:
			ls = append(ls, &flattenLayer{named: p})
		case *nn.Dropout:
		default:
			return nil, fmt.Errorf("models: export: %s (%T) has no ONNX form", p.name, m)
		}
	}
	return ls, nil
}

// foldBatchNorm removes each BatchNorm that directly follows a Linear
// (possibly through a Reshape whose first axis is the channel) or a
// convolution, scaling that layer's weights and shifting its bias:
// BN(Wx + b) = (s W) x + s (b - mean) + beta with s = gamma / sqrt(var +
// eps), per channel. Any other BatchNorm stays.
func foldBatchNorm(ls []layer) []layer {
	var out []layer
	for _, l := range ls {
		bn, ok := l.(*bnLayer)
		if !ok {
			out = append(out, l)
			continue
		}
		scale, shift := bn.affine()
		n := len(out)
		folded := false
		if n > 0 {
			switch prev := out[n-1].(type) {
			case *convLayer:
				folded = prev.fold(scale, shift)
			case *gemmLayer:
				folded = prev.fold(scale, shift, 1)
			case *reshapeLayer:
				if g, ok := prevGemm(out); ok && len(prev.shape) > 0 && prev.shape[0] == bn.c && g.out%bn.c == 0 {
					folded = g.fold(scale, shift, g.out/bn.c)
				}
			}
		}
		if !folded {
			out = append(out, l)
		}
	}
	return out
}

func prevGemm(ls []layer) (*gemmLayer, bool) {
	if len(ls) < 2 {
		return nil, false
	}
	g, ok := ls[len(ls)-2].(*gemmLayer)
	return g, ok
}

// affine returns BatchNorm's evaluation form y = scale*x + shift per
// channel, computed in float64.
func (b *bnLayer) affine() (scale, shift []float64) {
	scale, shift = make([]float64, b.c), make([]float64, b.c)
	for i := range scale {
		scale[i] = float64(b.gamma[i]) / math.Sqrt(float64(b.variance[i])+float64(b.eps))
		shift[i] = float64(b.beta[i]) - float64(b.mean[i])*scale[i]
	}
	return scale, shift
}

// fold applies a per-channel affine map to the output of the Linear, whose
// features are grouped channel-major in blocks of block features.
func (l *gemmLayer) fold(scale, shift []float64, block int) bool {
	if len(scale)*block != l.out {
		return false
	}
	b := l.b
	if b == nil {
		b = make([]float32, l.out)
	}
	for f := 0; f < l.out; f++ {
		c := f / block
		for j := 0; j < l.in; j++ {
			l.w[f*l.in+j] = float32(float64(l.w[f*l.in+j]) * scale[c])
		}
		b[f] = float32(float64(b[f])*scale[c] + shift[c])
	}
	l.b = b
	return true
}

// fold applies a per-output-channel affine map to the convolution.
func (l *convLayer) fold(scale, shift []float64) bool {
	if len(scale) != l.out {
		return false
	}
	kk := l.kernel * l.kernel
	for i := range l.w {
		// Output channel of weight element i: axis 0 of (F,C,k,k), axis 1
		// of the transposed (C,F,k,k).
		f := i / (l.in * kk)
		if l.transpose {
			f = i / kk % l.out
		}
		l.w[i] = float32(float64(l.w[i]) * scale[f])
	}
	b := l.b
	if b == nil {
		b = make([]float32, l.out)
	}
	for f := range b {
		b[f] = float32(float64(b[f])*scale[f] + shift[f])
	}
	l.b = b
	return true
}

func (l *gemmLayer) emit(g *onnx.Graph, x, out string, _ ExportOptions) string {
	ins := []string{x, g.Initializer(l.name+".weight", l.w, l.out, l.in)}
	if l.b != nil {
		ins = append(ins, g.Initializer(l.name+".bias", l.b, l.out))
	}
	return g.Node("Gemm", out, ins, onnx.Int("transB", 1))
}

func (l *reshapeLayer) emit(g *onnx.Graph, x, out string, _ ExportOptions) string {
	// 0 copies the batch size from the input, keeping N symbolic.
	shape := []int64{0}
	for _, d := range l.shape {
		shape = append(shape, int64(d))
	}
	return g.Node("Reshape", out, []string{x, g.Int64Initializer(l.name+".shape", shape, len(shape))})
}

func (l *bnLayer) emit(g *onnx.Graph, x, out string, _ ExportOptions) string {
	ins := []string{x,
		g.Initializer(l.name+".weight", l.gamma, l.c), g.Initializer(l.name+".bias", l.beta, l.c),
		g.Initializer(l.name+".running_mean", l.mean, l.c), g.Initializer(l.name+".running_var", l.variance, l.c)}
	return g.Node("BatchNormalization", out, ins, onnx.Float("epsilon", l.eps))
}

func (l *actLayer) emit(g *onnx.Graph, x, out string, _ ExportOptions) string {
	if l.op == "LeakyRelu" {
		return g.Node(l.op, out, []string{x}, onnx.Float("alpha", l.alpha))
	}
	return g.Node(l.op, out, []string{x})
}

func (l *flattenLayer) emit(g *onnx.Graph, x, out string, _ ExportOptions) string {
	return g.Node("Flatten", out, []string{x}, onnx.Int("axis", 1))
}

func (l *convLayer) emit(g *onnx.Graph, x, out string, opt ExportOptions) string {
	if l.transpose && opt.ConvTransposeAsConv && l.subpixel() {
		return l.emitSubpixel(g, x, out)
	}
	k, s, p := int64(l.kernel), int64(l.stride), int64(l.pad)
	shape := []int{l.out, l.in, l.kernel, l.kernel}
	op := "Conv"
	if l.transpose {
		shape[0], shape[1], op = l.in, l.out, "ConvTranspose"
	}
	ins := []string{x, g.Initializer(l.name+".weight", l.w, shape...)}
	if l.b != nil {
		ins = append(ins, g.Initializer(l.name+".bias", l.b, l.out))
	}
	as := convAttrs(k, s, p, p)
	if l.transpose && l.outPad != 0 {
		as = append(as, onnx.Ints("output_padding", int64(l.outPad), int64(l.outPad)))
	}
	return g.Node(op, out, ins, as...)
}
