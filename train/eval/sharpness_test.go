package eval

import (
	"strings"
	"testing"

	"github.com/gogan/gan/internal/approx"
	"github.com/gogan/gan/internal/testenv"
	"github.com/gogan/gan/train/data"
)

// image builds one (C, H, W) image from intensities f(y, x) in [0, 1],
// stored in [-1, 1].
func intensityImage(c, h, w int, f func(y, x int) float64) Images {
	im := Images{N: 1, C: c, H: h, W: w, Data: make([]float32, c*h*w)}
	for ch := range c {
		for y := range h {
			for x := range w {
				im.Data[ch*h*w+y*w+x] = float32(2*f(y, x) - 1)
			}
		}
	}
	return im
}

func TestLaplacianVarianceKnownImages(t *testing.T) {
	checker := func(y, x int) float64 { return float64((x + y) % 2) }
	ramp := func(y, x int) float64 { return float64(x) / 10 } // linear: Laplacian 0
	cases := []struct {
		name string
		im   Images
		want float64
	}{
		{"constant", intensityImage(1, 5, 6, func(int, int) float64 { return 0.3 }), 0},
		{"ramp", intensityImage(1, 6, 11, ramp), 0},
		{"checkerboard", intensityImage(1, 6, 6, checker), 16},
		{"RGB checkerboard", intensityImage(3, 6, 6, checker), 16},
		// One bright pixel in the middle of 3x3: the only interior response is -4.
		{"single interior pixel", intensityImage(1, 3, 3, func(y, x int) float64 { return float64(b2i(y == 1 && x == 1)) }), 0},
	}
	for _, c := range cases {
		v, err := LaplacianVariance(c.im)
		if err != nil || len(v) != 1 || !approx.Near(v[0], c.want, 1e-9) {
			t.Errorf("%s: %v (%v), want %v", c.name, v, err, c.want)
		}
	}
	// A pixel in a 4x4 image: interior responses -4 (itself) and 1, 1, 0 around it.
	dot := intensityImage(1, 4, 4, func(y, x int) float64 { return float64(b2i(y == 1 && x == 1)) })
	v, _ := LaplacianVariance(dot)
	xs := []float64{-4, 1, 1, 0}
	m := (-4 + 1 + 1 + 0) / 4.0
	want := 0.0
	for _, x := range xs {
		want += (x - m) * (x - m) / 4
	}
	if !approx.Near(v[0], want, 1e-9) {
		t.Errorf("dot: %v, want %v", v[0], want)
	}
	// Only luminance counts: pure green weighs 0.587.
	green := Images{N: 1, C: 3, H: 6, W: 6, Data: make([]float32, 3*36)}
	for p := range 36 {
		green.Data[p], green.Data[36+p], green.Data[72+p] = -1, float32(2*checker(p/6, p%6)-1), -1
	}
	v, _ = LaplacianVariance(green)
	if !approx.Near(v[0], 16*0.587*0.587, 1e-9) {
		t.Errorf("green checkerboard: %v, want %v", v[0], 16*0.587*0.587)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestSharpnessErrors(t *testing.T) {
	for _, c := range []struct {
		im   Images
		want string
	}{
		{Images{N: 1, C: 2, H: 4, W: 4, Data: make([]float32, 32)}, "2-channel"},
		{Images{N: 1, C: 1, H: 2, W: 8, Data: make([]float32, 16)}, "3x3"},
		{Images{N: 2, C: 1, H: 4, W: 4, Data: make([]float32, 16)}, "values"},
		{Images{N: 0, C: 1, H: 4, W: 4}, "no images"},
	} {
		if _, err := MeasureSharpness(c.im); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one mentioning %q", c.im, err, c.want)
		}
	}
}

// boxBlur returns im blurred by a 3x3 mean (edges clamped).
func boxBlur(im Images) Images {
	out := im
	out.Data = make([]float32, len(im.Data))
	h, w := im.H, im.W
	for n := range im.N * im.C {
		src, dst := im.Data[n*h*w:(n+1)*h*w], out.Data[n*h*w:(n+1)*h*w]
		for y := range h {
			for x := range w {
				s := float32(0)
				for dy := -1; dy <= 1; dy++ {
					for dx := -1; dx <= 1; dx++ {
						yy, xx := min(max(y+dy, 0), h-1), min(max(x+dx, 0), w-1)
						s += src[yy*w+xx]
					}
				}
				dst[y*w+x] = s / 9
			}
		}
	}
	return out
}

// On real digits, a 3x3 blur cuts the sharpness to a fraction and noise
// raises it far above: the measure orders images as the eye does.
func TestSharpnessOrdersBlurAndNoise(t *testing.T) {
	ds, err := data.LoadMNIST(data.DefaultMNISTDir(), "test")
	testenv.Data(t, err)
	reals, err := SampleDataset(ds, 300, 1)
	if err != nil {
		t.Fatal(err)
	}
	sr, _ := MeasureSharpness(reals)
	sb, _ := MeasureSharpness(boxBlur(reals))
	sn, _ := MeasureSharpness(UniformNoise(300, 1, 28, 28, 1))
	t.Logf("real %.4f ± %.4f, blurred %.4f, noise %.4f", sr.Mean, sr.Std, sb.Mean, sn.Mean)
	if !(sb.Mean < sr.Mean/3 && sn.Mean > 3*sr.Mean && sr.Std > 0) {
		t.Errorf("sharpness real %v, blurred %v, noise %v", sr, sb, sn)
	}
}
