// Package testenv decides, for tests, whether a missing outside dependency
// is a reason to skip or a failure. A test may skip because the
// onnxruntime library, python3-onnx or MNIST is not there; it must fail when
// the dependency is meant to be there and is broken, or a broken machine
// passes with every test skipped.
//
// The package imports only the standard library, so the tests of every
// package (cgo or not, train or infer) can use it without bending the import
// direction.
package testenv

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// RuntimeLib is the environment variable that names the onnxruntime library
// (infer.LibraryEnv; repeated here so this package needs no cgo).
const RuntimeLib = "ONNXRUNTIME_LIB"

// setupLibDir is where `make setup` installs onnxruntime, relative to the
// repository root.
var setupLibDir = filepath.Join("third_party", "onnxruntime", "lib")

// CI reports whether the tests run under continuous integration: the CI
// variable is set (GitHub Actions, GitLab and most others set CI=true).
func CI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v != "" && v != "0" && v != "false"
}

// RuntimeRequired reports whether onnxruntime must load here, and why:
// under CI, when ONNXRUNTIME_LIB names a library (`make test` always sets
// it), or when `make setup` installed the library in the repository.
func RuntimeRequired() (bool, string) {
	if CI() {
		return true, "CI is set"
	}
	if v := os.Getenv(RuntimeLib); v != "" {
		return true, RuntimeLib + "=" + v
	}
	if root := repoRoot(); root != "" {
		dir := filepath.Join(root, setupLibDir)
		if ents, err := os.ReadDir(dir); err == nil {
			for _, e := range ents {
				if strings.HasPrefix(e.Name(), "libonnxruntime") {
					return true, dir + " holds " + e.Name() + " (make setup)"
				}
			}
		}
	}
	return false, ""
}

// Runtime handles the error of loading the onnxruntime library: nothing when
// it is nil, a failure when RuntimeRequired, a skip otherwise.
func Runtime(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if ok, why := RuntimeRequired(); ok {
		t.Fatalf("onnxruntime failed to load, and it is required here (%s): %v", why, err)
		return
	}
	t.Skipf("onnxruntime not available (run make setup): %v", err)
}

// HaveRuntime is Runtime for a test that goes on without onnxruntime (it
// leaves out only the cases that need it): it reports whether the library
// loaded, and fails t where it is required.
func HaveRuntime(t testing.TB, err error) bool {
	t.Helper()
	if err == nil {
		return true
	}
	if ok, why := RuntimeRequired(); ok {
		t.Fatalf("onnxruntime failed to load, and it is required here (%s): %v", why, err)
		return false
	}
	t.Logf("onnxruntime not available; leaving out the cases that need it: %v", err)
	return false
}

// Checker handles python3-onnx's checker being unavailable (ok false, why
// says what is missing): a failure under CI, where setup installs it, a
// skip elsewhere.
func Checker(t testing.TB, ok bool, why string) {
	t.Helper()
	if ok {
		return
	}
	if CI() {
		t.Fatalf("ONNX checker unavailable under CI: %s", why)
		return
	}
	t.Skipf("ONNX checker unavailable: %s", why)
}

// Data handles the error of loading a data set such as MNIST: nothing when
// it is nil, a skip when the files are absent (the error wraps
// fs.ErrNotExist), a failure for anything else, such as a truncated or
// corrupt file that `make setup` should have replaced.
func Data(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("data not found (run make setup): %v", err)
		return
	}
	t.Fatalf("data present but unreadable: %v", err)
}

// PeerPython is the environment variable that names the python running the
// PyTorch peer (scripts/bench.sh's and bench_quality.sh's PEER_PYTHON).
const PeerPython = "PEER_PYTHON"

// Python returns a python3 that imports every one of modules (e.g. "torch",
// "numpy"): $PEER_PYTHON when set, else Debian's /usr/bin/python3 (where
// `make setup-peer` installs torch) or python3 on PATH. Without one it skips
// t, saying what to install: the peer is optional, even under CI, since
// `make test` does not install it. It fails t when PEER_PYTHON names a
// python that cannot import them, as the peer was meant to be there.
func Python(t testing.TB, modules ...string) string {
	t.Helper()
	imports := "import " + strings.Join(modules, ", ")
	if py := os.Getenv(PeerPython); py != "" {
		if out, err := exec.Command(py, "-c", imports).CombinedOutput(); err != nil {
			t.Fatalf("%s=%s cannot %q: %v\n%s", PeerPython, py, imports, err, out)
		}
		return py
	}
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if p, err := exec.LookPath(py); err == nil && exec.Command(p, "-c", imports).Run() == nil {
			return p
		}
	}
	t.Skipf("no python3 that can %q (run make setup-peer, or set %s)", imports, PeerPython)
	return ""
}

// repoRoot is the folder holding go.mod above the working directory (go
// test runs in the package's folder), or "".
func repoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			return ""
		}
		dir = up
	}
}
