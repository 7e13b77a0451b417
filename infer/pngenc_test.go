package infer

import (
	"bytes"
	"image"
	"image/png"
	"math/rand/v2"
	"testing"
)

// TestGrayPNGRoundTrip decodes AppendGrayPNG's files with image/png: runs
// longer than a match, copies of the row above, noise, rows too long to
// copy from, and sizes down to one pixel.
func TestGrayPNGRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	noise := func(p []byte) {
		for i := range p {
			p[i] = uint8(r.IntN(256))
		}
	}
	cases := []struct {
		name string
		w, h int
		fill func(p []byte)
	}{
		{"1x1", 1, 1, noise},
		{"black", 28, 28, func(p []byte) {}},
		{"white 600x3", 600, 3, func(p []byte) {
			for i := range p {
				p[i] = 255
			}
		}},
		{"noise", 28, 28, noise},
		{"stripes", 31, 17, func(p []byte) {
			for i := range p {
				p[i] = uint8(i % 31 * 8)
			}
		}},
		{"digit-like", 28, 28, func(p []byte) {
			for y := 8; y < 20; y++ {
				for x := 10; x < 18; x++ {
					p[y*28+x] = uint8(200 + r.IntN(3)*27)
				}
			}
		}},
		{"rows past the window", 40000, 2, noise},
		{"long run past the window", 40000, 2, func(p []byte) { p[len(p)-1] = 9 }},
	}
	var dst, scratch []byte
	for _, c := range cases {
		pix := make([]byte, c.w*c.h)
		c.fill(pix)
		prefix := []byte("kept")
		dst, scratch = AppendGrayPNG(append(dst[:0], prefix...), scratch, pix, c.w, c.h)
		if !bytes.HasPrefix(dst, prefix) {
			t.Fatalf("%s: the bytes before the PNG were changed", c.name)
		}
		img, err := png.Decode(bytes.NewReader(dst[len(prefix):]))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		g, ok := img.(*image.Gray)
		if !ok || g.Bounds() != image.Rect(0, 0, c.w, c.h) {
			t.Fatalf("%s: decoded a %T of %v; want %dx%d gray", c.name, img, img.Bounds(), c.w, c.h)
		}
		for y := 0; y < c.h; y++ {
			if !bytes.Equal(g.Pix[y*g.Stride:y*g.Stride+c.w], pix[y*c.w:(y+1)*c.w]) {
				t.Fatalf("%s: row %d differs after decoding", c.name, y)
			}
		}
	}
}

// TestGrayPNGCompresses: the runs that make up a generated digit's
// background compress; a blank 28x28 image takes a few dozen bytes, not
// the 812 of its raw scanlines.
func TestGrayPNGCompresses(t *testing.T) {
	b, _ := AppendGrayPNG(nil, nil, make([]byte, 28*28), 28, 28)
	if len(b) > 100 {
		t.Errorf("a blank 28x28 PNG is %d bytes; want under 100", len(b))
	}
}

// TestFixedDist checks the distance codes against RFC 1951's table.
func TestFixedDist(t *testing.T) {
	for _, c := range []struct {
		d, sym, extra, value int
	}{{1, 0, 0, 0}, {4, 3, 0, 0}, {5, 4, 1, 0}, {6, 4, 1, 1}, {7, 5, 1, 0}, {29, 9, 3, 4}, {32768, 29, 13, 8191}} {
		want := huff(c.sym, 5)
		want = code{want.bits | uint32(c.value)<<5, uint8(5 + c.extra)}
		if got := fixedDist(c.d); got != want {
			t.Errorf("distance %d: code %+v; want symbol %d with %d extra bits of %d", c.d, got, c.sym, c.extra, c.value)
		}
	}
}

func BenchmarkGrayPNG(b *testing.B) {
	pix := make([]byte, 28*28)
	for y := 6; y < 22; y++ {
		for x := 9; x < 19; x++ {
			pix[y*28+x] = uint8(180 + (x*y)%76)
		}
	}
	b.Run("AppendGrayPNG", func(b *testing.B) {
		var dst, scratch []byte
		for b.Loop() {
			dst, scratch = AppendGrayPNG(dst[:0], scratch, pix, 28, 28)
		}
		b.ReportMetric(float64(len(dst)), "bytes")
	})
	b.Run("image/png", func(b *testing.B) {
		img := &image.Gray{Pix: pix, Stride: 28, Rect: image.Rect(0, 0, 28, 28)}
		enc := &png.Encoder{BufferPool: &pngBuffer{}}
		var buf bytes.Buffer
		for b.Loop() {
			buf.Reset()
			enc.Encode(&buf, img)
		}
		b.ReportMetric(float64(buf.Len()), "bytes")
	})
}
