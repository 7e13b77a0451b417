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
	return PlotLinesWith(PlotOptions{Title: title}, width, height, series...)
}

// PlotOptions are PlotLinesWith's choices beyond the curves.
type PlotOptions struct {
	Title string
	// LogX and LogY draw that axis on a log10 scale (points <= 0 are
	// skipped), with the axis ends labelled in the data's own units.
	LogX, LogY bool
	// XLabel names the x axis under it ("" for none).
	XLabel string
}

// PlotLinesWith is PlotLines with options. With more than two series the
// legend is one line per series down the plot's right edge.
func PlotLinesWith(opt PlotOptions, width, height int, series ...Series) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	const left, right, top, bottom = 60, 12, 24, 28
	pw, ph := width-left-right, height-top-bottom
	tx, ty := axisMap(opt.LogX), axisMap(opt.LogY)
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for i := range s.X {
			x, y := tx(s.X[i]), ty(s.Y[i])
			if finite(x) && finite(y) {
				xmin, xmax = math.Min(xmin, x), math.Max(xmax, x)
				ymin, ymax = math.Min(ymin, y), math.Max(ymax, y)
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
	unx, uny := axisUnmap(opt.LogX), axisUnmap(opt.LogY)
	label(img, left, 14, opt.Title, black)
	label(img, 2, top+8, fmt.Sprintf("%.3g", uny(ymax)), black)
	label(img, 2, top+ph, fmt.Sprintf("%.3g", uny(ymin)), black)
	xfmt := "%.0f"
	if opt.LogX {
		xfmt = "%.3g"
	}
	label(img, left, height-8, fmt.Sprintf(xfmt, unx(xmin)), black)
	label(img, left+pw-50, height-8, fmt.Sprintf(xfmt, unx(xmax)), black)
	if opt.XLabel != "" {
		label(img, left+pw/2-len(opt.XLabel)*7/2, height-8, opt.XLabel, black)
	}
	px := func(x float64) int { return left + int((x-xmin)/(xmax-xmin)*float64(pw)+0.5) }
	py := func(y float64) int { return top + ph - int((y-ymin)/(ymax-ymin)*float64(ph)+0.5) }
	for k, s := range series {
		if len(series) <= 2 {
			label(img, left+pw-140+70*k, 14, s.Name, s.Color)
		} else {
			label(img, left+pw-7*len(s.Name)-4, top+14+14*k, s.Name, s.Color)
		}
		havePrev := false
		var x0, y0 int
		for i := range s.X {
			x, y := tx(s.X[i]), ty(s.Y[i])
			if !finite(x) || !finite(y) {
				havePrev = false
				continue
			}
			x1, y1 := px(x), py(y)
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

// axisMap is an axis's transform: log10 (non-positive values become NaN,
// so they are skipped) or the identity.
func axisMap(logScale bool) func(float64) float64 {
	if !logScale {
		return func(v float64) float64 { return v }
	}
	return func(v float64) float64 {
		if v <= 0 {
			return math.NaN()
		}
		return math.Log10(v)
	}
}

// axisUnmap inverts axisMap, for labels in the data's units.
func axisUnmap(logScale bool) func(float64) float64 {
	if !logScale {
		return func(v float64) float64 { return v }
	}
	return func(v float64) float64 { return math.Pow(10, v) }
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
