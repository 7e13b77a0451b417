package testenv

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// recorder is a testing.TB that records whether it was failed or skipped
// instead of stopping the goroutine.
type recorder struct {
	testing.TB
	failed, skipped bool
	msg             string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(f string, a ...any) {
	r.failed, r.msg = true, fmt.Sprintf(f, a...)
}
func (r *recorder) Skipf(f string, a ...any) {
	r.skipped, r.msg = true, fmt.Sprintf(f, a...)
}

// outside runs f in a temporary folder with no go.mod above it, so that the
// repository's own third_party does not count.
func outside(t *testing.T, f func()) {
	t.Helper()
	t.Chdir(t.TempDir())
	if repoRoot() != "" {
		t.Skip("the temporary folder is inside a Go module")
	}
	f()
}

// A runtime that fails to load is a failure under CI, with ONNXRUNTIME_LIB
// set, or with the library that make setup installs present; only a
// machine with none of these skips.
func TestRuntimeDecision(t *testing.T) {
	loadErr := errors.New("loading libfoo.so: not onnxruntime")
	cases := []struct {
		name       string
		ci, lib    string
		setup      bool
		wantFailed bool
	}{
		{"bare machine", "", "", false, false},
		{"CI", "true", "", false, true},
		{"CI=false", "false", "", false, false},
		{"ONNXRUNTIME_LIB", "", "/usr/lib/libc.so.6", false, true},
		{"make setup", "", "", true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("CI", c.ci)
			t.Setenv(RuntimeLib, c.lib)
			outside(t, func() {
				if c.setup {
					root, _ := os.Getwd()
					os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\n"), 0o644)
					os.MkdirAll(filepath.Join(root, setupLibDir), 0o755)
					os.WriteFile(filepath.Join(root, setupLibDir, "libonnxruntime.so.1"), nil, 0o644)
				}
				r := &recorder{}
				Runtime(r, loadErr)
				if r.failed != c.wantFailed || r.skipped == c.wantFailed {
					t.Errorf("failed %v skipped %v (%s); want failed %v", r.failed, r.skipped, r.msg, c.wantFailed)
				}
				r = &recorder{}
				Runtime(r, nil)
				if r.failed || r.skipped {
					t.Errorf("a loaded runtime: failed %v skipped %v", r.failed, r.skipped)
				}
			})
		})
	}
}

func TestCheckerDecision(t *testing.T) {
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		r := &recorder{}
		Checker(r, false, "no python3-onnx")
		if r.failed != (ci != "") || r.skipped == (ci != "") {
			t.Errorf("CI=%q: failed %v skipped %v", ci, r.failed, r.skipped)
		}
		r = &recorder{}
		Checker(r, true, "")
		if r.failed || r.skipped {
			t.Errorf("CI=%q with the checker: failed %v skipped %v", ci, r.failed, r.skipped)
		}
	}
}

// Absent data skips; data that is there but cannot be read fails.
func TestDataDecision(t *testing.T) {
	for _, c := range []struct {
		err        error
		fail, skip bool
	}{
		{nil, false, false},
		{fmt.Errorf("mnist: /x/t10k.gz: %w; run make setup", fs.ErrNotExist), false, true},
		{errors.New("mnist: /x/t10k.gz: unexpected EOF; rerun make setup"), true, false},
	} {
		r := &recorder{}
		Data(r, c.err)
		if r.failed != c.fail || r.skipped != c.skip {
			t.Errorf("%v: failed %v skipped %v, want %v %v", c.err, r.failed, r.skipped, c.fail, c.skip)
		}
	}
}

// A python without the modules skips, unless PEER_PYTHON names it: then the
// peer was meant to be there, and it fails.
func TestPythonDecision(t *testing.T) {
	t.Setenv(PeerPython, "")
	r := &recorder{}
	if py := Python(r, "gogan_no_such_module"); py != "" || !r.skipped || r.failed {
		t.Errorf("no module: got %q, failed %v skipped %v", py, r.failed, r.skipped)
	}
	t.Setenv(PeerPython, filepath.Join(t.TempDir(), "python3"))
	r = &recorder{}
	if Python(r, "sys"); !r.failed || r.skipped {
		t.Errorf("PEER_PYTHON names no python: failed %v skipped %v", r.failed, r.skipped)
	}
}
