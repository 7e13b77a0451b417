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

// Image returns image i as an *image.Gray (1 channel) or an opaque
// *image.RGBA (3 channels). Values are mapped linearly from ValueRange to
// 0-255, rounded and clamped; NaN becomes 0.
func (b *Batch) Image(i int) image.Image {
	t := b.Tensor(i)
	c, h, w := b.Shape[1], b.Shape[2], b.Shape[3]
	lo, hi := b.ValueRange[0], b.ValueRange[1]
	if !(lo < hi) {
		lo, hi = -1, 1
	}
	scale := float32(255 / (hi - lo))
	off := float32(lo)
	px := func(v float32) uint8 {
		x := (v-off)*scale + 0.5
		switch {
		case x >= 255:
			return 255
		case x > 0: // false for NaN
			return uint8(x)
		}
		return 0
	}
	r := image.Rect(0, 0, w, h)
	if c == 1 {
		img := image.NewGray(r)
		for j, v := range t {
			img.Pix[j] = px(v)
		}
		return img
	}
	img := image.NewRGBA(r)
	plane := h * w
	for j := 0; j < plane; j++ {
		p := img.Pix[4*j : 4*j+4 : 4*j+4]
		p[0], p[1], p[2], p[3] = px(t[j]), px(t[plane+j]), px(t[2*plane+j]), 255
	}
	return img
}

func (b *Batch) check(i int) {
	if i < 0 || i >= b.Shape[0] {
		panic(fmt.Sprintf("infer: image %d out of range [0,%d)", i, b.Shape[0]))
	}
}
