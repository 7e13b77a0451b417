package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
	"github.com/gogan/gan/train/tensor/tensortest"
)

// TestProjectionScore checks the head's formula, Linear(h) + <Embed(y), h>,
// against a float64 evaluation from its own weights.
func TestProjectionScore(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	p := NewProjection(5, 3, rng)
	h := tensor.Randn(rng, 0, 1, 4, 5)
	labels := []int{2, 0, 2, 1}
	got := p.Score(h, labels)
	if !same(got.Shape(), 4, 1) {
		t.Fatalf("score shape %v, want (4, 1)", got.Shape())
	}
	w, b, e := p.Linear.Weight.Data, p.Linear.Bias.Data[0], p.Embed.Weight.Data
	for i, y := range labels {
		want := float64(b)
		for f := 0; f < 5; f++ {
			want += float64(h.Data[i*5+f]) * (float64(w[f]) + float64(e[y*5+f]))
		}
		if d := math.Abs(float64(got.Data[i]) - want); d > 1e-6 {
			t.Errorf("row %d: score %v, want %v", i, got.Data[i], want)
		}
	}
	// Xavier-uniform weights (bound sqrt(6/(fan_in+fan_out))), zero bias.
	for name, c := range map[string]struct {
		v     []float32
		bound float64
	}{"linear": {w, math.Sqrt(6.0 / 6)}, "embed": {e, math.Sqrt(6.0 / 8)}} {
		if lo, hi := slices.Min(c.v), slices.Max(c.v); float64(-lo) > c.bound || float64(hi) > c.bound || hi == lo {
			t.Errorf("%s weights in [%g, %g], want Xavier-uniform within %g", name, lo, hi, c.bound)
		}
	}
	if b != 0 {
		t.Errorf("bias %v, want 0", b)
	}
}

// TestProjectionGradients checks first and second derivatives of the head
// with respect to the features and to each of its weights (R1 takes the
// gradient of D's score and differentiates it again).
func TestProjectionGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	p := NewProjection(6, 4, rng)
	labels := []int{3, 1, 3, 0, 2}
	h := tensor.Randn(rng, 0, 1, 5, 6)
	w, b, e := p.Linear.Weight, p.Linear.Bias, p.Embed.Weight
	f := func(x []*tensor.Tensor) *tensor.Tensor {
		p.Linear.Weight, p.Linear.Bias, p.Embed.Weight = x[1], x[2], x[3]
		// Tanh makes the score curved, so the second-order check runs
		// through the backward of each op's backward.
		return tensor.Tanh(p.Score(x[0], labels))
	}
	xs := []*tensor.Tensor{h, w.Detach(), b.Detach(), e.Detach()}
	tensortest.GradCheck(t, rng, f, xs, tensortest.Options{})
	tensortest.GradGradCheck(t, rng, f, xs, tensortest.Options{})
}

