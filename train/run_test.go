package train

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogan/gan/models"
	"github.com/gogan/gan/train/data"
	"github.com/gogan/gan/train/tensor"
)

// toyData is n labelled 28x28 gray images of bars in two classes.
func toyData(n int) data.Dataset {
	rng := rand.New(rand.NewPCG(7, 7))
	pix := make([]uint8, n*28*28)
	labels := make([]int, n)
	for i := 0; i < n; i++ {
		labels[i] = i % 2
		for p := 0; p < 28*28; p++ {
			v := uint8(rng.IntN(40))
			if (labels[i] == 0 && (p%28)/7 == 1) || (labels[i] == 1 && (p/28)/7 == 2) {
				v = 200 + uint8(rng.IntN(50))
			}
			pix[i*28*28+p] = v
		}
	}
	return data.NewImages("toy", 1, 28, 28, pix, labels, []string{"vertical", "horizontal"})
}

func toyConfig(kind string, steps int) Config {
	c := DefaultConfig()
	c.Data = "toy"
	c.Model = models.Spec{Kind: kind, ZDim: 16, Size: 28, Channels: 1}
	c.BatchSize, c.Steps, c.Epochs = 8, steps, 0
	c.Threads = 1
	c.SampleEvery, c.CkptEvery = 2, 2
	return c
}

