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

// TestInstallLayout: a program installed as `make install` lays it out
// (PREFIX/bin/PROGRAM, PREFIX/lib/libonnxruntime.so.1), run from outside
// the repository with no ONNXRUNTIME_LIB or LD_LIBRARY_PATH, loads the
// library beside it. The program is this test binary, copied.
func TestInstallLayout(t *testing.T) {
	lib, err := resolveLibrary(here(""))
	if err != nil {
		t.Skipf("skipping: %v", err)
	}
	prefix := filepath.Join(t.TempDir(), "prefix")
	exe := filepath.Join(prefix, "bin", "infer-test")
	installed := filepath.Join(prefix, "lib", "libonnxruntime.so.1")
	os.MkdirAll(filepath.Dir(exe), 0o755)
	os.MkdirAll(filepath.Dir(installed), 0o755)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// os.Executable resolves symbolic links, so the program must be a real
	// file in bin/ (a hard link where the file system allows); the library
	// may be a link.
	if err := os.Link(self, exe); err != nil {
		b, err := os.ReadFile(self)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(exe, b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(lib, installed); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Dir = filepath.Dir(prefix)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, LibraryEnv+"=") && !strings.HasPrefix(kv, "LD_LIBRARY_PATH=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "INFER_TEST_LIBRARY=1")
	out, err := cmd.CombinedOutput()
	if got := strings.TrimSpace(string(out)); err != nil || got != installed {
		t.Errorf("installed program loaded %q (%v); want %s", got, err, installed)
	}
}
