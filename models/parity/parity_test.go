//go:build cgo

package parity_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gogan/gan/infer"
	"github.com/gogan/gan/models"
	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// trained returns a generator in eval mode with BatchNorm statistics and
// affine values away from their initial 0/1, so that folding errors show.
func trained(t *testing.T, s models.Spec, seed uint64) *models.Generator {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 11))
	g, err := models.NewGenerator(s, rng)
	if err != nil {
		t.Fatal(err)
	}
	nn.Walk(g, func(_ string, m nn.Module) {
		if bn, ok := m.(*nn.BatchNorm); ok {
			for i := 0; i < bn.C; i++ {
				bn.RunningMean.Data[i] = float32(rng.NormFloat64() * 0.5)
				bn.RunningVar.Data[i] = float32(0.3 + 2*rng.Float64())
				bn.Weight.Data[i] = float32(0.5 + rng.Float64())
				bn.Bias.Data[i] = float32(rng.NormFloat64() * 0.3)
			}
		}
	})
	nn.SetTraining(g, false)
	return g
}

// For each generator kind, onnxruntime and the Go forward pass agree on the
// same z within 1e-4 (max abs), with either ConvTranspose form.
func TestExportParity(t *testing.T) {
	specs := []models.Spec{
		{Kind: "mlp", ZDim: 16, Size: 28, Channels: 1},
		{Kind: "mlp", ZDim: 8, Size: 32, Channels: 3, Classes: 4},
		{Kind: "dcgan", ZDim: 100, Size: 28, Channels: 1},
		{Kind: "dcgan", ZDim: 32, Size: 32, Channels: 3},
		{Kind: "dcgan", ZDim: 32, Size: 64, Channels: 3},
		{Kind: "dcgan", ZDim: 20, Size: 28, Channels: 1, Classes: 10},
	}
	for i, s := range specs {
		for _, sub := range []bool{false, true} {
			if sub && s.Kind != "dcgan" {
				continue
			}
			t.Run(fmt.Sprintf("%s-%d-%dch-classes%d-subpixel=%v", s.Kind, s.Size, s.Channels, s.Classes, sub), func(t *testing.T) {
				g := trained(t, s, uint64(i))
				var classes []string
				for k := 0; k < s.Classes; k++ {
					classes = append(classes, fmt.Sprint(k))
				}
				meta := map[string]string{"dataset": "parity", "steps": "0", "gogan_version": "test"}
				if classes != nil {
					meta["class_names"] = `["` + joinQ(classes) + `"]`
				}
				var buf bytes.Buffer
				if err := g.ExportONNXWith(&buf, meta, models.ExportOptions{ConvTransposeAsConv: sub}); err != nil {
					t.Fatal(err)
				}
				ig, err := infer.OpenBytes("parity.onnx", buf.Bytes(), infer.WithThreads(1))
				if errors.Is(err, infer.ErrNoLibrary) {
					t.Skip(err)
				}
				if err != nil {
					t.Fatal(err)
				}
				defer ig.Close()
				const n = 5
				rng := rand.New(rand.NewPCG(3, 3))
				z := tensor.Randn(rng, 0, 1, n, s.ZDim)
				var labels []int
				if s.Classes > 0 {
					for k := 0; k < n; k++ {
						labels = append(labels, rng.IntN(s.Classes))
					}
				}
				got, err := ig.Generate(context.Background(), infer.Request{Z: z.Data, Labels: labels})
				if err != nil {
					t.Fatal(err)
				}
				var want *tensor.Tensor
				tensor.NoGrad(func() { want = g.Generate(z, labels) })
				worst := 0.0
				for k, v := range want.Data {
					worst = math.Max(worst, math.Abs(float64(v-got.Data[k])))
				}
				t.Logf("max abs difference %.3g", worst)
				if worst > 1e-4 || len(got.Data) != len(want.Data) {
					t.Errorf("onnxruntime differs from the Go forward pass by %.3g (> 1e-4)", worst)
				}
			})
		}
	}
}

func joinQ(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += `","`
		}
		out += x
	}
	return out
}
