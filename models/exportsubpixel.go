package models

import (
	"github.com/gogan/gan/models/onnx"
	"github.com/gogan/gan/models/onnx/onnxpb"
)

// convAttrs are explicit 2-D convolution attributes: a k x k kernel, stride
// s, pads before and after on both axes, no dilation, one group.
func convAttrs(k, s, before, after int64) []*onnxpb.AttributeProto {
	return []*onnxpb.AttributeProto{
		onnx.Ints("kernel_shape", k, k), onnx.Ints("strides", s, s),
		onnx.Ints("pads", before, before, after, after),
		onnx.Ints("dilations", 1, 1), onnx.Int("group", 1),
	}
}

// A transposed convolution with stride s writes output row y = s*m + r
// from input rows i = m + d through kernel row ky = r + pad - s*d. For
// each phase r that is an ordinary convolution over the input, so the
// whole layer is one stride-1 Conv to s*s*F channels (phase-major, the
// order DepthToSpace's DCR mode reads) followed by DepthToSpace(s). It
// holds when the output is exactly s times the input, k + outPad - 2*pad
// = s; DCGAN's k4 s2 p1 gives a 3x3 Conv with pads 1.

// subpixel reports whether l can be written as Conv + DepthToSpace.
func (l *convLayer) subpixel() bool {
	return l.transpose && l.stride > 1 && l.pad >= 0 && l.kernel+l.outPad-2*l.pad == l.stride
}

// subpixelTaps returns the range of input offsets d the phases read.
func (l *convLayer) subpixelTaps() (dmin, dmax int) {
	s, p, k := l.stride, l.pad, l.kernel
	return ceilDiv(p-k+1, s), floorDiv(s-1+p, s)
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func ceilDiv(a, b int) int { return -floorDiv(-a, b) }

// subpixelWeights rearranges the (C,F,k,k) transposed weight into the
// (s*s*F, C, K, K) Conv weight, K = dmax-dmin+1, with zeros where a phase
// does not reach; the bias repeats per phase.
func (l *convLayer) subpixelWeights() (w, b []float32, kk int) {
	s, k, c, f := l.stride, l.kernel, l.in, l.out
	dmin, dmax := l.subpixelTaps()
	kk = dmax - dmin + 1
	w = make([]float32, s*s*f*c*kk*kk)
	for ry := 0; ry < s; ry++ {
		for rx := 0; rx < s; rx++ {
			for o := 0; o < f; o++ {
				oc := (ry*s+rx)*f + o
				for ci := 0; ci < c; ci++ {
					for dy := 0; dy < kk; dy++ {
						ky := ry + l.pad - s*(dy+dmin)
						if ky < 0 || ky >= k {
							continue
						}
						for dx := 0; dx < kk; dx++ {
							kx := rx + l.pad - s*(dx+dmin)
							if kx < 0 || kx >= k {
								continue
							}
							w[((oc*c+ci)*kk+dy)*kk+dx] = l.w[((ci*f+o)*k+ky)*k+kx]
						}
					}
				}
			}
		}
	}
	if l.b != nil {
		b = make([]float32, s*s*f)
		for i := range b {
			b[i] = l.b[i%f]
		}
	}
	return w, b, kk
}

func (l *convLayer) emitSubpixel(g *onnx.Graph, x, out string) string {
	w, b, kk := l.subpixelWeights()
	s := l.stride
	dmin, dmax := l.subpixelTaps()
	ins := []string{x, g.Initializer(l.name+".weight_subpixel", w, s*s*l.out, l.in, kk, kk)}
	if b != nil {
		ins = append(ins, g.Initializer(l.name+".bias_subpixel", b, s*s*l.out))
	}
	y := g.Node("Conv", l.name+".phases", ins, convAttrs(int64(kk), 1, int64(-dmin), int64(dmax))...)
	return g.Node("DepthToSpace", out, []string{y}, onnx.Int("blocksize", int64(s)), onnx.String("mode", "DCR"))
}
