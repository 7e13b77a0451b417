//go:build cgo

package infer

import (
	"errors"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// A feature network gives one vector per image, the same whether the
// images run in one batch or one at a time; a generator is refused as one,
// and bytes that are no ONNX model are a *ModelError.
func TestOpenFeatures(t *testing.T) {
	needLibrary(t)
	b, err := os.ReadFile(classifier)
	if err != nil {
		t.Fatal(err)
	}
	n, err := OpenFeatures(classifier, b, 0, 1, WithThreads(1))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if c, h, w := n.Input(); c != 1 || h != 28 || w != 28 || !strings.HasPrefix(n.Name(), "classifier@") {
		t.Fatalf("input %dx%dx%d name %s", c, h, w, n.Name())
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const count = 300 // more than one batch of 256
	images := make([]float32, count*784)
	for i := range images {
		images[i] = float32(rng.Float64()*2 - 1)
	}
	all, dim, err := n.Features(images, count)
	if err != nil || dim != 10 || len(all) != count*dim {
		t.Fatalf("features: dim %d, %d values, %v", dim, len(all), err)
	}
	for _, i := range []int{0, 257, count - 1} {
		one, _, err := n.Features(images[i*784:(i+1)*784], 1)
		if err != nil {
			t.Fatal(err)
		}
		for j, v := range one {
			if d := v - all[i*dim+j]; d > 1e-4 || d < -1e-4 {
				t.Fatalf("image %d feature %d: %v alone, %v in a batch", i, j, v, all[i*dim+j])
			}
		}
	}
	g, _ := os.ReadFile(grayModel)
	if _, err := OpenFeatures(grayModel, g, 0, 1); err == nil || !strings.Contains(err.Error(), "want one float32 image input") {
		t.Errorf("a generator as feature network: %v", err)
	}
	var me *ModelError
	if _, err := OpenFeatures("junk.onnx", []byte("junk"), 0, 1); !errors.As(err, &me) {
		t.Errorf("junk bytes: %v, want a *ModelError", err)
	}
}
