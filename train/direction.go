package train

import (
	"fmt"

	"github.com/gogan/gan/train/data"
	"github.com/gogan/gan/train/tensor"
)

// Direction returns the attribute direction from one group of latents to
// another: mean(to) - mean(from), as (1, ZDim). Adding it to a latent of
// the first group moves it, on average, to the second.
func Direction(from, to *tensor.Tensor) *tensor.Tensor {
	if from.Rank() != 2 || to.Rank() != 2 || from.Dim(1) != to.Dim(1) || from.Dim(0) < 1 || to.Dim(0) < 1 {
		panic(fmt.Sprintf("train: Direction: latents of shapes %v and %v; want (N, D) and (M, D)", from.Shape(), to.Shape()))
	}
	d := from.Dim(1)
	out := tensor.Zeros(1, d)
	a, b := rowMean(from), rowMean(to)
	for j := range out.Data {
		out.Data[j] = float32(b[j] - a[j])
	}
	return out
}

func rowMean(t *tensor.Tensor) []float64 {
	n, d := t.Dim(0), t.Dim(1)
	m := make([]float64, d)
	for i := 0; i < n; i++ {
		for j, v := range t.Data[i*d : (i+1)*d] {
			m[j] += float64(v)
		}
	}
	for j := range m {
		m[j] /= float64(n)
	}
	return m
}

// ClassImages returns up to n images of class k from ds as (n,C,H,W),
// taken in the order of a shuffle seeded by seed, so that the sample is
// spread over the data set and repeatable.
func ClassImages(ds data.Dataset, k, n int, seed uint64) (*tensor.Tensor, error) {
	if ds.NumClasses() == 0 {
		return nil, fmt.Errorf("%s has no class labels (for a folder, put each class in its own subfolder)", ds.Name())
	}
	if k < 0 || k >= ds.NumClasses() {
		return nil, fmt.Errorf("class %d: %s has classes 0-%d", k, ds.Name(), ds.NumClasses()-1)
	}
	idx := make([]int, ds.Len())
	for i := range idx {
		idx[i] = i
	}
	data.Shuffle(idx, seed, 0)
	c, h, w := ds.Shape()
	per := c * h * w
	var pix []float32
	for _, i := range idx {
		if len(pix) == n*per {
			break
		}
		if ds.Label(i) == k {
			pix = append(pix, make([]float32, per)...)
			ds.Image(i, pix[len(pix)-per:])
		}
	}
	if len(pix) == 0 {
		return nil, fmt.Errorf("%s has no images of class %d", ds.Name(), k)
	}
	return tensor.New(pix, len(pix)/per, c, h, w), nil
}

// ClassIndex finds a class by name or index among names.
func ClassIndex(names []string, s string) (int, error) {
	for i, n := range names {
		if n == s {
			return i, nil
		}
	}
	var k int
	if _, err := fmt.Sscanf(s, "%d", &k); err == nil && fmt.Sprint(k) == s && k >= 0 && k < len(names) {
		return k, nil
	}
	return 0, fmt.Errorf("class %q: the classes are %v (give a name or an index 0-%d)", s, names, len(names)-1)
}
