// Package sheet lays images out as a contact sheet: the fixed-noise grids
// gan-train writes, gan-eval's comparison panels, gan-train project's
// pairs. Images are flat (N,C,H,W) float32 in [-1,1], as generators make
// them.
package sheet

import (
	"image"
	"image/color"
	"image/png"
	"io"
)

// Grid tiles n images (flat (N,C,H,W) data in [-1,1], C = 1 or 3) into a
// contact sheet with cols columns and a 2-pixel border.
func Grid(data []float32, n, c, h, w, cols int) *image.RGBA {
	if cols <= 0 {
		cols = 1
	}
	rows := (n + cols - 1) / cols
	const pad = 2
	img := image.NewRGBA(image.Rect(0, 0, cols*(w+pad)+pad, rows*(h+pad)+pad))
	for i := range img.Pix {
		img.Pix[i] = 40
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	plane := h * w
	for k := 0; k < n; k++ {
		x0, y0 := pad+(k%cols)*(w+pad), pad+(k/cols)*(h+pad)
		im := data[k*c*plane : (k+1)*c*plane]
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				p := y*w + x
				r := toByte(im[p])
				g, b := r, r
				if c == 3 {
					g, b = toByte(im[plane+p]), toByte(im[2*plane+p])
				}
				img.SetRGBA(x0+x, y0+y, color.RGBA{r, g, b, 255})
			}
		}
	}
	return img
}

// toByte maps [-1,1] to [0,255], clamping.
func toByte(v float32) uint8 {
	f := (v + 1) * 127.5
	switch {
	case f <= 0 || f != f:
		return 0
	case f >= 255:
		return 255
	}
	return uint8(f + 0.5)
}

// EncodePNG writes img as PNG.
func EncodePNG(w io.Writer, img image.Image) error {
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	return enc.Encode(w, img)
}
