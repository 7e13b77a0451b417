package eval

import (
	"testing"

	"github.com/gogan/gan/train/data"
)

// BenchmarkScore2000 is the cost of one training-time evaluation: 2000
// generated images against a cached 2000-image reference (feature pass,
// FID, precision/recall, coverage; no KID).
func BenchmarkScore2000(b *testing.B) {
	test, err := data.LoadMNIST(data.DefaultMNISTDir(), "test")
	if err != nil {
		b.Skipf("MNIST not found (%v); run make setup", err)
	}
	net, err := DefaultFeatureNet()
	if err != nil {
		b.Fatal(err)
	}
	x, y := Split(test, 0.5, 1)
	ref, _ := SampleDataset(x, 2000, 1)
	fake, _ := SampleDataset(y, 2000, 2)
	sc, err := NewScorer(net, ref, ScorerOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := sc.ScoreImages(fake); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKID10000 is KID's default cost in gan-eval: 100 subsets of 1000
// from two sets of 10000 128-d features.
func BenchmarkKID10000(b *testing.B) {
	const n, d = 10000, 128
	x, y := make([]float32, n*d), make([]float32, n*d)
	for i := range x {
		x[i], y[i] = float32(i%7)*0.3, float32(i%5)*0.4
	}
	for range b.N {
		KID(x, n, y, n, d, KIDOptions{})
	}
}