func trainTo(t *testing.T, cfg Config, dir string, resume bool) *Run {
	t.Helper()
	tensor.SetThreads(cfg.Threads) // the caller sets the threads, as gan-train does
	ds := toyData(40)
	if cfg.Model.Channels == 3 {
		ds = toyRGB(40)
	}
	r, err := Start(cfg, ds, RunOptions{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	if resume {
		if err := r.Restore(); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r
}

// A run stopped at step k and resumed reaches bit-identical weights at step
// n, for every loss and with the EMA, R1 and conditional paths on (the
// resnet's conditional BN included), and so does a VAE with each
// reconstruction loss.
func TestResumeIsExact(t *testing.T) {
	type variant struct {
		name string
		edit func(*Config)
	}
	vs := []variant{
		{"dcgan", func(c *Config) {}},
		{"mlp-cond-ema-r1-lsgan", func(c *Config) {
			c.Model.Kind, c.Conditional, c.EMA, c.R1, c.Loss = "mlp", true, 0.9, 1, LSGAN
		}},
		{"mlp-wgan-gp-2dsteps", func(c *Config) { c.Model.Kind, c.Loss, c.DSteps = "mlp", WGANGP, 2 }},
		{"dcgan-lazy-r1-ema-warmup-2dsteps", func(c *Config) {
			c.R1, c.R1Every, c.DSteps, c.EMA, c.EMAWarmup = 1, 3, 2, 0.9, true
		}},
		{"resnet-ema-r1-hinge", func(c *Config) {
			c.Model.Kind, c.Model.Width, c.EMA, c.R1, c.Loss = "resnet", 4, 0.9, 1, Hinge
		}},
		{"resnet-cond-ema", func(c *Config) { c.Model.Kind, c.Model.Width, c.Conditional, c.EMA = "resnet", 4, true, 0.9 }},
		{"dcgan-cond-projection-augment-r1-ema", func(c *Config) {
			c.Conditional, c.Model.CondD, c.Augment, c.R1, c.EMA = true, models.CondProjection, "translation,cutout", 1, 0.9
		}},
		{"dcgan-rgb-augment-color-wgan-gp-2dsteps", func(c *Config) {
			c.Model.Channels, c.Augment, c.Loss, c.DSteps = 3, "color,translation,cutout", WGANGP, 2
		}},
		{"vae-bce", func(c *Config) { *c = c.WithVAEDefaults() }},
		{"vae-mse-cond-ema-beta4", func(c *Config) {
			*c = c.WithVAEDefaults()
			c.Recon, c.Beta, c.Conditional, c.EMA = ReconMSE, 4, true, 0.9
		}},
		{"vae-l1", func(c *Config) {
			*c = c.WithVAEDefaults()
			c.Recon = ReconL1
		}},
		{"vae-ema-warmup", func(c *Config) {
			*c = c.WithVAEDefaults()
			c.EMA, c.EMAWarmup = 0.9, true
		}},
	}
	for _, v := range vs {
		t.Run(v.name, func(t *testing.T) {
			base := t.TempDir()
			full := toyConfig("dcgan", 7)
			v.edit(&full)
			a := trainTo(t, full, filepath.Join(base, "a"), false)
			half := full
			half.Steps = 4
			trainTo(t, half, filepath.Join(base, "b"), false)
			b := trainTo(t, full, filepath.Join(base, "b"), true)
			pa, pb := a.Model().Parts(), b.Model().Parts()
			for i, p := range StateDictOf(pb.G) {
				q := StateDictOf(pa.G)[i]
				if !bytes.Equal(f32bytes(p.T.Data), f32bytes(q.T.Data)) {
					t.Fatalf("G %s differs after resume", p.Name)
				}
			}
			for i, p := range StateDictOf(pb.D) {
				q := StateDictOf(pa.D)[i]
				if !bytes.Equal(f32bytes(p.T.Data), f32bytes(q.T.Data)) {
					t.Fatalf("D %s differs after resume", p.Name)
				}
			}
			if pb.EMA != nil {
				for i, p := range StateDictOf(pb.EMA) {
					if !bytes.Equal(f32bytes(p.T.Data), f32bytes(StateDictOf(pa.EMA)[i].T.Data)) {
						t.Fatalf("EMA %s differs after resume", p.Name)
					}
				}
			}
			ma, _ := os.ReadFile(filepath.Join(base, "a", "metrics.csv"))
			mb, _ := os.ReadFile(filepath.Join(base, "b", "metrics.csv"))
			if n := strings.Count(string(mb), "\n"); n != 8 {
				t.Errorf("resumed metrics.csv has %d lines, want header + 7", n)
			}
			if col(ma, 2) != col(mb, 2) {
				t.Errorf("loss_d columns differ:\n%s\n%s", col(ma, 2), col(mb, 2))
			}
		})
	}
}

func col(csv []byte, k int) string {
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(csv)), "\n") {
		out = append(out, strings.Split(line, ",")[k])
	}
	return strings.Join(out, " ")
}

func f32bytes(x []float32) []byte {
	b := make([]byte, 0, 4*len(x))
	for _, v := range x {
		u := mathFloat32bits(v)
		b = append(b, byte(u), byte(u>>8), byte(u>>16), byte(u>>24))
	}
	return b
}

func TestRunFolder(t *testing.T) {
	dir := t.TempDir()
	trainTo(t, toyConfig("dcgan", 3), dir, false)
	for _, f := range []string{"config.json", "metrics.csv", "losses.png", "samples/step-000002.png", "samples/step-000003.png", "checkpoints/latest.ckpt"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("run folder lacks %s", f)
		}
	}
	m, _ := os.ReadFile(filepath.Join(dir, "metrics.csv"))
	if !strings.HasPrefix(string(m), MetricsHeader+"\n1,0,") {
		t.Errorf("metrics.csv starts %q", string(m[:min(80, len(m))]))
	}
	if err := CheckOutDir(dir); err == nil {
		t.Error("CheckOutDir accepted a non-empty run folder")
	}
}

