//go:build cgo

package infer

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildsWithoutCgo: with CGO_ENABLED=0 every package of the module
// still compiles (nocgo.go stands in for the onnxruntime side), and infer's
// errors say that cgo is missing (TestNoCgo).
func TestBuildsWithoutCgo(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping in -short: builds the module twice without cgo")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("skipping: no go command on PATH")
	}
	root, _ := filepath.Abs("..")
	for _, args := range [][]string{{"build", "./..."}, {"test", "-count=1", "-run", "^TestNoCgo$", "./infer/"}} {
		cmd := exec.Command(goTool, args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		if err != nil || strings.Contains(string(out), "no tests to run") {
			t.Errorf("CGO_ENABLED=0 go %v: %v\n%s", args, err, out)
		}
	}
}
