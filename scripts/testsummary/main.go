// Command testsummary reads `go test -json` on stdin, prints what plain
// `go test` would (each package's result line, and the output of failed
// tests), and closes with every skipped test and its reason, so that a
// skip cannot hide in CI's output. `make test` pipes through it; the
// Makefile's pipefail keeps go test's exit status.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
)

func main() {
	s := newSummary(os.Stdout)
	if err := s.read(os.Stdin); err != nil {
		fmt.Fprintf(os.Stderr, "testsummary: reading go test -json: %v\n", err)
		os.Exit(1)
	}
	s.report()
}

// scanner returns a line scanner with room for long output lines.
func scanner(r io.Reader) *bufio.Scanner {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	return sc
}
