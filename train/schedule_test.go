package train

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/gogan/gan/models"
	"github.com/gogan/gan/train/data"
	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

func TestR1Weight(t *testing.T) {
	cases := []struct {
		h    Hyper
		want []float64 // for D updates 0, 1, 2, ...
	}{
		{Hyper{R1: 0, R1Every: 4}, []float64{0, 0, 0, 0, 0}},
		{Hyper{R1: 2}, []float64{2, 2, 2}},             // configs older than --r1-every
		{Hyper{R1: 2, R1Every: 1}, []float64{2, 2, 2}}, // every update
		{Hyper{R1: 2, R1Every: 4}, []float64{8, 0, 0, 0, 8, 0, 0, 0, 8}},
	}
	for _, c := range cases {
		for n, w := range c.want {
			if got := r1Weight(c.h, n); got != w {
				t.Errorf("r1Weight(R1 %v, every %d, update %d) = %v, want %v", c.h.R1, c.h.R1Every, n, got, w)
			}
		}
	}
}

func TestEMADecay(t *testing.T) {
	cases := []struct {
		d      float64
		warmup bool
		step   int
		want   float64
	}{
		{0.999, false, 0, 0.999},
		{0.999, true, 0, 0.1},
		{0.999, true, 80, 0.9},
		{0.999, true, 890, 0.99},
		{0.999, true, 8990, 0.999},
		{0.999, true, 100000, 0.999},
		{0.5, true, 10, 0.5},
	}
	for _, c := range cases {
		if got := emaDecay(c.d, c.warmup, c.step); math.Abs(float64(got)-c.want) > 1e-6 {
			t.Errorf("emaDecay(%v, %v, %d) = %v, want %v", c.d, c.warmup, c.step, got, c.want)
		}
	}
}

// countingD counts D's forward passes.
type countingD struct {
	Plain
	n *int
}

func (c countingD) Score(x *tensor.Tensor, labels []int) *tensor.Tensor {
	*c.n++
	return c.Plain.Score(x, labels)
}

// lazyGAN is a small MLP GAN; the same seed gives the same networks.
func lazyGAN(t *testing.T, h Hyper, calls *int) *GAN {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	g := nn.NewSequential(nn.NewLinear(4, 6, true, rng), nn.NewTanh())
	d := nn.NewSequential(nn.NewLinear(6, 5, true, rng), nn.NewLeakyReLU(0.2), nn.NewLinear(5, 1, true, rng))
	var ema Generator
	if h.EMA > 0 {
		ema = Plain{nn.NewSequential(nn.NewLinear(4, 6, true, rng), nn.NewTanh())}
	}
	h.Loss, h.ZDim, h.LrG, h.LrD, h.Beta1, h.Beta2 = NonSaturating, 4, 1e-2, 1e-2, 0.5, 0.999
	gan, err := NewGAN(Plain{g}, countingD{Plain{d}, calls}, ema, h, 5)
	if err != nil {
		t.Fatal(err)
	}
	return gan
}

func lazyBatch() Batch {
	return Batch{X: tensor.Uniform(rand.New(rand.NewPCG(8, 9)), -1, 1, 4, 6)}
}

// TestLazyR1 checks the schedule (R1 costs D one more forward pass, on
// updates 0, 3, 6, ... only, counted across --d-steps) and the weight: the
// first update of lazy R1 (gamma 2, every 3) is the eager update with
// gamma 6, bit for bit.
func TestLazyR1(t *testing.T) {
	var calls int
	lazy := lazyGAN(t, Hyper{R1: 2, R1Every: 3, DSteps: 2}, &calls)
	var perStep []int
	for i := 0; i < 4; i++ {
		calls = 0
		lazy.TrainStep(lazyBatch)
		perStep = append(perStep, calls)
	}
	// Per step: two D updates of 2 passes, one G pass, plus one per R1.
	// D updates 0..7: R1 on 0 (step 0), 3 (step 1), 6 (step 3).
	want := []int{6, 6, 5, 6}
	for i := range want {
		if perStep[i] != want[i] {
			t.Fatalf("D forward passes per step %v, want %v", perStep, want)
		}
	}

	var c1, c2 int
	a := lazyGAN(t, Hyper{R1: 2, R1Every: 3}, &c1)
	b := lazyGAN(t, Hyper{R1: 6}, &c2)
	sa, sb := a.TrainStep(lazyBatch), b.TrainStep(lazyBatch)
	if sa.LossD != sb.LossD {
		t.Errorf("first lazy update's D loss %v, eager with gamma*N %v", sa.LossD, sb.LossD)
	}
	for i, p := range StateDictOf(a.D) {
		if !bytes.Equal(f32bytes(p.T.Data), f32bytes(StateDictOf(b.D)[i].T.Data)) {
			t.Errorf("D %s differs between lazy and eager-with-gamma*N after the first update", p.Name)
		}
	}
}

