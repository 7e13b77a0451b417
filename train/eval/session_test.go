package eval

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gogan/gan/train/data"
)

// pixelNet takes 1x4x4 images; its features are the pixels, and with
// classes it is a classifier that calls every image class 0.
type pixelNet struct{ classes []string }

func (pixelNet) Name() string           { return "pixels" }
func (pixelNet) Input() (c, h, w int)   { return 1, 4, 4 }
func (p pixelNet) ClassNames() []string { return p.classes }
func (p pixelNet) Extract(images []float32, n int) (*Features, error) {
	f := &Features{N: n, Dim: 16, Data: append([]float32(nil), images[:n*16]...)}
	if k := len(p.classes); k > 0 {
		f.Classes, f.Probs = k, make([]float32, n*k)
		for i := 0; i < n; i++ {
			f.Probs[i*k] = 1
		}
	}
	return f, nil
}

func randomSet(n int, classes []string) *data.Images {
	rng := rand.New(rand.NewPCG(5, 6))
	pix := make([]uint8, n*16)
	for i := range pix {
		pix[i] = uint8(rng.IntN(256))
	}
	var labels []int
	if classes != nil {
		labels = make([]int, n)
		for i := range labels {
			labels[i] = i % len(classes)
		}
	}
	return data.NewImages("random", 1, 4, 4, pix, labels, classes)
}

// A session draws its reference once and scores sets against it; its own
// reference scores FID 0. MatchClasses turns coverage off, with a note,
// when the network's classes are not the reference's; DisjointSamples
// share no image.
func TestSession(t *testing.T) {
	ds := randomSet(200, []string{"x", "y"})
	s, err := NewSession(pixelNet{}, ds, SessionOptions{N: 50, Name: "random", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if s.Reference != "random (50 of 200 images)" || s.ReferenceSize() != 50 || s.Note != "" {
		t.Errorf("session %q of %d, note %q", s.Reference, s.ReferenceSize(), s.Note)
	}
	ref, err := SampleDataset(ds, 50, 1)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Score(ref)
	if err != nil || rep.FID > 1e-3 || rep.Samples != 50 {
		t.Errorf("the reference against itself: FID %g, %d samples, %v", rep.FID, rep.Samples, err)
	}
	if _, err := NewSession(pixelNet{}, ds, SessionOptions{N: 300, Name: "random"}); err == nil || !strings.Contains(err.Error(), "fewer than the 300") {
		t.Errorf("300 from 200 images: %v", err)
	}
	if _, err := NewSession(pixelNet{}, ds, SessionOptions{N: 3, Name: "random"}); err == nil {
		t.Error("3 images with k = 3 made a session")
	}

	digits := pixelNet{classes: []string{"0", "1"}}
	s, err = NewSession(digits, ds, SessionOptions{N: 50, Name: "random", MatchClasses: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep, _ := s.Score(ref); rep.Coverage != nil || !strings.Contains(s.Note, "sorts images into 0 1, not the reference set's classes (x y)") {
		t.Errorf("mismatched classes: coverage %v, note %q", rep.Coverage, s.Note)
	}
	s, err = NewSession(digits, ds, SessionOptions{N: 50, Name: "random"})
	if err != nil {
		t.Fatal(err)
	}
	if rep, _ := s.Score(ref); rep.Coverage == nil || s.Note != "" {
		t.Errorf("without MatchClasses a classifier's coverage is kept: %v, note %q", rep.Coverage, s.Note)
	}

	a, b, err := DisjointSamples(ds, 100, 7)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i := 0; i < a.N; i++ {
		seen[string(f32key(a.Data[i*16:(i+1)*16]))] = true
	}
	for i := 0; i < b.N; i++ {
		if seen[string(f32key(b.Data[i*16:(i+1)*16]))] {
			t.Fatalf("image %d of the second sample is also in the first", i)
		}
	}
	if _, _, err := DisjointSamples(ds, 101, 7); err == nil {
		t.Error("two samples of 101 from 200 images")
	}
}

func f32key(x []float32) []byte {
	b := make([]byte, 0, 4*len(x))
	for _, v := range x {
		b = append(b, byte(int(v*127.5+127.5)))
	}
	return b
}
