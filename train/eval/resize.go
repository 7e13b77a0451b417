package eval

import (
	"fmt"
	"math"
	"strings"
)

// Convert returns im with c channels of h x w pixels: RGB becomes gray by
// ITU-R 601 luma (as data.LoadFolder and PIL's convert("L") do), gray
// becomes RGB by copying the plane, and the size changes by area
// averaging when shrinking and bilinear interpolation when enlarging (see
// filterTaps). The notice says what changed, "" when im already has the
// shape (and is returned as it is).
func Convert(im Images, c, h, w int) (Images, string, error) {
	if err := im.check(); err != nil {
		return Images{}, "", err
	}
	var did []string
	if im.C != c {
		did = append(did, fmt.Sprintf("converted %s to %s", chanName(im.C), chanName(c)))
		switch {
		case im.C == 3 && c == 1:
			im = toGray(im)
		case im.C == 1 && c == 3:
			im = toRGB(im)
		default:
			return Images{}, "", fmt.Errorf("eval: cannot convert %d-channel images to the %d channels the feature network takes", im.C, c)
		}
	}
	if im.H != h || im.W != w {
		did = append(did, fmt.Sprintf("resized %dx%d to %dx%d", im.W, im.H, w, h))
		im = resize(im, h, w)
	}
	if len(did) == 0 {
		return im, "", nil
	}
	return im, strings.Join(did, ", "), nil
}

func chanName(c int) string {
	if c == 1 {
		return "gray"
	}
	return "RGB"
}

func toGray(im Images) Images {
	plane := im.H * im.W
	out := Images{N: im.N, C: 1, H: im.H, W: im.W, Data: make([]float32, im.N*plane)}
	for i := range im.N {
		src := im.Data[i*3*plane : (i+1)*3*plane]
		dst := out.Data[i*plane : (i+1)*plane]
		for p := range dst {
			dst[p] = float32(0.299*float64(src[p]) + 0.587*float64(src[plane+p]) + 0.114*float64(src[2*plane+p]))
		}
	}
	return out
}

func toRGB(im Images) Images {
	plane := im.H * im.W
	out := Images{N: im.N, C: 3, H: im.H, W: im.W, Data: make([]float32, im.N*3*plane)}
	for i := range im.N {
		src := im.Data[i*plane : (i+1)*plane]
		for ch := range 3 {
			copy(out.Data[(i*3+ch)*plane:], src)
		}
	}
	return out
}

// tap is one input pixel's weight in an output pixel.
type tap struct {
	i int
	w float64
}

// filterTaps returns, for each of out output pixels, the input pixels of
// [0, in) it is made of and their weights, which sum to 1. Shrinking
// averages the footprint [o*s, (o+1)*s) of the output pixel, each input
// pixel weighted by how much of it lies inside (OpenCV's INTER_AREA), so
// that an image enlarged by pixel repetition shrinks back exactly.
// Enlarging interpolates linearly between the two nearest input pixels,
// replicating the border.
func filterTaps(in, out int) [][]tap {
	scale := float64(in) / float64(out)
	taps := make([][]tap, out)
	for o := range out {
		if scale > 1 {
			lo, hi := float64(o)*scale, float64(o+1)*scale
			for i := int(lo); i < in && float64(i) < hi; i++ {
				if w := min(hi, float64(i+1)) - max(lo, float64(i)); w > 1e-12 {
					taps[o] = append(taps[o], tap{i, w / scale})
				}
			}
			continue
		}
		centre := (float64(o)+0.5)*scale - 0.5
		i0 := int(math.Floor(centre))
		f := centre - float64(i0)
		taps[o] = []tap{{min(max(i0, 0), in-1), 1 - f}, {min(max(i0+1, 0), in-1), f}}
	}
	return taps
}

// resize scales every plane of im to h x w, rows first, then columns.
func resize(im Images, h, w int) Images {
	tx, ty := filterTaps(im.W, w), filterTaps(im.H, h)
	planes := im.N * im.C
	out := Images{N: im.N, C: im.C, H: h, W: w, Data: make([]float32, planes*h*w)}
	parallelRows(planes, func(lo, hi int) {
		mid := make([]float64, im.H*w)
		for p := lo; p < hi; p++ {
			src := im.Data[p*im.H*im.W : (p+1)*im.H*im.W]
			for y := range im.H {
				row := src[y*im.W : (y+1)*im.W]
				for x, ts := range tx {
					s := 0.0
					for _, t := range ts {
						s += t.w * float64(row[t.i])
					}
					mid[y*w+x] = s
				}
			}
			dst := out.Data[p*h*w : (p+1)*h*w]
			for y, ts := range ty {
				for x := range w {
					s := 0.0
					for _, t := range ts {
						s += t.w * mid[t.i*w+x]
					}
					dst[y*w+x] = float32(s)
				}
			}
		}
	})
	return out
}
