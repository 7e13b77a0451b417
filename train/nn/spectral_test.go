package nn_test

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
	"github.com/gogan/gan/train/tensor/tensortest"
)

// snNet is a small discriminator-like stack with every kind of layer that
// spectral norm applies to, and one it leaves alone (the Embedding).
func snNet(rng *rand.Rand) *nn.Sequential {
	return nn.NewSequential(
		nn.NewConv2d(1, 4, 3, 1, 1, true, rng),
		nn.NewBatchNorm2d(4),
		nn.NewLeakyReLU(0.2),
		nn.NewConvTranspose2d(4, 2, 4, 2, 1, 0, false, rng),
		nn.NewFlatten(),
		nn.NewLinear(2*8*8, 1, true, rng),
		nn.NewEmbedding(3, 5, rng),
	)
}

// The state dict of snNet after torch.nn.utils.spectral_norm on its Conv2d,
// ConvTranspose2d and Linear (num_batches_tracked is not kept).
var torchSN = []shaped{
	{"0.bias", []int{4}},
	{"0.weight_orig", []int{4, 1, 3, 3}},
	{"0.weight_u", []int{4}},
	{"0.weight_v", []int{9}},
	{"1.weight", []int{4}},
	{"1.bias", []int{4}},
	{"1.running_mean", []int{4}},
	{"1.running_var", []int{4}},
	{"3.weight_orig", []int{4, 2, 4, 4}},
	{"3.weight_u", []int{2}},
	{"3.weight_v", []int{64}},
	{"5.bias", []int{1}},
	{"5.weight_orig", []int{1, 128}},
	{"5.weight_u", []int{1}},
	{"5.weight_v", []int{128}},
	{"6.weight", []int{3, 5}},
}

func TestSpectralNormNames(t *testing.T) {
	rng := rand.New(rand.NewPCG(seedBase, 40))
	m := snNet(rng)
	nn.ApplySpectralNorm(m, rng)
	checkNames(t, "StateDict", nn.StateDict(m), torchSN)
	var params []shaped
	for _, s := range torchSN {
		if !strings.Contains(s.name, "running") && !strings.Contains(s.name, "_u") && !strings.Contains(s.name, "_v") {
			params = append(params, s)
		}
	}
	checkNames(t, "Params", m.Params(), params)
	// A second call leaves the layers as they are; enabling one twice is
	// a programming error.
	u := m.At(0).(*nn.Conv2d).SN.U.Clone()
	nn.ApplySpectralNorm(m, rng)
	checkNames(t, "StateDict after a second ApplySpectralNorm", nn.StateDict(m), torchSN)
	if !equalBits(u.Data, m.At(0).(*nn.Conv2d).SN.U.Data) {
		t.Error("a second ApplySpectralNorm redrew u")
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "already on") {
			t.Errorf("enabling twice: panic %v, want one saying it is already on", r)
		}
	}()
	m.At(5).(*nn.Linear).EnableSpectralNorm(rng)
}

func equalBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// TestSpectralNormModes: a training forward pass moves u and v, an eval one
// leaves them, and SetTraining reaches the layers through the tree.
func TestSpectralNormModes(t *testing.T) {
	rng := rand.New(rand.NewPCG(seedBase, 41))
	l := nn.NewLinear(6, 4, true, rng)
	m := nn.NewSequential(l)
	nn.ApplySpectralNorm(m, rng)
	x := tensor.Randn(rng, 0, 1, 3, 6)
	u0 := l.SN.U.Clone()
	m.Forward(x)
	if equalBits(u0.Data, l.SN.U.Data) {
		t.Fatal("a training forward pass left u unchanged")
	}
	nn.SetTraining(m, false)
	if l.SN.Training {
		t.Fatal("SetTraining(false) did not reach the spectral norm")
	}
	u1, v1 := l.SN.U.Clone(), l.SN.V.Clone()
	y1 := m.Forward(x)
	y2 := m.Forward(x)
	if !equalBits(u1.Data, l.SN.U.Data) || !equalBits(v1.Data, l.SN.V.Data) {
		t.Error("an eval forward pass changed u or v")
	}
	if !equalBits(y1.Data, y2.Data) {
		t.Error("two eval forward passes differ")
	}
}

// TestSpectralNormBoundsSigma: after enough training passes the normalised
// weight's largest singular value is 1, measured by an independent power
// method run to convergence.
func TestSpectralNormBoundsSigma(t *testing.T) {
	rng := rand.New(rand.NewPCG(seedBase, 42))
	for _, m := range []nn.Module{
		nn.NewLinear(7, 5, false, rng),
		nn.NewConv2d(3, 6, 3, 1, 1, false, rng),
		nn.NewConvTranspose2d(6, 3, 4, 2, 1, 0, false, rng),
	} {
		nn.ApplySpectralNorm(m, rng)
		var w *tensor.Tensor
		var sn *nn.SpectralNorm
		var x *tensor.Tensor
		switch l := m.(type) {
		case *nn.Linear:
			w, sn, x = l.Weight, l.SN, tensor.Randn(rng, 0, 1, 2, 7)
		case *nn.Conv2d:
			w, sn, x = l.Weight, l.SN, tensor.Randn(rng, 0, 1, 1, 3, 4, 4)
		case *nn.ConvTranspose2d:
			w, sn, x = l.Weight, l.SN, tensor.Randn(rng, 0, 1, 1, 6, 2, 2)
		}
		for i := 0; i < 200; i++ {
			m.Forward(x)
		}
		wn := sn.Apply(w)
		u, v := tensor.Full(1, sn.U.Numel()), tensor.Zeros(sn.V.Numel())
		tensor.PowerIteration(wn, u, v, sn.Dim, 500, 1e-12)
		if s := tensor.SpectralSigma(wn, u, v, sn.Dim); math.Abs(s-1) > 1e-4 {
			t.Errorf("%T: largest singular value of the normalised weight %v, want 1", m, s)
		}
	}
}

