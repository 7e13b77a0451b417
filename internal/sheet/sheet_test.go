package sheet

import (
	"bytes"
	"image/png"
	"testing"
)

// Two 1x1 images, gray and RGB, land at their cells inside a 2-pixel
// border, mapped from [-1,1] to bytes; the PNG round-trips.
func TestGrid(t *testing.T) {
	g := Grid([]float32{-1, 1}, 2, 1, 1, 1, 2)
	if b := g.Bounds(); b.Dx() != 8 || b.Dy() != 5 {
		t.Fatalf("grid of 2 1x1 images in 2 columns is %v", b)
	}
	if c := g.RGBAAt(2, 2); c.R != 0 || c.A != 255 {
		t.Errorf("black cell %v", c)
	}
	if c := g.RGBAAt(5, 2); c.R != 255 || c.G != 255 {
		t.Errorf("white cell %v", c)
	}
	if c := g.RGBAAt(0, 0); c.R != 40 {
		t.Errorf("border %v", c)
	}
	rgb := Grid([]float32{1, 0, -1}, 1, 3, 1, 1, 1)
	if c := rgb.RGBAAt(2, 2); c.R != 255 || c.G != 128 || c.B != 0 {
		t.Errorf("RGB cell %v, want 255,128,0", c)
	}
	var buf bytes.Buffer
	if err := EncodePNG(&buf, g); err != nil {
		t.Fatal(err)
	}
	back, err := png.Decode(&buf)
	if err != nil || back.Bounds() != g.Bounds() {
		t.Fatalf("PNG round trip: %v", err)
	}
}
