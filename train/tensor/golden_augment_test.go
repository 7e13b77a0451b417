package tensor_test

import (
	"testing"

	"github.com/gogan/gan/train/tensor"
	"github.com/gogan/gan/train/tensor/tensortest"
)

func ints(a tensortest.NPYArray) []int {
	v := make([]int, len(a.Data))
	for i, x := range a.Data {
		v[i] = int(x)
	}
	return v
}

// TestGoldenAugment compares the DiffAugment ops, and the policy
// "color,translation,cutout" made of them, with the official
// DiffAugment-pytorch functions given the same draws
// (scripts/fixtures_augment.py): outputs and input gradients.
func TestGoldenAugment(t *testing.T) {
	runOpCases(t, "augment.npz", 3, func(t *testing.T, f fixture, c string, createGraph bool, ck *checker) {
		b, s, cf := f.get(t, c+"/b").Float32(), f.get(t, c+"/s").Float32(), f.get(t, c+"/c").Float32()
		dy, dx := ints(f.get(t, c+"/tx")), ints(f.get(t, c+"/ty"))
		size := ints(f.get(t, c+"/cutout"))
		top, left := ints(f.get(t, c+"/ox")), ints(f.get(t, c+"/oy"))
		for i := range top {
			top[i] -= size[0] / 2
		}
		for i := range left {
			left[i] -= size[1] / 2
		}
		ops := map[string]func(*tensor.Tensor) *tensor.Tensor{
			"brightness":  func(x *tensor.Tensor) *tensor.Tensor { return tensor.Brightness(x, b) },
			"saturation":  func(x *tensor.Tensor) *tensor.Tensor { return tensor.Saturation(x, s) },
			"contrast":    func(x *tensor.Tensor) *tensor.Tensor { return tensor.Contrast(x, cf) },
			"translation": func(x *tensor.Tensor) *tensor.Tensor { return tensor.Translate(x, dy, dx) },
			"cutout":      func(x *tensor.Tensor) *tensor.Tensor { return tensor.Cutout(x, top, left, size[0], size[1]) },
			"policy": func(x *tensor.Tensor) *tensor.Tensor {
				x = tensor.Contrast(tensor.Saturation(tensor.Brightness(x, b), s), cf)
				return tensor.Cutout(tensor.Translate(x, dy, dx), top, left, size[0], size[1])
			},
		}
		for name, op := range ops {
			x := f.leaf(c + "/x")
			y := op(x)
			ck.check(name, y, f.get(t, c+"/y_"+name))
			g := weightedGrads(y, f.get(t, c+"/w_"+name).Tensor(), createGraph, x)
			ck.check(name+" grad x", g[0], f.get(t, c+"/g_"+name))
		}
	})
}
