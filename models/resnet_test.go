package models

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
	"github.com/gogan/gan/train/tensor/tensortest"
)

// G and D build for every size, color and conditioning, with the shapes
// and block counts of the plan.
func TestResnetShapes(t *testing.T) {
	for _, size := range []int{28, 32, 64} {
		for _, ch := range []int{1, 3} {
			for _, classes := range []int{0, 4} {
				s := Spec{Kind: "resnet", ZDim: 12, Size: size, Channels: ch, Classes: classes, Width: 8}
				t.Run(specName(s), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(1, 2))
					g, err := NewGenerator(s, rng)
					if err != nil {
						t.Fatal(err)
					}
					d, err := NewDiscriminator(s, rng)
					if err != nil {
						t.Fatal(err)
					}
					z, labels := sample(s, 3, 1)
					img := g.Generate(z, labels)
					if want := fmt.Sprint([]int{3, ch, size, size}); fmt.Sprint(img.Shape()) != want {
						t.Fatalf("G output %v, want %s", img.Shape(), want)
					}
					if f := d.Features(img, labels); fmt.Sprint(f.Shape()) != "[3 8]" {
						t.Errorf("D features %v, want [3 8]", f.Shape())
					}
					if out := d.Score(img, labels); fmt.Sprint(out.Shape()) != "[3 1]" {
						t.Errorf("D output %v, want [3 1]", out.Shape())
					}
					_, up, down, _ := resnetPlan(size)
					names := map[string]bool{}
					for _, p := range nn.StateDict(g) {
						names[p.Name] = true
					}
					last := fmt.Sprintf("main.block%d.c1.weight", up-1)
					if !names[last] || names[fmt.Sprintf("main.block%d.c1.weight", up)] {
						t.Errorf("G state dict should end its blocks at %s", last)
					}
					cbn := names["main.block0.b1.weight"] && names["main.block0.b1.running_mean"]
					if !cbn || !names["main.bn.weight"] || !names["main.lin.weight"] {
						t.Errorf("G state dict lacks the expected names: %v", names)
					}
					var shapes []string
					for _, p := range nn.StateDict(d) {
						if strings.HasSuffix(p.Name, "c_sc.weight") {
							shapes = append(shapes, p.Name)
						}
					}
					// Every downsampling block has a learned shortcut; the
					// two blocks after them keep the identity.
					if len(shapes) != down || d.Head() == nil || !d.HasFeatures() {
						t.Errorf("D shortcuts %v, want %d; head %v", shapes, down, d.Head())
					}
				})
			}
		}
	}
}

func TestResnetSpecErrors(t *testing.T) {
	for _, c := range []struct {
		s    Spec
		want string
	}{
		{Spec{Kind: "resnet", ZDim: 8, Size: 48, Channels: 1}, "28, 32 or 64"},
		{Spec{Kind: "resnet", ZDim: 8, Size: 28, Channels: 1, Width: -1}, "width -1"},
		{Spec{Kind: "dcgan", ZDim: 8, Size: 28, Channels: 1, Width: 32}, "--model resnet"},
	} {
		if err := c.s.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one mentioning %q", c.s, err, c.want)
		}
	}
	if err := (Spec{Kind: "resnet", ZDim: 8, Size: 64, Channels: 3}).Validate(); err != nil {
		t.Error(err)
	}
}

// D is differentiable twice end to end (R1 and WGAN-GP differentiate its
// input gradient): every op on its path records a backward of its own.
func TestResnetDGradGrad(t *testing.T) {
	s := Spec{Kind: "resnet", ZDim: 4, Size: 28, Channels: 1, Width: 3}
	rng := rand.New(rand.NewPCG(4, 4))
	d, err := NewDiscriminator(s, rng)
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.Randn(rng, 0, 0.5, 2, 1, 28, 28)
	f := func(xs []*tensor.Tensor) *tensor.Tensor { return d.Score(xs[0], nil) }
	opt := tensortest.Options{Eps: 1e-3, Tol: 1e-2, MaxPoints: 24}
	tensortest.GradCheck(t, rng, f, []*tensor.Tensor{x}, opt)
	tensortest.GradGradCheck(t, rng, f, []*tensor.Tensor{x}, opt)
}

// G's gradients reach every parameter, conditional BN tables included,
// and match central differences on a tiny model, in evaluation mode where
// BatchNorm is affine. The network is curved enough (ReLU kinks, tanh)
// that steps must be small, 1e-4, and float32 rounding over its 4704
// outputs then costs about 1.5%; a wiring mistake costs far more.
func TestResnetGGrad(t *testing.T) {
	s := Spec{Kind: "resnet", ZDim: 4, Size: 28, Channels: 1, Classes: 3, Width: 2}
	rng := rand.New(rand.NewPCG(5, 5))
	// Statistics away from 0 and 1 (and tables away from 1 and 0): with
	// fresh ones, zero pixels map to exactly zero before a ReLU, a kink
	// that central differences straddle.
	g := trainedLike(t, s, 5)
	z, labels := sample(s, 6, 5)
	xs := []*tensor.Tensor{z}
	var skip []int
	for _, p := range g.Params() {
		// A bias that only reaches a BatchNorm (through the residual sum)
		// has a gradient of exactly zero, which a relative error cannot
		// measure.
		if strings.HasSuffix(p.Name, "c2.bias") || strings.HasSuffix(p.Name, "c_sc.bias") || p.Name == "main.lin.bias" {
			skip = append(skip, len(xs))
		}
		xs = append(xs, p.T)
	}
	f := func(in []*tensor.Tensor) *tensor.Tensor { return g.Generate(in[0], labels) }
	tensortest.GradCheck(t, rng, f, xs, tensortest.Options{Eps: 1e-4, Tol: 3e-2, MaxPoints: 16, Skip: skip})
	for _, p := range g.Params() {
		p.T.SetRequiresGrad(true)
	}
}
