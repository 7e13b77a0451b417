package tensor

import "fmt"

// The ops below are DiffAugment's transforms (Zhao et al. 2020) with their
// random draws made by the caller: per-sample shifts, cutout corners and
// colour factors come in as arguments, so each op is a fixed linear map of
// x. Every one of them is its own adjoint or has a sibling as adjoint, and
// backward is written with the ops themselves, so gradients of any order
// flow through them (R1 differentiates D through the augmentation).

func augmentDims(op string, x *Tensor, n int) (c, h, w int) {
	if x.Rank() != 4 {
		panic(fmt.Sprintf("tensor: %s: input %v must be (N,C,H,W)", op, x.shape))
	}
	if x.shape[0] != n {
		panic(fmt.Sprintf("tensor: %s: %d per-sample values for input %v", op, n, x.shape))
	}
	return x.shape[1], x.shape[2], x.shape[3]
}

// Translate shifts each image of x (N,C,H,W) by whole pixels with zero fill:
// out[n,c,i,j] = x[n,c,i+dy[n],j+dx[n]] where that pixel exists, 0 where it
// does not (DiffAugment's rand_translation, whose draws are dy along H and
// dx along W). Its adjoint, and so its backward, is the opposite shift.
func Translate(x *Tensor, dy, dx []int) *Tensor {
	if len(dx) != len(dy) {
		panic(fmt.Sprintf("tensor: Translate: %d dy but %d dx", len(dy), len(dx)))
	}
	c, h, w := augmentDims("Translate", x, len(dy))
	out := Zeros(x.shape...)
	for n := range dy {
		// Output rows i with 0 <= i+dy < h, columns j with 0 <= j+dx < w.
		i0, i1 := max(0, -dy[n]), min(h, h-dy[n])
		j0, j1 := max(0, -dx[n]), min(w, w-dx[n])
		if i0 >= i1 || j0 >= j1 {
			continue
		}
		for p := n * c; p < (n+1)*c; p++ {
			src, dst := x.Data[p*h*w:(p+1)*h*w], out.Data[p*h*w:(p+1)*h*w]
			for i := i0; i < i1; i++ {
				si := (i+dy[n])*w + dx[n]
				copy(dst[i*w+j0:i*w+j1], src[si+j0:si+j1])
			}
		}
	}
	return record(out, "Translate", func(g *Tensor, need []bool) []*Tensor {
		return []*Tensor{Translate(g, negInts(dy), negInts(dx))}
	}, x)
}

func negInts(v []int) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = -x
	}
	return out
}

// Cutout zeroes, in each image of x (N,C,H,W), the rectangle of rows
// [top[n], top[n]+sh) and columns [left[n], left[n]+sw), clipped to the
// image (corners may lie outside it), in every channel (DiffAugment's
// rand_cutout). Multiplying by a 0/1 mask is self-adjoint, so backward
// cuts the same rectangle out of the gradient.
func Cutout(x *Tensor, top, left []int, sh, sw int) *Tensor {
	if len(top) != len(left) {
		panic(fmt.Sprintf("tensor: Cutout: %d tops but %d lefts", len(top), len(left)))
	}
	if sh < 0 || sw < 0 {
		panic(fmt.Sprintf("tensor: Cutout: size %dx%d on input %v", sh, sw, x.shape))
	}
	c, h, w := augmentDims("Cutout", x, len(top))
	out := Zeros(x.shape...)
	copy(out.Data, x.Data)
	for n := range top {
		i0, i1 := max(0, top[n]), min(h, top[n]+sh)
		j0, j1 := max(0, left[n]), min(w, left[n]+sw)
		if i0 >= i1 || j0 >= j1 {
			continue
		}
		for p := n * c; p < (n+1)*c; p++ {
			plane := out.Data[p*h*w : (p+1)*h*w]
			for i := i0; i < i1; i++ {
				clear(plane[i*w+j0 : i*w+j1])
			}
		}
	}
	return record(out, "Cutout", func(g *Tensor, need []bool) []*Tensor {
		return []*Tensor{Cutout(g, top, left, sh, sw)}
	}, x)
}

// Brightness adds b[n] to every value of image n of x (N,C,H,W)
// (DiffAugment's rand_brightness with b = U[0,1) - 0.5). Backward is the
// identity.
func Brightness(x *Tensor, b []float32) *Tensor {
	c, h, w := augmentDims("Brightness", x, len(b))
	m := c * h * w
	out := Zeros(x.shape...)
	for n, v := range b {
		src, dst := x.Data[n*m:(n+1)*m], out.Data[n*m:(n+1)*m]
		for i, s := range src {
			dst[i] = s + v
		}
	}
	return record(out, "Brightness", func(g *Tensor, need []bool) []*Tensor {
		return []*Tensor{g}
	}, x)
}

// Saturation scales each pixel's deviation from its mean over channels by
// f[n]: out = (x - mean_c(x))*f + mean_c(x) (DiffAugment's rand_saturation
// with f = 2*U[0,1)). As f*I + (1-f)*P with P the symmetric averaging over
// channels, it is its own adjoint: backward is Saturation of the gradient.
func Saturation(x *Tensor, f []float32) *Tensor {
	c, h, w := augmentDims("Saturation", x, len(f))
	out := recentre(x, f, 1, c, h*w)
	return record(out, "Saturation", func(g *Tensor, need []bool) []*Tensor {
		return []*Tensor{Saturation(g, f)}
	}, x)
}

// Contrast scales each image's deviation from its mean over all its values
// by f[n]: out = (x - mean_chw(x))*f + mean_chw(x) (DiffAugment's
// rand_contrast with f = U[0,1) + 0.5). Like Saturation it is its own
// adjoint.
func Contrast(x *Tensor, f []float32) *Tensor {
	c, h, w := augmentDims("Contrast", x, len(f))
	out := recentre(x, f, 1, c*h*w, 1)
	return record(out, "Contrast", func(g *Tensor, need []bool) []*Tensor {
		return []*Tensor{Contrast(g, f)}
	}, x)
}

// recentre computes (x - m)*f[n] + m where, viewing image n as (groups,
// k, s), m is the float64 mean over k at each (group, s) position.
func recentre(x *Tensor, f []float32, groups, k, s int) *Tensor {
	out := Zeros(x.shape...)
	mean := make([]float64, s)
	for n, fn := range f {
		for q := 0; q < groups; q++ {
			base := (n*groups + q) * k * s
			clear(mean)
			for r := 0; r < k; r++ {
				for i, v := range x.Data[base+r*s : base+(r+1)*s] {
					mean[i] += float64(v)
				}
			}
			for r := 0; r < k; r++ {
				src, dst := x.Data[base+r*s:base+(r+1)*s], out.Data[base+r*s:base+(r+1)*s]
				for i, v := range src {
					m := float32(mean[i] / float64(k))
					dst[i] = (v-m)*fn + m
				}
			}
		}
	}
	return out
}
