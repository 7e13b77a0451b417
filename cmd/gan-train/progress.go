package main

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"strings"
	"time"

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

// progress shows a training run's progress on stderr: a bar redrawn in
// place on a terminal, or a plain line every 5 seconds elsewhere. It is
// also the run's Log, so a note or warning first ends the bar's line.
type progress struct {
	w        io.Writer
	terminal bool
	open     bool // a bar is drawn and its line not yet ended
	t0, last time.Time
	step0    int
}

func newProgress(w io.Writer, terminal bool) *progress {
	return &progress{w: w, terminal: terminal, t0: time.Now(), last: time.Now()}
}

// start marks the step the session starts at, for the rate and ETA.
func (p *progress) start(step int) { p.t0, p.last, p.step0 = time.Now(), time.Now(), step }

func (p *progress) Write(b []byte) (int, error) {
	p.end()
	return p.w.Write(b)
}

// end ends the bar's line, if one is drawn.
func (p *progress) end() {
	if p.open {
		fmt.Fprintln(p.w)
		p.open = false
	}
}

// step is the run's OnStep: it shows rec, at most every 100ms on a
// terminal and every 5s elsewhere, and always at the last step.
func (p *progress) step(r *train.Run, rec train.Record) {
	step, total := rec.Step, r.Total()
	last := step == total
	if p.terminal && time.Since(p.last) < 100*time.Millisecond && !last ||
		!p.terminal && time.Since(p.last) < 5*time.Second && !last {
		return
	}
	p.last = time.Now()
	rate := float64(step-p.step0) / time.Since(p.t0).Seconds()
	eta := time.Duration(float64(total-step)/math.Max(rate, 1e-9)) * time.Second
	nd, ng := r.LossNames()
	status := fmt.Sprintf("step %d/%d epoch %d %s %.3f %s %.3f %.0f img/s ETA %s",
		step, total, rec.Epoch, nd, rec.LossD, ng, rec.LossG, rate*float64(r.Cfg.BatchSize*r.Cfg.DSteps), eta.Round(time.Second))
	if !p.terminal {
		fmt.Fprintln(p.w, status)
		return
	}
	const width = 24
	filled := width * step / max(1, total)
	fmt.Fprintf(p.w, "\r[%s%s] %s\x1b[K", strings.Repeat("#", filled), strings.Repeat(".", width-filled), status)
	p.open = true
}
