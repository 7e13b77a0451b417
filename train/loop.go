package train

import (
	"context"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/gogan/gan/internal/atomicfile"
	"github.com/gogan/gan/internal/sheet"
	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// Train runs the loop to the configured step count, writing metrics,
// sample grids and checkpoints into the run folder. When ctx is cancelled
// (SIGINT, SIGTERM) it saves a checkpoint and returns ErrInterrupted.
// RunOptions.OnStep sees every step's record; Train itself writes only
// notes and warnings, to RunOptions.Log.
func (r *Run) Train(ctx context.Context) error {
	var err error
	if r.metrics, err = OpenMetrics(filepath.Join(r.Dir, "metrics.csv"), r.Step()); err != nil {
		return err
	}
	r.start, r.startAt = r.now(), r.Step()
	if n := len(r.metrics.Records); n > 0 {
		r.elapsed0 = time.Duration(r.metrics.Records[n-1].ElapsedS * float64(time.Second))
	}
	r.skipPastSnapshots()
	if r.eval != nil {
		for _, rec := range r.metrics.Records {
			if rec.FID < r.eval.best {
				r.eval.best = rec.FID
			}
		}
	}
	cfg := r.Cfg
	c, h, w := r.Data.Shape()
	next := func() Batch {
		b := r.loader.Next()
		r.epoch = b.Epoch
		var labels []int
		if cfg.Model.Classes > 0 {
			labels = b.Labels
		}
		return Batch{X: tensor.New(b.Images, b.N, c, h, w), Labels: labels}
	}
	stepStart := time.Now()
	for r.Step() < r.total {
		if ctx.Err() != nil {
			if err := r.flushAll(); err != nil {
				return err
			}
			return ErrInterrupted
		}
		st := r.model.TrainStep(next)
		now := time.Now()
		ips := float64(cfg.BatchSize*cfg.DSteps) / now.Sub(stepStart).Seconds()
		stepStart = now
		if !st.Finite() {
			r.metrics.Flush()
			d, g := r.LossNames()
			try := r.sayf("a lower {lr_d}/{lr_g} or another {loss}")
			if r.Cfg.IsVAE() {
				try = r.sayf("a lower {lr_g}/{lr_d}")
			}
			// Only a checkpoint on disk may be called the last good one: a
			// run that diverges before its first has none to offer.
			kept := fmt.Sprintf("the last good checkpoint (%s) is kept", r.CheckpointPath())
			if _, err := os.Stat(r.CheckpointPath()); err != nil {
				kept = "no checkpoint was written before it, so the run must start again"
			}
			return fmt.Errorf("training diverged at step %d: %s=%v %s=%v; %s. Try %s",
				r.Step(), d, st.LossD, g, st.LossG, kept, try)
		}
		rec := Record{Step: r.Step(), Epoch: r.epoch, LossD: st.LossD, LossG: st.LossG, DReal: st.DReal, DFake: st.DFake,
			ImagesPerS: ips, ElapsedS: r.clock().Seconds(), FID: math.NaN(), Perplexity: math.NaN()}
		if r.eval != nil && (r.Step()%cfg.EvalEvery == 0 || r.Step() == r.total) {
			if err := r.evaluate(&rec); err != nil {
				return err
			}
		}
		if err := r.metrics.Add(rec); err != nil {
			return fmt.Errorf("writing metrics: %w", err)
		}
		if msg := r.watch.observe(cfg.Loss, st); msg != "" {
			fmt.Fprintf(r.opt.Log, "warning at step %d: %s\n", r.Step(), nameSettings(msg, r.name))
		}
		if r.opt.OnStep != nil {
			r.opt.OnStep(rec)
		}
		if r.Step()%cfg.SampleEvery == 0 && r.Step() < r.total {
			if err := r.writeSamples(); err != nil {
				return err
			}
		}
		if r.Step()%cfg.CkptEvery == 0 && r.Step() < r.total {
			if err := r.metrics.Flush(); err != nil {
				return err
			}
			if err := r.Save(); err != nil {
				return err
			}
		}
		if stop, err := r.timeHooks(); err != nil {
			return err
		} else if stop {
			break
		}
	}
	if r.opt.OnEnd != nil {
		if err := r.opt.OnEnd(r); err != nil {
			return err
		}
	}
	if err := r.flushAll(); err != nil {
		return err
	}
	return nil
}

func (r *Run) flushAll() error {
	if err := r.metrics.Flush(); err != nil {
		return err
	}
	if err := r.writeSamples(); err != nil {
		return err
	}
	return r.Save()
}

// writeSamples draws the fixed-noise grid with the sampling generator in
// eval mode and redraws losses.png.
func (r *Run) writeSamples() error {
	g := r.model.Sampler()
	var out *tensor.Tensor
	nn.SetTraining(g, false)
	tensor.NoGrad(func() { out = g.Generate(r.fixedZ, r.fixedY) })
	if trains(r.model, g) {
		nn.SetTraining(g, true)
	}
	s := r.Cfg.Model
	img := sheet.Grid(out.Data, out.Dim(0), s.Channels, s.Size, s.Size, 8)
	path := filepath.Join(r.Dir, "samples", fmt.Sprintf("step-%06d.png", r.Step()))
	if err := atomicfile.Write(path, func(w io.Writer) error { return sheet.EncodePNG(w, img) }); err != nil {
		return err
	}
	if r.VAE != nil {
		if err := r.writeReconstructions(); err != nil {
			return err
		}
	}
	return r.writeLossPlot()
}

// writeReconstructions draws the first 32 training images (fewer in a
// smaller dataset) in rows of 8, each row followed by the VAE's
// reconstructions of it.
func (r *Run) writeReconstructions() error {
	c, h, w := r.Data.Shape()
	n := min(32, r.Data.Len())
	cols := min(8, n)
	n -= n % cols
	per := c * h * w
	x := tensor.Zeros(n, c, h, w)
	var labels []int
	for i := 0; i < n; i++ {
		r.Data.Image(i, x.Data[i*per:(i+1)*per])
		if r.Cfg.Model.Classes > 0 {
			labels = append(labels, r.Data.Label(i))
		}
	}
	y := r.VAE.Reconstruct(x, labels)
	pairs := make([]float32, 0, 2*n*per)
	for lo := 0; lo < n; lo += cols {
		pairs = append(pairs, x.Data[lo*per:(lo+cols)*per]...)
		pairs = append(pairs, y.Data[lo*per:(lo+cols)*per]...)
	}
	img := sheet.Grid(pairs, 2*n, c, h, w, cols)
	path := filepath.Join(r.Dir, "samples", fmt.Sprintf("recon-step-%06d.png", r.Step()))
	return atomicfile.Write(path, func(w io.Writer) error { return sheet.EncodePNG(w, img) })
}

func (r *Run) writeLossPlot() error {
	recs := r.metrics.Records
	// Average into at most ~600 points so the curves read as trends.
	stride := max(1, len(recs)/600)
	var x, ld, lg []float64
	for i := 0; i < len(recs); i += stride {
		var a, b float64
		n := 0
		for j := i; j < min(i+stride, len(recs)); j++ {
			a += recs[j].LossD
			b += recs[j].LossG
			n++
		}
		x = append(x, float64(recs[i].Step))
		ld = append(ld, a/float64(n))
		lg = append(lg, b/float64(n))
	}
	title := "losses (" + string(r.Cfg.Loss) + ")"
	if r.Cfg.IsVAE() {
		title = fmt.Sprintf("losses (vae, %s, beta %g)", r.Cfg.Recon, r.Cfg.Beta)
	}
	nd, ng := r.LossNames()
	img := PlotLines(title, 720, 360,
		Series{Name: nd, Color: color.RGBA{200, 40, 40, 255}, X: x, Y: ld},
		Series{Name: ng, Color: color.RGBA{40, 80, 200, 255}, X: x, Y: lg})
	var fx, fy []float64
	for _, rec := range recs {
		if !math.IsNaN(rec.FID) {
			fx, fy = append(fx, float64(rec.Step)), append(fy, rec.FID)
		}
	}
	if len(fx) > 0 {
		fid := PlotLines("FID (lower is better)", 720, 240, Series{Name: "fid", Color: color.RGBA{20, 140, 60, 255}, X: fx, Y: fy})
		img = Stack(img, fid)
	}
	return atomicfile.Write(filepath.Join(r.Dir, "losses.png"), func(w io.Writer) error { return sheet.EncodePNG(w, img) })
}

// LossNames names the loss_d and loss_g columns as the run reports them:
// a VAE logs its reconstruction loss and KL there.
func (r *Run) LossNames() (d, g string) {
	if r.Cfg.IsVAE() {
		return "recon", "kl"
	}
	return "loss_d", "loss_g"
}

// collapseWatch warns once when D wins outright for a long stretch: its
// outputs separate real from fake beyond what the loss can still use.
type collapseWatch struct {
	streak int
	warned bool
}

const collapseSteps = 300

func (c *collapseWatch) observe(l Loss, st Stats) string {
	var wins bool
	var why string
	switch l {
	case Minimax, NonSaturating:
		// D(x) > 0.98 and D(G(z)) < 0.02: G's gradient has all but vanished.
		wins = st.DReal > 3.9 && st.DFake < -3.9
		why = "D gives real images p>0.98 and generated ones p<0.02"
	case LSGAN:
		wins = st.DReal > 0.9 && st.DFake < 0.1
		why = "D scores real images >0.9 and generated ones <0.1"
	case Hinge:
		wins = st.DReal > 1 && st.DFake < -1
		why = "both hinge margins are met, so D's loss is zero"
	case WGANGP:
		wins = st.DReal-st.DFake > 50
		why = "the critic's real-fake gap exceeds 50"
	}
	if !wins {
		c.streak = 0
		return ""
	}
	c.streak++
	if c.streak == collapseSteps && !c.warned {
		c.warned = true
		return fmt.Sprintf("D has won outright for %d steps (%s); G may have collapsed. Look at the samples; consider {r1}, label smoothing or a lower {lr_d}", collapseSteps, why)
	}
	return ""
}
