package main

import (
	"bytes"
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"image/png"
	"math"
)

// maxGrid caps the contact sheet: beyond a thousand thumbnails a sheet
// stops being something to look at.
const maxGrid = 1024

// gridPad is the black border between and around cells, as in
// torchvision's make_grid.
const gridPad = 2

// sheet is a contact sheet: count cells of h x w in rows of cols.
type sheet struct {
	count, cols, h, w int
	img               draw.Image
}

// newSheet makes a sheet for count images; cols 0 picks a near-square
// layout. Gray images make a gray sheet, RGB ones an RGBA sheet.
func newSheet(count, cols, channels, h, w int) *sheet {
	if cols <= 0 {
		cols = int(math.Ceil(math.Sqrt(float64(count))))
	}
	rows := (count + cols - 1) / cols
	r := image.Rect(0, 0, cols*(w+gridPad)+gridPad, rows*(h+gridPad)+gridPad)
	s := &sheet{count: count, cols: cols, h: h, w: w}
	if channels == 1 {
		s.img = image.NewGray(r)
	} else {
		rgba := image.NewRGBA(r)
		draw.Draw(rgba, r, image.NewUniform(color.Black), image.Point{}, draw.Src)
		s.img = rgba
	}
	return s
}

// set draws img into cell k (row-major).
func (s *sheet) set(k int, img image.Image) {
	x := gridPad + (k%s.cols)*(s.w+gridPad)
	y := gridPad + (k/s.cols)*(s.h+gridPad)
	draw.Draw(s.img, image.Rect(x, y, x+s.w, y+s.h), img, img.Bounds().Min, draw.Src)
}

func (s *sheet) png() []byte {
	var b bytes.Buffer
	png.Encode(&b, s.img) // writes to memory: cannot fail
	return b.Bytes()
}

// animation collects GIF frames. Gray frames keep all 256 levels; RGB
// frames are dithered to the web-safe Plan 9 palette.
type animation struct{ g gif.GIF }

func newAnimation(n int) *animation {
	return &animation{g: gif.GIF{Image: make([]*image.Paletted, 0, n), Delay: make([]int, 0, n)}}
}

var grays = func() color.Palette {
	p := make(color.Palette, 256)
	for i := range p {
		p[i] = color.Gray{uint8(i)}
	}
	return p
}()

func (a *animation) add(img image.Image) {
	r := img.Bounds()
	var f *image.Paletted
	if g, ok := img.(*image.Gray); ok {
		f = image.NewPaletted(r, grays)
		copy(f.Pix, g.Pix)
	} else {
		f = image.NewPaletted(r, palette.Plan9)
		draw.FloydSteinberg.Draw(f, r, img, r.Min)
	}
	a.g.Image = append(a.g.Image, f)
	a.g.Delay = append(a.g.Delay, 8) // hundredths of a second
}

func (a *animation) encode() ([]byte, error) {
	var b bytes.Buffer
	err := gif.EncodeAll(&b, &a.g)
	return b.Bytes(), err
}
