package eval

import (
	"fmt"
	"math/rand/v2"

	"github.com/gogan/gan/train/data"
)

// Images is a batch of images (N,C,H,W), row-major, values in [-1, 1].
type Images struct {
	N, C, H, W int
	Data       []float32
	// Labels, when known, are the images' classes: a labelled data set's
	// labels, or the labels a conditional generator was asked for; nil
	// otherwise. Convert and Embed ignore them.
	Labels []int
}

// check reports a malformed batch.
func (im Images) check() error {
	if im.N < 0 || im.C < 1 || im.H < 1 || im.W < 1 || len(im.Data) != im.N*im.C*im.H*im.W {
		return fmt.Errorf("eval: %d values for %d images of (%d,%d,%d)", len(im.Data), im.N, im.C, im.H, im.W)
	}
	return nil
}

// Features are N feature vectors of Dim values, and, when the network is
// a classifier, the class probabilities of the same images.
type Features struct {
	N, Dim  int
	Data    []float32 // (N, Dim)
	Classes int       // 0 when the network gives features only
	Probs   []float32 // (N, Classes), or nil
}

// Extractor is a feature network: the shipped LeNet (FeatureNet), or an
// ONNX model run by a command.
type Extractor interface {
	// Name identifies the network and its weights; reports carry it.
	Name() string
	// Input is the (C,H,W) image shape the network takes.
	Input() (c, h, w int)
	// ClassNames names the classes, or is nil when the network gives
	// features only (no coverage is measured then).
	ClassNames() []string
	// Extract maps n images of the Input shape, values in [-1, 1], to
	// their features.
	Extract(images []float32, n int) (*Features, error)
}

// Embed runs net over im, first converting im to the network's input
// shape (see Convert). The notice says what was converted, "" if nothing.
func Embed(net Extractor, im Images) (*Features, string, error) {
	c, h, w := net.Input()
	conv, notice, err := Convert(im, c, h, w)
	if err != nil {
		return nil, "", err
	}
	f, err := net.Extract(conv.Data, conv.N)
	if err != nil {
		return nil, "", err
	}
	if f.N != im.N || f.Dim < 1 || len(f.Data) != f.N*f.Dim || (f.Probs != nil && len(f.Probs) != f.N*f.Classes) {
		return nil, "", fmt.Errorf("eval: feature network %s returned malformed features for %d images", net.Name(), im.N)
	}
	return f, notice, nil
}

// SampleDataset copies n images of ds, chosen by a seeded shuffle, into an
// Images batch (n <= 0: all of them, in order), with their labels when ds
// is labelled. It fails when ds holds fewer than n images.
func SampleDataset(ds data.Dataset, n int, seed uint64) (Images, error) {
	total := ds.Len()
	idx := identity(total)
	if n > 0 {
		if n > total {
			return Images{}, fmt.Errorf("eval: %s has %d images; %d are needed", ds.Name(), total, n)
		}
		data.Shuffle(idx, seed, 0)
		idx = idx[:n]
	}
	c, h, w := ds.Shape()
	per := c * h * w
	im := Images{N: len(idx), C: c, H: h, W: w, Data: make([]float32, len(idx)*per)}
	for i, j := range idx {
		ds.Image(j, im.Data[i*per:(i+1)*per])
	}
	if ds.NumClasses() > 0 {
		im.Labels = make([]int, len(idx))
		for i, j := range idx {
			im.Labels[i] = ds.Label(j)
		}
	}
	return im, nil
}

// Noisy returns a copy of im with N(0, sigma^2) noise added to every
// value, clamped to [-1, 1]: the ceiling images of a reference table.
func Noisy(im Images, sigma float64, seed uint64) Images {
	rng := rand.New(rand.NewPCG(seed, 0x6e6f697365)) // "noise"
	out := im
	out.Data = make([]float32, len(im.Data))
	for i, v := range im.Data {
		out.Data[i] = min(max(v+float32(sigma*rng.NormFloat64()), -1), 1)
	}
	return out
}

// UniformNoise returns n images of independent U[-1, 1] pixels.
func UniformNoise(n, c, h, w int, seed uint64) Images {
	rng := rand.New(rand.NewPCG(seed, 0x756e69)) // "uni"
	im := Images{N: n, C: c, H: h, W: w, Data: make([]float32, n*c*h*w)}
	for i := range im.Data {
		im.Data[i] = float32(2*rng.Float64() - 1)
	}
	return im
}
