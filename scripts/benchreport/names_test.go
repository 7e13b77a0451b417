package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every benchmark that scripts/bench.sh and the Makefile name exists in
// some test file: go test -bench with a name that matches nothing runs
// nothing and says so only in passing, so a renamed benchmark would
// silently drop out of make bench.
func TestNamedBenchmarksExist(t *testing.T) {
	root := filepath.Join("..", "..")
	defined := map[string]bool{}
	decl := regexp.MustCompile(`(?m)^func (Benchmark\w+)\(`)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "third_party" || d.Name() == "data" || d.Name() == "runs") {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range decl.FindAllStringSubmatch(string(b), -1) {
			defined[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The scripts also write lines of their own in benchmark form (the
	// commands' timings, gonum without assembly); the report must know
	// those names instead.
	synthetic := regexp.MustCompile(`^Benchmark(Cmd\w*|GonumSgemmNoasm)$`)
	report, err := os.ReadFile("report.go")
	if err != nil {
		t.Fatal(err)
	}
	named := regexp.MustCompile(`Benchmark[A-Z]\w*`)
	for _, f := range []string{"scripts/bench.sh", "scripts/bench_cmd.sh", "Makefile"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, name := range named.FindAllString(string(b), -1) {
			n++
			if synthetic.MatchString(name) {
				if name != "BenchmarkCmd" && !strings.Contains(string(report), name) {
					t.Errorf("%s writes %s lines, which report.go does not pair", f, name)
				}
				continue
			}
			if !defined[name] {
				t.Errorf("%s names %s, which no test file defines", f, name)
			}
		}
		if n == 0 {
			t.Errorf("%s names no benchmark; has the format changed?", f)
		}
	}
}
