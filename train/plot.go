package train

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Series is one named curve of a plot.
type Series struct {
	Name  string
	Color color.RGBA
	X, Y  []float64
}

// PlotLines draws series on a width x height canvas with axes, the y range
// and x range printed, and a legend. Non-finite points are skipped.
func PlotLines(title string, width, height int, series ...Series) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	const left, right, top, bottom = 60, 12, 24, 28
	pw, ph := width-left-right, height-top-bottom
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for i := range s.X {
			if finite(s.X[i]) && finite(s.Y[i]) {
				xmin, xmax = math.Min(xmin, s.X[i]), math.Max(xmax, s.X[i])
				ymin, ymax = math.Min(ymin, s.Y[i]), math.Max(ymax, s.Y[i])
			}
		}
	}
	if xmin > xmax {
		xmin, xmax, ymin, ymax = 0, 1, 0, 1
	}
	if xmax == xmin {
		xmax = xmin + 1
	}
	if ymax == ymin {
		ymax, ymin = ymax+0.5, ymin-0.5
	}
	grey := color.RGBA{160, 160, 160, 255}
	for x := left; x <= left+pw; x++ {
		img.SetRGBA(x, top+ph, grey)
	}
	for y := top; y <= top+ph; y++ {
		img.SetRGBA(left, y, grey)
	}
	black := color.RGBA{0, 0, 0, 255}
	label(img, left, 14, title, black)
	label(img, 2, top+8, fmt.Sprintf("%.3g", ymax), black)
	label(img, 2, top+ph, fmt.Sprintf("%.3g", ymin), black)
	label(img, left, height-8, fmt.Sprintf("%.0f", xmin), black)
	label(img, left+pw-50, height-8, fmt.Sprintf("%.0f", xmax), black)
	px := func(x float64) int { return left + int((x-xmin)/(xmax-xmin)*float64(pw)+0.5) }
	py := func(y float64) int { return top + ph - int((y-ymin)/(ymax-ymin)*float64(ph)+0.5) }
	for k, s := range series {
		label(img, left+pw-140+70*k, 14, s.Name, s.Color)
		havePrev := false
		var x0, y0 int
		for i := range s.X {
			if !finite(s.X[i]) || !finite(s.Y[i]) {
				havePrev = false
				continue
			}
			x1, y1 := px(s.X[i]), py(s.Y[i])
			if havePrev {
				line(img, x0, y0, x1, y1, s.Color)
			} else {
				img.SetRGBA(x1, y1, s.Color)
			}
			x0, y0, havePrev = x1, y1, true
		}
	}
	return img
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func label(img *image.RGBA, x, y int, s string, c color.RGBA) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// line draws with Bresenham's algorithm.
func line(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := 1, 1
	if x0 > x1 {
		sx = -1
	}
	if y0 > y1 {
		sy = -1
	}
	err := dx + dy
	for {
		img.SetRGBA(x0, y0, c)
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * err
		if e2 >= dy {
			err += dy
			x0 += sx
		}
		if e2 <= dx {
			err += dx
			y0 += sy
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// Stack places images one above the other.
func Stack(imgs ...*image.RGBA) *image.RGBA {
	w, h := 0, 0
	for _, m := range imgs {
		w = max(w, m.Bounds().Dx())
		h += m.Bounds().Dy()
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	y := 0
	for _, m := range imgs {
		draw.Draw(out, image.Rect(0, y, m.Bounds().Dx(), y+m.Bounds().Dy()), m, m.Bounds().Min, draw.Src)
		y += m.Bounds().Dy()
	}
	return out
}
