package tensor

import "fmt"

// Residual networks resample around 3x3 convolutions: the generator
// upsamples (nearest, x2) and convolves, the discriminator convolves and
// average-pools (2x2). Both pairs are one strided convolution with a 4x4
// kernel made of sums of the 3x3 taps, which does 16 multiply-adds per
// input pixel and filter pair where the two steps do 36 (upsampling) or 9
// plus a pass over the full-size output (pooling):
//
//	conv3x3(up2(x), w)       = convT4x4s2p1(x, U(w))  U(w)[c,f] per axis: [w2, w1+w2, w0+w1, w0]
//	avgpool2(conv3x3(x, w))  = conv4x4s2p1(x, D(w))   D(w)[f,c] per axis: [w0, w0+w1, w1+w2, w2] / 2
//
// (padding 1 on the 3x3 convolution). U and D are linear maps of the
// weight, recorded with their adjoints as backward, so the fused ops are
// differentiable twice like the convolutions they run on. The results
// equal the two-step forms up to float rounding.

// upTaps[t] lists the 3x3 taps summed into row (or column) t of U(w).
var upTaps = [4][]int{{2}, {1, 2}, {0, 1}, {0}}

// downTaps[t] lists the 3x3 taps summed into row (or column) t of D(w).
var downTaps = [4][]int{{0}, {0, 1}, {1, 2}, {2}}

// kernelMap describes U or D: which taps feed each 4x4 position, a scale,
// and whether the first two axes swap ((F,C) to ConvTranspose's (C,F)).
type kernelMap struct {
	taps      *[4][]int
	scale     float32
	transpose bool
}

// apply maps w (A,B,3,3) to (A,B,4,4), or (B,A,4,4) when m.transpose.
func (m kernelMap) apply(w *Tensor) *Tensor {
	a, b := w.shape[0], w.shape[1]
	oa, ob := a, b
	if m.transpose {
		oa, ob = b, a
	}
	out := Zeros(oa, ob, 4, 4)
	for i := 0; i < a; i++ {
		for j := 0; j < b; j++ {
			src := w.Data[(i*b+j)*9 : (i*b+j+1)*9]
			o := i*b + j
			if m.transpose {
				o = j*a + i
			}
			dst := out.Data[o*16 : (o+1)*16]
			for ty, rows := range m.taps {
				for tx, cols := range m.taps {
					var s float32
					for _, r := range rows {
						for _, c := range cols {
							s += src[r*3+c]
						}
					}
					dst[ty*4+tx] = s * m.scale
				}
			}
		}
	}
	return record(out, "KernelMap", func(g *Tensor, need []bool) []*Tensor {
		return []*Tensor{m.adjoint(g, a, b)}
	}, w)
}

// adjoint maps g (A,B,4,4), or (B,A,4,4) when m.transpose, back to
// (A,B,3,3): each 3x3 tap receives the scaled sum of the 4x4 positions it
// feeds.
func (m kernelMap) adjoint(g *Tensor, a, b int) *Tensor {
	out := Zeros(a, b, 3, 3)
	for i := 0; i < a; i++ {
		for j := 0; j < b; j++ {
			o := i*b + j
			if m.transpose {
				o = j*a + i
			}
			src := g.Data[o*16 : (o+1)*16]
			dst := out.Data[(i*b+j)*9 : (i*b+j+1)*9]
			for ty, rows := range m.taps {
				for tx, cols := range m.taps {
					v := src[ty*4+tx] * m.scale
					for _, r := range rows {
						for _, c := range cols {
							dst[r*3+c] += v
						}
					}
				}
			}
		}
	}
	return record(out, "KernelMapAdjoint", func(gw *Tensor, need []bool) []*Tensor {
		return []*Tensor{m.apply(gw)}
	}, g)
}

func check3x3(op string, x, w, b *Tensor) {
	if x.Rank() != 4 || w.Rank() != 4 || w.shape[2] != 3 || w.shape[3] != 3 || x.shape[1] != w.shape[1] {
		panic(fmt.Sprintf("tensor: %s: input %v and weight %v; want (N,C,H,W) and (F,C,3,3)", op, x.shape, w.shape))
	}
	if b != nil && (b.Rank() != 1 || b.shape[0] != w.shape[0]) {
		panic(fmt.Sprintf("tensor: %s: bias %v for weight %v; want (%d)", op, b.shape, w.shape, w.shape[0]))
	}
}

// UpConvKernel returns the (C,F,4,4) kernel that UpConv2d's transposed
// convolution (stride 2, pad 1) applies for w (F,C,3,3): the form an
// exporter writes.
func UpConvKernel(w *Tensor) *Tensor {
	if w.Rank() != 4 || w.shape[2] != 3 || w.shape[3] != 3 {
		panic(fmt.Sprintf("tensor: UpConvKernel: weight %v; want (F,C,3,3)", w.shape))
	}
	return kernelMap{taps: &upTaps, scale: 1, transpose: true}.apply(w)
}

// UpConv2d returns Conv2d(UpsampleNearest2d(x, 2), w, b, 1, 1) for x
// (N,C,H,W), w (F,C,3,3), b (F) or nil: (N,F,2H,2W), computed as one
// stride-2 transposed convolution with a 4x4 kernel.
func UpConv2d(x, w, b *Tensor) *Tensor {
	check3x3("UpConv2d", x, w, b)
	return ConvTranspose2d(x, UpConvKernel(w), b, 2, 1, 0)
}

// ConvAvgPool2d returns AvgPool2d(Conv2d(x, w, b, 1, 1), 2, 2, 0) for x
// (N,C,H,W), w (F,C,3,3), b (F) or nil: (N,F,H/2,W/2) (floor), computed as
// one stride-2 convolution with a 4x4 kernel.
func ConvAvgPool2d(x, w, b *Tensor) *Tensor {
	check3x3("ConvAvgPool2d", x, w, b)
	if x.shape[2] < 2 || x.shape[3] < 2 {
		panic(fmt.Sprintf("tensor: ConvAvgPool2d: input %v is smaller than the 2x2 pool", x.shape))
	}
	k := kernelMap{taps: &downTaps, scale: 0.25}.apply(w)
	return Conv2d(x, k, b, 2, 1)
}
