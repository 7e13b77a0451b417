package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json's TestEvent).
type event struct {
	Action     string
	Package    string
	ImportPath string // build-output events
	Test       string
	Output     string
}

type key struct{ pkg, test string }

// skip is a skipped test and the reason it printed.
type skip struct {
	pkg, test, reason string
}

// summary echoes results as they arrive and remembers skips and counts.
type summary struct {
	w      io.Writer
	output map[key][]string // output of tests still running
	skips  []skip
	counts map[string]int // pass, fail, skip
	failed []string       // packages that failed
}

func newSummary(w io.Writer) *summary {
	return &summary{w: w, output: map[key][]string{}, counts: map[string]int{}}
}

func (s *summary) read(r io.Reader) error {
	sc := scanner(r)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			fmt.Fprintf(s.w, "%s\n", line) // not JSON: pass it through
			continue
		}
		s.add(e)
	}
	return sc.Err()
}

func (s *summary) add(e event) {
	switch {
	case e.Action == "build-output":
		fmt.Fprint(s.w, e.Output)
	case e.Test == "":
		s.pkgEvent(e)
	case e.Action == "output":
		k := key{e.Package, e.Test}
		s.output[k] = append(s.output[k], e.Output)
	case e.Action == "pass" || e.Action == "fail" || e.Action == "skip":
		k := key{e.Package, e.Test}
		out := s.output[k]
		delete(s.output, k)
		s.counts[e.Action]++
		switch e.Action {
		case "fail":
			for _, l := range out {
				if !isFrame(l) {
					fmt.Fprint(s.w, l)
				}
			}
		case "skip":
			s.skips = append(s.skips, skip{e.Package, e.Test, reason(out)})
		}
	}
}

// pkgEvent prints a package's own output the way plain go test does: its
// result line ("ok", "FAIL", "? ... [no test files]") and anything the
// test binary printed outside a test, but not the bare PASS.
func (s *summary) pkgEvent(e event) {
	switch e.Action {
	case "output":
		if strings.TrimSpace(e.Output) != "PASS" && !isFrame(e.Output) {
			fmt.Fprint(s.w, e.Output)
		}
	case "fail":
		s.failed = append(s.failed, e.Package)
	}
}

// isFrame reports whether l is go test's own framing, not test output.
func isFrame(l string) bool {
	for _, p := range []string{"=== RUN", "=== PAUSE", "=== CONT", "=== NAME"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// reason is what a skipped test printed, without the framing lines.
func reason(out []string) string {
	var parts []string
	for _, l := range out {
		t := strings.TrimSpace(l)
		if t == "" || isFrame(l) || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		parts = append(parts, t)
	}
	if len(parts) == 0 {
		return "(no reason given)"
	}
	r := strings.Join(parts, " / ")
	if len(r) > 300 {
		r = r[:297] + "..."
	}
	return r
}

// report prints the closing summary: counts, then each skipped test with
// its reason. A parent test whose subtests were all skipped shows once per
// subtest.
func (s *summary) report() {
	fmt.Fprintf(s.w, "\ntest summary: %d passed, %d failed, %d skipped", s.counts["pass"], s.counts["fail"], s.counts["skip"])
	if len(s.failed) > 0 {
		fmt.Fprintf(s.w, "; failed packages: %s", strings.Join(s.failed, " "))
	}
	fmt.Fprintln(s.w)
	if len(s.skips) == 0 {
		return
	}
	sort.SliceStable(s.skips, func(i, j int) bool {
		return s.skips[i].pkg+" "+s.skips[i].test < s.skips[j].pkg+" "+s.skips[j].test
	})
	fmt.Fprintf(s.w, "skipped tests (%d):\n", len(s.skips))
	for _, k := range s.skips {
		fmt.Fprintf(s.w, "  SKIP %s %s: %s\n", strings.TrimPrefix(k.pkg, "github.com/gogan/gan/"), k.test, k.reason)
	}
}
