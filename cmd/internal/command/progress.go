package command

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Progress shows a long run's progress on w, for every command: on a
// terminal a bar redrawn in place, at most every 100ms; elsewhere (a log
// file, a pipe, /dev/null) a plain line at most every 5 seconds, so logs
// stay readable. It is also an io.Writer: a message written through it
// first ends the bar's line.
type Progress struct {
	w        io.Writer
	terminal bool
	t0, last time.Time
	open     bool // a bar is drawn and its line not yet ended

	now func() time.Time // the clock; tests replace it
}

const (
	barEvery  = 100 * time.Millisecond
	lineEvery = 5 * time.Second
	barWidth  = 30
)

// NewProgress starts a progress display on w; terminal says whether to
// draw a bar (usually IsTerminal(w)).
func NewProgress(w io.Writer, terminal bool) *Progress {
	p := &Progress{w: w, terminal: terminal, now: time.Now}
	p.Restart()
	return p
}

// Terminal reports whether p draws a bar.
func (p *Progress) Terminal() bool { return p.terminal }

// Restart starts the clock again (for Rate and Elapsed), e.g. once a
// resumed run has restored its checkpoint.
func (p *Progress) Restart() { p.t0 = p.now(); p.last = p.t0 }

// Elapsed is the time since NewProgress or Restart.
func (p *Progress) Elapsed() time.Duration { return p.now().Sub(p.t0) }

// Rate is done per second since NewProgress or Restart.
func (p *Progress) Rate(done int) float64 {
	s := p.Elapsed().Seconds()
	if s <= 0 {
		return 0
	}
	return float64(done) / s
}

// Due reports whether it is time to show progress again: 100ms after the
// last showing on a terminal, 5s elsewhere, or at once when final.
func (p *Progress) Due(final bool) bool {
	every := lineEvery
	if p.terminal {
		every = barEvery
	}
	return final || p.now().Sub(p.last) >= every
}

// Show shows done of total: on a terminal a bar followed by status,
// redrawn in place; elsewhere line on a line of its own (nothing when
// line is ""). Callers ask Due first.
func (p *Progress) Show(done, total int, status, line string) {
	p.last = p.now()
	if !p.terminal {
		if line != "" {
			fmt.Fprintln(p.w, line)
		}
		return
	}
	fill := min(barWidth*done/max(total, 1), barWidth)
	bar := strings.Repeat("=", fill)
	if fill < barWidth {
		bar += ">" + strings.Repeat(" ", barWidth-fill-1)
	}
	fmt.Fprintf(p.w, "\r\033[K[%s] %s", bar, status)
	p.open = true
}

// End ends the bar's line, if one is drawn, so what follows (an error, a
// note) starts on a fresh line.
func (p *Progress) End() {
	if p.open {
		fmt.Fprintln(p.w)
		p.open = false
	}
}

// Clear erases the bar, if one is drawn, so a summary line can take its
// place.
func (p *Progress) Clear() {
	if p.open {
		fmt.Fprint(p.w, "\r\033[K")
		p.open = false
	}
}

// Write ends the bar's line, then writes b: notes and warnings go through
// it while a bar is up.
func (p *Progress) Write(b []byte) (int, error) {
	p.End()
	return p.w.Write(b)
}
