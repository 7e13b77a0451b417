package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gogan/gan/cmd/internal/command"
)

// progress reports images done: a bar redrawn in place on a terminal,
// otherwise a plain line every few seconds (logs stay readable).
type progress struct {
	w        io.Writer
	tty      bool
	total, n int
	start    time.Time
	last     time.Time
	drawn    bool
}

const (
	barEvery  = 100 * time.Millisecond
	lineEvery = 5 * time.Second
	barWidth  = 30
)

func newProgress(w io.Writer, total int) *progress {
	now := time.Now()
	return &progress{w: w, tty: command.IsTerminal(w), total: total, start: now, last: now}
}

func (p *progress) rate() float64 {
	s := time.Since(p.start).Seconds()
	if s <= 0 {
		return 0
	}
	return float64(p.n) / s
}

func (p *progress) add(k int) {
	p.n += k
	now := time.Now()
	switch {
	case p.tty && (now.Sub(p.last) >= barEvery || p.n == p.total):
		fill := barWidth * p.n / max(p.total, 1)
		bar := strings.Repeat("=", fill)
		if fill < barWidth {
			bar += ">" + strings.Repeat(" ", barWidth-fill-1)
		}
		fmt.Fprintf(p.w, "\r\033[K[%s] %d/%d images  %.0f images/s", bar, p.n, p.total, p.rate())
		p.drawn, p.last = true, now
	case !p.tty && now.Sub(p.last) >= lineEvery && p.n < p.total:
		fmt.Fprintf(p.w, "gan-gen: %d/%d images (%.0f images/s)\n", p.n, p.total, p.rate())
		p.last = now
	}
}

// stop ends the bar's line, so an error message starts on a fresh one.
func (p *progress) stop() {
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

// done replaces the bar with a summary line.
func (p *progress) done(msg string) {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
	fmt.Fprintf(p.w, "gan-gen: %s in %.2fs (%.0f images/s)\n", msg, time.Since(p.start).Seconds(), p.rate())
}
