package tensor

import "fmt"

// ConvTranspose2d returns the transposed convolution of x (N,C,H,W) with w
// (C,F,kH,kW) (PyTorch's layout) plus b (F) (nil for none): y (N,F,OH,OW),
// OH = (H-1)*stride - 2*pad + kH + outPad, as
// torch.nn.functional.conv_transpose2d. outPad (< stride) picks among the
// input sizes that a stride-s Conv2d maps onto H.
//
// It is the input gradient of Conv2d(y, w, stride, pad): each input pixel's
// contribution is scattered by one GEMM W^T x into columns and Col2im, with
// no zero insertion.
func ConvTranspose2d(x, w, b *Tensor, stride, pad, outPad int) *Tensor {
	if x.Rank() != 4 || w.Rank() != 4 || x.shape[1] != w.shape[0] {
		panic(fmt.Sprintf("tensor: ConvTranspose2d: input %v and weight %v; want (N,C,H,W) and (C,F,kH,kW)", x.shape, w.shape))
	}
	if numel(x.shape) == 0 || numel(w.shape) == 0 {
		panic(fmt.Sprintf("tensor: ConvTranspose2d: empty input %v or weight %v", x.shape, w.shape))
	}
	if stride < 1 || pad < 0 || outPad < 0 || outPad >= stride {
		panic(fmt.Sprintf("tensor: ConvTranspose2d: stride %d pad %d outPad %d (need outPad < stride) for input %v weight %v",
			stride, pad, outPad, x.shape, w.shape))
	}
	// The geometry is that of the Conv2d whose input gradient this is: its
	// input is our output, its output our input, its weight (F=C, C=F).
	g := convGeom{n: x.shape[0], f: w.shape[0], c: w.shape[1], kh: w.shape[2], kw: w.shape[3],
		stride: stride, pad: pad, oh: x.shape[2], ow: x.shape[3]}
	g.h = (g.oh-1)*stride - 2*pad + g.kh + outPad
	g.w = (g.ow-1)*stride - 2*pad + g.kw + outPad
	if g.h < 1 || g.w < 1 {
		panic(fmt.Sprintf("tensor: ConvTranspose2d: input %v weight %v stride %d pad %d give output %dx%d",
			x.shape, w.shape, stride, pad, g.h, g.w))
	}
	if b != nil && (b.Rank() != 1 || b.shape[0] != g.c) {
		panic(fmt.Sprintf("tensor: ConvTranspose2d: bias %v for weight %v; want (%d)", b.shape, w.shape, g.c))
	}
	return convData(g, x, w, b, "ConvTranspose2d")
}

// convData returns convT(gy, w) + b: gy (N,F,OH,OW), w (F,C,kH,kW), b (C)
// or nil, result (N,C,H,W) with the sizes of g. It is Conv2d's input
// gradient and ConvTranspose2d's forward.
func convData(g convGeom, gy, w, b *Tensor, name string) *Tensor {
	out := Zeros(g.n, g.c, g.h, g.w)
	if b != nil {
		hw := g.h * g.w
		for i := 0; i < g.n*g.c; i++ {
			plane, v := out.Data[i*hw:(i+1)*hw], b.Data[i%g.c]
			for j := range plane {
				plane[j] = v
			}
		}
	}
	runConv(&g, convRun{w: w.Data, gy: gy.Data, dx: out.Data})
	return record(out, name, func(gx *Tensor, need []bool) []*Tensor {
		gs := make([]*Tensor, 3)
		if !Recording() && need[0] && need[1] {
			// Not being differentiated: one pass shares the columns of gx.
			gs[0], gs[1] = Zeros(gy.shape...), Zeros(w.shape...)
			runConv(&g, convRun{x: gx.Data, w: w.Data, y: gs[0].Data, gy: gy.Data, dw: gs[1].Data})
		} else {
			if need[0] {
				gs[0] = conv2d(g, gx, w, nil)
			}
			if need[1] {
				gs[1] = convFilter(g, gx, gy, nil)
			}
		}
		if need[2] {
			gs[2] = channelSum(gx)
		}
		return gs
	}, gy, w, b)
}
