package command

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time       { return c.t }
func (c *fakeClock) tick(d time.Duration) { c.t = c.t.Add(d) }
func newTestProgress(terminal bool) (*Progress, *fakeClock, *bytes.Buffer) {
	var buf bytes.Buffer
	c := &fakeClock{t: time.Unix(1000, 0)}
	p := NewProgress(&buf, terminal)
	p.now = c.now
	p.Restart()
	return p, c, &buf
}

// run shows 10 of 40 items done each second, as a command would: status
// for the bar, line for logs, always at the end.
func run(p *Progress, c *fakeClock) {
	for done := 10; done <= 40; done += 10 {
		c.tick(time.Second)
		if p.Due(done == 40) {
			p.Show(done, 40, fmt.Sprintf("%d/40 %.0f/s", done, p.Rate(done)), fmt.Sprintf("line %d/40 %.0f/s", done, p.Rate(done)))
		}
	}
}

func TestProgressTerminal(t *testing.T) {
	p, c, buf := newTestProgress(true)
	run(p, c)
	p.Clear()
	fmt.Fprintln(p, "done")
	want := "\r\033[K[=======>                      ] 10/40 10/s" +
		"\r\033[K[===============>              ] 20/40 10/s" +
		"\r\033[K[======================>       ] 30/40 10/s" +
		"\r\033[K[==============================] 40/40 10/s" +
		"\r\033[K" + "done\n"
	if got := buf.String(); got != want {
		t.Errorf("terminal output:\n got %q\nwant %q", got, want)
	}
}

func TestProgressLines(t *testing.T) {
	p, c, buf := newTestProgress(false)
	run(p, c) // 1s apart: only the final line is due
	c.tick(6 * time.Second)
	if !p.Due(false) {
		t.Error("not due 6s after the last line")
	}
	p.Show(40, 40, "bar", "")
	want := "line 40/40 10/s\n"
	if got := buf.String(); got != want {
		t.Errorf("log output:\n got %q\nwant %q", got, want)
	}
	if strings.ContainsAny(buf.String(), "\r\033") {
		t.Error("control characters outside a terminal")
	}
}

func TestProgressEndsBarBeforeMessages(t *testing.T) {
	p, _, buf := newTestProgress(true)
	p.Show(1, 2, "half", "")
	fmt.Fprint(p, "warning\n")
	p.End() // nothing open: no second newline
	want := "\r\033[K[===============>              ] half\nwarning\n"
	if got := buf.String(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if p.Rate(5) != 0 {
		t.Errorf("Rate with no time elapsed = %g, want 0", p.Rate(5))
	}
}
