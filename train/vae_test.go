package train

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogan/gan/internal/approx"
	"github.com/gogan/gan/models"
	"github.com/gogan/gan/models/onnx"
	"github.com/gogan/gan/train/tensor"
	"github.com/gogan/gan/train/tensor/tensortest"
)

// reconCase is a batch of 3 images of 2x2 pixels and decoder
// pre-activations kept at least 0.3 away from the images, so that L1's
// kink is not crossed by a finite difference.
func reconCase() (pre, x *tensor.Tensor) {
	rng := rand.New(rand.NewPCG(5, 5))
	pre = tensor.Uniform(rng, -2, 2, 3, 1, 2, 2)
	x = tensor.Zeros(3, 1, 2, 2)
	for i, a := range pre.Data {
		y := math.Tanh(float64(a))
		if y > 0 {
			x.Data[i] = float32(y - 0.3 - 0.5*rng.Float64())
		} else {
			x.Data[i] = float32(y + 0.3 + 0.5*rng.Float64())
		}
	}
	return pre, x
}

// Each reconstruction loss is its per-pixel loss summed over an image and
// averaged over the batch; BCE is the cross entropy of the intensities,
// computed here in float64 from the images themselves.
func TestReconLossValues(t *testing.T) {
	pre, x := reconCase()
	per := map[Recon]func(y, x float64) float64{
		ReconMSE: func(y, x float64) float64 { return (y - x) * (y - x) },
		ReconL1:  func(y, x float64) float64 { return math.Abs(y - x) },
		ReconBCE: func(y, x float64) float64 {
			p, q := (y+1)/2, (x+1)/2
			return -(q*math.Log(p) + (1-q)*math.Log(1-p))
		},
	}
	for _, r := range Recons {
		want := 0.0
		for i, a := range pre.Data {
			want += per[r](math.Tanh(float64(a)), float64(x.Data[i]))
		}
		want /= 3
		var got *tensor.Tensor
		tensor.NoGrad(func() { got = ReconLoss(r, tensor.Tanh(pre), pre, x) })
		if !approx.NearRel(float64(got.Item()), want, 1e-5) {
			t.Errorf("%s: %v, want %v", r, got.Item(), want)
		}
	}
}

// The gradients of every reconstruction loss with respect to the decoder's
// pre-activations match central differences.
func TestReconLossGrad(t *testing.T) {
	pre, x := reconCase()
	for _, r := range Recons {
		t.Run(string(r), func(t *testing.T) {
			f := func(in []*tensor.Tensor) *tensor.Tensor {
				return ReconLoss(r, tensor.Tanh(in[0]), in[0], in[1])
			}
			tensortest.GradCheck(t, rand.New(rand.NewPCG(1, 1)), f, []*tensor.Tensor{pre, x}, tensortest.Options{Eps: 1e-3, Skip: []int{1}})
		})
	}
}

func TestVAEStatsStandIns(t *testing.T) {
	// Column 0 varies across the batch, column 1 barely, column 2 not.
	mu := tensor.New([]float32{1, 0.01, 5, -1, -0.01, 5, 0.5, 0.02, 5, -0.5, 0, 5}, 4, 3)
	if n := activeUnits(mu); n != 1 {
		t.Errorf("active units %d, want 1", n)
	}
	lv := tensor.New([]float32{0, float32(2 * math.Log(0.5))}, 1, 2)
	if s := meanStd(lv); !approx.Near(s, 0.75, 1e-6) {
		t.Errorf("mean std %v, want 0.75", s)
	}
}

func vaeConfig(steps int) Config {
	c := toyConfig("dcgan", steps).WithVAEDefaults()
	c.SampleEvery, c.CkptEvery = 10, 10
	return c
}

