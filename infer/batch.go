package infer

import (
	"fmt"
	"image"
)

// Batch is a generator's output: the raw image tensor and what made it.
type Batch struct {
	// Data is the image tensor, (N,C,H,W) row-major, as the model wrote it.
	Data  []float32
	Shape [4]int // N, C, H, W
	// Seeds and Labels are the request's, one per image (nil when the
	// request gave latents, or the model is unconditional).
	Seeds  []uint64
	Labels []int
	// ValueRange is the model's output range, mapped to pixels 0-255.
	ValueRange [2]float64
}

// Len is the number of images, N.
func (b *Batch) Len() int { return b.Shape[0] }

// Tensor returns image i's (C,H,W) values; the slice shares Data.
func (b *Batch) Tensor(i int) []float32 {
	b.check(i)
	chw := b.Shape[1] * b.Shape[2] * b.Shape[3]
	return b.Data[i*chw : (i+1)*chw : (i+1)*chw]
}

// pixelMap maps tensor values to 8-bit pixels: linearly from ValueRange to
// 0-255, rounded and clamped, NaN to 0.
type pixelMap struct{ off, scale float32 }

func (b *Batch) pixelMap() pixelMap {
	lo, hi := b.ValueRange[0], b.ValueRange[1]
	if !(lo < hi) {
		lo, hi = -1, 1
	}
	return pixelMap{off: float32(lo), scale: float32(255 / (hi - lo))}
}

func (m pixelMap) px(v float32) uint8 {
	x := (v-m.off)*m.scale + 0.5
	switch {
	case x >= 255:
		return 255
	case x > 0: // false for NaN
		return uint8(x)
	}
	return 0
}

// Image returns image i as an *image.Gray (1 channel) or an opaque
// *image.RGBA (3 channels). Values are mapped linearly from ValueRange to
// 0-255, rounded and clamped; NaN becomes 0.
func (b *Batch) Image(i int) image.Image {
	c, h, w := b.Shape[1], b.Shape[2], b.Shape[3]
	r := image.Rect(0, 0, w, h)
	if c == 1 {
		img := image.NewGray(r)
		b.AppendPixels(img.Pix[:0], i)
		return img
	}
	t, m := b.Tensor(i), b.pixelMap()
	img := image.NewRGBA(r)
	plane := h * w
	for j := 0; j < plane; j++ {
		p := img.Pix[4*j : 4*j+4 : 4*j+4]
		p[0], p[1], p[2], p[3] = m.px(t[j]), m.px(t[plane+j]), m.px(t[2*plane+j]), 255
	}
	return img
}

// AppendPixels appends image i's 8-bit pixels to dst, mapped as Image maps
// them, interleaved (H,W,C): gray or RGB bytes, row by row. It lets an
// encoder reuse one buffer instead of allocating an image per picture.
func (b *Batch) AppendPixels(dst []uint8, i int) []uint8 {
	t, m := b.Tensor(i), b.pixelMap()
	c, plane := b.Shape[1], b.Shape[2]*b.Shape[3]
	n := len(dst)
	dst = append(dst, make([]uint8, c*plane)...)
	p := dst[n:]
	if c == 1 {
		for j, v := range t {
			p[j] = m.px(v)
		}
		return dst
	}
	for j := 0; j < plane; j++ {
		for k := 0; k < c; k++ {
			p[c*j+k] = m.px(t[k*plane+j])
		}
	}
	return dst
}

func (b *Batch) check(i int) {
	if i < 0 || i >= b.Shape[0] {
		panic(fmt.Sprintf("infer: image %d out of range [0,%d)", i, b.Shape[0]))
	}
}
