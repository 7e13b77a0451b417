//go:build cgo

package parity_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogan/gan/infer"
	"github.com/gogan/gan/internal/approx"
	"github.com/gogan/gan/internal/testenv"
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
	if s.Kind == "vae" {
		v, err := models.NewVAE(s, rng)
		if err != nil {
			t.Fatal(err)
		}
		g = v.Decoder
	}
	nn.Walk(g, func(_ string, m nn.Module) {
		switch bn := m.(type) {
		case *nn.BatchNorm:
			for i := 0; i < bn.C; i++ {
				bn.RunningMean.Data[i] = float32(rng.NormFloat64() * 0.5)
				bn.RunningVar.Data[i] = float32(0.3 + 2*rng.Float64())
				bn.Weight.Data[i] = float32(0.5 + rng.Float64())
				bn.Bias.Data[i] = float32(rng.NormFloat64() * 0.3)
			}
		case *nn.CondBatchNorm:
			for i := 0; i < bn.C; i++ {
				bn.RunningMean.Data[i] = float32(rng.NormFloat64() * 0.5)
				bn.RunningVar.Data[i] = float32(0.3 + 2*rng.Float64())
			}
			for i := range bn.Weight.Data {
				bn.Weight.Data[i] = float32(0.5 + rng.Float64())
				bn.Bias.Data[i] = float32(rng.NormFloat64() * 0.3)
			}
		}
	})
	nn.SetTraining(g, false)
	return g
}

// For each generator kind, a VAE's decoder included, onnxruntime and the
// Go forward pass agree on the same z within 1e-4 (max abs), with either
// ConvTranspose form; the resnet at its default width (28 px) and at width
// 16, gray and RGB, conditional or not. A runtime that does not load fails
// the test where it is required (testenv.Runtime), rather than skipping
// every case.
func TestExportParity(t *testing.T) {
	_, _, err := infer.RuntimeVersion("")
	testenv.Runtime(t, err)
	specs := []models.Spec{
		{Kind: "mlp", ZDim: 16, Size: 28, Channels: 1},
		{Kind: "mlp", ZDim: 8, Size: 32, Channels: 3, Classes: 4},
		{Kind: "dcgan", ZDim: 100, Size: 28, Channels: 1},
		{Kind: "dcgan", ZDim: 32, Size: 32, Channels: 3},
		{Kind: "dcgan", ZDim: 32, Size: 64, Channels: 3},
		{Kind: "dcgan", ZDim: 20, Size: 28, Channels: 1, Classes: 10},
		{Kind: "vae", ZDim: 20, Size: 28, Channels: 1},
		{Kind: "vae", ZDim: 12, Size: 32, Channels: 3, Classes: 3},
		{Kind: "resnet", ZDim: 32, Size: 28, Channels: 1},
		{Kind: "resnet", ZDim: 32, Size: 28, Channels: 1, Classes: 10},
		{Kind: "resnet", ZDim: 32, Size: 32, Channels: 3, Width: 16},
		{Kind: "resnet", ZDim: 32, Size: 32, Channels: 1, Classes: 3, Width: 16},
		{Kind: "resnet", ZDim: 32, Size: 64, Channels: 1, Width: 16},
		{Kind: "resnet", ZDim: 32, Size: 64, Channels: 3, Classes: 4, Width: 16},
	}
	for i, s := range specs {
		for _, sub := range []bool{false, true} {
			if sub && s.Kind == "mlp" {
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
				approx.Check(t, "onnxruntime against the Go forward pass", got.Data, want.Data, 1e-4)
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

// A library that is not onnxruntime fails the parity test instead of
// passing it with every case skipped: the test binary runs itself with
// ONNXRUNTIME_LIB pointing at a file that is not a shared library.
func TestBrokenRuntimeFails(t *testing.T) {
	if os.Getenv("GOGAN_PARITY_CHILD") != "" {
		t.Skip("child run")
	}
	fake := filepath.Join(t.TempDir(), "libonnxruntime.so.1")
	if err := os.WriteFile(fake, []byte("not a shared library"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestExportParity$", "-test.count", "1")
	cmd.Env = append(os.Environ(), infer.LibraryEnv+"="+fake, "GOGAN_PARITY_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "--- FAIL: TestExportParity") || !strings.Contains(string(out), fake) {
		t.Errorf("TestExportParity with a broken runtime: %v, want a failure naming %s:\n%s", err, fake, out)
	}
}
