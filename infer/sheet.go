package infer

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

// sheetPad is the black border between and around cells, as in
// torchvision's make_grid.
const sheetPad = 2

// Sheet is a contact sheet: Count cells of h x w in rows of cols.
type Sheet struct {
	Count      int
	cols, h, w int
	img        draw.Image
}

// NewSheet makes a sheet for count images of (channels, h, w); cols 0
// picks a near-square layout. Gray images make a gray sheet, RGB ones an
// RGBA sheet.
func NewSheet(count, cols, channels, h, w int) *Sheet {
	if cols <= 0 {
		cols = int(math.Ceil(math.Sqrt(float64(count))))
	}
	rows := (count + cols - 1) / cols
	r := image.Rect(0, 0, cols*(w+sheetPad)+sheetPad, rows*(h+sheetPad)+sheetPad)
	s := &Sheet{Count: count, cols: cols, h: h, w: w}
	if channels == 1 {
		s.img = image.NewGray(r)
	} else {
		rgba := image.NewRGBA(r)
		draw.Draw(rgba, r, image.NewUniform(color.Black), image.Point{}, draw.Src)
		s.img = rgba
	}
	return s
}

// Set draws img into cell k (row-major).
func (s *Sheet) Set(k int, img image.Image) {
	x := sheetPad + (k%s.cols)*(s.w+sheetPad)
	y := sheetPad + (k/s.cols)*(s.h+sheetPad)
	draw.Draw(s.img, image.Rect(x, y, x+s.w, y+s.h), img, img.Bounds().Min, draw.Src)
}

// Image is the sheet as drawn so far.
func (s *Sheet) Image() image.Image { return s.img }

// PNG encodes the sheet.
func (s *Sheet) PNG() []byte {
	var b bytes.Buffer
	png.Encode(&b, s.img) // writes to memory: cannot fail
	return b.Bytes()
}

// Animation collects GIF frames. Gray frames keep all 256 levels; RGB
// frames are dithered to the web-safe Plan 9 palette.
type Animation struct{ g gif.GIF }

// NewAnimation starts an animation of about n frames.
func NewAnimation(n int) *Animation {
	return &Animation{g: gif.GIF{Image: make([]*image.Paletted, 0, n), Delay: make([]int, 0, n)}}
}

var grays = func() color.Palette {
	p := make(color.Palette, 256)
	for i := range p {
		p[i] = color.Gray{uint8(i)}
	}
	return p
}()

// Add appends a frame shown for 80 ms.
func (a *Animation) Add(img image.Image) {
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

// GIF encodes the animation.
func (a *Animation) GIF() ([]byte, error) {
	var b bytes.Buffer
	err := gif.EncodeAll(&b, &a.g)
	return b.Bytes(), err
}