// TestGradSpectralNorm checks the layers with spectral norm on, to first
// and second order (the second is what R1 needs through a normalised D).
// The checks run in eval mode: in training mode every evaluation would move
// u. The layer's weight and bias fields are pointed at the checker's inputs
// so that its fresh copies for the second order are the ones used.
func TestGradSpectralNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(seedBase, 43))
	type layer struct {
		m   nn.Module
		x   *tensor.Tensor
		set func(w, b *tensor.Tensor)
	}
	lin := nn.NewLinear(5, 3, true, rng)
	conv := nn.NewConv2d(3, 4, 3, 2, 1, true, rng)
	convT := nn.NewConvTranspose2d(3, 2, 4, 2, 1, 0, true, rng)
	for _, c := range []layer{
		{lin, tensor.Randn(rng, 0, 1, 4, 5), func(w, b *tensor.Tensor) { lin.Weight, lin.Bias = w, b }},
		{conv, tensor.Randn(rng, 0, 1, 2, 3, 5, 5), func(w, b *tensor.Tensor) { conv.Weight, conv.Bias = w, b }},
		{convT, tensor.Randn(rng, 0, 1, 2, 3, 3, 3), func(w, b *tensor.Tensor) { convT.Weight, convT.Bias = w, b }},
	} {
		nn.ApplySpectralNorm(c.m, rng)
		tensor.NoGrad(func() { c.m.Forward(c.x); c.m.Forward(c.x) })
		nn.SetTraining(c.m, false)
		ps := c.m.Params() // bias, weight_orig
		xs := []*tensor.Tensor{c.x, ps[1].T, ps[0].T}
		f := func(in []*tensor.Tensor) *tensor.Tensor {
			c.set(in[1], in[2])
			return tensor.Tanh(c.m.Forward(in[0]))
		}
		tensortest.GradCheck(t, rng, f, xs, tensortest.Options{})
		tensortest.GradGradCheck(t, rng, f, xs, tensortest.Options{})
		c.set(xs[1], xs[2])
	}

	e := nn.NewEmbedding(6, 4, rng)
	e.EnableSpectralNorm(rng)
	idx := tensor.New([]float32{2, 0, 5, 2, 2, 1}, 3, 2)
	e.Forward(idx)
	e.SetTraining(false)
	w := e.Weight
	f := func(in []*tensor.Tensor) *tensor.Tensor { e.Weight = in[0]; return tensor.Tanh(e.Forward(idx)) }
	tensortest.GradCheck(t, rng, f, []*tensor.Tensor{w}, tensortest.Options{})
	tensortest.GradGradCheck(t, rng, f, []*tensor.Tensor{w}, tensortest.Options{})
	e.Weight = w
}

// TestSpectralNormRoundTrip: a normalised network written with
// WriteTensors and loaded into a fresh one continues bit for bit, u and v
// included.
func TestSpectralNormRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(seedBase, 44))
	a := snNet(rng)
	nn.ApplySpectralNorm(a, rng)
	// The image layers (the Embedding at 6 takes labels).
	images := func(m *nn.Sequential) *nn.Sequential {
		return nn.NewSequential(m.At(0), m.At(1), m.At(2), m.At(3), m.At(4), m.At(5))
	}
	x := tensor.Randn(rng, 0, 1, 2, 1, 4, 4)
	images(a).Forward(x) // move u and v away from their initial draw
	var buf bytes.Buffer
	if err := nn.WriteTensors(&buf, nn.StateDict(a)); err != nil {
		t.Fatal(err)
	}
	ps, err := nn.ReadTensors(&buf)
	if err != nil {
		t.Fatal(err)
	}
	other := rand.New(rand.NewPCG(seedBase, 45))
	b := snNet(other)
	nn.ApplySpectralNorm(b, other)
	if err := nn.LoadStateDict(b, ps); err != nil {
		t.Fatal(err)
	}
	za, zb := images(a), images(b)
	for i := 0; i < 2; i++ {
		if !equalBits(za.Forward(x).Data, zb.Forward(x).Data) {
			t.Fatalf("forward %d after loading differs", i)
		}
	}
	sa, sb := nn.StateDict(a), nn.StateDict(b)
	for i := range sa {
		if !equalBits(sa[i].T.Data, sb[i].T.Data) {
			t.Errorf("%s differs after two training passes", sa[i].Name)
		}
	}
}
