package models

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gogan/gan/internal/approx"
	"github.com/gogan/gan/models/onnx"
	"github.com/gogan/gan/models/onnx/onnxtest"
	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// The encoder gives mu and logvar of the latent size, the decoder images
// of the spec's shape, and Decode's images are tanh of its
// pre-activations and equal to the decoder's own Generate, at every size
// and with labels.
func TestVAEShapes(t *testing.T) {
	for _, s := range []Spec{
		{Kind: "vae", ZDim: 8, Size: 28, Channels: 1},
		{Kind: "vae", ZDim: 5, Size: 32, Channels: 3},
		{Kind: "vae", ZDim: 4, Size: 64, Channels: 1},
		{Kind: "vae", ZDim: 6, Size: 28, Channels: 1, Classes: 3},
	} {
		v, err := NewVAE(s, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		nn.SetTraining(v.Encoder, false)
		nn.SetTraining(v.Decoder, false)
		rng := rand.New(rand.NewPCG(2, 2))
		x := tensor.Uniform(rng, -1, 1, 3, s.Channels, s.Size, s.Size)
		var labels []int
		if s.Classes > 0 {
			labels = []int{0, 2, 1}
		}
		var mu, logvar, img, pre, gen *tensor.Tensor
		tensor.NoGrad(func() {
			mu, logvar = v.Encoder.Encode(x, labels)
			img, pre = v.Decode(mu, labels)
			gen = v.Decoder.Generate(mu, labels)
		})
		if !same(mu.Shape(), 3, s.ZDim) || !same(logvar.Shape(), 3, s.ZDim) {
			t.Fatalf("%+v: mu %v, logvar %v", s, mu.Shape(), logvar.Shape())
		}
		if !same(img.Shape(), 3, s.Channels, s.Size, s.Size) || !same(pre.Shape(), img.Shape()...) {
			t.Fatalf("%+v: images %v, pre-activations %v", s, img.Shape(), pre.Shape())
		}
		tanh := make([]float64, len(pre.Data))
		for i, a := range pre.Data {
			tanh[i] = math.Tanh(float64(a))
		}
		approx.Check(t, fmt.Sprintf("%+v: image against tanh(pre)", s), img.Data, tanh, 1e-6)
		for i := range pre.Data {
			if img.Data[i] != gen.Data[i] {
				t.Fatalf("%+v: Decode and Decoder.Generate differ at %d", s, i)
			}
		}
		if mu.Data[0] == mu.Data[1] || logvar.Data[0] == mu.Data[0] {
			t.Errorf("%+v: mu and logvar look degenerate: %v %v", s, mu.Data[:2], logvar.Data[:1])
		}
	}
}

func same(shape []int, want ...int) bool {
	if len(shape) != len(want) {
		return false
	}
	for i := range shape {
		if shape[i] != want[i] {
			return false
		}
	}
	return true
}

// A loss through the reparameterised sample reaches every weight of both
// halves, and mu and logvar split the encoder's output in that order.
func TestVAEGradientsReachBothHalves(t *testing.T) {
	s := Spec{Kind: "vae", ZDim: 4, Size: 28, Channels: 1, Classes: 2}
	rng := rand.New(rand.NewPCG(3, 3))
	v, err := NewVAE(s, rng)
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.Uniform(rng, -1, 1, 4, 1, 28, 28)
	labels := []int{0, 1, 1, 0}
	mu, logvar := v.Encoder.Encode(x, labels)
	eps := tensor.Randn(rng, 0, 1, 4, 4)
	z := tensor.Add(mu, tensor.Mul(tensor.Exp(tensor.Scale(logvar, 0.5)), eps))
	img, _ := v.Decode(z, labels)
	loss := tensor.Add(tensor.MSE(img, x), tensor.GaussianKL(mu, logvar))
	loss.Backward()
	for _, m := range []nn.Module{v.Encoder, v.Decoder} {
		for _, p := range m.Params() {
			if p.T.Grad == nil {
				t.Fatalf("%T %s got no gradient", m, p.Name)
			}
			nonzero := false
			for _, g := range p.T.Grad.Data {
				nonzero = nonzero || g != 0
			}
			if !nonzero {
				t.Errorf("%T %s: gradient is all zero", m, p.Name)
			}
		}
	}
	var both *tensor.Tensor
	tensor.NoGrad(func() { both = v.Encoder.forward(x, labels) })
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			if both.Data[i*8+j] != mu.Data[i*4+j] || both.Data[i*8+4+j] != logvar.Data[i*4+j] {
				t.Fatalf("row %d: encoder output %v, mu %v, logvar %v", i, both.Data[i*8:i*8+8], mu.Data[i*4:i*4+4], logvar.Data[i*4:i*4+4])
			}
		}
	}
}

// The decoder exports as a generator whose metadata says kind vae and
// whose graph matches the Go forward pass, with BatchNorm statistics away
// from 0 and 1 so that a folding error shows.
func TestVAEDecoderExport(t *testing.T) {
	for _, s := range []Spec{{Kind: "vae", ZDim: 8, Size: 28, Channels: 1}, {Kind: "vae", ZDim: 8, Size: 32, Channels: 3, Classes: 2}} {
		rng := rand.New(rand.NewPCG(4, 4))
		v, err := NewVAE(s, rng)
		if err != nil {
			t.Fatal(err)
		}
		perturb(v.Decoder, rng)
		var buf bytes.Buffer
		if err := v.Decoder.ExportONNX(&buf, map[string]string{MetaDataset: "mnist", MetaSteps: "1"}); err != nil {
			t.Fatal(err)
		}
		m, err := onnx.Read(&buf)
		if err != nil {
			t.Fatal(err)
		}
		want := "vae"
		if s.Classes > 0 {
			want = "conditional-vae"
		}
		if k := onnx.Meta(m)[MetaKind]; k != want {
			t.Errorf("exported kind %q, want %q", k, want)
		}
		z, labels := sample(s, 2, 5)
		var img *tensor.Tensor
		tensor.NoGrad(func() { img, _ = v.Decode(z, labels) })
		out, err := onnxtest.Run(m, feeds(z, labels))
		if err != nil {
			t.Fatal(err)
		}
		approx.Check(t, fmt.Sprintf("%+v: ONNX image against Go", s), out[OutputImage].F, img.Data, 1e-4)
	}
}

func TestVAEErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	if _, err := NewVAE(Spec{Kind: "dcgan", ZDim: 8, Size: 28, Channels: 1}, rng); err == nil || !strings.Contains(err.Error(), "kind vae") {
		t.Errorf("NewVAE of a dcgan spec: %v", err)
	}
	if _, err := NewVAE(Spec{Kind: "vae", ZDim: 8, Size: 48, Channels: 1}, rng); err == nil || !strings.Contains(err.Error(), "28, 32 or 64") {
		t.Errorf("NewVAE at 48 pixels: %v", err)
	}
	if _, err := NewDiscriminator(Spec{Kind: "vae", ZDim: 8, Size: 28, Channels: 1}, rng); err == nil || !strings.Contains(err.Error(), "encoder") {
		t.Errorf("NewDiscriminator of a vae spec: %v", err)
	}
	v, _ := NewVAE(Spec{Kind: "vae", ZDim: 8, Size: 28, Channels: 1}, rng)
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "Encoder") {
			t.Errorf("a wrongly shaped input: panic %v", r)
		}
	}()
	v.Encoder.Encode(tensor.Zeros(2, 3, 28, 28), nil)
}
