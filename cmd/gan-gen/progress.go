package main

import (
	"fmt"
	"io"

	"github.com/gogan/gan/cmd/internal/command"
)

// progress counts images done on the commands' one progress display: a
// bar on a terminal, otherwise a line every few seconds, then a summary.
type progress struct {
	*command.Progress
	total, n int
}

func newProgress(w io.Writer, total int) *progress {
	return &progress{Progress: command.NewProgress(w, command.IsTerminal(w)), total: total}
}

func (p *progress) add(k int) {
	p.n += k
	tty := p.Terminal()
	if (tty || p.n < p.total) && p.Due(tty && p.n == p.total) {
		p.Show(p.n, p.total, fmt.Sprintf("%d/%d images  %.0f images/s", p.n, p.total, p.Rate(p.n)),
			fmt.Sprintf("gan-gen: %d/%d images (%.0f images/s)", p.n, p.total, p.Rate(p.n)))
	}
}

// done replaces the bar with a summary line.
func (p *progress) done(msg string) {
	p.Clear()
	fmt.Fprintf(p.Progress, "gan-gen: %s in %.2fs (%.0f images/s)\n", msg, p.Elapsed().Seconds(), p.Rate(p.n))
}
