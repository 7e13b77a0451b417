package nn_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
	"github.com/gogan/gan/train/tensor/tensortest"
)

// snGoldenTol bounds ||got-want||/||want|| against PyTorch's float64 run;
// torch's own float32 run is within 5e-7 of it, the engine within 4e-7.
const snGoldenTol = 5e-6

func snRelNorm(got []float32, want []float64) float64 {
	var d2, w2 float64
	for i, w := range want {
		d := float64(got[i]) - w
		d2 += d * d
		w2 += w * w
	}
	return math.Sqrt(d2) / math.Max(math.Sqrt(w2), 1e-30)
}

// TestSpectralNormGolden replays scripts/fixtures.py's spectral_norm
// cases: per layer, three training steps of forward (one power step), the
// gradients of L = sum(w_out*y) for x, weight_orig and bias, the gradient of
// R1 = sum((dL/dx)^2) for weight_orig (double backward), and SGD; then an
// eval forward that must leave u alone. Everything, u and v included, is
// compared with PyTorch's float64 run.
func TestSpectralNormGolden(t *testing.T) {
	fx, err := tensortest.LoadNPZ("testdata/spectralnorm.npz")
	if err != nil {
		t.Fatal(err)
	}
	get := func(key string) tensortest.NPYArray {
		t.Helper()
		a, ok := fx[key]
		if !ok {
			t.Fatalf("spectralnorm.npz has no %q; rerun scripts/fixtures.py", key)
		}
		return a
	}
	steps := get("steps").Int()
	lr := float32(get("lr").Data[0])
	rng := rand.New(rand.NewPCG(1, 2))
	layers := map[string]nn.Module{
		"linear":          nn.NewLinear(6, 4, true, rng),
		"conv2d":          nn.NewConv2d(3, 4, 3, 1, 1, true, rng),
		"convtranspose2d": nn.NewConvTranspose2d(3, 2, 4, 2, 1, 0, true, rng),
		"embedding":       nn.NewEmbedding(5, 3, rng),
	}
	names := make([]string, 0, len(layers))
	for n := range layers {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		m := layers[name]
		t.Run(name, func(t *testing.T) {
			nn.ApplySpectralNorm(m, rng)
			if e, ok := m.(*nn.Embedding); ok {
				e.EnableSpectralNorm(rng)
			}
			var init []nn.Param
			for _, p := range nn.StateDict(m) {
				init = append(init, nn.Param{Name: p.Name, T: get(name + "/init/" + p.Name).Tensor()})
			}
			if err := nn.LoadStateDict(m, init); err != nil {
				t.Fatal(err)
			}
			check := func(key string, got *tensor.Tensor) {
				t.Helper()
				want := get(name + "/" + key)
				if !tensor.SameShape(got.Shape(), want.Shape) {
					t.Fatalf("%s: shape %v, want %v", key, got.Shape(), want.Shape)
				}
				if r := snRelNorm(got.Data, want.Data); r > snGoldenTol || math.IsNaN(r) {
					t.Errorf("%s: relative error %.3g > %.3g", key, r, snGoldenTol)
				}
			}
			params := map[string]*tensor.Tensor{}
			for _, p := range m.Params() {
				params[p.Name] = p.T
			}
			for s := 0; s < steps; s++ {
				pre := fmt.Sprintf("step%d/", s)
				x := get(name + "/" + pre + "x")
				xt := x.Tensor()
				isFloat := x.Dtype != "<i8"
				leaves := []*tensor.Tensor{}
				keys := []string{}
				if isFloat {
					xt.SetRequiresGrad(true)
					leaves, keys = append(leaves, xt), append(keys, "x")
				}
				for _, k := range []string{"bias", "weight_orig"} {
					if p, ok := params[k]; ok {
						leaves, keys = append(leaves, p), append(keys, k)
					}
				}
				y := m.Forward(xt)
				check(pre+"y", y)
				check(pre+"weight_u", nn.Buffers(m)[0].T)
				check(pre+"weight_v", nn.Buffers(m)[1].T)
				loss := tensor.Sum(tensor.Mul(y, get(name+"/"+pre+"w_out").Tensor()))
				gs := tensor.Grad(loss, leaves, nil, isFloat)
				for i, k := range keys {
					check(pre+"grad_"+k, gs[i])
				}
				if isFloat {
					r1 := tensor.Sum(tensor.Square(gs[0]))
					check(pre+"r1_grad_weight_orig", tensor.Grad(r1, []*tensor.Tensor{params["weight_orig"]}, nil, false)[0])
				}
				for i, k := range keys {
					if k == "x" {
						continue
					}
					for j, g := range gs[i].Data {
						leaves[i].Data[j] -= lr * g
					}
				}
			}
			nn.SetTraining(m, false)
			check("eval/y", m.Forward(get(name+"/eval/x").Tensor()))
			check("eval/weight_u", nn.Buffers(m)[0].T)
			for _, p := range nn.StateDict(m) {
				check("final/"+p.Name, p.T)
			}
		})
	}
}
