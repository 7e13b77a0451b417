package eval

import (
	"strings"
	"testing"

	"github.com/gogan/gan/internal/approx"
)

func TestConvertShapes(t *testing.T) {
	// A constant image stays constant through any resize.
	im := Images{N: 2, C: 1, H: 28, W: 28, Data: make([]float32, 2*28*28)}
	for i := range im.Data {
		im.Data[i] = 0.25
	}
	for _, size := range [][2]int{{64, 64}, {13, 13}, {28, 20}} {
		out, notice, err := Convert(im, 1, size[0], size[1])
		if err != nil || out.H != size[0] || out.W != size[1] || len(out.Data) != 2*size[0]*size[1] {
			t.Fatalf("resize to %v: %+v %v", size, out, err)
		}
		for _, v := range out.Data {
			if !approx.Near(float64(v), 0.25, 1e-6) {
				t.Fatalf("resize to %v: constant 0.25 became %v", size, v)
			}
		}
		if !strings.Contains(notice, "resized 28x28 to") {
			t.Errorf("notice %q", notice)
		}
	}
	// Halving averages each 2x2 block; enlarging by 3 and shrinking back
	// returns the image.
	board := Images{N: 1, C: 1, H: 4, W: 4, Data: []float32{
		1, 1, -1, -1,
		1, 1, -1, -1,
		-1, 0, 1, 1,
		-1, -1, 1, 0.5,
	}}
	half, _, _ := Convert(board, 1, 2, 2)
	for i, want := range []float32{1, -1, -0.75, 0.875} {
		if !approx.Near(float64(half.Data[i]), float64(want), 1e-6) {
			t.Fatalf("halved board %v, want [1 -1 -0.75 0.875]", half.Data)
		}
	}
	// An image enlarged 3x by pixel repetition shrinks back exactly.
	big := Images{N: 1, C: 1, H: 12, W: 12, Data: make([]float32, 144)}
	for y := range 12 {
		for x := range 12 {
			big.Data[y*12+x] = board.Data[(y/3)*4+x/3]
		}
	}
	back, _, _ := Convert(big, 1, 4, 4)
	for i, v := range back.Data {
		if !approx.Near(float64(v), float64(board.Data[i]), 1e-6) {
			t.Fatalf("3x repeated and shrunk back: %v, want %v", back.Data, board.Data)
		}
	}
	// Enlarging interpolates linearly between pixel centres.
	ramp, _, _ := Convert(Images{N: 1, C: 1, H: 1, W: 2, Data: []float32{0, 1}}, 1, 1, 4)
	for i, want := range []float32{0, 0.25, 0.75, 1} {
		if !approx.Near(float64(ramp.Data[i]), float64(want), 1e-6) {
			t.Fatalf("enlarged ramp %v, want [0 0.25 0.75 1]", ramp.Data)
		}
	}
	// RGB -> gray is luma; gray -> RGB copies the plane; same shape is a no-op.
	rgb := Images{N: 1, C: 3, H: 1, W: 1, Data: []float32{1, -1, 0.5}}
	gray, notice, _ := Convert(rgb, 1, 1, 1)
	if want := 0.299 - 0.587 + 0.114*0.5; !approx.Near(float64(gray.Data[0]), want, 1e-6) || notice != "converted RGB to gray" {
		t.Errorf("luma %v (want %v), notice %q", gray.Data, want, notice)
	}
	rgb3, _, _ := Convert(gray, 3, 1, 1)
	if rgb3.C != 3 || rgb3.Data[0] != gray.Data[0] || rgb3.Data[2] != gray.Data[0] {
		t.Errorf("gray to RGB: %+v", rgb3)
	}
	if same, notice, _ := Convert(rgb, 3, 1, 1); notice != "" || &same.Data[0] != &rgb.Data[0] {
		t.Errorf("same shape: notice %q, copied %v", notice, &same.Data[0] != &rgb.Data[0])
	}
	if _, _, err := Convert(rgb, 4, 1, 1); err == nil || !strings.Contains(err.Error(), "cannot convert 3-channel images to the 4 channels") {
		t.Errorf("3 -> 4 channels: %v", err)
	}
	if _, _, err := Convert(Images{N: 2, C: 1, H: 2, W: 2, Data: make([]float32, 7)}, 1, 2, 2); err == nil {
		t.Error("malformed batch accepted")
	}
}
