package main

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"time"

	"github.com/gogan/gan/cmd/internal/command"
	"github.com/gogan/gan/train"
	"github.com/gogan/gan/train/tensor"
)

// setThreads sets the kernel threads for this process: n, or all cores
// for 0.
func setThreads(n int) {
	if n < 1 {
		n = runtime.GOMAXPROCS(0)
	}
	tensor.SetThreads(n)
}

// progress shows a training run's steps on stderr through the commands'
// one progress display (a bar on a terminal, a line every 5s elsewhere).
// It is also the run's Log, so a note or warning first ends the bar's line.
type progress struct {
	*command.Progress
	step0 int
}

func newProgress(w io.Writer, terminal bool) *progress {
	return &progress{Progress: command.NewProgress(w, terminal)}
}

// start marks the step the session starts at, for the rate and ETA.
func (p *progress) start(step int) { p.Restart(); p.step0 = step }

// step is the run's OnStep: it shows rec, at most every 100ms on a
// terminal and every 5s elsewhere, and always at the last step.
func (p *progress) step(r *train.Run, rec train.Record) {
	step, total := rec.Step, r.Total()
	if !p.Due(step == total) {
		return
	}
	rate := float64(step-p.step0) / p.Elapsed().Seconds()
	eta := time.Duration(float64(total-step)/math.Max(rate, 1e-9)) * time.Second
	nd, ng := r.LossNames()
	status := fmt.Sprintf("step %d/%d epoch %d %s %.3f %s %.3f %.0f img/s ETA %s",
		step, total, rec.Epoch, nd, rec.LossD, ng, rec.LossG, rate*float64(r.Cfg.BatchSize*r.Cfg.DSteps), eta.Round(time.Second))
	p.Show(step, total, status, status)
}
