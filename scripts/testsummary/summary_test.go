package main

import (
	"bytes"
	"strings"
	"testing"
)

// A stream with a pass, a skip with its reason, a skipped subtest, a
// failure and a package without tests: the failure's output and the
// package lines are echoed as plain go test prints them, and the closing
// summary counts them and lists both skips with their reasons.
func TestSummary(t *testing.T) {
	in := `{"Action":"start","Package":"github.com/gogan/gan/infer"}
{"Action":"run","Package":"github.com/gogan/gan/infer","Test":"TestA"}
{"Action":"output","Package":"github.com/gogan/gan/infer","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"output","Package":"github.com/gogan/gan/infer","Test":"TestA","Output":"--- PASS: TestA (0.00s)\n"}
{"Action":"pass","Package":"github.com/gogan/gan/infer","Test":"TestA","Elapsed":0}
{"Action":"output","Package":"github.com/gogan/gan/infer","Test":"TestGPU","Output":"=== RUN   TestGPU\n"}
{"Action":"output","Package":"github.com/gogan/gan/infer","Test":"TestGPU","Output":"    bench_test.go:114: set GOGAN_TEST_PROVIDER (e.g. cuda)\n"}
{"Action":"output","Package":"github.com/gogan/gan/infer","Test":"TestGPU","Output":"--- SKIP: TestGPU (0.00s)\n"}
{"Action":"skip","Package":"github.com/gogan/gan/infer","Test":"TestGPU","Elapsed":0}
{"Action":"output","Package":"github.com/gogan/gan/infer","Test":"TestB/sub","Output":"    --- SKIP: TestB/sub (0.00s)\n"}
{"Action":"skip","Package":"github.com/gogan/gan/infer","Test":"TestB/sub","Elapsed":0}
{"Action":"output","Package":"github.com/gogan/gan/infer","Test":"TestC","Output":"=== RUN   TestC\n"}
{"Action":"output","Package":"github.com/gogan/gan/infer","Test":"TestC","Output":"    x_test.go:9: broken\n"}
{"Action":"output","Package":"github.com/gogan/gan/infer","Test":"TestC","Output":"--- FAIL: TestC (0.00s)\n"}
{"Action":"fail","Package":"github.com/gogan/gan/infer","Test":"TestC","Elapsed":0}
{"Action":"output","Package":"github.com/gogan/gan/infer","Output":"PASS\n"}
{"Action":"output","Package":"github.com/gogan/gan/infer","Output":"FAIL\tgithub.com/gogan/gan/infer\t0.1s\n"}
{"Action":"fail","Package":"github.com/gogan/gan/infer","Elapsed":0.1}
{"Action":"output","Package":"github.com/gogan/gan/docs","Output":"?   \tgithub.com/gogan/gan/docs\t[no test files]\n"}
{"Action":"skip","Package":"github.com/gogan/gan/docs","Elapsed":0}
# github.com/gogan/gan/broken
{"ImportPath":"github.com/gogan/gan/broken","Action":"build-output","Output":"broken/x.go:1:1: syntax error\n"}
`
	var out bytes.Buffer
	s := newSummary(&out)
	if err := s.read(strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	s.report()
	got := out.String()
	for _, want := range []string{
		"    x_test.go:9: broken\n--- FAIL: TestC (0.00s)\n",
		"FAIL\tgithub.com/gogan/gan/infer\t0.1s\n",
		"?   \tgithub.com/gogan/gan/docs\t[no test files]\n",
		"# github.com/gogan/gan/broken\n",
		"broken/x.go:1:1: syntax error\n",
		"test summary: 1 passed, 1 failed, 2 skipped; failed packages: github.com/gogan/gan/infer\n",
		"skipped tests (2):\n  SKIP infer TestB/sub: (no reason given)\n  SKIP infer TestGPU: bench_test.go:114: set GOGAN_TEST_PROVIDER (e.g. cuda)\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	for _, not := range []string{"=== RUN", "--- PASS", "PASS\n"} {
		if strings.Contains(got, not) {
			t.Errorf("output has %q, which plain go test does not print:\n%s", not, got)
		}
	}
}