func TestCheckpointCorruption(t *testing.T) {
	dir := t.TempDir()
	r := trainTo(t, toyConfig("mlp", 2), dir, false)
	path := r.CheckpointPath()
	good, _ := os.ReadFile(path)
	if _, err := ReadCheckpoint(path); err != nil {
		t.Fatalf("good checkpoint refused: %v", err)
	}
	bad := map[string][]byte{
		"truncated": good[:len(good)/2],
		"flipped":   flip(good, len(good)/3),
		"foreign":   append([]byte("PK\x03\x04 not a checkpoint"), good[20:]...),
		"empty":     {},
	}
	for name, b := range bad {
		p := filepath.Join(dir, name+".ckpt")
		os.WriteFile(p, b, 0o644)
		_, err := ReadCheckpoint(p)
		if err == nil || !strings.Contains(err.Error(), "checkpoint:") || !strings.Contains(err.Error(), p) {
			t.Errorf("%s checkpoint: error %v", name, err)
		}
	}
	// Non-finite weights are never written over the last good checkpoint.
	r.GAN.G.Params()[0].T.Data[0] = float32(posInf())
	if err := r.Save(); !errors.Is(err, ErrNotFinite) {
		t.Errorf("Save with Inf weights: %v", err)
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, good) {
		t.Error("the good checkpoint changed")
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0x40
	return c
}

var _ = tensor.Zeros

// A cancelled context (SIGINT/SIGTERM in gan-train) stops the loop with a
// saved checkpoint that a resume continues from.
func TestInterruptSavesCheckpoint(t *testing.T) {
	dir := t.TempDir()
	r, err := Start(toyConfig("mlp", 50), toyData(40), RunOptions{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	steps := 0
	r.opt.OnStep = func(Record) {
		if steps++; steps == 3 {
			cancel()
		}
	}
	if err := r.Train(ctx); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Train after cancel: %v", err)
	}
	ck, err := ReadCheckpoint(r.CheckpointPath())
	if err != nil || ck.Meta.Step != 3 {
		t.Fatalf("checkpoint after interrupt: %v (%+v)", err, ck)
	}
}

// --eval-every scores the sampler into metrics.csv and keeps the best
// checkpoint beside the latest.
func TestEvalEvery(t *testing.T) {
	dir := t.TempDir()
	cfg := toyConfig("mlp", 4)
	cfg.EvalEvery = 2
	r := trainTo(t, cfg, dir, false)
	scored := 0
	for _, rec := range r.metrics.Records {
		if !math.IsNaN(rec.FID) {
			scored++
			if rec.Step%2 != 0 || rec.FID <= 0 || rec.Perplexity < 1 {
				t.Errorf("step %d: fid %v perplexity %v", rec.Step, rec.FID, rec.Perplexity)
			}
		}
	}
	if scored != 2 {
		t.Errorf("%d evaluated rows, want 2", scored)
	}
	if _, err := ReadCheckpoint(filepath.Join(dir, "checkpoints", "best.ckpt")); err != nil {
		t.Error(err)
	}
	m, _ := os.ReadFile(filepath.Join(dir, "metrics.csv"))
	if !strings.Contains(string(m), "\n1,0,") || strings.Count(string(m), ",,\n") != 2 {
		t.Errorf("metrics.csv:\n%s", m)
	}
}

// A Go program gets typed setting errors naming config.json's fields, and
// a run writes nothing to its Log but notes and warnings: its progress
// goes to OnStep, once a step.
func TestLibraryRunIsQuiet(t *testing.T) {
	cfg := toyConfig("mlp", 4)
	cfg.BatchSize = 41
	_, err := Start(cfg, toyData(40), RunOptions{Out: t.TempDir()})
	var se *SettingError
	if !errors.As(err, &se) || se.Field != "batch_size" || !strings.HasPrefix(err.Error(), "batch_size 41 is larger") {
		t.Fatalf("a batch larger than the data: %v, want a SettingError for batch_size", err)
	}
	if m := se.Message(func(f string) string { return "<" + f + ">" }); !strings.HasPrefix(m, "<batch_size> 41") {
		t.Errorf("Message named the setting as %q", m)
	}
	var log bytes.Buffer
	var steps []int
	r, err := Start(toyConfig("mlp", 4), toyData(40), RunOptions{Out: t.TempDir(), Log: &log,
		OnStep: func(rec Record) { steps = append(steps, rec.Step) }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	if log.Len() > 0 {
		t.Errorf("a quiet run logged %q", log.String())
	}
	if len(steps) != 4 || steps[3] != 4 {
		t.Errorf("OnStep saw steps %v, want 1..4", steps)
	}
}