// TestEMAWarmupFirstStep: with warm-up, the first update weighs G's new
// weights 0.9 (decay 0.1); without it, the configured decay.
func TestEMAWarmupFirstStep(t *testing.T) {
	for _, warm := range []bool{false, true} {
		var calls int
		gan := lazyGAN(t, Hyper{EMA: 0.5, EMAWarmup: warm}, &calls)
		before := nn.StateDict(gan.EMA)
		var ema0 [][]float32
		for _, p := range before {
			ema0 = append(ema0, append([]float32(nil), p.T.Data...))
		}
		gan.TrainStep(lazyBatch)
		d := float32(0.5)
		if warm {
			d = float32(0.1)
		}
		g := nn.StateDict(gan.G)
		for i, p := range nn.StateDict(gan.EMA) {
			for j, v := range p.T.Data {
				if want := d*ema0[i][j] + (1-d)*g[i].T.Data[j]; v != want {
					t.Fatalf("warm-up %v: EMA %s[%d] = %v, want %v", warm, p.Name, j, v, want)
				}
			}
		}
	}
}

// TestOldConfigReadsAsBefore: a config.json written before --r1-every and
// --ema-warmup existed trains as it did: R1 on every update, no warm-up.
func TestOldConfigReadsAsBefore(t *testing.T) {
	var c Config
	if err := json.Unmarshal([]byte(`{"loss": "hinge", "r1": 10, "ema": 0.999, "d_steps": 1}`), &c); err != nil {
		t.Fatal(err)
	}
	h := c.Hyper()
	if r1Weight(h, 1) != 10 || r1Weight(h, 2) != 10 || emaDecay(h.EMA, h.EMAWarmup, 0) != float32(0.999) {
		t.Errorf("old config: R1 weights %v %v, first EMA decay %v; want 10 10 0.999",
			r1Weight(h, 1), r1Weight(h, 2), emaDecay(h.EMA, h.EMAWarmup, 0))
	}
	if err := c.Validate(); err != nil && !bytes.Contains([]byte(err.Error()), []byte("model")) {
		t.Errorf("old config: %v", err)
	}
	// And a config without them writes them not at all, as before.
	var buf bytes.Buffer
	DefaultConfig().WriteJSON(&buf)
	if bytes.Contains(buf.Bytes(), []byte("r1_every")) || bytes.Contains(buf.Bytes(), []byte("ema_warmup")) {
		t.Errorf("the default config writes the new fields:\n%s", buf.Bytes())
	}
}

// snGAN is a DCGAN on 28x28 images whose D has spectral norm on every
// layer, trained with lazy R1 so that the double backward runs through the
// normalised weights too.
func snGAN(t *testing.T, snSeed uint64) *GAN {
	t.Helper()
	spec := models.Spec{Kind: "dcgan", ZDim: 8, Size: 28, Channels: 1}
	init := rand.New(rand.NewPCG(11, 1))
	g, err := models.NewGenerator(spec, init)
	if err != nil {
		t.Fatal(err)
	}
	d, err := models.NewDiscriminator(spec, init)
	if err != nil {
		t.Fatal(err)
	}
	nn.ApplySpectralNorm(d, rand.New(rand.NewPCG(snSeed, 2)))
	gan, err := NewGAN(g, d, nil, Hyper{Loss: Hinge, ZDim: 8, LrG: 2e-4, LrD: 2e-4, Beta1: 0, Beta2: 0.9,
		R1: 1, R1Every: 2}, 12)
	if err != nil {
		t.Fatal(err)
	}
	return gan
}

// TestSpectralNormResumeIsExact: a GAN whose D is spectrally normalised,
// checkpointed at step 2 and restored into a fresh one (its u and v drawn
// from another seed), reaches the same bits at step 4 as an uninterrupted
// run: weight_u and weight_v travel in the checkpoint.
func TestSpectralNormResumeIsExact(t *testing.T) {
	ds := toyData(16)
	batch := func(step int) func() Batch {
		return func() Batch {
			x := tensor.Zeros(4, 1, 28, 28)
			for i := range 4 {
				ds.Image((step*4+i)%ds.Len(), x.Data[i*784:(i+1)*784])
			}
			return Batch{X: x}
		}
	}
	a := snGAN(t, 1)
	for s := 0; s < 4; s++ {
		a.TrainStep(batch(s))
	}
	b := snGAN(t, 1)
	for s := 0; s < 2; s++ {
		b.TrainStep(batch(s))
	}
	path := filepath.Join(t.TempDir(), "sn.ckpt")
	if err := SaveCheckpoint(path, b, Meta{Config: DefaultConfig(), Loader: data.LoaderState{Seed: 1, Len: 16}}); err != nil {
		t.Fatal(err)
	}
	ck, err := ReadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	c := snGAN(t, 99)
	if err := ck.Restore(c); err != nil {
		t.Fatal(err)
	}
	for s := 2; s < 4; s++ {
		c.TrainStep(batch(s))
	}
	names := 0
	for i, p := range StateDictOf(c.D) {
		q := StateDictOf(a.D)[i]
		if p.Name == "main.0.weight_u" || p.Name == "main.6.weight_v" {
			names++
		}
		if !bytes.Equal(f32bytes(p.T.Data), f32bytes(q.T.Data)) {
			t.Errorf("D %s differs after resume", p.Name)
		}
	}
	if names != 2 {
		t.Errorf("D's state dict lacks the spectral-norm buffers: %v", StateDictOf(c.D))
	}
	for i, p := range StateDictOf(c.G) {
		if !bytes.Equal(f32bytes(p.T.Data), f32bytes(StateDictOf(a.G)[i].T.Data)) {
			t.Errorf("G %s differs after resume", p.Name)
		}
	}
}