// A projection discriminator has the DCGAN body without its label plane
// and final Linear, then the head; its scores depend on the label.
func TestProjectionDiscriminator(t *testing.T) {
	s := Spec{Kind: "dcgan", ZDim: 8, Size: 28, Channels: 1, Classes: 3, CondD: CondProjection}
	d, err := NewDiscriminator(s, rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range nn.StateDict(d) {
		names = append(names, fmt.Sprint(p.Name, p.T.Shape()))
	}
	want := []string{
		"main.0.weight[64 1 4 4]", "main.0.bias[64]",
		"main.2.weight[128 64 4 4]", "main.3.weight[128]", "main.3.bias[128]",
		"main.3.running_mean[128]", "main.3.running_var[128]",
		"head.linear.weight[1 6272]", "head.linear.bias[1]", "head.embed.weight[3 6272]",
	}
	if !slices.Equal(names, want) {
		t.Errorf("state dict\n%v\nwant\n%v", names, want)
	}
	nn.SetTraining(d, false)
	x := tensor.Uniform(rand.New(rand.NewPCG(7, 8)), -1, 1, 2, 1, 28, 28)
	var a, b *tensor.Tensor
	tensor.NoGrad(func() {
		a = d.Score(tensor.Concat(0, x, x), []int{0, 1, 2, 2})
		b = d.Score(x, []int{0, 1})
	})
	if !same(a.Shape(), 4, 1) || a.Data[0] == a.Data[2] || a.Data[1] == a.Data[3] {
		t.Errorf("scores %v: the same images under other labels should score differently", a.Data)
	}
	if a.Data[0] != b.Data[0] || a.Data[1] != b.Data[1] {
		t.Errorf("scores %v and %v: eval-mode D should score an image the same in any batch", a.Data[:2], b.Data)
	}
	for _, bad := range []Spec{
		{Kind: "mlp", ZDim: 8, Size: 28, Channels: 1, Classes: 3, CondD: CondProjection},
		{Kind: "dcgan", ZDim: 8, Size: 28, Channels: 1, Classes: 3, CondD: "sum"},
	} {
		if _, err := NewDiscriminator(bad, rand.New(rand.NewPCG(1, 1))); err == nil || !strings.Contains(err.Error(), "--cond-d") {
			t.Errorf("%+v: %v, want an error naming --cond-d", bad, err)
		}
	}
	// concat (spelled out or left empty, as in older configs) builds the
	// classic D with its label plane.
	for _, c := range []string{"", CondConcat} {
		s.CondD = c
		d, _ := NewDiscriminator(s, rand.New(rand.NewPCG(5, 6)))
		if sd := nn.StateDict(d); sd[0].Name != "label_emb.weight" {
			t.Errorf("cond_d %q: first parameter %s, want label_emb.weight", c, sd[0].Name)
		}
	}
}

// The resnet's projection D: its feature body (no label plane) and the
// same head over its Width features.
func TestProjectionResnet(t *testing.T) {
	s := Spec{Kind: "resnet", ZDim: 8, Size: 32, Channels: 3, Classes: 4, Width: 8, CondD: CondProjection}
	d, err := NewDiscriminator(s, rand.New(rand.NewPCG(9, 10)))
	if err != nil {
		t.Fatal(err)
	}
	sd := nn.StateDict(d)
	var tail []string
	for _, p := range sd[len(sd)-3:] {
		tail = append(tail, fmt.Sprint(p.Name, p.T.Shape()))
	}
	if want := []string{"head.linear.weight[1 8]", "head.linear.bias[1]", "head.embed.weight[4 8]"}; !slices.Equal(tail, want) {
		t.Errorf("state dict ends %v, want %v", tail, want)
	}
	if first := sd[0].Name; strings.HasPrefix(first, "label_emb") {
		t.Errorf("a projection D has a label plane (%s)", first)
	}
	if !d.HasFeatures() || d.Head() != nil {
		t.Errorf("HasFeatures %v, Head %v: want features and no plain Linear head", d.HasFeatures(), d.Head())
	}
	x := tensor.Uniform(rand.New(rand.NewPCG(11, 12)), -1, 1, 2, 3, 32, 32)
	var a *tensor.Tensor
	tensor.NoGrad(func() { a = d.Score(tensor.Concat(0, x, x), []int{0, 1, 3, 2}) })
	if !same(a.Shape(), 4, 1) || a.Data[0] == a.Data[2] || a.Data[1] == a.Data[3] {
		t.Errorf("scores %v: the same images under other labels should score differently", a.Data)
	}
}

// With spectral norm every layer of a projection D is normalised, the
// class embedding included, and the DCGAN body drops its BatchNorm.
func TestProjectionSpectralNorm(t *testing.T) {
	for _, kind := range []string{"dcgan", "resnet"} {
		s := Spec{Kind: kind, ZDim: 8, Size: 28, Channels: 1, Classes: 3, CondD: CondProjection, SpectralNorm: true}
		if kind == "resnet" {
			s.Width = 8
		}
		d, err := NewDiscriminator(s, rand.New(rand.NewPCG(13, 14)))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range nn.StateDict(d) {
			names = append(names, p.Name)
		}
		first := map[string]string{"dcgan": "main.0.weight_orig", "resnet": "main.0.c1.weight_orig"}[kind]
		for _, want := range []string{"head.linear.weight_orig", "head.linear.weight_u", "head.embed.weight_orig", "head.embed.weight_u", first} {
			if !slices.Contains(names, want) {
				t.Errorf("%s: state dict lacks %s: %v", kind, want, names)
			}
		}
		for _, n := range names {
			if strings.Contains(n, "running_mean") && kind == "dcgan" {
				t.Errorf("%s: spectral-norm D has BatchNorm %s", kind, n)
			}
		}
	}
}