// A VAE run on toy data writes the GAN's run folder, lowers its
// reconstruction loss, logs the KL, the stand-ins and --eval-every's FID
// in metrics.csv, and
// exports its decoder, live and from the checkpoint alike, as a generator
// of kind vae.
func TestVAERun(t *testing.T) {
	dir := t.TempDir()
	cfg := vaeConfig(30)
	cfg.Recon, cfg.EvalEvery = ReconMSE, 15
	r := trainTo(t, cfg, dir, false)
	if r.GAN != nil || r.VAE == nil || r.Step() != 30 {
		t.Fatalf("run: GAN %v, VAE %v, step %d", r.GAN, r.VAE, r.Step())
	}
	for _, f := range []string{"config.json", "metrics.csv", "losses.png", "samples/step-000010.png", "samples/step-000030.png",
		"samples/recon-step-000030.png", "checkpoints/latest.ckpt", "checkpoints/best.ckpt"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("run folder lacks %s", f)
		}
	}
	recs := r.metrics.Records
	first, last := 0.0, 0.0
	for i := 0; i < 5; i++ {
		first += recs[i].LossD
		last += recs[len(recs)-1-i].LossD
	}
	t.Logf("reconstruction %.1f -> %.1f", first/5, last/5)
	if !(last < 0.7*first) {
		t.Errorf("reconstruction loss went from %.1f to %.1f (means of 5 steps); want a clear drop", first/5, last/5)
	}
	for _, rec := range recs {
		if scored := !math.IsNaN(rec.FID); scored != (rec.Step%15 == 0) || (scored && !(rec.FID > 0)) {
			t.Errorf("step %d: FID %v with --eval-every 15", rec.Step, rec.FID)
		}
		if !(rec.LossG >= 0) || rec.DReal < 0 || rec.DReal > float64(cfg.Model.ZDim) || !(rec.DFake > 0) {
			t.Fatalf("step %d: kl %v, active units %v, mean std %v", rec.Step, rec.LossG, rec.DReal, rec.DFake)
		}
	}
	saved, err := ReadConfig(filepath.Join(dir, "config.json"))
	if err != nil || saved.Recon != ReconMSE || saved.Beta != 1 || saved.Loss != "" || saved.Model.Kind != "vae" {
		t.Errorf("config.json: %+v (%v)", saved, err)
	}
	var live, fromCkpt bytes.Buffer
	if err := r.Export(&live, false); err != nil {
		t.Fatal(err)
	}
	if err := ExportRun(dir, false, &fromCkpt); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(live.Bytes(), fromCkpt.Bytes()) {
		t.Error("the export from the checkpoint differs from the live run's")
	}
	m, err := onnx.Read(&live)
	if err != nil {
		t.Fatal(err)
	}
	if k := onnx.Meta(m)[models.MetaKind]; k != "vae" {
		t.Errorf("exported kind %q, want vae", k)
	}
}

// Every reconstruction loss trains; beta 0 leaves the KL unweighted (it
// grows freely) and a large beta pushes it toward 0.
func TestVAEBeta(t *testing.T) {
	kl := map[float64]float64{}
	for _, beta := range []float64{0, 20} {
		cfg := vaeConfig(15)
		cfg.Beta = beta
		r := trainTo(t, cfg, t.TempDir(), false)
		recs := r.metrics.Records
		kl[beta] = recs[len(recs)-1].LossG
	}
	t.Logf("KL: %v", kl)
	if !(kl[20] < kl[0]/4) {
		t.Errorf("KL after 15 steps: %v with beta 0, %v with beta 20; want the heavy beta far lower", kl[0], kl[20])
	}
}

func TestVAEConfigValidate(t *testing.T) {
	ok := vaeConfig(1)
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		edit        func(*Config)
		field, want string
	}{
		{func(c *Config) { c.Loss = Hinge }, "loss", "loss hinge"},
		{func(c *Config) { c.Recon = "huber" }, "recon", "recon"},
		{func(c *Config) { c.Beta = -1 }, "beta", "beta"},
		{func(c *Config) { c.DSteps = 2 }, "d_steps", "d_steps"},
		{func(c *Config) { c.GPWeight = 10 }, "gp_weight", "apply to GANs"},
		{func(c *Config) { c.Model.Size = 48 }, "model", "vae model"},
		{func(c *Config) { *c = toyConfig("dcgan", 1); c.Recon = ReconL1 }, "recon", "apply to model.kind vae"},
		{func(c *Config) { *c = toyConfig("mlp", 1); c.Beta = 2 }, "beta", "apply to model.kind vae"},
	}
	for _, k := range cases {
		c := ok
		k.edit(&c)
		err := c.Validate()
		var se *SettingError
		if !errors.As(err, &se) || se.Field != k.field || !strings.Contains(err.Error(), k.want) {
			t.Errorf("config %+v: error %v, want a SettingError for %s mentioning %q", c, err, k.field, k.want)
		}
	}
}

// A GAN checkpoint does not load into a VAE run: the names say which half
// did not fit.
func TestVAERefusesGANCheckpoint(t *testing.T) {
	dir := t.TempDir()
	trainTo(t, toyConfig("dcgan", 1), dir, false)
	r, err := Start(vaeConfig(2), toyData(40), RunOptions{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Restore(); err == nil || !strings.Contains(err.Error(), "checkpoint: encoder") {
		t.Errorf("restoring a GAN checkpoint into a VAE: %v", err)
	}
}
