package train

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gogan/gan/train/tensor"
)

// sameWeights fails t unless b's G, D (or encoder) and EMA are bit for bit
// a's.
func sameWeights(t *testing.T, a, b *Run) {
	t.Helper()
	pa, pb := a.Model().Parts(), b.Model().Parts()
	for i, p := range StateDictOf(pb.G) {
		if !bytes.Equal(f32bytes(p.T.Data), f32bytes(StateDictOf(pa.G)[i].T.Data)) {
			t.Fatalf("G %s differs after resume", p.Name)
		}
	}
	for i, p := range StateDictOf(pb.D) {
		if !bytes.Equal(f32bytes(p.T.Data), f32bytes(StateDictOf(pa.D)[i].T.Data)) {
			t.Fatalf("D %s differs after resume", p.Name)
		}
	}
	if (pa.EMA == nil) != (pb.EMA == nil) {
		t.Fatal("one run has an EMA and the other not")
	}
	if pb.EMA != nil {
		for i, p := range StateDictOf(pb.EMA) {
			if !bytes.Equal(f32bytes(p.T.Data), f32bytes(StateDictOf(pa.EMA)[i].T.Data)) {
				t.Fatalf("EMA %s differs after resume", p.Name)
			}
		}
	}
}

// startRun starts cfg in dir, restoring its checkpoint when resume is set,
// and runs hook after every step.
func startRun(t *testing.T, cfg Config, dir string, resume bool, hook func(r *Run)) *Run {
	t.Helper()
	tensor.SetThreads(cfg.Threads) // the caller sets the threads, as gan-train does
	r, err := Start(cfg, toyData(40), RunOptions{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	if resume {
		if err := r.Restore(); err != nil {
			t.Fatal(err)
		}
	}
	if hook != nil {
		r.opt.OnStep = func(Record) { hook(r) }
	}
	return r
}

// Exact resume at 2 threads, and from the two checkpoints a run leaves when
// it does not finish: the periodic one (a crash after step 3, the folder
// copied as it was) and the one SIGINT writes (a cancelled context, as
// gan-train's signal handler does). Each resumed run reaches the
// uninterrupted run's weights and losses bit for bit, for the hinge and
// minimax losses, a conditional DCGAN, a VAE and an --eval-every run (whose
// FID column must repeat too).
func TestResumeFromCheckpointsIsExact(t *testing.T) {
	type variant struct {
		name string
		edit func(*Config)
	}
	vs := []variant{
		{"hinge", func(c *Config) { c.Model.Kind, c.Loss = "mlp", Hinge }},
		{"minimax", func(c *Config) { c.Model.Kind, c.Loss = "mlp", Minimax }},
		{"dcgan-conditional-ema", func(c *Config) { c.Conditional, c.EMA = true, 0.9 }},
		{"vae-bce", func(c *Config) { *c = c.WithVAEDefaults() }},
		{"eval-every", func(c *Config) { c.Model.Kind, c.EvalEvery = "mlp", 2 }},
	}
	for _, v := range vs {
		t.Run(v.name, func(t *testing.T) {
			base := t.TempDir()
			cfg := toyConfig("dcgan", 6)
			cfg.Threads, cfg.CkptEvery, cfg.SampleEvery = 2, 3, 3
			v.edit(&cfg)

			// The uninterrupted run, copied as a crash would leave it just
			// after its periodic checkpoint at step 3.
			crashed := filepath.Join(base, "crashed")
			a := startRun(t, cfg, filepath.Join(base, "a"), false, func(r *Run) {
				if r.Step() == 4 {
					if err := os.CopyFS(crashed, os.DirFS(r.Dir)); err != nil {
						t.Fatal(err)
					}
				}
			})
			if err := a.Train(context.Background()); err != nil {
				t.Fatal(err)
			}
			ck, err := ReadCheckpoint(filepath.Join(crashed, "checkpoints", "latest.ckpt"))
			if err != nil || ck.Meta.Step != 3 {
				t.Fatalf("the crashed copy's checkpoint: %v (step %v), want the periodic one of step 3", err, ck)
			}
			b := startRun(t, cfg, crashed, true, nil)
			if err := b.Train(context.Background()); err != nil {
				t.Fatal(err)
			}
			sameWeights(t, a, b)
			sameColumns(t, a.Dir, b.Dir)

			// Interrupted after step 2, then resumed.
			stopped := filepath.Join(base, "sigint")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			c := startRun(t, cfg, stopped, false, func(r *Run) {
				if r.Step() == 2 {
					cancel()
				}
			})
			if err := c.Train(ctx); !errors.Is(err, ErrInterrupted) {
				t.Fatalf("Train after cancel: %v", err)
			}
			c.Close()
			d := startRun(t, cfg, stopped, true, nil)
			if d.Step() != 2 {
				t.Fatalf("resumed from the SIGINT checkpoint at step %d, want 2", d.Step())
			}
			if err := d.Train(context.Background()); err != nil {
				t.Fatal(err)
			}
			sameWeights(t, a, d)
			sameColumns(t, a.Dir, d.Dir)
		})
	}
}

// sameColumns fails t unless the two runs' metrics.csv agree in the loss
// columns and the FID column.
func sameColumns(t *testing.T, a, b string) {
	t.Helper()
	ma, _ := os.ReadFile(filepath.Join(a, "metrics.csv"))
	mb, _ := os.ReadFile(filepath.Join(b, "metrics.csv"))
	for _, k := range []int{0, 2, 3, 8} {
		if col(ma, k) != col(mb, k) {
			t.Errorf("metrics.csv column %d differs:\n%s\n%s", k, col(ma, k), col(mb, k))
		}
	}
}

// A run that diverges names its last good checkpoint only when one exists:
// before the first checkpoint it says there is none.
func TestDivergenceNamesOnlyARealCheckpoint(t *testing.T) {
	for _, c := range []struct {
		every, poisonAt int
		want, not       string
	}{
		{500, 1, "no checkpoint was written before it", "last good checkpoint"},
		{2, 3, "the last good checkpoint (", "no checkpoint"},
	} {
		cfg := toyConfig("mlp", 6)
		cfg.CkptEvery = c.every
		r := startRun(t, cfg, t.TempDir(), false, func(r *Run) {
			if r.Step() == c.poisonAt {
				r.GAN.G.Params()[0].T.Data[0] = float32(math.NaN())
			}
		})
		err := r.Train(context.Background())
		if err == nil || !strings.Contains(err.Error(), "diverged at step "+strconv.Itoa(c.poisonAt+1)) ||
			!strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), c.not) {
			t.Errorf("checkpoint every %d, NaN after step %d: %v; want it to say %q", c.every, c.poisonAt, err, c.want)
		}
		_, statErr := os.Stat(r.CheckpointPath())
		if (statErr == nil) != (c.every < c.poisonAt) {
			t.Errorf("checkpoint every %d: checkpoint on disk: %v", c.every, statErr)
		}
	}
}
