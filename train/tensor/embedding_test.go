package tensor_test

import (
	"testing"

	T "github.com/gogan/gan/train/tensor"
	"github.com/gogan/gan/train/tensor/tensortest"
)

func TestEmbedding(t *testing.T) {
	w := T.New([]float32{0, 1, 10, 11, 20, 21}, 3, 2).SetRequiresGrad(true)
	y := T.Embedding(w, []int{2, 0, 2, 1})
	if !T.SameShape(y.Shape(), []int{4, 2}) {
		t.Fatalf("shape %v, want [4 2]", y.Shape())
	}
	closeTo(t, "rows", y.Data, []float32{20, 21, 0, 1, 20, 21, 10, 11}, 0)
	// Repeated index 2 gets the sum of its two rows of gradient.
	T.Sum(T.Mul(y, T.New([]float32{1, 2, 3, 4, 5, 6, 7, 8}, 4, 2))).Backward()
	closeTo(t, "grad", w.Grad.Data, []float32{3, 4, 7, 8, 6, 8}, 0)
	if y := T.Embedding(w, nil); !T.SameShape(y.Shape(), []int{0, 2}) {
		t.Errorf("empty index: shape %v, want [0 2]", y.Shape())
	}
}

func TestEmbeddingPanics(t *testing.T) {
	w := T.Zeros(3, 2)
	mustPanic(t, func() { T.Embedding(w, []int{0, 3}) }, "Embedding", "index 3", "position 1")
	mustPanic(t, func() { T.Embedding(w, []int{-1}) }, "Embedding", "index -1")
	mustPanic(t, func() { T.Embedding(T.Zeros(3), []int{0}) }, "Embedding", "[3]")
}

func TestEmbeddingGrad(t *testing.T) {
	rng := newRng(31)
	idx := []int{3, 1, 3, 0, 3}
	checkGrads(t, "Embedding", func(x []*T.Tensor) *T.Tensor { return T.Embedding(x[0], idx) },
		[]*T.Tensor{randn(rng, 5, 3)}, tensortest.Options{})
	// Squared so that the scatter's own backward (a gather) is exercised.
	checkGrads(t, "Square(Embedding)", func(x []*T.Tensor) *T.Tensor { return T.Square(T.Embedding(x[0], idx)) },
		[]*T.Tensor{randn(rng, 5, 3)}, tensortest.Options{})
}
